package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/summarize"
	"precis/summarize/extract"
	"precis/summarize/llm"
	"precis/summarize/policy"
)

// childEnv marks a process started by these tests as the extraction child: the test binary
// re-executes itself as `extract ARGS`, as the server re-executes precis.
const childEnv = "PRECIS_HANDLERS_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" && len(os.Args) > 1 && os.Args[1] == "extract" {
		os.Exit(extract.Main(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Setenv(childEnv, "1") // inherited by the children the runner starts
	os.Exit(m.Run())
}

// lockedBuffer is a log destination shared by the handlers and the workers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestPasswordEndToEnd uploads password-protected PDFs to the web interface backed by the
// real job runner and extraction child, supplies a wrong password and then the right ones,
// and checks that each document is summarized and that no password is left anywhere: not
// in the SQLite files, the logs, the audit trail or the data directory.
func TestPasswordEndToEnd(t *testing.T) {
	const wrong = "Wr0ng-Pass-Xq9"
	files := map[string]string{ // corpus file -> user password (../shared/corpus/SOURCES.md)
		"tricky/libreoffice-writer-password.pdf": "openpassword",
		"hostile/aes128_userpw.pdf":              "user",
		"tricky/encrypted-40-bit-R3.pdf":         "623",
	}
	dir := t.TempDir()
	ctx := context.Background()
	store, err := storage.Open(ctx, filepath.Join(dir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(policy.Default(nil)) // on-premises only: here, the built-in summarizer
	if _, _, err := store.SavePolicy(ctx, "test", "default", "", body); err != nil {
		t.Fatal(err)
	}
	router := &summarize.Router{Policies: summarize.StorePolicies{Store: store}, LabelOf: summarize.StoreLabels(store),
		Build: func(policy.Provider) (llm.Provider, error) { return nil, errors.New("no model server in this test") }}
	runner := &summarize.Runner{Store: store, Extractor: extract.Runner{Command: []string{exe, "extract"}},
		Backends: router, FilesDir: filepath.Join(dir, "files"), Workers: 1,
		Owner: "e2e", Heartbeat: 50 * time.Millisecond, Poll: 50 * time.Millisecond, Logger: logger}
	e := echo.New()
	New(store, runner, Config{DataDir: dir}, logger).Register(e)
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { runner.Run(runCtx); close(stopped) }()
	t.Cleanup(func() { stop(); <-stopped })
	_, token := testUser(t, store, "pat", false, testMatter(t, store, "C-1", "M-1"))
	serve := func(req *http.Request) *httptest.ResponseRecorder {
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}

	var uploads []upload
	for rel := range files {
		uploads = append(uploads, corpusFile(t, rel))
	}
	if rec := serve(uploadRequest(t, uploads...)); rec.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	byName := func() map[string]storage.DocumentRow {
		rows, err := store.ListDocuments(ctx, storage.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]storage.DocumentRow{}
		for _, r := range rows {
			m[r.Filename] = r
		}
		return m
	}
	waitFor := func(what string, cond func(storage.DocumentRow) bool, names ...string) map[string]storage.DocumentRow {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			rows := byName()
			ok := len(rows) == len(files)
			for _, n := range names {
				ok = ok && rows[n].Job != nil && rows[n].Job.Finished() && cond(rows[n])
			}
			if ok {
				return rows
			}
			if time.Now().After(deadline) {
				t.Fatalf("documents never became %s: %+v", what, rows)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	names := make([]string, 0, len(files))
	for rel := range files {
		names = append(names, filepath.Base(rel))
	}
	rows := waitFor("encrypted", func(r storage.DocumentRow) bool { return r.ExtractStatus == storage.ExtractEncrypted }, names...)

	// Each document page asks for the password.
	for _, n := range names {
		doc := parse(t, serve(httpGet(fmt.Sprintf("/documents/%d", rows[n].ID))))
		if testID(doc, "password-form").Length() != 1 {
			t.Fatalf("%s: no password form", n)
		}
	}

	// A wrong password: encrypted again, saying so, with the form.
	libre := rows["libreoffice-writer-password.pdf"]
	if rec := serve(passwordRequest(libre.ID, wrong)); rec.Code != http.StatusSeeOther {
		t.Fatalf("wrong password: %d %s", rec.Code, rec.Body.String())
	}
	waitFor("refused again", func(r storage.DocumentRow) bool { return r.ExtractMessage == extract.MsgWrongPassword }, libre.Filename)
	doc := parse(t, serve(httpGet(fmt.Sprintf("/documents/%d", libre.ID))))
	if got := text(testID(doc, "status-detail")); got != extract.MsgWrongPassword || testID(doc, "password-form").Length() != 1 {
		t.Errorf("after a wrong password: detail %q", got)
	}

	// The right passwords: every document is read and summarized.
	for rel, pw := range files {
		id := rows[filepath.Base(rel)].ID
		if rec := serve(passwordRequest(id, pw)); rec.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", rel, rec.Code, rec.Body.String())
		}
	}
	rows = waitFor("summarized", func(r storage.DocumentRow) bool { return r.Job.Status == storage.JobDone }, names...)
	for _, n := range names {
		if r := rows[n]; r.ExtractStatus != storage.ExtractOK || r.PageCount == 0 {
			t.Errorf("%s: %s, %d pages", n, r.ExtractStatus, r.PageCount)
		}
	}
	page := parse(t, serve(httpGet(fmt.Sprintf("/documents/%d/pages/1", libre.ID))))
	if !strings.Contains(text(testID(page, "page-text")), "Lorem ipsum") {
		t.Errorf("page 1 text = %.100q", text(testID(page, "page-text")))
	}

	// No password anywhere. ("user" and "623" are too common to look for.)
	stop()
	<-stopped
	audit, err := store.AuditEvents(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	auditJSON, _ := json.Marshal(audit)
	supplied := 0
	for _, ev := range audit {
		if ev.Action == "document.password_supplied" {
			supplied++
		}
	}
	if supplied != 4 {
		t.Errorf("%d document.password_supplied audit events, want 4", supplied)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	places := map[string][]byte{"logs": []byte(logs.String()), "audit trail": auditJSON}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			places[path] = b
		}
		return nil
	})
	for _, pw := range []string{files["tricky/libreoffice-writer-password.pdf"], wrong} {
		for where, b := range places {
			if bytes.Contains(b, []byte(pw)) {
				t.Errorf("the password %q is in %s", pw, where)
			}
		}
	}
	if _, ok := runner.Passwords.Take(libre.ID); ok {
		t.Error("the runner still holds a password")
	}
}
