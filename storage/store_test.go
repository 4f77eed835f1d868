package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// testClock is a settable clock for Store.now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openTestStore opens the store at path and closes it when the test ends.
func openTestStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newTestStore opens a fresh, migrated store in a new directory, with a test
// clock.
func newTestStore(t *testing.T) (*Store, *testClock) {
	t.Helper()
	s := openTestStore(t, filepath.Join(t.TempDir(), "data", "precis.db"))
	clk := newTestClock()
	s.now = clk.Now
	return s, clk
}

// testMatter returns the id of matter T/1, created on first use.
func testMatter(t *testing.T, s *Store) int64 {
	t.Helper()
	id, err := matterT1(context.Background(), s)
	if err != nil {
		t.Fatalf("test matter: %v", err)
	}
	return id
}

// matterT1 is testMatter for helpers without a *testing.T. The matter is
// inserted without an audit event.
func matterT1(ctx context.Context, s *Store) (int64, error) {
	ms, err := s.Matters(ctx)
	if err != nil {
		return 0, err
	}
	for _, m := range ms {
		if m.ClientNumber == "T" && m.MatterNumber == "1" {
			return m.ID, nil
		}
	}
	// Inserted directly, without CreateMatter's audit event, so tests of the
	// audit log see only the events of what they do.
	var id int64
	err = s.db.QueryRowContext(ctx, `
		INSERT INTO matters (client_number, matter_number, name, created_at, updated_at)
		VALUES ('T', '1', 'Test matter', ?1, ?1) RETURNING id`, formatTime(s.now())).Scan(&id)
	return id, err
}

// testDocument uploads a document whose content hash derives from name.
func testDocument(t *testing.T, s *Store, name string) *Document {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	d := &Document{SHA256: hex.EncodeToString(sum[:]), Filename: name + ".pdf",
		StoredName: hex.EncodeToString(sum[:8]) + ".pdf", Size: int64(len(name)), MatterID: testMatter(t, s)}
	if existing, err := s.CreateDocument(context.Background(), d, "alice"); err != nil {
		t.Fatalf("CreateDocument(%s): %v", name, err)
	} else if existing {
		t.Fatalf("CreateDocument(%s): unexpected duplicate", name)
	}
	return d
}

// testJob uploads a document and queues a job for it.
func testJob(t *testing.T, s *Store, name string) *Job {
	t.Helper()
	d := testDocument(t, s, name)
	job, err := s.CreateJob(context.Background(), d.ID, "alice")
	if err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	return job
}

// mustJob reloads a job.
func mustJob(t *testing.T, s *Store, id int64) *Job {
	t.Helper()
	job, err := s.Job(context.Background(), id)
	if err != nil {
		t.Fatalf("Job(%d): %v", id, err)
	}
	return job
}

// wantCode fails the test unless err carries the error code want ("" for nil).
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new dir?#", "precis.db")
	s := openTestStore(t, path)

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file mode = %v, want 0600", perm)
	}

	for _, tt := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "10000"},
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("writer PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}

	if _, err := s.rdb.ExecContext(ctx, `INSERT INTO schema_migrations VALUES ('x', 'y')`); err == nil {
		t.Error("insert through the reader pool succeeded, want a query-only error")
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "precis.db")
	s := openTestStore(t, path)

	applied, err := s.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("Migrate after Open = %v, %v; want nothing to apply", applied, err)
	}
	var versions []string
	rows, err := s.rdb.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	rows.Close()
	if len(versions) == 0 || versions[0] != "0001_init" {
		t.Fatalf("schema_migrations = %v, want 0001_init first", versions)
	}

	// A new file is applied once, in order; a failing one is rolled back whole
	// and stays pending.
	fsys := fstest.MapFS{
		"0002_b.sql": {Data: []byte(`CREATE TABLE b (x INTEGER);`)},
		"0003_c.sql": {Data: []byte(`CREATE TABLE c (x INTEGER); INSERT INTO nope VALUES (1);`)},
	}
	applied, err = s.migrate(ctx, fsys)
	if err == nil || fmt.Sprint(applied) != "[0002_b]" {
		t.Fatalf("migrate = %v, %v; want [0002_b] and an error", applied, err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'c'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("table c exists after failed migration (n=%d, err=%v)", n, err)
	}
	fsys["0003_c.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE c (x INTEGER);`)}
	if applied, err = s.migrate(ctx, fsys); err != nil || fmt.Sprint(applied) != "[0003_c]" {
		t.Fatalf("migrate = %v, %v; want [0003_c]", applied, err)
	}
}

func TestOpenInvalidPath(t *testing.T) {
	if _, err := Open(context.Background(), ""); ErrorCode(err) != EINVALID {
		t.Fatalf("Open(\"\") = %v, want EINVALID", err)
	}
}

func TestErrors(t *testing.T) {
	wrapped := fmt.Errorf("context: %w", Errorf(ENOTFOUND, "Document %d not found.", 7))
	for _, tt := range []struct {
		name     string
		err      error
		code     string
		message  string
		contains string
	}{
		{"nil", nil, "", "", ""},
		{"app error", Errorf(ECONFLICT, "Busy."), ECONFLICT, "Busy.", "conflict"},
		{"wrapped", wrapped, ENOTFOUND, "Document 7 not found.", "not_found"},
		{"other", errors.New("disk on fire"), EINTERNAL, "Internal error.", "disk on fire"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
			}
			if tt.err != nil && !strings.Contains(tt.err.Error(), tt.contains) {
				t.Errorf("Error() = %q, want it to contain %q", tt.err.Error(), tt.contains)
			}
		})
	}
}

func TestTimeFormatSortsAsText(t *testing.T) {
	a := time.Date(2025, 1, 1, 0, 0, 5, 0, time.UTC)
	b := a.Add(100 * time.Millisecond)
	if !(formatTime(a) < formatTime(b)) {
		t.Fatalf("%s should sort before %s", formatTime(a), formatTime(b))
	}
	got, err := parseTime(formatTime(b))
	if err != nil || !got.Equal(b) {
		t.Fatalf("parseTime(formatTime(b)) = %v, %v; want %v", got, err, b)
	}
}
