package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"precis/storage"
)

// auditAddr is the client address of the requests uploadAs stands for.
const auditAddr = "192.0.2.7"

// auditBase makes a first request as the env's default user, so the events of setting
// up the env and that user are written, and returns the last seq: the events of a test
// follow it.
func (v *env) auditBase(t *testing.T) int64 {
	t.Helper()
	wantStatus(t, v.get(t, "/admin/audit", false), http.StatusOK)
	seq, _, err := v.store.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// older returns the seqs from..1, newest first: the rows of the env's setup below a
// test's own.
func older(from int64) []int64 {
	var out []int64
	for seq := from; seq >= 1; seq-- {
		out = append(out, seq)
	}
	return out
}

// plus adds base to each seq.
func plus(base int64, seqs ...int64) []int64 {
	out := []int64{}
	for _, s := range seqs {
		out = append(out, base+s)
	}
	return out
}

// auditMatter inserts matter client/number straight into the env's database, without
// the "matter.create" event CreateMatter writes, so the audit tests see only the events
// of what they do.
func (v *env) auditMatter(t *testing.T, client, number, name string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(v.dataDir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var id int64
	if err := db.QueryRow(`
		INSERT INTO matters (client_number, matter_number, name, created_at, updated_at)
		VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%S.000000000Z', 'now'), strftime('%Y-%m-%dT%H:%M:%S.000000000Z', 'now'))
		RETURNING id`, client, number, name).Scan(&id); err != nil {
		t.Fatalf("insert matter %s/%s: %v", client, number, err)
	}
	return id
}

// uploadAs records a document uploaded by actor into the env's matter (one
// "document.upload" event) and, with job, queues its job (one "job.create" event by the
// same actor).
func (v *env) uploadAs(t *testing.T, name, actor string, job bool) int64 {
	t.Helper()
	return v.uploadIn(t, v.matter, name, actor, job)
}

// uploadIn is uploadAs into the given matter, as a staff member's request from auditAddr
// (the actor the web layer puts into the request's context).
func (v *env) uploadIn(t *testing.T, matter int64, name, actor string, job bool) int64 {
	t.Helper()
	ctx := storage.WithActor(context.Background(), storage.Actor{Name: actor, Role: "staff", Addr: auditAddr})
	sum := sha256.Sum256([]byte(name))
	d := &storage.Document{SHA256: hex.EncodeToString(sum[:]), Filename: name + ".pdf", MatterID: matter,
		StoredName: hex.EncodeToString(sum[:16]) + ".pdf", Size: 1234, ExtractStatus: storage.ExtractPending}
	if _, err := v.store.CreateDocument(ctx, d, actor); err != nil {
		t.Fatalf("create document: %v", err)
	}
	if job {
		if _, err := v.store.CreateJob(ctx, d.ID, actor); err != nil {
			t.Fatalf("create job: %v", err)
		}
	}
	return d.ID
}

// auditSeqs returns the seqs of the rows of the audit table, top to bottom.
func auditSeqs(t *testing.T, doc *goquery.Document) []int64 {
	t.Helper()
	seqs := []int64{}
	testID(doc, "audit-row").Each(func(_ int, s *goquery.Selection) {
		n, err := strconv.ParseInt(s.AttrOr("data-seq", ""), 10, 64)
		if err != nil {
			t.Fatalf("row without a seq: %v", err)
		}
		seqs = append(seqs, n)
	})
	return seqs
}

func TestAuditPageFilters(t *testing.T) {
	v := newEnv(t, Config{})
	base := v.auditBase(t)
	docA := v.uploadAs(t, "a", "alice", true) // base+1 upload, base+2 job.create
	docB := v.uploadAs(t, "b", "bob", true)   // base+3 upload, base+4 job.create
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
	all := append(plus(base, 4, 3, 2, 1), older(base)...)

	tests := []struct {
		name  string
		query url.Values
		want  []int64
	}{
		{"all, newest first", nil, all},
		{"actor", url.Values{"actor": {"alice"}}, plus(base, 2, 1)},
		{"action", url.Values{"action": {"job.create"}}, plus(base, 4, 2)},
		{"document A", url.Values{"document": {strconv.FormatInt(docA, 10)}}, plus(base, 2, 1)},
		{"document B and actor", url.Values{"document": {strconv.FormatInt(docB, 10)}, "actor": {"bob"}}, plus(base, 4, 3)},
		{"document B, wrong actor", url.Values{"document": {strconv.FormatInt(docB, 10)}, "actor": {"alice"}}, []int64{}},
		{"from today to today", url.Values{"from": {day(0)}, "to": {day(0)}}, all},
		{"from tomorrow", url.Values{"from": {day(1)}}, []int64{}},
		{"to yesterday", url.Values{"to": {day(-1)}}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := v.get(t, "/admin/audit?"+tt.query.Encode(), false)
			wantStatus(t, rec, http.StatusOK)
			doc := parse(t, rec)
			if got := auditSeqs(t, doc); !slices.Equal(got, tt.want) {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
			if len(tt.want) == 0 && testID(doc, "audit-empty").Length() != 1 {
				t.Error("no 'no events' message")
			}
			if testID(doc, "audit-next").Length() != 0 {
				t.Error("next link on the only page")
			}
			if got := testID(doc, "audit-actor").AttrOr("value", ""); got != tt.query.Get("actor") {
				t.Errorf("actor field = %q, want the filter's %q", got, tt.query.Get("actor"))
			}
		})
	}

	doc := parse(t, v.get(t, "/admin/audit?action=job.create", false))
	var options []string
	testID(doc, "audit-action").Find("option").Each(func(_ int, s *goquery.Selection) {
		options = append(options, s.AttrOr("value", "?"))
	})
	actions, err := v.store.AuditActions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]string{""}, actions...); !slices.Equal(options, want) ||
		!slices.Contains(options, "document.upload") || !slices.Contains(options, "job.create") {
		t.Errorf("action options = %q, want %q with document.upload and job.create", options, want)
	}
	if got := testID(doc, "audit-action").Find("option[selected]").AttrOr("value", ""); got != "job.create" {
		t.Errorf("selected action = %q", got)
	}
	row := testID(doc, "audit-row").Last()
	if got, want := text(row.Find(`[data-testid="audit-row-details"]`)), "document_id="+strconv.FormatInt(docA, 10); got != want {
		t.Errorf("details = %q, want %q", got, want)
	}
	if got := text(row.Find(`[data-testid="audit-row-object"]`)); !strings.HasPrefix(got, "job ") {
		t.Errorf("object = %q, want job <id>", got)
	}
	if tab := testID(doc, "admin-tabs").Find(`a[aria-current="page"]`); tab.AttrOr("href", "") != "/admin/audit" {
		t.Errorf("current admin tab = %q, want /admin/audit", tab.AttrOr("href", ""))
	}

	rec := v.get(t, "/admin/audit?actor=bob", true)
	wantStatus(t, rec, http.StatusOK)
	if isFullPage(rec) || testID(parse(t, rec), "audit-results").Length() != 1 {
		t.Errorf("htmx request did not get the results fragment:\n%s", rec.Body.String())
	}
}

