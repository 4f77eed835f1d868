package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"precis/storage"
	"precis/summarize/extract/pdftest"
)

// crashEnv runs the server on the built-in summarizer with a short job lease, so a
// restarted server resumes the jobs the killed one held within seconds.
var crashEnv = []string{"PRECIS_OLLAMA_URL=off", "PRECIS_JOB_LEASE=2s", "PRECIS_LOG_LEVEL=info"}

// TestKill9KeepsActionsAndAuditTogether kills the real server with SIGKILL while several
// clients upload, relabel and delete documents and create API tokens, and the workers
// summarize, three times on one data directory. After each kill every action and its
// audit event are both in the database or both absent (checkCrashPairs), the audit chain
// verifies, every request the server acknowledged is there (crashAcks.missing), and the
// server starts again. The checkers have their own negative tests:
// TestCrashCheckerNoticesUnpairedRows and TestCrashCheckerNoticesMissingAcks.
func TestKill9KeepsActionsAndAuditTogether(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "precis.db")
	acks := &crashAcks{}
	var all crashTally
	for cycle := 1; cycle <= 3; cycle++ {
		srv := startPrecis(t, dir, crashEnv...) // after a kill: the server must start again
		load := startCrashLoad(t, srv, cycle, acks, 6)
		time.Sleep(time.Second + rand.N(2*time.Second))
		inFlight := load.halt()
		srv.kill()
		tally := load.finish()
		all.add(tally)
		t.Logf("cycle %d: SIGKILL with %d requests in flight; %s", cycle, inFlight, &tally)
		for _, s := range tally.unexpected {
			t.Errorf("cycle %d: unexpected answer %s", cycle, s)
		}
		crashCheck(t, fmt.Sprintf("cycle %d", cycle), dbPath, acks)
	}

	// After the third kill the server starts, resumes the jobs left queued or running and
	// stops gracefully; what it did meanwhile keeps the same pairing.
	srv := startPrecis(t, dir, crashEnv...)
	st := openStore(t, dir)
	crashWaitIdle(t, st, 40*time.Second)
	srv.stop()
	pairs := crashCheck(t, "after the final restart", dbPath, acks)
	t.Logf("all cycles: %s", &all)
	if all.acked["upload"] == 0 || all.acked["label"] == 0 || all.acked["token"] == 0 || all.acked["delete"] == 0 {
		t.Errorf("some kind of request was never acknowledged (%v): the test proved less than it claims", all.acked)
	}
	if pairs.Summaries == 0 || pairs.Labels[storage.LabelByAdmin] == 0 {
		t.Errorf("no summary or no admin label change was stored (%+v): the test proved less than it claims", pairs)
	}
}

