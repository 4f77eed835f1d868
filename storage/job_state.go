package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// Every status change below reads the job and then runs an UPDATE guarded by
// the status it read (AND status = ?). Inside the single BEGIN IMMEDIATE
// writer the guard always holds; it keeps the statements safe should a change
// ever run outside such a transaction.

// FailJob records that an attempt of the job failed with a human-readable
// reason. When retryable, attempts are left and no cancellation was
// requested, the job goes back to queued with the reason kept as its last
// error ("job.retry_scheduled"); otherwise it becomes failed with finished_at
// set ("job.fail"). ECONFLICT when the job has already finished.
func (s *Store) FailJob(ctx context.Context, jobID int64, reason string, retryable bool) error {
	if reason == "" {
		return Errorf(EINVALID, "Failure reason required.")
	}
	return s.inTx(ctx, "fail job", func(tx *sql.Tx) error {
		job, err := findJobByID(ctx, tx, jobID)
		if err != nil {
			return err
		} else if job.Finished() {
			return Errorf(ECONFLICT, "The job has already finished.")
		}

		at := s.now()
		now := formatTime(at)
		action := "job.fail"
		if retryable && job.Attempts < job.MaxAttempts && !job.CancelRequested {
			action = "job.retry_scheduled"
			err = execOne(ctx, tx, `
				UPDATE jobs SET status = 'queued', error = ?, lease_owner = '', lease_until = NULL, updated_at = ?
				WHERE id = ? AND status = ?`, reason, now, jobID, job.Status)
		} else {
			err = execOne(ctx, tx, `
				UPDATE jobs SET status = 'failed', error = ?, lease_owner = '', lease_until = NULL,
					finished_at = ?, updated_at = ?
				WHERE id = ? AND status = ?`, reason, now, now, jobID, job.Status)
		}
		if err != nil {
			return fmt.Errorf("fail job %d: %w", jobID, err)
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: at, Actor: SystemActor, Action: action,
			ObjectType: "job", ObjectID: jobID, Outcome: OutcomeError,
			Details: map[string]any{"reason": reason, "retryable": retryable,
				"attempts": job.Attempts, "max_attempts": job.MaxAttempts},
		}); err != nil {
			return fmt.Errorf("fail job: %w", err)
		}
		return nil
	})
}

// CancelJob cancels a job for actor: a queued job becomes cancelled at once; a
// running one gets cancel_requested, which its worker sees through
// ExtendLease before calling MarkJobCancelled. ECONFLICT when the job has
// already finished. Audit "job.cancel".
func (s *Store) CancelJob(ctx context.Context, jobID int64, actor string) error {
	if actor == "" {
		return Errorf(EINVALID, "Actor required.")
	}
	return s.inTx(ctx, "cancel job", func(tx *sql.Tx) error {
		job, err := findJobByID(ctx, tx, jobID)
		if err != nil {
			return err
		} else if job.Finished() {
			return Errorf(ECONFLICT, "The job has already finished.")
		}

		at := s.now()
		now := formatTime(at)
		if job.Status == JobQueued {
			err = execOne(ctx, tx, `
				UPDATE jobs SET status = 'cancelled', cancel_requested = 1, finished_at = ?, updated_at = ?
				WHERE id = ? AND status = 'queued'`, now, now, jobID)
		} else {
			err = execOne(ctx, tx, `
				UPDATE jobs SET cancel_requested = 1, updated_at = ?
				WHERE id = ? AND status = 'running'`, now, jobID)
		}
		if err != nil {
			return fmt.Errorf("cancel job %d: %w", jobID, err)
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: at, Actor: actor, Action: "job.cancel",
			ObjectType: "job", ObjectID: jobID, Details: map[string]any{"status": job.Status},
		}); err != nil {
			return fmt.Errorf("cancel job: %w", err)
		}
		return nil
	})
}

// MarkJobCancelled ends a queued or running job as cancelled, lease cleared;
// the worker calls it after ExtendLease reported a cancellation request. It is
// a no-op for a job already cancelled, ECONFLICT for a done or failed one.
// Audit "job.cancelled".
func (s *Store) MarkJobCancelled(ctx context.Context, jobID int64) error {
	return s.inTx(ctx, "mark job cancelled", func(tx *sql.Tx) error {
		job, err := findJobByID(ctx, tx, jobID)
		if err != nil {
			return err
		} else if job.Status == JobCancelled {
			return nil
		} else if job.Finished() {
			return Errorf(ECONFLICT, "The job has already finished.")
		}

		at := s.now()
		now := formatTime(at)
		if err := execOne(ctx, tx, `
			UPDATE jobs SET status = 'cancelled', lease_owner = '', lease_until = NULL, finished_at = ?, updated_at = ?
			WHERE id = ? AND status = ?`, now, now, jobID, job.Status); err != nil {
			return fmt.Errorf("mark job %d cancelled: %w", jobID, err)
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: at, Actor: SystemActor, Action: "job.cancelled",
			ObjectType: "job", ObjectID: jobID, Details: map[string]any{"owner": job.LeaseOwner},
		}); err != nil {
			return fmt.Errorf("mark job cancelled: %w", err)
		}
		return nil
	})
}

// RetryJob queues a failed or cancelled job again for actor: attempts reset
// to 0, error and cancellation request cleared. Its chunks and chunk results
// are kept, so the work resumes where it stopped. ECONFLICT for a job in any
// other status, or when the document already has a queued or running job.
// Audit "job.retry".
func (s *Store) RetryJob(ctx context.Context, jobID int64, actor string) error {
	if actor == "" {
		return Errorf(EINVALID, "Actor required.")
	}
	return s.inTx(ctx, "retry job", func(tx *sql.Tx) error {
		job, err := findJobByID(ctx, tx, jobID)
		if err != nil {
			return err
		} else if job.Status != JobFailed && job.Status != JobCancelled {
			return Errorf(ECONFLICT, "Only a failed or cancelled job can be retried.")
		}

		at := s.now()
		err = execOne(ctx, tx, `
			UPDATE jobs
			SET status = 'queued', stage = 'queued', attempts = 0, error = '', cancel_requested = 0,
				lease_owner = '', lease_until = NULL, finished_at = NULL, updated_at = ?
			WHERE id = ? AND status = ?`, formatTime(at), jobID, job.Status)
		if isUniqueViolation(err) {
			return Errorf(ECONFLICT, "The document already has a job in progress.")
		} else if err != nil {
			return fmt.Errorf("retry job %d: %w", jobID, err)
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: at, Actor: actor, Action: "job.retry",
			ObjectType: "job", ObjectID: jobID,
			Details: map[string]any{"status": job.Status, "chunks_done": job.ChunksDone, "chunks_total": job.ChunksTotal},
		}); err != nil {
			return fmt.Errorf("retry job: %w", err)
		}
		return nil
	})
}

// execOne runs an UPDATE that must change exactly one row; ECONFLICT when it
// changes none.
func execOne(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return Errorf(ECONFLICT, "The job changed meanwhile; reload and try again.")
	}
	return nil
}