func TestAuditPageRejectsBadFilters(t *testing.T) {
	v := newEnv(t, Config{})
	v.uploadAs(t, "a", "alice", false)
	tests := []struct {
		query, field, want string
	}{
		{"document=abc", "audit-document-error", `"abc" is not a document number`},
		{"document=-3", "audit-document-error", `"-3" is not a document number`},
		{"from=2025-13-01", "audit-from-error", `"2025-13-01" is not a date`},
		{"to=yesterday", "audit-to-error", `"yesterday" is not a date`},
		{"from=2025-03-02&to=2025-03-01", "audit-filter-error", "is after the “to” date"},
		{"before=x", "audit-filter-error", "not valid"},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{false, true} {
			rec := v.get(t, "/admin/audit?"+tt.query, htmx)
			wantStatus(t, rec, http.StatusBadRequest)
			doc := parse(t, rec)
			if got := text(testID(doc, tt.field)); !strings.Contains(got, tt.want) {
				t.Errorf("%s (htmx %v): %s = %q, want it to contain %q", tt.query, htmx, tt.field, got, tt.want)
			}
			if testID(doc, "audit-row").Length() != 0 {
				t.Errorf("%s: rows shown for a filter that did not parse", tt.query)
			}
			if testID(doc, "audit-filter").Length() != 1 {
				t.Errorf("%s: form not shown again", tt.query)
			}
		}
	}
	doc := parse(t, v.get(t, "/admin/audit?document=abc&actor=alice", false))
	if got := testID(doc, "audit-document").AttrOr("value", ""); got != "abc" {
		t.Errorf("document field = %q, want the input kept", got)
	}
	rec := v.get(t, "/admin/audit.csv?from=31.12.2025", false)
	wantStatus(t, rec, http.StatusBadRequest)
	if !strings.Contains(rec.Body.String(), "is not a date") {
		t.Errorf("CSV with a bad date: %s", rec.Body.String())
	}
}