// crashCheck runs the pairing checker and the acknowledgement checks on the stopped
// server's database, failing the test for every problem.
func crashCheck(t *testing.T, when, dbPath string, acks *crashAcks) crashPairs {
	t.Helper()
	pairs, problems, err := checkCrashPairs(context.Background(), dbPath)
	if err != nil {
		t.Fatalf("%s: check: %v", when, err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", when, p)
	}
	for _, p := range acks.missing(t, dbPath) {
		t.Errorf("%s: acknowledged before the kill but missing: %s", when, p)
	}
	t.Logf("%s: pairs checked: %s", when, &pairs)
	return pairs
}

// crashWaitIdle polls until no job is queued or running.
func crashWaitIdle(t *testing.T, st *storage.Store, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rows, err := st.ListDocuments(context.Background(), storage.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, r := range rows {
			if r.Job != nil && !finished(r.Job) {
				active++
			}
		}
		if active == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d documents still have a queued or running job after %s", active, len(rows), timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// crashAcks are the requests the server acknowledged, over all cycles.
type crashAcks struct {
	mu      sync.Mutex
	uploads []string // sha256 of every file of an acknowledged upload
	labels  []string // reasons of acknowledged label changes (each unique)
	deletes []int64  // documents whose deletion was acknowledged
	tokens  []string // names of acknowledged API tokens (each unique)
}

// missing lists the acknowledged requests whose effect is not in the database: an
// uploaded file with neither its document nor a document.delete event naming its hash, a
// label change with neither its row nor a later deletion of its document, a deleted
// document still there, a token not there.
func (a *crashAcks) missing(t *testing.T, dbPath string) []string {
	t.Helper()
	db := crashReadOnly(t, dbPath)
	var out []string
	exists := func(q string, args ...any) bool {
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n > 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, h := range a.uploads {
		if !exists(`SELECT count(*) FROM documents WHERE sha256 = ?`, h) &&
			!exists(`SELECT count(*) FROM audit_events WHERE action = 'document.delete' AND details ->> 'sha256' = ?`, h) {
			out = append(out, "the uploaded file "+h[:12])
		}
	}
	for _, r := range a.labels {
		if !exists(`SELECT count(*) FROM label_changes WHERE reason = ? AND source = 'admin'`, r) &&
			!exists(`SELECT count(*) FROM audit_events l JOIN audit_events d ON d.action = 'document.delete'
				AND d.object_id = l.object_id AND d.seq > l.seq
				WHERE l.action = 'document.label' AND l.details ->> 'reason' = ?`, r) {
			out = append(out, fmt.Sprintf("the label change %q", r))
		}
	}
	for _, id := range a.deletes {
		if exists(`SELECT count(*) FROM documents WHERE id = ?`, id) {
			out = append(out, fmt.Sprintf("the deletion of document %d (it is still there)", id))
		}
	}
	for _, n := range a.tokens {
		if !exists(`SELECT count(*) FROM api_tokens WHERE name = ?`, n) {
			out = append(out, fmt.Sprintf("the API token %q", n))
		}
	}
	return out
}

// crashReadOnly opens the SQLite file read-only, as an auditor would.
func crashReadOnly(t *testing.T, dbPath string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// crashLoad is one cycle's clients: goroutines sending state-changing requests with the
// admin's API token until finish.
type crashLoad struct {
	srv      *server
	cycle    int
	acks     *crashAcks
	picker   *sql.DB // read-only view of the live database, to pick documents
	client   *http.Client
	halted   atomic.Bool // no new request starts; those in flight meet the kill
	wg       sync.WaitGroup
	inFlight atomic.Int64
	mu       sync.Mutex
	tally    crashTally
}

// crashTally counts one cycle's requests by kind and answer.
type crashTally struct {
	sent, answered map[string]int
	acked          map[string]int // answered 2xx or 3xx: the server says it was done
	statuses       map[string]int // "upload 303" -> n
	unexpected     []string       // answers that no request of this kind should get
}

// crashBump adds n to (*m)[k], making the map when needed.
func crashBump(m *map[string]int, k string, n int) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[k] += n
}

func (c *crashTally) add(o crashTally) {
	merge := func(to *map[string]int, from map[string]int) {
		for k, v := range from {
			crashBump(to, k, v)
		}
	}
	merge(&c.sent, o.sent)
	merge(&c.answered, o.answered)
	merge(&c.acked, o.acked)
	merge(&c.statuses, o.statuses)
	c.unexpected = append(c.unexpected, o.unexpected...)
}

func (c *crashTally) String() string {
	total := func(m map[string]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	keys := slices.Sorted(maps.Keys(c.statuses))
	var st []string
	for _, k := range keys {
		st = append(st, fmt.Sprintf("%s:%d", k, c.statuses[k]))
	}
	return fmt.Sprintf("sent %d (%v), answered %d, acknowledged %d (%v); answers: %s",
		total(c.sent), c.sent, total(c.answered), total(c.acked), c.acked, strings.Join(st, " "))
}

// crashExpected is what each kind of request may be answered before the kill: 303 or
// 200 when done; 409 for a label changed meanwhile or a document whose job still runs;
// 404 for a document deleted meanwhile. An upload whose new document another client
// deletes before its job is queued still succeeds (handlers' queue).
var crashExpected = map[string][]int{
	"upload": {http.StatusSeeOther},
	"label":  {http.StatusSeeOther, http.StatusConflict, http.StatusNotFound},
	"delete": {http.StatusSeeOther, http.StatusConflict, http.StatusNotFound},
	"token":  {http.StatusOK},
}

// startCrashLoad starts n clients against srv.
func startCrashLoad(t *testing.T, srv *server, cycle int, acks *crashAcks, n int) *crashLoad {
	l := &crashLoad{srv: srv, cycle: cycle, acks: acks,
		picker: crashReadOnly(t, filepath.Join(srv.DataDir, "precis.db")),
		client: &http.Client{Timeout: 20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for g := range n {
		l.wg.Add(1)
		go l.run(g)
	}
	return l
}

// halt lets no new request start and returns how many are in flight: the kill that
// follows meets them.
func (l *crashLoad) halt() int64 {
	l.halted.Store(true)
	return l.inFlight.Load()
}

// finish waits for the clients (the server is dead by now) and returns the cycle's tally.
func (l *crashLoad) finish() crashTally {
	l.wg.Wait()
	l.picker.Close()
	return l.tally
}

// run sends requests until halt. The first two clients upload, so uploads are always in
// flight at the kill and the documents stay few enough for the last restart to summarize
// them all in seconds; the others relabel, delete and create tokens.
func (l *crashLoad) run(g int) {
	defer l.wg.Done()
	for i := 0; !l.halted.Load(); i++ {
		switch r := rand.IntN(100); {
		case g < 2:
			l.upload(g, i)
		case r < 50:
			l.relabel(g, i)
		case r < 75:
			l.delete()
		default:
			l.token(g, i)
		}
	}
}

// send posts body and records the answer; ok is whether the server acknowledged it.
func (l *crashLoad) send(kind, path, contentType string, body []byte) (ok bool) {
	req, err := http.NewRequest(http.MethodPost, l.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+l.srv.Token)
	l.record(func(c *crashTally) { crashBump(&c.sent, kind, 1) })
	l.inFlight.Add(1)
	resp, err := l.client.Do(req)
	l.inFlight.Add(-1)
	if err != nil { // the kill: no answer, so nothing is known about the request
		l.record(func(c *crashTally) { crashBump(&c.statuses, kind+" no-answer", 1) })
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	ok = resp.StatusCode < 400
	l.record(func(c *crashTally) {
		crashBump(&c.answered, kind, 1)
		crashBump(&c.statuses, fmt.Sprintf("%s %d", kind, resp.StatusCode), 1)
		if ok {
			crashBump(&c.acked, kind, 1)
		}
		if !slices.Contains(crashExpected[kind], resp.StatusCode) {
			c.unexpected = append(c.unexpected, fmt.Sprintf("%d to %s %s", resp.StatusCode, kind, path))
		}
	})
	return ok
}

func (l *crashLoad) record(f func(*crashTally)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(&l.tally)
}

// upload sends one or two new PDFs; every third carries a privilege legend, so the
// detectors raise its label.
func (l *crashLoad) upload(g, i int) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	var hashes []string
	for f := range 1 + rand.IntN(2) {
		id := fmt.Sprintf("c%d g%d n%d f%d r%x", l.cycle, g, i, f, rand.Uint64())
		first := "SERVICES AGREEMENT " + id
		if (i+f)%3 == 0 {
			first = "PRIVILEGED AND CONFIDENTIAL"
		}
		pdf := pdftest.Text([]string{first, "This Agreement is made between Supplier Ltd and the Client " + id + ".",
			"The term is two years and renews for one year unless terminated with ninety days notice.",
			"The Client pays each invoice within thirty days. Governing law: the laws of England."})
		w, err := mw.CreateFormFile("files", fmt.Sprintf("crash-%d-%d-%d-%d.pdf", l.cycle, g, i, f))
		if err != nil {
			panic(err)
		}
		_, _ = w.Write(pdf)
		hashes = append(hashes, sha(pdf))
	}
	mw.Close()
	if l.send("upload", "/documents", mw.FormDataContentType(), body.Bytes()) {
		l.acks.mu.Lock()
		l.acks.uploads = append(l.acks.uploads, hashes...)
		l.acks.mu.Unlock()
	}
}

// relabel moves a random document to another of the four default labels.
func (l *crashLoad) relabel(g, i int) {
	var id int64
	var from int
	if err := l.picker.QueryRow(`SELECT id, label_id FROM documents ORDER BY random() LIMIT 1`).Scan(&id, &from); err != nil {
		return // no document yet
	}
	to := 1 + rand.IntN(4)
	if to == from {
		to = to%4 + 1
	}
	reason := fmt.Sprintf("crash test c%d g%d n%d", l.cycle, g, i)
	form := url.Values{"label": {strconv.Itoa(to)}, "from": {strconv.Itoa(from)}, "reason": {reason}}
	if l.send("label", fmt.Sprintf("/documents/%d/label", id), "application/x-www-form-urlencoded", []byte(form.Encode())) {
		l.acks.mu.Lock()
		l.acks.labels = append(l.acks.labels, reason)
		l.acks.mu.Unlock()
	}
}

// delete deletes a random document: half the time one without an active job, else any
// (409 while its job is queued or running).
func (l *crashLoad) delete() {
	q := `SELECT id FROM documents ORDER BY random() LIMIT 1`
	if rand.IntN(2) == 0 {
		q = `SELECT id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM jobs j
			WHERE j.document_id = d.id AND j.status IN ('queued', 'running')) ORDER BY random() LIMIT 1`
	}
	var id int64
	if err := l.picker.QueryRow(q).Scan(&id); err != nil {
		return
	}
	if l.send("delete", fmt.Sprintf("/documents/%d/delete", id), "application/x-www-form-urlencoded", nil) {
		l.acks.mu.Lock()
		l.acks.deletes = append(l.acks.deletes, id)
		l.acks.mu.Unlock()
	}
}

// token creates an API token with a unique name.
func (l *crashLoad) token(g, i int) {
	name := fmt.Sprintf("crash c%d g%d n%d", l.cycle, g, i)
	form := url.Values{"name": {name}}
	if l.send("token", "/account/tokens", "application/x-www-form-urlencoded", []byte(form.Encode())) {
		l.acks.mu.Lock()
		l.acks.tokens = append(l.acks.tokens, name)
		l.acks.mu.Unlock()
	}
}

// crashPairs counts the action/audit pairs checkCrashPairs matched.
type crashPairs struct {
	AuditEvents  int64          // rows of the verified chain
	Uploads      int            // documents (kept or deleted) with their one document.upload event
	Deletes      int            // document.delete events whose document is gone
	UploadLabels int            // labels chosen at upload with their document.upload event
	Labels       map[string]int // label_changes rows with their document.label event, by source
	Tokens       int            // api_tokens rows with their token.create event
	Jobs         int            // jobs (kept or deleted) with their job.create event
	Summaries    int            // summaries (kept or deleted) with their summary.store event
}

func (p *crashPairs) String() string {
	return fmt.Sprintf("audit chain %d events verified; document/upload %d, delete %d, upload label %d, label change %v, token %d, job %d, summary %d",
		p.AuditEvents, p.Uploads, p.Deletes, p.UploadLabels, p.Labels, p.Tokens, p.Jobs, p.Summaries)
}

// crashEvent is an audit row of an action checkCrashPairs pairs, with the details it reads.
type crashEvent struct {
	seq    int64
	object int64
	at     string
	d      struct {
		SHA256     string `json:"sha256"`
		LabelID    int    `json:"label_id"`
		From       int    `json:"from"`
		To         int    `json:"to"`
		Source     string `json:"source"`
		Reason     string `json:"reason"`
		DocumentID int64  `json:"document_id"`
		JobID      int64  `json:"job_id"`
		UserID     int64  `json:"user_id"`
		Name       string `json:"name"`
	}
}

// crashDoc is a documents row as checkCrashPairs reads it.
type crashDoc struct {
	sha, at string
	label   int
}

// crashLabel is a label_changes row, or what a document.label event says of one.
type crashLabel struct {
	from, to       int
	source, reason string
	at             string
}

// checkCrashPairs checks, on a database no process writes to, that every action of the
// kinds the server audits in the action's own transaction has its audit event and every
// such event its action, in both directions: documents and document.upload (a document
// gone has a later document.delete); document.delete and the document's absence;
// label_changes rows and document.label events (the label chosen at upload with
// document.upload), and the document's label equal to its last change; api_tokens and
// token.create; jobs and job.create; summaries and summary.store, with the summary's job
// done. The audit chain must verify. It returns what it matched and the problems found.
func checkCrashPairs(ctx context.Context, dbPath string) (crashPairs, []string, error) {
	pairs := crashPairs{Labels: map[string]int{}}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	st, err := storage.Open(ctx, dbPath)
	if err != nil {
		return pairs, nil, err
	}
	rep, err := st.VerifyAudit(ctx, nil)
	st.Close()
	if err != nil {
		return pairs, nil, err
	}
	if rep.Problem != nil {
		bad("the audit chain does not verify: %v", rep.Problem)
	}
	pairs.AuditEvents = rep.Events

	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return pairs, nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // one snapshot for every query
	if err != nil {
		return pairs, nil, err
	}
	defer tx.Rollback()
	events := map[string]map[int64][]crashEvent{}
	err = crashQuery(ctx, tx, `SELECT action, seq, object_id, at, details FROM audit_events
		WHERE action IN ('document.upload', 'document.delete', 'document.label', 'token.create', 'job.create', 'summary.store')
		ORDER BY seq`, func(rows *sql.Rows) error {
		var action, details string
		var e crashEvent
		if err := rows.Scan(&action, &e.seq, &e.object, &e.at, &details); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(details), &e.d); err != nil {
			return fmt.Errorf("audit seq %d: details: %w", e.seq, err)
		}
		if events[action] == nil {
			events[action] = map[int64][]crashEvent{}
		}
		events[action][e.object] = append(events[action][e.object], e)
		return nil
	})
	if err != nil {
		return pairs, nil, err
	}
	// deletedAfter: the document has a document.delete event after seq.
	deletedAfter := func(doc, seq int64) bool {
		return slices.ContainsFunc(events["document.delete"][doc], func(e crashEvent) bool { return e.seq > seq })
	}

	docs := map[int64]crashDoc{}
	if err := crashQuery(ctx, tx, `SELECT id, sha256, created_at, label_id FROM documents`, func(rows *sql.Rows) error {
		var id int64
		var d crashDoc
		err := rows.Scan(&id, &d.sha, &d.at, &d.label)
		docs[id] = d
		return err
	}); err != nil {
		return pairs, nil, err
	}
	for id, d := range docs {
		evs := events["document.upload"][id]
		if len(evs) != 1 {
			bad("document %d has %d document.upload audit events, want 1", id, len(evs))
		} else if evs[0].d.SHA256 != d.sha || evs[0].at != d.at {
			bad("document %d (sha256 %s, created %s) does not match its document.upload event seq %d (sha256 %s, at %s)",
				id, d.sha, d.at, evs[0].seq, evs[0].d.SHA256, evs[0].at)
		} else {
			pairs.Uploads++
		}
	}
	for id, evs := range events["document.upload"] {
		if _, ok := docs[id]; ok {
			continue
		} else if !deletedAfter(id, evs[0].seq) {
			bad("document.upload event seq %d names document %d, which is gone without a document.delete event", evs[0].seq, id)
		} else {
			pairs.Uploads++
		}
	}
	for id, evs := range events["document.delete"] {
		_, kept := docs[id]
		switch {
		case len(evs) != 1:
			bad("document %d has %d document.delete events, want 1", id, len(evs))
		case kept:
			bad("document.delete event seq %d names document %d, which is still there", evs[0].seq, id)
		case len(events["document.upload"][id]) == 0:
			bad("document.delete event seq %d names document %d, which has no document.upload event", evs[0].seq, id)
		default:
			pairs.Deletes++
		}
	}

	if err := crashCheckLabels(ctx, tx, events, docs, deletedAfter, &pairs, bad); err != nil {
		return pairs, nil, err
	}
	if err := crashCheckTokens(ctx, tx, events["token.create"], &pairs, bad); err != nil {
		return pairs, nil, err
	}
	if err := crashCheckJobs(ctx, tx, events, docs, deletedAfter, &pairs, bad); err != nil {
		return pairs, nil, err
	}
	return pairs, problems, nil
}

// crashQuery runs q and calls scan for each row.
func crashQuery(ctx context.Context, tx *sql.Tx, q string, scan func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return rows.Err()
}

// crashCheckLabels pairs each existing document's label_changes rows with its
// document.label events (as multisets: same from, to, source, reason and time), the
// label chosen at upload with the document.upload event, and checks the document's label
// is its last change's. A document.label event of a gone document needs a later
// document.delete (its rows went with it).
func crashCheckLabels(ctx context.Context, tx *sql.Tx, events map[string]map[int64][]crashEvent, docs map[int64]crashDoc,
	deletedAfter func(doc, seq int64) bool, pairs *crashPairs, bad func(string, ...any)) error {
	rows := map[int64][]crashLabel{}
	err := crashQuery(ctx, tx, `SELECT document_id, from_label, to_label, source, reason, at FROM label_changes ORDER BY id`,
		func(r *sql.Rows) error {
			var id int64
			var l crashLabel
			err := r.Scan(&id, &l.from, &l.to, &l.source, &l.reason, &l.at)
			rows[id] = append(rows[id], l)
			return err
		})
	if err != nil {
		return err
	}
	for id := range rows {
		if _, ok := docs[id]; !ok {
			bad("document %d is gone but %d label_changes rows remain", id, len(rows[id]))
		}
	}
	for id, d := range docs {
		changes := rows[id]
		if up := events["document.upload"][id]; len(up) == 1 && up[0].d.LabelID > 0 {
			want := crashLabel{0, up[0].d.LabelID, storage.LabelByUpload, "chosen at upload", up[0].at}
			if len(changes) == 0 || changes[0] != want {
				bad("document %d: the label %d chosen at upload (event seq %d) has no label_changes row", id, want.to, up[0].seq)
			} else {
				pairs.UploadLabels++
				changes = changes[1:]
			}
		}
		unmatched := map[crashLabel]int{}
		for _, c := range changes {
			unmatched[c]++
		}
		for _, e := range events["document.label"][id] {
			l := crashLabel{e.d.From, e.d.To, e.d.Source, e.d.Reason, e.at}
			if unmatched[l] == 0 {
				bad("document.label event seq %d (document %d, %d->%d, %s) has no label_changes row", e.seq, id, l.from, l.to, l.source)
				continue
			}
			unmatched[l]--
			pairs.Labels[l.source]++
		}
		for l, n := range unmatched {
			for range n {
				bad("label_changes row of document %d (%d->%d, %s, at %s) has no document.label event", id, l.from, l.to, l.source, l.at)
			}
		}
		if all := rows[id]; len(all) > 0 && all[len(all)-1].to != d.label {
			bad("document %d is labelled %d but its last label change says %d", id, d.label, all[len(all)-1].to)
		} else if len(all) == 0 && d.label != 0 {
			bad("document %d is labelled %d without any label change", id, d.label)
		}
	}
	for id, evs := range events["document.label"] {
		if _, ok := docs[id]; !ok && !deletedAfter(id, evs[len(evs)-1].seq) {
			bad("document.label event seq %d names document %d, which is gone without a later document.delete event", evs[0].seq, id)
		}
	}
	return nil
}

// crashCheckTokens pairs api_tokens rows with token.create events, both ways (tokens
// are revoked, never deleted).
func crashCheckTokens(ctx context.Context, tx *sql.Tx, created map[int64][]crashEvent, pairs *crashPairs, bad func(string, ...any)) error {
	seen := map[int64]bool{}
	err := crashQuery(ctx, tx, `SELECT id, user_id, name, created_at FROM api_tokens`, func(r *sql.Rows) error {
		var id, user int64
		var name, at string
		if err := r.Scan(&id, &user, &name, &at); err != nil {
			return err
		}
		seen[id] = true
		evs := created[id]
		switch {
		case len(evs) != 1:
			bad("api token %d (%q) has %d token.create events, want 1", id, name, len(evs))
		case evs[0].d.UserID != user || evs[0].d.Name != name || evs[0].at != at:
			bad("api token %d (%q of user %d, created %s) does not match its token.create event seq %d", id, name, user, at, evs[0].seq)
		default:
			pairs.Tokens++
		}
		return nil
	})
	for id, evs := range created {
		if !seen[id] {
			bad("token.create event seq %d names api token %d, which does not exist", evs[0].seq, id)
		}
	}
	return err
}

// crashCheckJobs pairs jobs with job.create events and summaries with summary.store
// events, both ways (a job or summary gone needs its document's later document.delete),
// and checks that a job's document exists and a job is done exactly when it has a summary.
func crashCheckJobs(ctx context.Context, tx *sql.Tx, events map[string]map[int64][]crashEvent, docs map[int64]crashDoc,
	deletedAfter func(doc, seq int64) bool, pairs *crashPairs, bad func(string, ...any)) error {
	type job struct {
		doc        int64
		status, at string
		summaries  int
	}
	jobs := map[int64]*job{}
	err := crashQuery(ctx, tx, `SELECT id, document_id, status, created_at FROM jobs`, func(r *sql.Rows) error {
		var id int64
		j := &job{}
		if err := r.Scan(&id, &j.doc, &j.status, &j.at); err != nil {
			return err
		}
		jobs[id] = j
		return nil
	})
	if err != nil {
		return err
	}
	for id, j := range jobs {
		evs := events["job.create"][id]
		if _, ok := docs[j.doc]; !ok {
			bad("job %d belongs to document %d, which is gone", id, j.doc)
		}
		if len(evs) != 1 {
			bad("job %d has %d job.create events, want 1", id, len(evs))
		} else if evs[0].d.DocumentID != j.doc || evs[0].at != j.at {
			bad("job %d (document %d, created %s) does not match its job.create event seq %d", id, j.doc, j.at, evs[0].seq)
		} else {
			pairs.Jobs++
		}
	}
	for id, evs := range events["job.create"] {
		if jobs[id] != nil {
			continue
		} else if !deletedAfter(evs[0].d.DocumentID, evs[0].seq) {
			bad("job.create event seq %d names job %d, which is gone without its document's deletion", evs[0].seq, id)
		} else {
			pairs.Jobs++
		}
	}

	summaries := map[int64]bool{}
	err = crashQuery(ctx, tx, `SELECT id, document_id, job_id, created_at FROM summaries`, func(r *sql.Rows) error {
		var id, doc, jobID int64
		var at string
		if err := r.Scan(&id, &doc, &jobID, &at); err != nil {
			return err
		}
		summaries[id] = true
		if j := jobs[jobID]; j == nil || j.status != storage.JobDone {
			bad("summary %d belongs to job %d, which is not done", id, jobID)
		} else {
			j.summaries++
		}
		evs := events["summary.store"][id]
		switch {
		case len(evs) != 1:
			bad("summary %d has %d summary.store events, want 1", id, len(evs))
		case evs[0].d.JobID != jobID || evs[0].d.DocumentID != doc || evs[0].at != at:
			bad("summary %d (job %d, document %d, created %s) does not match its summary.store event seq %d", id, jobID, doc, at, evs[0].seq)
		default:
			pairs.Summaries++
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id, evs := range events["summary.store"] {
		if summaries[id] {
			continue
		} else if !deletedAfter(evs[0].d.DocumentID, evs[0].seq) {
			bad("summary.store event seq %d names summary %d, which is gone without its document's deletion", evs[0].seq, id)
		} else {
			pairs.Summaries++
		}
	}
	for id, j := range jobs {
		if j.status == storage.JobDone && j.summaries != 1 {
			bad("job %d is done with %d summaries, want 1", id, j.summaries)
		}
	}
	return nil
}

// TestCrashCheckerNoticesUnpairedRows is checkCrashPairs' own negative test: on copies of
// a database with every kind of pair, it must report each pairing broken by hand (the
// append-only trigger dropped on the copy), and nothing on the untouched copy.
func TestCrashCheckerNoticesUnpairedRows(t *testing.T) {
	fixture := crashFixture(t)
	tests := []struct {
		name   string
		tamper []string
		want   []string // substrings of the problems; none for the untouched copy
	}{
		{"untouched", nil, nil},
		// The last row: the chain still verifies, so only the pairing check can see it.
		{"last token.create event deleted", []string{
			`DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events) AND action = 'token.create'`},
			[]string{`("last") has 0 token.create events`}},
		{"document.upload event deleted", []string{`DELETE FROM audit_events WHERE action = 'document.upload'
			AND object_id = (SELECT id FROM documents)`},
			[]string{"has 0 document.upload audit events", "the audit chain does not verify"}},
		{"document row deleted without its deletion", []string{`DELETE FROM documents`},
			[]string{"which is gone without a document.delete event", "job.create event seq", "summary.store event seq"}},
		{"label change row deleted", []string{`DELETE FROM label_changes WHERE source = 'admin'`},
			[]string{"document.label event seq", "has no label_changes row", "is labelled 4 but its last label change says 3"}},
		{"document.label event deleted", []string{`DELETE FROM audit_events WHERE action = 'document.label'`},
			[]string{"(3->4, admin, at", "has no document.label event"}},
		{"token row deleted", []string{`DELETE FROM api_tokens WHERE name = 'last'`},
			[]string{"token.create event seq", "which does not exist"}},
		{"job.create event deleted", []string{`DELETE FROM audit_events WHERE action = 'job.create'`},
			[]string{"has 0 job.create events"}},
		{"summary.store event deleted", []string{`DELETE FROM audit_events WHERE action = 'summary.store'`},
			[]string{"has 0 summary.store events"}},
		{"summary row deleted, job still done", []string{`DELETE FROM summaries`},
			[]string{"which is gone without its document's deletion", "is done with 0 summaries"}},
		{"document.delete event deleted", []string{`DELETE FROM audit_events WHERE action = 'document.delete'`},
			[]string{"which is gone without a document.delete event"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := crashCopy(t, fixture)
			if len(tt.tamper) > 0 {
				db, err := sql.Open("sqlite3", path+"?_foreign_keys=1")
				if err != nil {
					t.Fatal(err)
				}
				db.SetMaxOpenConns(1)
				for _, q := range append([]string{`DROP TRIGGER audit_events_no_delete`}, tt.tamper...) {
					if res, err := db.Exec(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					} else if n, _ := res.RowsAffected(); n == 0 && strings.HasPrefix(q, "DELETE") {
						t.Fatalf("%s deleted nothing: the fixture lacks what the case needs", q)
					}
				}
				db.Close()
			}
			pairs, problems, err := checkCrashPairs(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("pairs: %s; problems: %q", &pairs, problems)
			if tt.want == nil && len(problems) > 0 {
				t.Errorf("problems on the untouched copy: %q", problems)
			}
			if tt.want == nil && (pairs.Uploads != 2 || pairs.Deletes != 1 || pairs.UploadLabels != 1 || pairs.Labels[storage.LabelByAdmin] != 1 ||
				pairs.Tokens != 2 || pairs.Jobs != 1 || pairs.Summaries != 1) {
				t.Errorf("pairs on the untouched copy: %s, want 2 uploads, 1 delete, 1 upload label, 1 admin label, 2 tokens, 1 job, 1 summary", &pairs)
			}
			all := strings.Join(problems, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("no problem says %q", w)
				}
			}
			if tt.name == "last token.create event deleted" && strings.Contains(all, "audit chain") {
				t.Errorf("the chain should still verify without its last row; the pairing check is what must notice")
			}
		})
	}
}

// TestCrashCheckerNoticesMissingAcks: the acknowledgement check finds each acknowledged
// request of the fixture, and reports a made-up one of each kind.
func TestCrashCheckerNoticesMissingAcks(t *testing.T) {
	path := crashFixture(t)
	db := crashReadOnly(t, path)
	var kept, gone int64
	if err := db.QueryRow(`SELECT id FROM documents`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT object_id FROM audit_events WHERE action = 'document.delete'`).Scan(&gone); err != nil {
		t.Fatal(err)
	}
	fixture := &crashAcks{uploads: []string{sha([]byte("kept")), sha([]byte("gone"))}, labels: []string{"fixture"},
		deletes: []int64{gone}, tokens: []string{"last"}}
	if m := fixture.missing(t, path); len(m) > 0 {
		t.Errorf("the fixture's own requests reported missing: %q", m)
	}
	made := &crashAcks{uploads: []string{sha([]byte("never"))}, labels: []string{"never"}, deletes: []int64{kept},
		tokens: []string{"never"}}
	m := made.missing(t, path)
	want := []string{"the uploaded file " + sha([]byte("never"))[:12], `the label change "never"`,
		fmt.Sprintf("the deletion of document %d (it is still there)", kept), `the API token "never"`}
	if !slices.Equal(m, want) {
		t.Errorf("made-up requests reported as %q, want %q", m, want)
	}
}

// crashFixture builds, through storage, a database with one of each pair: the e2e
// account (a token), a document labelled at upload, relabelled by an admin, with a job
// and its summary, a document uploaded and deleted, and a last token. It returns the
// database file, closed.
func crashFixture(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	matter, _ := e2eAccount(t, dir)
	path := filepath.Join(dir, "precis.db")
	st, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, "e2e@example.com")
	if err != nil {
		t.Fatal(err)
	}
	const actor = "e2e@example.com"
	kept := &storage.Document{SHA256: sha([]byte("kept")), Filename: "kept.pdf", StoredName: "kept-stored.pdf", Size: 4,
		LabelID: 3, MatterID: matter}
	gone := &storage.Document{SHA256: sha([]byte("gone")), Filename: "gone.pdf", StoredName: "gone-stored.pdf", Size: 4,
		MatterID: matter}
	for _, d := range []*storage.Document{kept, gone} {
		if _, err := st.CreateDocument(ctx, d, actor); err != nil {
			t.Fatal(err)
		}
	}
	job, err := st.CreateJob(ctx, kept.ID, actor)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CompleteJob(ctx, &storage.Summary{JobID: job.ID, Engine: storage.EngineExtractive, Provider: "builtin"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetLabel(ctx, &storage.LabelChange{DocumentID: kept.ID, Actor: actor, From: 3, To: 4,
		Source: storage.LabelByAdmin, FromName: "Confidential", ToName: "Privileged", Reason: "fixture"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteDocument(ctx, gone.ID, actor); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAPIToken(ctx, u.ID, "last", actor); err != nil {
		t.Fatal(err)
	}
	return path
}

// crashCopy copies the database file (and its WAL, if any) to a new directory.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "precis.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
