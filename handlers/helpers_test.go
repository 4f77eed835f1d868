package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/summarize/extract/corpus"
)

// fakeQueue counts Wake calls and keeps the passwords handed to it.
type fakeQueue struct {
	wakes     atomic.Int32
	mu        sync.Mutex
	passwords map[int64]string
}

func (q *fakeQueue) Wake() { q.wakes.Add(1) }

func (q *fakeQueue) PutPassword(docID int64, password string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.passwords == nil {
		q.passwords = map[int64]string{}
	}
	q.passwords[docID] = password
}

func (q *fakeQueue) DropPassword(docID int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.passwords, docID)
}

func (q *fakeQueue) password(docID int64) (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	pw, ok := q.passwords[docID]
	return pw, ok
}

// env is a running web interface over a real SQLite store in a temp dir.
//
// Requests go through the real authentication: do sends each request that has
// no Authorization and no Cookie header with the API token of a test user,
// created on first use as <name>@example.com and made a member of matter.
// The header X-Test-User names the user (a staff member unless X-Test-Admin
// is "1"); without it the request is made by defaultUser (see asStaff), or by
// "admin" when X-Test-Admin is "1".
type env struct {
	e       *echo.Echo
	h       *Handler
	store   *storage.Store
	queue   *fakeQueue
	dataDir string
	logs    *bytes.Buffer
	matter  int64 // the matter the test users are members of

	defaultUser  string // "admin" unless asStaff
	defaultAdmin bool
	mu           sync.Mutex
	tokens       map[string]string // user name -> API token
	users        map[string]*storage.User
}

// asStaff makes requests without X-Test-* headers come from staff user alice.
func asStaff(v *env) { v.defaultUser, v.defaultAdmin = "alice", false }

