package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Job statuses.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// Job stages, in pipeline order.
const (
	StageQueued     = "queued"
	StageExtracting = "extracting"
	StageChunking   = "chunking"
	StageMapping    = "mapping"
	StageReducing   = "reducing"
	StageDone       = "done"
)

// DefaultMaxAttempts is the number of attempts a new job gets.
const DefaultMaxAttempts = 3

// Job is one summarization run over a document. Its state lives in the
// database so a restarted worker resumes it.
type Job struct {
	ID              int64
	DocumentID      int64
	Status          string // JobQueued, JobRunning, JobDone, JobFailed or JobCancelled
	Stage           string // StageQueued ... StageDone
	Provider        string
	Model           string
	Attempts        int
	MaxAttempts     int
	LeaseOwner      string    // "" when not leased
	LeaseUntil      time.Time // zero when not leased
	ChunksTotal     int
	ChunksDone      int
	Error           string // human-readable reason of the last failure
	CancelRequested bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FinishedAt      time.Time // zero when not finished
	// RouteNote says why the provider was chosen when it was not the route's first.
	RouteNote string
}

// Finished reports whether the job reached a final status.
func (j *Job) Finished() bool {
	return j.Status == JobDone || j.Status == JobFailed || j.Status == JobCancelled
}

// jobColumns are the columns scanJob reads, in order.
const jobColumns = `id, document_id, status, stage, provider, model, attempts, max_attempts,
	lease_owner, lease_until, chunks_total, chunks_done, error, cancel_requested,
	created_at, updated_at, finished_at, route_note`