func TestAuditPagePaging(t *testing.T) {
	v := newEnv(t, Config{})
	base := v.auditBase(t)
	v.uploadAs(t, "first", "alice", false) // base+1, the env's matter
	matter := v.auditMatter(t, "P-7", "M-1", "Paged")
	for i := range 55 {
		v.uploadIn(t, matter, "doc-"+strconv.Itoa(i), "alice", false) // base+2..base+56
	}
	v.uploadIn(t, matter, "other", "bob", true) // base+57, base+58
	v.uploadAs(t, "last", "alice", false)       // base+59, the env's matter

	m := strconv.FormatInt(matter, 10)
	doc := parse(t, v.get(t, "/admin/audit?action=document.upload&matter="+m, false))
	first := auditSeqs(t, doc)
	if len(first) != auditPageSize || first[0] != base+57 || first[len(first)-1] != base+8 {
		t.Fatalf("first page = %d rows %v (base %d)", len(first), first, base)
	}
	next := testID(doc, "audit-next")
	href := next.AttrOr("href", "")
	u, err := url.Parse(href)
	if err != nil || u.Query().Get("action") != "document.upload" || u.Query().Get("matter") != m ||
		u.Query().Get("before") != strconv.FormatInt(base+8, 10) {
		t.Fatalf("next link = %q, want the filter (action and matter) and before=%d", href, base+8)
	}
	if next.AttrOr("hx-get", "") != href {
		t.Errorf("next link hx-get = %q, want %q", next.AttrOr("hx-get", ""), href)
	}

	rec := v.get(t, href, true)
	wantStatus(t, rec, http.StatusOK)
	doc = parse(t, rec)
	if got, want := auditSeqs(t, doc), plus(base, 7, 6, 5, 4, 3, 2); !slices.Equal(got, want) {
		t.Errorf("second page = %v, want %v", got, want)
	}
	if testID(doc, "audit-next").Length() != 0 {
		t.Error("next link on the last page")
	}
}

func TestAuditCSV(t *testing.T) {
	v := newEnv(t, Config{})
	base := v.auditBase(t)
	hostile := []string{"=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)"}
	for i, actor := range hostile {
		v.uploadAs(t, "hostile-"+strconv.Itoa(i), actor, false) // base+1..base+4
	}
	const plain = 520 // more than a storage page, so the export spans several queries
	for i := range plain {
		v.uploadAs(t, "doc-"+strconv.Itoa(i), "alice", false)
	}

	rec := v.get(t, "/admin/audit.csv", false)
	wantStatus(t, rec, http.StatusOK)
	if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type = %q", ct)
	}
	records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v", err)
	}
	if want := []string{"seq", "at", "actor", "action", "object_type", "object_id", "outcome", "details",
		"role", "source_address", "matter_id", "prev_hash", "hash"}; !slices.Equal(records[0], want) {
		t.Errorf("header = %q", records[0])
	}
	rows := records[1:]
	if len(rows) != int(base)+plain+len(hostile) {
		t.Fatalf("%d rows, want %d", len(rows), int(base)+plain+len(hostile))
	}
	for i, r := range rows {
		if want := strconv.Itoa(len(rows) - i); r[0] != want {
			t.Fatalf("row %d has seq %s, want %s (newest first, each once)", i, r[0], want)
		}
	}
	for i, actor := range hostile {
		r := rows[len(rows)-int(base)-1-i]
		if r[0] != strconv.FormatInt(base+1+int64(i), 10) || r[2] != "'"+actor {
			t.Errorf("seq %s actor cell = %q, want %q", r[0], r[2], "'"+actor)
		}
	}
	last := rows[0]
	if last[2] != "alice" || last[3] != "document.upload" || last[4] != "document" || !strings.HasPrefix(last[7], "{") ||
		last[8] != "staff" || last[9] != auditAddr || last[10] != strconv.FormatInt(v.matter, 10) {
		t.Errorf("newest row = %q", last)
	}
	// The exported fields are the hashed text: every row's hash recomputes from them,
	// the env's setup rows and the test's own alike.
	for _, r := range rows {
		seq, _ := strconv.ParseInt(r[0], 10, 64)
		objectID, _ := strconv.ParseInt(r[5], 10, 64)
		matterID, _ := strconv.ParseInt(r[10], 10, 64)
		actor := strings.TrimPrefix(r[2], "'") // undo the formula guard
		if got := storage.AuditHash(r[11], seq, r[1], actor, r[3], r[4], objectID, r[6], r[7], r[8], r[9], matterID); got != r[12] {
			t.Errorf("hash of exported seq %d = %s, want %s", seq, got, r[12])
		}
	}

	rec = v.get(t, "/admin/audit.csv?actor="+url.QueryEscape("+1"), false)
	wantStatus(t, rec, http.StatusOK)
	records, err = csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	if err != nil || len(records) != 2 || records[1][0] != strconv.FormatInt(base+2, 10) {
		t.Errorf("filtered CSV = %q, %v; want the header and seq %d", records, err, base+2)
	}
}