func newEnv(t *testing.T, cfg Config, opts ...func(*env)) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := storage.Open(context.Background(), filepath.Join(dir, "precis.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	cfg.DataDir = dir
	q := &fakeQueue{}
	logs := &bytes.Buffer{}
	h := New(store, q, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	e := echo.New()
	h.Register(e)
	v := &env{e: e, h: h, store: store, queue: q, dataDir: dir, logs: logs, matter: testMatter(t, store, "C-1", "M-1"),
		defaultUser: "admin", defaultAdmin: true, tokens: map[string]string{}, users: map[string]*storage.User{}}
	for _, o := range opts {
		o(v)
	}
	return v
}

// user returns the test user name (created on first use with the role, and
// made a member of v.matter) and their API token.
func (v *env) user(t *testing.T, name string, admin bool) (*storage.User, string) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if u, ok := v.users[name]; ok {
		return u, v.tokens[name]
	}
	u, tok := testUser(t, v.store, name, admin, v.matter)
	v.users[name], v.tokens[name] = u, tok
	return u, tok
}

// testUser creates user <name>@example.com (admin or staff), makes them a
// member of matter unless it is 0, and returns them with an API token.
func testUser(t *testing.T, store *storage.Store, name string, admin bool, matter int64) (*storage.User, string) {
	t.Helper()
	ctx := context.Background()
	role := storage.RoleStaff
	if admin {
		role = storage.RoleAdmin
	}
	u := &storage.User{Email: name + "@example.com", Role: role}
	if err := store.CreateUser(ctx, u, "", "test"); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	if matter != 0 {
		if err := store.AddMember(ctx, matter, u.ID, "test"); err != nil {
			t.Fatalf("add member %s: %v", name, err)
		}
	}
	tok, err := store.CreateAPIToken(ctx, u.ID, "test", "test")
	if err != nil {
		t.Fatalf("token for %s: %v", name, err)
	}
	return u, tok
}

// testMatter creates a matter with the given numbers.
func testMatter(t *testing.T, store *storage.Store, client, number string) int64 {
	t.Helper()
	m := &storage.Matter{ClientNumber: client, MatterNumber: number, Name: "Matter " + client + "/" + number}
	if err := store.CreateMatter(context.Background(), m, "test"); err != nil {
		t.Fatalf("create matter: %v", err)
	}
	return m.ID
}

// authenticate gives req the API token of the user its X-Test-* headers name,
// unless it carries credentials of its own.
func (v *env) authenticate(t *testing.T, req *http.Request) {
	t.Helper()
	if req.Header.Get("Authorization") != "" || req.Header.Get("Cookie") != "" {
		return
	}
	name, admin := req.Header.Get("X-Test-User"), req.Header.Get("X-Test-Admin") == "1"
	switch {
	case name == "" && admin:
		name = "admin"
	case name == "":
		name, admin = v.defaultUser, v.defaultAdmin
	}
	_, tok := v.user(t, name, admin)
	req.Header.Set("Authorization", "Bearer "+tok)
}

// do serves req; htmx marks it as an htmx request.
func (v *env) do(t *testing.T, req *http.Request, htmx bool) *httptest.ResponseRecorder {
	t.Helper()
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	v.authenticate(t, req)
	rec := httptest.NewRecorder()
	v.e.ServeHTTP(rec, req)
	return rec
}

func (v *env) get(t *testing.T, path string, htmx bool) *httptest.ResponseRecorder {
	t.Helper()
	return v.do(t, httptest.NewRequest(http.MethodGet, path, nil), htmx)
}

func (v *env) post(t *testing.T, path string, htmx bool) *httptest.ResponseRecorder {
	t.Helper()
	return v.do(t, httptest.NewRequest(http.MethodPost, path, nil), htmx)
}

// upload is one file of a multipart upload.
type upload struct {
	name    string
	content []byte
}

// uploadRequest builds POST /documents with the files in field "files".
func uploadRequest(t *testing.T, files ...upload) *http.Request {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range files {
		part, err := w.CreateFormFile("files", f.name)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(f.content)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/documents", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// corpusPath returns the path of a file of the shared test corpus.
func corpusPath(t *testing.T, rel string) string {
	t.Helper()
	return corpus.Path(t, rel)
}

// corpusFile reads a file of the shared test corpus.
func corpusFile(t *testing.T, rel string) upload {
	t.Helper()
	b, err := os.ReadFile(corpusPath(t, rel))
	if err != nil {
		t.Fatalf("read corpus file: %v", err)
	}
	return upload{name: filepath.Base(rel), content: b}
}

// parse parses an HTML response.
func parse(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// testID finds elements by data-testid.
func testID(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d; body:\n%s", rec.Code, want, rec.Body.String())
	}
}

// isFullPage reports whether the response is a whole HTML document.
func isFullPage(rec *httptest.ResponseRecorder) bool {
	return strings.Contains(strings.ToLower(rec.Body.String()), "<html")
}

// createDocument records a document with a job, as an upload would.
func (v *env) createDocument(t *testing.T, name string) (*storage.Document, *storage.Job) {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256([]byte(name))
	d := &storage.Document{SHA256: hex.EncodeToString(sum[:]), Filename: name, StoredName: hex.EncodeToString(sum[:16]) + ".pdf",
		Size: 1234, ExtractStatus: storage.ExtractPending, MatterID: v.matter}
	if _, err := v.store.CreateDocument(ctx, d, "test"); err != nil {
		t.Fatalf("create document: %v", err)
	}
	j, err := v.store.CreateJob(ctx, d.ID, "test")
	if err != nil {
		t.Fatalf("create job: %v", err)
	}
	return d, j
}

// claim claims the next job as a worker would.
func (v *env) claim(t *testing.T) *storage.Job {
	t.Helper()
	j, err := v.store.ClaimJob(context.Background(), "test-worker", time.Minute)
	if err != nil || j == nil {
		t.Fatalf("claim job: %v, %v", j, err)
	}
	return j
}

// extract records the pages of a document as the extractor would.
func (v *env) extract(t *testing.T, docID int64, pages ...string) {
	t.Helper()
	var ps []storage.Page
	for i, p := range pages {
		status := storage.PageOK
		if strings.TrimSpace(p) == "" {
			status = storage.PageEmpty
		}
		ps = append(ps, storage.Page{DocumentID: docID, Number: i + 1, Text: p, Status: status})
	}
	if err := v.store.SaveExtraction(context.Background(), docID, storage.ExtractOK, "", ps); err != nil {
		t.Fatalf("save extraction: %v", err)
	}
}

// complete finishes a claimed job with a summary.
func (v *env) complete(t *testing.T, j *storage.Job, engine string, dropped int, sections ...storage.Section) {
	t.Helper()
	s := &storage.Summary{JobID: j.ID, Provider: "ollama", Model: "qwen2.5:3b", Engine: engine,
		Sections: sections, DroppedCitations: dropped}
	if engine == storage.EngineExtractive {
		s.Provider, s.Model = "builtin", "extractive"
	}
	if err := v.store.CompleteJob(context.Background(), s); err != nil {
		t.Fatalf("complete job: %v", err)
	}
}

// filesIn lists the names in DataDir/files.
func (v *env) filesIn(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(v.dataDir, "files"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func httpGet(path string) *http.Request  { return httptest.NewRequest(http.MethodGet, path, nil) }
func httpPost(path string) *http.Request { return httptest.NewRequest(http.MethodPost, path, nil) }