// CreateJob queues a summarization job for the document and appends a
// "job.create" audit event. When the document already has a queued or running
// job, it returns that job instead and appends nothing.
func (s *Store) CreateJob(ctx context.Context, docID int64, actor string) (*Job, error) {
	if actor == "" {
		return nil, Errorf(EINVALID, "Actor required.")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create job: begin: %w", err)
	}
	defer tx.Rollback()

	if _, err := findDocumentByID(ctx, tx, docID); err != nil {
		return nil, err
	}
	job, err := scanJob(tx.QueryRowContext(ctx, `
		SELECT `+jobColumns+` FROM jobs
		WHERE document_id = ? AND status IN ('queued', 'running')`, docID))
	if err == nil {
		return job, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("create job: find active job: %w", err)
	}

	now := s.now()
	var id int64
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO jobs (document_id, max_attempts, created_at, updated_at)
		VALUES (?, ?, ?, ?)
		RETURNING id`, docID, DefaultMaxAttempts, formatTime(now), formatTime(now),
	).Scan(&id); err != nil {
		return nil, fmt.Errorf("create job: insert: %w", err)
	}
	if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "job.create",
		ObjectType: "job", ObjectID: id, Details: map[string]any{"document_id": docID},
	}); err != nil {
		return nil, fmt.Errorf("create job: %w", err)
	}
	if job, err = findJobByID(ctx, tx, id); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create job: commit: %w", err)
	}
	return job, nil
}

// Job returns the job with the given id, or ENOTFOUND.
func (s *Store) Job(ctx context.Context, id int64) (*Job, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", id, err)
	}
	defer tx.Rollback()
	return findJobByID(ctx, tx, id)
}

// LatestJob returns the document's most recent job, or ENOTFOUND when it has
// none.
func (s *Store) LatestJob(ctx context.Context, docID int64) (*Job, error) {
	job, err := scanJob(s.rdb.QueryRowContext(ctx, `
		SELECT `+jobColumns+` FROM jobs
		WHERE document_id = ?
		ORDER BY id DESC
		LIMIT 1`, docID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Job not found.")
	} else if err != nil {
		return nil, fmt.Errorf("latest job of document %d: %w", docID, err)
	}
	return job, nil
}

// SetJobStage records the stage a queued or running job has reached.
// ECONFLICT when the job is finished.
func (s *Store) SetJobStage(ctx context.Context, jobID int64, stage string) error {
	switch stage {
	case StageQueued, StageExtracting, StageChunking, StageMapping, StageReducing, StageDone:
	default:
		return Errorf(EINVALID, "Unknown job stage %q.", stage)
	}
	return s.updateActiveJob(ctx, jobID, "set job stage", `UPDATE jobs SET stage = ?, updated_at = ?
		WHERE id = ? AND status IN ('queued', 'running')`, stage, formatTime(s.now()), jobID)
}

// SetJobProvider records which model provider and model a queued or running
// job uses. ECONFLICT when the job is finished.
func (s *Store) SetJobProvider(ctx context.Context, jobID int64, provider, model string) error {
	return s.updateActiveJob(ctx, jobID, "set job provider", `UPDATE jobs SET provider = ?, model = ?, updated_at = ?
		WHERE id = ? AND status IN ('queued', 'running')`, provider, model, formatTime(s.now()), jobID)
}

// JobRoute is the provider a job was given by the policy, for SetJobRoute.
type JobRoute struct {
	Provider, Model string
	Label           string
	PolicyVersion   int64
	Skipped         []string // providers earlier on the route that were not available
	Note            string
}

// SetJobRoute records the provider the policy chose for a queued or running job, and why,
// with a "job.route" audit event. ECONFLICT when the job is finished.
func (s *Store) SetJobRoute(ctx context.Context, jobID int64, r JobRoute) error {
	return s.inTx(ctx, "set job route", func(tx *sql.Tx) error {
		now := s.now()
		if err := execOne(ctx, tx, `UPDATE jobs SET provider = ?, model = ?, route_note = ?, updated_at = ?
			WHERE id = ? AND status IN ('queued', 'running')`, r.Provider, r.Model, r.Note, formatTime(now), jobID); ErrorCode(err) == ECONFLICT {
			if _, ferr := findJobByID(ctx, tx, jobID); ferr != nil {
				return ferr
			}
			return Errorf(ECONFLICT, "The job has already finished.")
		} else if err != nil {
			return fmt.Errorf("set job route: %w", err)
		}
		skipped := r.Skipped
		if skipped == nil {
			skipped = []string{}
		}
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: "job.route", ObjectType: "job",
			ObjectID: jobID, Details: map[string]any{"provider": r.Provider, "model": r.Model, "label": r.Label,
				"policy_version": r.PolicyVersion, "skipped": skipped}})
	})
}

// RecordDenial appends a "policy.deny" audit event: a model call the policy refused, so
// nothing was sent.
func (s *Store) RecordDenial(ctx context.Context, jobID int64, provider, label string, version int64, phase string) error {
	return s.inTx(ctx, "record denial", func(tx *sql.Tx) error {
		return appendAudit(ctx, tx, AuditEvent{At: s.now(), Actor: SystemActor, Action: "policy.deny", ObjectType: "job",
			ObjectID: jobID, Outcome: "denied", Details: map[string]any{"provider": provider, "label": label,
				"policy_version": version, "phase": phase}})
	})
}

// updateActiveJob runs a conditional UPDATE of one job in a write transaction
// and turns "no row changed" into ENOTFOUND or ECONFLICT.
func (s *Store) updateActiveJob(ctx context.Context, jobID int64, op, query string, args ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", op, err)
	}
	defer tx.Rollback()

	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: job %d: %w", op, jobID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: job %d: %w", op, jobID, err)
	} else if n == 0 {
		if _, err := findJobByID(ctx, tx, jobID); err != nil {
			return err
		}
		return Errorf(ECONFLICT, "The job has already finished.")
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", op, err)
	}
	return nil
}

// findJobByID returns the job with the given id, or ENOTFOUND.
func findJobByID(ctx context.Context, tx *sql.Tx, id int64) (*Job, error) {
	job, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Job not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find job %d: %w", id, err)
	}
	return job, nil
}

// latestJobs returns the latest job of every document that has one, by
// document id.
func latestJobs(ctx context.Context, tx *sql.Tx) (map[int64]*Job, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT `+jobColumns+` FROM jobs
		WHERE id IN (SELECT MAX(id) FROM jobs GROUP BY document_id)`)
	if err != nil {
		return nil, fmt.Errorf("latest jobs: %w", err)
	}
	defer rows.Close()
	m := make(map[int64]*Job)
	for rows.Next() {
		job, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("latest jobs: %w", err)
		}
		m[job.DocumentID] = job
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("latest jobs: %w", err)
	}
	return m, nil
}

// scanJob reads jobColumns.
func scanJob(row scanner) (*Job, error) {
	var j Job
	var leaseUntil, finished sql.NullString
	var created, updated string
	if err := row.Scan(&j.ID, &j.DocumentID, &j.Status, &j.Stage, &j.Provider, &j.Model,
		&j.Attempts, &j.MaxAttempts, &j.LeaseOwner, &leaseUntil, &j.ChunksTotal, &j.ChunksDone,
		&j.Error, &j.CancelRequested, &created, &updated, &finished, &j.RouteNote); err != nil {
		return nil, err
	}
	var err error
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&j.LeaseUntil, leaseUntil.String}, {&j.CreatedAt, created}, {&j.UpdatedAt, updated}, {&j.FinishedAt, finished.String}} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return nil, fmt.Errorf("job %d: %w", j.ID, err)
		}
	}
	return &j, nil
}
