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
type env struct {
	e       *echo.Echo
	store   *storage.Store
	queue   *fakeQueue
	dataDir string
	logs    *bytes.Buffer
}

func newEnv(t *testing.T, cfg Config) *env {
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
	return &env{e: e, store: store, queue: q, dataDir: dir, logs: logs}
}

// do serves req; htmx marks it as an htmx request.
func (v *env) do(t *testing.T, req *http.Request, htmx bool) *httptest.ResponseRecorder {
	t.Helper()
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
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
		Size: 1234, ExtractStatus: storage.ExtractPending}
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
