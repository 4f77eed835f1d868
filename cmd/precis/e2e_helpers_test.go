package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"precis/auth"
	"precis/storage"
	testcorpus "precis/summarize/extract/corpus"
)

// precisBin is the real binary, built once for all end-to-end tests: the server runs its own
// executable as the extraction child, so the tests must run the real thing.
var precisBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "precis-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	precisBin = filepath.Join(dir, "precis")
	if out, err := exec.Command("go", "build", "-o", precisBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build precis: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// corpus is the shared test corpus joined with parts.
func corpus(t testing.TB, parts ...string) string {
	t.Helper()
	return testcorpus.Path(t, parts...)
}

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running `precis serve` process.
type server struct {
	URL     string
	DataDir string
	Token   string // API token of e2e@example.com, an admin and member of matter E2E/1
	Matter  int64  // matter E2E/1
	cmd     *exec.Cmd
	out     *syncBuffer
	done    chan struct{}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startPrecis runs the server on a free port with its data in dataDir and the given settings.
func startPrecis(t *testing.T, dataDir string, env ...string) *server {
	t.Helper()
	port := freePort(t)
	s := &server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), DataDir: dataDir, out: &syncBuffer{}, done: make(chan struct{})}
	s.Matter, s.Token = e2eAccount(t, dataDir)
	s.cmd = exec.Command(precisBin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PRECIS_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Env = append(s.cmd.Env, fmt.Sprintf("PRECIS_ADDR=127.0.0.1:%d", port), "PRECIS_DATA_DIR="+dataDir, "PRECIS_LOG_LEVEL=debug")
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("precis output:\n%s", tail(s.out.String(), 60))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("precis exited at start:\n%s", s.out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("precis did not answer /healthz within 30s:\n%s", s.out.String())
		}
	}
}

// e2ePassword is the password of e2e@example.com.
const e2ePassword = "e2e password 0123456789"

// e2eAccount sets up, before the server starts, what the first administrator
// would: a matter E2E/1 and an admin e2e@example.com (password e2ePassword)
// who is its member; it returns the matter and a new API token of that admin.
// On a data directory used before, it reuses them.
func e2eAccount(t *testing.T, dataDir string) (matter int64, token string) {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(ctx, filepath.Join(dataDir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, "e2e@example.com")
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		hash, herr := auth.Hash(e2ePassword)
		if herr != nil {
			t.Fatal(herr)
		}
		u = &storage.User{Email: "e2e@example.com", Role: storage.RoleAdmin}
		if err := st.CreateUser(ctx, u, hash, "test"); err != nil {
			t.Fatal(err)
		}
		m := &storage.Matter{ClientNumber: "E2E", MatterNumber: "1", Name: "End-to-end tests"}
		if err := st.CreateMatter(ctx, m, "test"); err != nil {
			t.Fatal(err)
		}
		if err := st.AddMember(ctx, m.ID, u.ID, "test"); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	ms, err := st.UserMatters(ctx, u.ID)
	if err != nil || len(ms) == 0 {
		t.Fatalf("matters of e2e@example.com: %v, %v", ms, err)
	}
	if token, err = st.CreateAPIToken(ctx, u.ID, "e2e", "test"); err != nil {
		t.Fatal(err)
	}
	return ms[0].ID, token
}

// get requests path on the server with the admin's API token.
func (s *server) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// stop ends the server gracefully (SIGTERM), as an admin would.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// upload posts files to the upload form as the browser does, at most 20 per request (the
// form's limit).
func (s *server) upload(t *testing.T, paths ...string) {
	t.Helper()
	for len(paths) > 20 {
		s.upload(t, paths[:20]...)
		paths = paths[20:]
	}
	s.post(t, nil, paths...)
}

// post uploads the files with the form fields (written before the files, as the browser does).
func (s *server) post(t *testing.T, fields map[string]string, paths ...string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := mw.CreateFormFile("files", filepath.Base(p))
		_, _ = io.Copy(w, f)
		f.Close()
	}
	mw.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest(http.MethodPost, s.URL+"/documents", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: %s\n%s", resp.Status, b)
	}
}

// openStore opens the server's SQLite file beside it (WAL lets both read and write).
func openStore(t *testing.T, dataDir string) *storage.Store {
	t.Helper()
	st, err := storage.Open(context.Background(), filepath.Join(dataDir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// finished reports whether a document's latest job has ended.
func finished(j *storage.Job) bool {
	return j != nil && (j.Status == "done" || j.Status == "failed" || j.Status == "cancelled")
}

// waitJobs polls until every document's latest job has ended, or fails the test at the deadline.
func waitJobs(t *testing.T, st *storage.Store, want int, timeout time.Duration, tick func()) []storage.DocumentRow {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rows, err := st.ListDocuments(context.Background(), storage.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		all := len(rows) == want
		for _, r := range rows {
			all = all && finished(r.Job)
		}
		if all {
			return rows
		}
		if time.Now().After(deadline) {
			for _, r := range rows {
				t.Logf("%s: extract=%s job=%+v", r.Filename, r.ExtractStatus, r.Job)
			}
			t.Fatalf("%d documents did not all finish within %s", want, timeout)
		}
		if tick != nil {
			tick()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
