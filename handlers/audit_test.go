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
	"github.com/labstack/echo/v4"

	"precis/storage"
)

// uploadAs records a document uploaded by actor (one "document.upload" event) and, with
// job, queues its job (one "job.create" event by the same actor).
func (v *env) uploadAs(t *testing.T, name, actor string, job bool) int64 {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256([]byte(name))
	d := &storage.Document{SHA256: hex.EncodeToString(sum[:]), Filename: name + ".pdf",
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
	docA := v.uploadAs(t, "a", "alice", true) // seq 1 upload, 2 job.create
	docB := v.uploadAs(t, "b", "bob", true)   // seq 3 upload, 4 job.create
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }

	tests := []struct {
		name  string
		query url.Values
		want  []int64
	}{
		{"all, newest first", nil, []int64{4, 3, 2, 1}},
		{"actor", url.Values{"actor": {"alice"}}, []int64{2, 1}},
		{"action", url.Values{"action": {"job.create"}}, []int64{4, 2}},
		{"document A", url.Values{"document": {strconv.FormatInt(docA, 10)}}, []int64{2, 1}},
		{"document B and actor", url.Values{"document": {strconv.FormatInt(docB, 10)}, "actor": {"bob"}}, []int64{4, 3}},
		{"document B, wrong actor", url.Values{"document": {strconv.FormatInt(docB, 10)}, "actor": {"alice"}}, []int64{}},
		{"from today to today", url.Values{"from": {day(0)}, "to": {day(0)}}, []int64{4, 3, 2, 1}},
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
	if want := []string{"", "document.upload", "job.create"}; !slices.Equal(options, want) {
		t.Errorf("action options = %q, want %q", options, want)
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
	for i := range 55 {
		v.uploadAs(t, "doc-"+strconv.Itoa(i), "alice", false) // seqs 1..55
	}
	v.uploadAs(t, "other", "bob", true) // seqs 56, 57

	doc := parse(t, v.get(t, "/admin/audit?action=document.upload", false))
	first := auditSeqs(t, doc)
	if len(first) != auditPageSize || first[0] != 56 || first[len(first)-1] != 7 {
		t.Fatalf("first page = %d rows %v", len(first), first)
	}
	next := testID(doc, "audit-next")
	href := next.AttrOr("href", "")
	u, err := url.Parse(href)
	if err != nil || u.Query().Get("action") != "document.upload" || u.Query().Get("before") != "7" {
		t.Fatalf("next link = %q, want the filter and before=7", href)
	}
	if next.AttrOr("hx-get", "") != href {
		t.Errorf("next link hx-get = %q, want %q", next.AttrOr("hx-get", ""), href)
	}

	rec := v.get(t, href, true)
	wantStatus(t, rec, http.StatusOK)
	doc = parse(t, rec)
	if got, want := auditSeqs(t, doc), []int64{6, 5, 4, 3, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("second page = %v, want %v", got, want)
	}
	if testID(doc, "audit-next").Length() != 0 {
		t.Error("next link on the last page")
	}
}

func TestAuditCSV(t *testing.T) {
	v := newEnv(t, Config{})
	hostile := []string{"=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)"}
	for i, actor := range hostile {
		v.uploadAs(t, "hostile-"+strconv.Itoa(i), actor, false) // seqs 1..4
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
	if want := []string{"seq", "at", "actor", "action", "object_type", "object_id", "outcome", "details", "prev_hash", "hash"}; !slices.Equal(records[0], want) {
		t.Errorf("header = %q", records[0])
	}
	rows := records[1:]
	if len(rows) != plain+len(hostile) {
		t.Fatalf("%d rows, want %d", len(rows), plain+len(hostile))
	}
	for i, r := range rows {
		if want := strconv.Itoa(len(rows) - i); r[0] != want {
			t.Fatalf("row %d has seq %s, want %s (newest first, each once)", i, r[0], want)
		}
	}
	for i, actor := range hostile {
		r := rows[len(rows)-1-i]
		if r[2] != "'"+actor {
			t.Errorf("seq %s actor cell = %q, want %q", r[0], r[2], "'"+actor)
		}
	}
	last := rows[0]
	if last[2] != "alice" || last[3] != "document.upload" || last[4] != "document" || !strings.HasPrefix(last[7], "{") {
		t.Errorf("newest row = %q", last)
	}
	// The exported fields are the hashed text: the row's hash recomputes from them.
	objectID, _ := strconv.ParseInt(last[5], 10, 64)
	seq, _ := strconv.ParseInt(last[0], 10, 64)
	if got := storage.AuditHash(last[8], seq, last[1], last[2], last[3], last[4], objectID, last[6], last[7]); got != last[9] {
		t.Errorf("hash of exported row = %s, want %s", got, last[9])
	}

	rec = v.get(t, "/admin/audit.csv?actor="+url.QueryEscape("+1"), false)
	wantStatus(t, rec, http.StatusOK)
	records, err = csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	if err != nil || len(records) != 2 || records[1][0] != "2" {
		t.Errorf("filtered CSV = %q, %v; want the header and seq 2", records, err)
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
	for i := range 3 {
		v.uploadAs(t, "doc-"+strconv.Itoa(i), "alice", true) // seqs 1..6
	}
	if _, _, err := v.store.AnchorAudit(context.Background(), anchors); err != nil {
		t.Fatal(err)
	}

	rec := v.post(t, "/admin/audit/verify", true)
	wantStatus(t, rec, http.StatusOK)
	doc := parse(t, rec)
	got := text(testID(doc, "audit-verify-ok"))
	for _, want := range []string{"6 events checked", "1 anchors matched", "head at seq 6"} {
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
	if !isFullPage(rec) || testID(doc, "audit-verify-ok").Length() != 1 || len(auditSeqs(t, doc)) != 6 {
		t.Errorf("verify without htmx: want the audit page with the result:\n%s", rec.Body.String())
	}

	v.tamper(t, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 4`)
	doc = parse(t, v.post(t, "/admin/audit/verify", true))
	problem := testID(doc, "audit-verify-problem")
	if problem.AttrOr("data-seq", "") != "4" || !strings.Contains(text(problem), "seq 4") ||
		!strings.Contains(text(problem), "edited") {
		t.Errorf("after editing seq 4: problem = %q (data-seq %q)", text(problem), problem.AttrOr("data-seq", ""))
	}
	if testID(doc, "audit-verify-ok").Length() != 0 {
		t.Error("tampered log verified")
	}

	if err := os.WriteFile(anchors, []byte("not an anchor\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc = parse(t, v.post(t, "/admin/audit/verify", true))
	if got := text(testID(doc, "audit-verify-problem")); !strings.Contains(got, "line 1") {
		t.Errorf("damaged anchor file: problem = %q, want it to name line 1", got)
	}
}

func TestAuditVerifyDeletedRowsWithoutAnchors(t *testing.T) {
	v := newEnv(t, Config{})
	for i := range 3 {
		v.uploadAs(t, "doc-"+strconv.Itoa(i), "alice", false) // seqs 1..3
	}
	v.tamper(t, `DELETE FROM audit_events WHERE seq = 2`)
	problem := testID(parse(t, v.post(t, "/admin/audit/verify", true)), "audit-verify-problem")
	if problem.AttrOr("data-seq", "") != "2" || !strings.Contains(text(problem), "row 2 is missing") {
		t.Errorf("after deleting seq 2: problem = %q", text(problem))
	}
}

func TestAuditPagesRefuseStaff(t *testing.T) {
	v := newEnv(t, Config{Identify: func(echo.Context) (string, bool) { return "sam", false }})
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
