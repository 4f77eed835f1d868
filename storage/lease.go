package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A worker holds a job through a lease: lease_owner and lease_until. It renews
// the lease with ExtendLease while it works; when the worker dies (kill -9,
// power loss) the lease runs out and ClaimJob hands the job to another worker,
// which resumes from the chunk results already saved.

// ClaimJob takes the oldest job that is queued, or running with an expired
// lease (its worker died), for owner: status running, the lease set to now+lease
// and attempts incremented, in one conditional UPDATE. It returns (nil, nil)
// when there is nothing to do.
//
// Before claiming it settles jobs no worker should take: jobs whose
// cancellation was requested become cancelled, and expired jobs that have
// used all their attempts become failed, so a document that kills its worker
// every time cannot loop forever.
func (s *Store) ClaimJob(ctx context.Context, owner string, lease time.Duration) (*Job, error) {
	if owner == "" {
		return nil, Errorf(EINVALID, "Lease owner required.")
	} else if lease <= 0 {
		return nil, Errorf(EINVALID, "Lease duration must be positive.")
	}
	var job *Job
	if err := s.inTx(ctx, "claim job", func(tx *sql.Tx) error {
		now := s.now()
		if err := sweepCancelled(ctx, tx, now); err != nil {
			return fmt.Errorf("claim job: %w", err)
		}
		if err := sweepExhausted(ctx, tx, now); err != nil {
			return fmt.Errorf("claim job: %w", err)
		}

		var err error
		job, err = scanJob(tx.QueryRowContext(ctx, `
			UPDATE jobs
			SET status = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
			WHERE id = (
				SELECT id FROM jobs
				WHERE cancel_requested = 0
					AND (status = 'queued' OR (status = 'running' AND lease_until < ?))
				ORDER BY id
				LIMIT 1)
			RETURNING `+jobColumns,
			owner, formatTime(now.Add(lease)), formatTime(now), formatTime(now)))
		if errors.Is(err, sql.ErrNoRows) {
			job = nil
		} else if err != nil {
			return fmt.Errorf("claim job: %w", err)
		} else if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: "job.claim",
			ObjectType: "job", ObjectID: job.ID,
			Details: map[string]any{"owner": owner, "attempt": job.Attempts, "document_id": job.DocumentID},
		}); err != nil {
			return fmt.Errorf("claim job: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return job, nil
}

// sweepCancelled cancels jobs whose cancellation was requested and that no
// live worker holds: queued ones and running ones with an expired lease.
func sweepCancelled(ctx context.Context, tx *sql.Tx, now time.Time) error {
	ids, err := queryIDs(ctx, tx, `
		UPDATE jobs
		SET status = 'cancelled', lease_owner = '', lease_until = NULL, finished_at = ?, updated_at = ?
		WHERE cancel_requested = 1
			AND (status = 'queued' OR (status = 'running' AND lease_until < ?))
		RETURNING id`, formatTime(now), formatTime(now), formatTime(now))
	if err != nil {
		return fmt.Errorf("cancel requested jobs: %w", err)
	}
	for _, id := range ids {
		if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: "job.cancelled",
			ObjectType: "job", ObjectID: id}); err != nil {
			return err
		}
	}
	return nil
}

// sweepExhausted fails running jobs whose lease expired after their last
// attempt.
func sweepExhausted(ctx context.Context, tx *sql.Tx, now time.Time) error {
	const reason = "The job was interrupted too many times (the worker stopped while running it)."
	ids, err := queryIDs(ctx, tx, `
		UPDATE jobs
		SET status = 'failed', error = ?, lease_owner = '', lease_until = NULL, finished_at = ?, updated_at = ?
		WHERE status = 'running' AND lease_until < ? AND attempts >= max_attempts
		RETURNING id`, reason, formatTime(now), formatTime(now), formatTime(now))
	if err != nil {
		return fmt.Errorf("fail exhausted jobs: %w", err)
	}
	for _, id := range ids {
		if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: "job.fail",
			ObjectType: "job", ObjectID: id, Outcome: OutcomeError,
			Details: map[string]any{"reason": reason}}); err != nil {
			return err
		}
	}
	return nil
}

// ExtendLease renews owner's lease on a running job to now+lease and reports
// whether cancellation was requested. ECONFLICT when owner no longer holds the
// job (it finished, was released, or another worker reclaimed it).
func (s *Store) ExtendLease(ctx context.Context, jobID int64, owner string, lease time.Duration) (cancelRequested bool, err error) {
	if lease <= 0 {
		return false, Errorf(EINVALID, "Lease duration must be positive.")
	}
	err = s.inTx(ctx, "extend lease", func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `
			UPDATE jobs SET lease_until = ?, updated_at = ?
			WHERE id = ? AND status = 'running' AND lease_owner = ?
			RETURNING cancel_requested`,
			formatTime(now.Add(lease)), formatTime(now), jobID, owner,
		).Scan(&cancelRequested)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := findJobByID(ctx, tx, jobID); err != nil {
				return err
			}
			return Errorf(ECONFLICT, "The worker no longer holds this job.")
		} else if err != nil {
			return fmt.Errorf("extend lease: job %d: %w", jobID, err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return cancelRequested, nil
}

// ReleaseLeases gives back every running job of owner, at graceful shutdown
// or at start for jobs an earlier run of the same owner left behind: they go
// back to queued with the lease cleared (cancelled, if cancellation was
// requested). Attempts are left as they are.
func (s *Store) ReleaseLeases(ctx context.Context, owner string) error {
	return s.inTx(ctx, "release leases", func(tx *sql.Tx) error {
		now := s.now()
		rows, err := tx.QueryContext(ctx, `
			UPDATE jobs
			SET status = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END,
				finished_at = CASE WHEN cancel_requested = 1 THEN ? END,
				lease_owner = '', lease_until = NULL, updated_at = ?
			WHERE status = 'running' AND lease_owner = ?
			RETURNING id, status`, formatTime(now), formatTime(now), owner)
		if err != nil {
			return fmt.Errorf("release leases: %w", err)
		}
		type release struct {
			id     int64
			status string
		}
		var released []release
		for rows.Next() {
			var r release
			if err := rows.Scan(&r.id, &r.status); err != nil {
				rows.Close()
				return fmt.Errorf("release leases: scan: %w", err)
			}
			released = append(released, r)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("release leases: %w", err)
		}

		// RETURNING order is unspecified; audit in id order.
		slices.SortFunc(released, func(a, b release) int { return cmp.Compare(a.id, b.id) })
		for _, r := range released {
			action := "job.release"
			if r.status == JobCancelled {
				action = "job.cancelled"
			}
			if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: action,
				ObjectType: "job", ObjectID: r.id, Details: map[string]any{"owner": owner}}); err != nil {
				return fmt.Errorf("release leases: %w", err)
			}
		}
		return nil
	})
}

// queryIDs runs a statement that returns one id per row and collects them.
func queryIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids) // RETURNING order is unspecified
	return ids, rows.Err()
}
