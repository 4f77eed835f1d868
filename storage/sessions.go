package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sessions keeps web sessions in the sessions table. It implements
// github.com/alexedwards/scs/v2's CtxStore without importing it: lookups use
// the reader pool, so checking a session never waits for the writer, and the
// key is the SHA-256 of the session token, so a copy of the database holds no
// usable session.
type Sessions struct{ s *Store }

// Sessions returns the session store over this database.
func (s *Store) Sessions() *Sessions { return &Sessions{s: s} }

// sessionTime is how expiry is stored: Unix seconds, fractional.
func sessionTime(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// FindCtx returns the data of an unexpired session.
func (ss *Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := ss.s.rdb.QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = ? AND expiry > ?`,
		tokenHash(token), sessionTime(ss.s.now())).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx saves the session's data and expiry.
func (ss *Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if _, err := ss.s.db.ExecContext(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		tokenHash(token), b, sessionTime(expiry)); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// DeleteCtx removes the session; deleting a missing one is not an error.
func (ss *Sessions) DeleteCtx(ctx context.Context, token string) error {
	if _, err := ss.s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token = ?`, tokenHash(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// Find is FindCtx without a context.
func (ss *Sessions) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context.
func (ss *Sessions) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context.
func (ss *Sessions) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// DeleteExpired removes the sessions that have expired and returns how many.
func (ss *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := ss.s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expiry <= ?`, sessionTime(ss.s.now()))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// Count returns the number of stored sessions, expired ones included.
func (ss *Sessions) Count(ctx context.Context) (int, error) {
	var n int
	if err := ss.s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count sessions: %w", err)
	}
	return n, nil
}
