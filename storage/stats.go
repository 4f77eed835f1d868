package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// The queries an operator's tools need: counts for monitoring, a write probe
// for readiness and the WAL checkpoint of a clean shutdown. None of them reads
// document text.

// Stats counts the store's jobs and documents, for monitoring.
type Stats struct {
	// JobsByStatus counts jobs by status; every status has an entry, 0 when none.
	JobsByStatus map[string]int
	// QueueDepth counts the jobs a worker could claim now: queued, or running
	// with an expired lease (their worker died), and no cancellation requested.
	// It is the same condition ClaimJob uses.
	QueueDepth int
	// DocumentsByExtractStatus counts documents by extraction status
	// (ExtractPending until extracted); every known status has an entry.
	DocumentsByExtractStatus map[string]int
}

// Stats counts jobs and documents in one read transaction, so the numbers
// agree with each other.
func (s *Store) Stats(ctx context.Context) (*Stats, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("stats: begin: %w", err)
	}
	defer tx.Rollback()

	st := &Stats{JobsByStatus: map[string]int{}, DocumentsByExtractStatus: map[string]int{ExtractPending: 0}}
	for _, status := range []string{JobQueued, JobRunning, JobDone, JobFailed, JobCancelled} {
		st.JobsByStatus[status] = 0
	}
	for status := range extractStatuses {
		st.DocumentsByExtractStatus[status] = 0
	}
	if err := countBy(ctx, tx, `SELECT status, COUNT(*) FROM jobs GROUP BY status`, st.JobsByStatus); err != nil {
		return nil, fmt.Errorf("stats: jobs: %w", err)
	}
	if err := countBy(ctx, tx, `SELECT extract_status, COUNT(*) FROM documents GROUP BY extract_status`,
		st.DocumentsByExtractStatus); err != nil {
		return nil, fmt.Errorf("stats: documents: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `
		SELECT COUNT(*) FROM jobs
		WHERE cancel_requested = 0
			AND (status = 'queued' OR (status = 'running' AND lease_until < ?))`,
		formatTime(s.now())).Scan(&st.QueueDepth); err != nil {
		return nil, fmt.Errorf("stats: queue depth: %w", err)
	}
	return st, nil
}

// countBy runs a "SELECT key, COUNT(*) ... GROUP BY key" query into m.
func countBy(ctx context.Context, tx *sql.Tx, query string, m map[string]int) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return err
		}
		m[key] = n
	}
	return rows.Err()
}

// WriteProbe proves the database takes writes: in a write transaction (BEGIN
// IMMEDIATE, so it waits for the write lock like every writer) it rewrites
// the header's user_version with its own value and commits, which writes and
// syncs a WAL frame. No record changes. Ping only takes the lock; a full disk
// or a file that became read-only fails here, not there.
func (s *Store) WriteProbe(ctx context.Context) error {
	return s.inTx(ctx, "write probe", func(tx *sql.Tx) error {
		var v int32
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			return fmt.Errorf("write probe: read: %w", err)
		}
		// PRAGMA takes no bound parameters; v is an integer we just read.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v)); err != nil {
			return fmt.Errorf("write probe: write: %w", err)
		}
		return nil
	})
}

// Checkpoint copies the whole WAL into the database file and truncates the
// WAL to zero bytes (PRAGMA wal_checkpoint(TRUNCATE)), so a stopped server
// leaves one self-contained file behind. It fails with ECONFLICT when a
// reader or writer kept it from finishing; run it after the workers stopped.
func (s *Store) Checkpoint(ctx context.Context) error {
	// The frame counts it also returns read 0 after a TRUNCATE checkpoint.
	var busy, frames, done int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return Errorf(ECONFLICT, "The WAL checkpoint could not finish: the database is in use.")
	}
	return nil
}