// tamper opens the env's database file as someone with write access to it would, drops
// the append-only triggers and runs q.
func (v *env) tamper(t *testing.T, q string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(v.dataDir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{`DROP TRIGGER IF EXISTS audit_events_no_update`, `DROP TRIGGER IF EXISTS audit_events_no_delete`, q} {
		a := args
		if s != q {
			a = nil
		}
		if _, err := db.Exec(s, a...); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestAuditVerify(t *testing.T) {
	anchors := filepath.Join(t.TempDir(), "anchors.log")
	v := newEnv(t, Config{AnchorFile: anchors})
	base := v.auditBase(t)
	for i := range 3 {
		v.uploadAs(t, "doc-"+strconv.Itoa(i), "alice", true) // base+1..base+6
	}
	if _, _, err := v.store.AnchorAudit(context.Background(), anchors); err != nil {
		t.Fatal(err)
	}
	head := base + 6

	rec := v.post(t, "/admin/audit/verify", true)
	wantStatus(t, rec, http.StatusOK)
	doc := parse(t, rec)
	got := text(testID(doc, "audit-verify-ok"))
	for _, want := range []string{strconv.FormatInt(head, 10) + " events checked", "1 anchors matched",
		"head at seq " + strconv.FormatInt(head, 10)} {
		if !strings.Contains(got, want) {
			t.Errorf("verify result %q does not say %q", got, want)
		}
	}
	if isFullPage(rec) || testID(doc, "audit-verify-problem").Length() != 0 {
		t.Errorf("htmx verify: want the result fragment only:\n%s", rec.Body.String())
	}

	rec = v.post(t, "/admin/audit/verify", false)
	wantStatus(t, rec, http.StatusOK)
	doc = parse(t, rec)
	if !isFullPage(rec) || testID(doc, "audit-verify-ok").Length() != 1 || int64(len(auditSeqs(t, doc))) != head {
		t.Errorf("verify without htmx: want the audit page with the result:\n%s", rec.Body.String())
	}

	edited := strconv.FormatInt(base+4, 10)
	for _, q := range []string{
		`UPDATE audit_events SET actor = 'mallory' WHERE seq = ` + edited,
		`UPDATE audit_events SET actor_role = 'admin' WHERE seq = ` + edited,
		`UPDATE audit_events SET source_addr = '203.0.113.9' WHERE seq = ` + edited,
		`UPDATE audit_events SET matter_id = 0 WHERE seq = ` + edited,
	} {
		var was string
		v.tamperRead(t, `SELECT actor || '|' || actor_role || '|' || source_addr || '|' || matter_id FROM audit_events WHERE seq = `+edited, &was)
		v.tamper(t, q)
		doc = parse(t, v.post(t, "/admin/audit/verify", true))
		problem := testID(doc, "audit-verify-problem")
		if problem.AttrOr("data-seq", "") != edited || !strings.Contains(text(problem), "seq "+edited) ||
			!strings.Contains(text(problem), "edited") {
			t.Errorf("after %s: problem = %q (data-seq %q)", q, text(problem), problem.AttrOr("data-seq", ""))
		}
		if testID(doc, "audit-verify-ok").Length() != 0 {
			t.Errorf("after %s: tampered log verified", q)
		}
		f := strings.SplitN(was, "|", 4)
		v.tamper(t, `UPDATE audit_events SET actor = ?, actor_role = ?, source_addr = ?, matter_id = ? WHERE seq = `+edited,
			f[0], f[1], f[2], f[3])
		if doc := parse(t, v.post(t, "/admin/audit/verify", true)); testID(doc, "audit-verify-ok").Length() != 1 {
			t.Fatalf("restored row %s does not verify again", edited)
		}
	}

	if err := os.WriteFile(anchors, []byte("not an anchor\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc = parse(t, v.post(t, "/admin/audit/verify", true))
	if got := text(testID(doc, "audit-verify-problem")); !strings.Contains(got, "line 1") {
		t.Errorf("damaged anchor file: problem = %q, want it to name line 1", got)
	}
}

// tamperRead reads one value of the env's database as tamper's attacker would.
func (v *env) tamperRead(t *testing.T, q string, dest any) {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(v.dataDir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(q).Scan(dest); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestAuditVerifyDeletedRowsWithoutAnchors(t *testing.T) {
	v := newEnv(t, Config{})
	base := v.auditBase(t)
	for i := range 3 {
		v.uploadAs(t, "doc-"+strconv.Itoa(i), "alice", false) // base+1..base+3
	}
	gone := strconv.FormatInt(base+2, 10)
	v.tamper(t, `DELETE FROM audit_events WHERE seq = `+gone)
	problem := testID(parse(t, v.post(t, "/admin/audit/verify", true)), "audit-verify-problem")
	if problem.AttrOr("data-seq", "") != gone || !strings.Contains(text(problem), "row "+gone+" is missing") {
		t.Errorf("after deleting seq %s: problem = %q", gone, text(problem))
	}
}

func TestAuditPagesRefuseStaff(t *testing.T) {
	v := newEnv(t, Config{}, func(v *env) { v.defaultUser, v.defaultAdmin = "sam", false })
	v.uploadAs(t, "a", "alice", false)
	for _, req := range []*http.Request{httpGet("/admin/audit"), httpGet("/admin/audit.csv"), httpPost("/admin/audit/verify")} {
		for _, htmx := range []bool{false, true} {
			rec := v.do(t, req.Clone(context.Background()), htmx)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s %s (htmx %v) as staff = %d, want 403", req.Method, req.URL.Path, htmx, rec.Code)
			}
			if strings.Contains(rec.Body.String(), "alice") || strings.Contains(rec.Body.String(), "document.upload") {
				t.Errorf("%s %s leaks audit content to staff", req.Method, req.URL.Path)
			}
		}
	}
}

func TestAuditPageShowsRoleAddressAndMatter(t *testing.T) {
	ctx := context.Background()
	v := newEnv(t, Config{})
	base := v.auditBase(t)
	alpha := v.auditMatter(t, "A-1", "M-1", "Alpha")
	beta := v.auditMatter(t, "A-2", "M-7", "Beta")
	gone := v.auditMatter(t, "A-3", "M-3", "Closed")
	v.uploadIn(t, alpha, "a", "alice", true) // base+1, base+2
	v.uploadIn(t, beta, "b", "bob", false)   // base+3
	// base+4: no request, so no role or address.
	if err := v.store.SetLegalHold(ctx, gone, true, "litigation", "admin"); err != nil {
		t.Fatal(err)
	}
	v.tamper(t, `DELETE FROM matters WHERE id = ?`, gone) // the row keeps the matter's id
	a, b, g := strconv.FormatInt(alpha, 10), strconv.FormatInt(beta, 10), strconv.FormatInt(gone, 10)
	seq := func(n int64) string { return strconv.FormatInt(base+n, 10) }

	doc := parse(t, v.get(t, "/admin/audit", false))
	if got := auditSeqs(t, doc); !slices.Equal(got[:4], plus(base, 4, 3, 2, 1)) {
		t.Fatalf("rows = %v", got)
	}
	want := map[string][4]string{ // seq: role, address, matter, data-matter-id
		seq(1): {"staff", auditAddr, "A-1/M-1 Alpha", a},
		seq(2): {"staff", auditAddr, "A-1/M-1 Alpha", a},
		seq(3): {"staff", auditAddr, "A-2/M-7 Beta", b},
		seq(4): {"", "", "#" + g, g},
	}
	testID(doc, "audit-row").Each(func(_ int, row *goquery.Selection) {
		s := row.AttrOr("data-seq", "")
		w, ok := want[s]
		if !ok {
			return // the env's setup
		}
		cell := func(id string) *goquery.Selection { return row.Find(`[data-testid="` + id + `"]`) }
		got := [4]string{text(cell("audit-row-role")), text(cell("audit-row-addr")), text(cell("audit-row-matter")),
			cell("audit-row-matter").AttrOr("data-matter-id", "")}
		if got != w {
			t.Errorf("seq %s: role, address, matter = %q, want %q", s, got, w)
		}
	})
	var options, labels []string
	testID(doc, "audit-matter").Find("option").Each(func(_ int, s *goquery.Selection) {
		options = append(options, s.AttrOr("value", "?"))
		labels = append(labels, text(s))
	})
	env := strconv.FormatInt(v.matter, 10)
	if want := []string{"", a, b, env}; !slices.Equal(options, want) { // ordered by client and matter number
		t.Errorf("matter options = %q (%q), want %q", options, labels, want)
	}
	if len(labels) < 3 || labels[0] != "any matter" || labels[1] != "A-1/M-1 Alpha" || labels[2] != "A-2/M-7 Beta" {
		t.Errorf("matter option labels = %q", labels)
	}

	tests := []struct {
		name  string
		query url.Values
		want  []int64
	}{
		{"matter Alpha", url.Values{"matter": {a}}, plus(base, 2, 1)},
		{"matter Beta", url.Values{"matter": {b}}, plus(base, 3)},
		{"matter Alpha and action", url.Values{"matter": {a}, "action": {"job.create"}}, plus(base, 2)},
		{"matter Beta, actor alice", url.Values{"matter": {b}, "actor": {"alice"}}, []int64{}},
		{"deleted matter", url.Values{"matter": {g}}, plus(base, 4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := v.get(t, "/admin/audit?"+tt.query.Encode(), false)
			wantStatus(t, rec, http.StatusOK)
			doc := parse(t, rec)
			if got := auditSeqs(t, doc); !slices.Equal(got, tt.want) {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
			sel := testID(doc, "audit-matter").Find("option[selected]")
			if sel.Length() != 1 || sel.AttrOr("value", "") != tt.query.Get("matter") {
				t.Errorf("selected matter = %q, want %q", sel.AttrOr("value", ""), tt.query.Get("matter"))
			}
			if tt.query.Get("matter") == g && text(sel) != "#"+g {
				t.Errorf("deleted matter's option = %q, want #%s", text(sel), g)
			}
			csvURL, err := url.Parse(testID(doc, "audit-csv").AttrOr("href", ""))
			if err != nil || csvURL.Query().Get("matter") != tt.query.Get("matter") {
				t.Errorf("CSV link = %v, want the matter %s in it", csvURL, tt.query.Get("matter"))
			}
		})
	}

	rec := v.get(t, "/admin/audit.csv?matter="+b, false)
	wantStatus(t, rec, http.StatusOK)
	records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	if err != nil || len(records) != 2 {
		t.Fatalf("CSV for matter Beta = %q, %v; want the header and one row", records, err)
	}
	if r := records[1]; r[0] != seq(3) || r[8] != "staff" || r[9] != auditAddr || r[10] != b {
		t.Errorf("CSV row = %q, want seq %s, staff, %s, matter %s", r, seq(3), auditAddr, b)
	}

	for _, bad := range []string{"abc", "0", "-2"} {
		rec := v.get(t, "/admin/audit?matter="+bad, false)
		wantStatus(t, rec, http.StatusBadRequest)
		doc := parse(t, rec)
		if got := text(testID(doc, "audit-matter-error")); !strings.Contains(got, "is not a matter number") {
			t.Errorf("matter=%s: error = %q", bad, got)
		}
		if testID(doc, "audit-row").Length() != 0 {
			t.Errorf("matter=%s: rows shown for a filter that did not parse", bad)
		}
		rec = v.get(t, "/admin/audit.csv?matter="+bad, false)
		wantStatus(t, rec, http.StatusBadRequest)
	}
}
