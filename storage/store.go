// Package storage keeps Precis's records in SQLite: documents and their pages,
// summarization jobs with their chunks and chunk results, summaries, and the
// hash-chained audit log. It is the only package that imports the SQL driver.
//
// Every public method runs in its own transaction; writes go through a single
// writer connection that starts transactions with BEGIN IMMEDIATE, so two
// writers (goroutines or processes) never interleave, and the audit event of an
// action is written in the same transaction as the action.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// SystemActor is the actor recorded for actions taken by the worker or the
// server itself rather than by a user.
const SystemActor = "system"

// busyTimeout is how long a connection waits for a lock held by another
// connection (another process, or the writer during a checkpoint).
const busyTimeout = 10 * time.Second

// Store is the SQLite database of one Precis installation.
type Store struct {
	path string
	db   *sql.DB // the writer: one connection, BEGIN IMMEDIATE
	rdb  *sql.DB // the readers: several query-only connections

	// now returns the current time; tests replace it to move leases forward.
	now func() time.Time
}

// Open opens the SQLite database at path, creating the file (mode 0600) and its
// parent directory (mode 0700) if needed, and applies pending migrations.
// The database runs in WAL mode with synchronous=FULL and foreign keys on.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, Errorf(EINVALID, "Database path required.")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open store: create directory: %w", err)
	}
	// Create the file ourselves so it, and the -wal and -shm files SQLite
	// derives from it, are readable by the owner only.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}

	s := &Store{path: abs, now: time.Now}
	ms := busyTimeout.Milliseconds()
	s.db, err = sql.Open("sqlite3", dsn(abs, url.Values{
		"_txlock":        {"immediate"},
		"_journal_mode":  {"WAL"},
		"_synchronous":   {"FULL"},
		"_foreign_keys":  {"1"},
		"_busy_timeout":  {fmt.Sprint(ms)},
		"_secure_delete": {"1"},
	}))
	if err != nil {
		return nil, fmt.Errorf("open store: writer: %w", err)
	}
	// SQLite has one writer at a time anyway; one connection makes writers
	// queue in database/sql instead of spinning on SQLITE_BUSY.
	s.db.SetMaxOpenConns(1)
	s.db.SetMaxIdleConns(1)
	s.db.SetConnMaxLifetime(0)
	s.db.SetConnMaxIdleTime(0)
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open store: writer: %w", err)
	}

	if _, err := s.Migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}

	s.rdb, err = sql.Open("sqlite3", dsn(abs, url.Values{
		"_query_only":   {"1"},
		"_foreign_keys": {"1"},
		"_busy_timeout": {fmt.Sprint(ms)},
	}))
	if err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open store: readers: %w", err)
	}
	n := max(4, runtime.NumCPU())
	s.rdb.SetMaxOpenConns(n)
	s.rdb.SetMaxIdleConns(n)
	if err := s.rdb.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store: readers: %w", err)
	}
	return s, nil
}

// dsn builds a file: URI for go-sqlite3, escaping the path so that '?' or '#'
// in a directory name cannot end it early.
func dsn(path string, params url.Values) string {
	u := url.URL{Path: filepath.ToSlash(path)}
	return "file:" + u.EscapedPath() + "?" + params.Encode()
}

// Close closes the reader pool and the writer connection.
func (s *Store) Close() error {
	var errs []error
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Ping checks that the database can be read and written: it takes the write
// lock (BEGIN IMMEDIATE) and releases it.
func (s *Store) Ping(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if err := tx.Rollback(); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: readers: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction on the writer (BEGIN IMMEDIATE) and
// commits it when fn returns nil. An error of fn is returned as it is, so an
// *Error keeps its code; a failed begin or commit is wrapped as
// "what: begin: ..." or "what: commit: ...".
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// timeLayout is RFC 3339 with a fixed nine-digit fraction, always in UTC.
// time.RFC3339Nano trims trailing zeros, which breaks text ordering in SQL
// (".5Z" sorts after "Z"); a fixed width keeps text order equal to time order.
// Values parse with time.RFC3339Nano.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// formatTime returns t as stored: UTC, fixed-width RFC 3339.
func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

// parseTime parses a stored time; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// nullTime returns the stored form of t, or NULL for the zero time.
func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(t), Valid: true}
}

// scanner is implemented by *sql.Row and *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint
// failure.
func isUniqueViolation(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) &&
		(e.ExtendedCode == sqlite3.ErrConstraintUnique || e.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}
