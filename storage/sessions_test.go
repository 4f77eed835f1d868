package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Sessions is a session store scs can use as it is.
var _ scs.CtxStore = (*Sessions)(nil)

// sessionToken returns a token as scs makes them: 32 random bytes, base64.
func sessionToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// mustFind returns what FindCtx returns, failing the test on an error.
func mustFind(t *testing.T, ss *Sessions, token string) ([]byte, bool) {
	t.Helper()
	b, ok, err := ss.FindCtx(context.Background(), token)
	if err != nil {
		t.Fatalf("FindCtx: %v", err)
	}
	return b, ok
}

// mustCount returns the number of stored sessions.
func mustCount(t *testing.T, ss *Sessions) int {
	t.Helper()
	n, err := ss.Count(context.Background())
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return n
}

func TestSessionsCommitFindDelete(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	ss := s.Sessions()
	tok := sessionToken(t)

	if b, ok := mustFind(t, ss, tok); ok || b != nil {
		t.Fatalf("FindCtx of an unknown token = %q, %v; want not found", b, ok)
	}
	if err := ss.CommitCtx(ctx, tok, []byte("first"), clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, ok := mustFind(t, ss, tok); !ok || string(b) != "first" {
		t.Fatalf("FindCtx = %q, %v; want first", b, ok)
	}

	// Committing again replaces the data and the expiry; it is still one session.
	if err := ss.CommitCtx(ctx, tok, []byte("second"), clk.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(90 * time.Minute)
	if b, ok := mustFind(t, ss, tok); !ok || string(b) != "second" {
		t.Fatalf("FindCtx after the second commit = %q, %v; want second, still valid", b, ok)
	}
	if n := mustCount(t, ss); n != 1 {
		t.Fatalf("Count = %d, want 1", n)
	}

	// The stored key is useless as a token: a copy of the database signs no one in.
	if _, ok := mustFind(t, ss, tokenHash(tok)); ok {
		t.Fatal("FindCtx with the stored key found the session")
	}

	// The context-free methods are the same store.
	other := sessionToken(t)
	if err := ss.Commit(other, []byte("other"), clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, ok, err := ss.Find(other); err != nil || !ok || string(b) != "other" {
		t.Fatalf("Find = %q, %v, %v", b, ok, err)
	}
	if err := ss.Delete(other); err != nil {
		t.Fatal(err)
	}
	if _, ok := mustFind(t, ss, other); ok {
		t.Fatal("session found after Delete")
	}

	if err := ss.DeleteCtx(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, ok := mustFind(t, ss, tok); ok {
		t.Fatal("session found after DeleteCtx")
	}
	if n := mustCount(t, ss); n != 0 {
		t.Fatalf("Count after deleting both = %d, want 0", n)
	}
	if err := ss.DeleteCtx(ctx, tok); err != nil {
		t.Fatalf("DeleteCtx of a missing session = %v, want nil", err)
	}
}

func TestSessionsExpire(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	ss := s.Sessions()
	past, edge, live := sessionToken(t), sessionToken(t), sessionToken(t)
	now := clk.Now()
	for tok, expiry := range map[string]time.Time{
		past: now.Add(-time.Second),
		edge: now.Add(time.Minute),
		live: now.Add(time.Hour),
	} {
		if err := ss.CommitCtx(ctx, tok, []byte("data"), expiry); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := mustFind(t, ss, past); ok {
		t.Error("an expired session was found")
	}
	if _, ok := mustFind(t, ss, edge); !ok {
		t.Error("a session a minute from expiry was not found")
	}

	// At its expiry instant a session is over.
	clk.Advance(time.Minute)
	if _, ok := mustFind(t, ss, edge); ok {
		t.Error("a session was found at its expiry instant")
	}
	if n := mustCount(t, ss); n != 3 {
		t.Fatalf("Count before DeleteExpired = %d, want 3 (expired ones included)", n)
	}
	n, err := ss.DeleteExpired(ctx)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpired = %d, %v; want 2", n, err)
	}
	if n := mustCount(t, ss); n != 1 {
		t.Fatalf("Count after DeleteExpired = %d, want 1", n)
	}
	if b, ok := mustFind(t, ss, live); !ok || string(b) != "data" {
		t.Fatalf("the live session after DeleteExpired = %q, %v", b, ok)
	}
	if n, err := ss.DeleteExpired(ctx); err != nil || n != 0 {
		t.Fatalf("second DeleteExpired = %d, %v; want 0", n, err)
	}
}

// TestSessionTokenNotOnDisk looks for the raw token in the database file and
// its WAL: only its SHA-256 may be there.
func TestSessionTokenNotOnDisk(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	ss := s.Sessions()
	tok := sessionToken(t)
	marker := []byte("session-data-marker-7f3a")
	if err := ss.CommitCtx(ctx, tok, marker, clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	var disk []byte
	for _, p := range []string{s.path, s.path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		disk = append(disk, b...)
	}
	// The row is on disk where we look: its data and its key are there.
	if !bytes.Contains(disk, marker) || !bytes.Contains(disk, []byte(tokenHash(tok))) {
		t.Fatal("the session row is not in the database file or WAL; the search below would prove nothing")
	}
	if bytes.Contains(disk, []byte(tok)) {
		t.Fatal("the raw session token is stored in the database file or WAL")
	}
}

// TestSessionsWithSCS runs a real scs session manager over the store: a value
// put in one request is there in the next, which carries only the cookie.
func TestSessionsWithSCS(t *testing.T) {
	s, _ := newTestStore(t)
	sm := scs.New()
	sm.Store = s.Sessions()
	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "user_id", int64(42))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		if sm.GetInt64(r.Context(), "user_id") != 42 {
			http.Error(w, "no user in the session", http.StatusUnauthorized)
		}
	})
	h := sm.LoadAndSave(mux)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/put", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Value == "" {
		t.Fatalf("cookies after put = %v, want the session cookie", cookies)
	}
	if n := mustCount(t, s.Sessions()); n != 1 {
		t.Fatalf("sessions stored = %d, want 1", n)
	}

	req := httptest.NewRequest(http.MethodGet, "/get", nil)
	req.AddCookie(cookies[0])
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("second request with the cookie = %d %s", rec.Code, rec.Body.String())
	}

	// Without the cookie there is no session.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/get", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("request without the cookie = %d, want 401", rec.Code)
	}
}
