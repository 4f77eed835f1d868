package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Model call phases.
const (
	PhaseMap    = "map"    // one call per chunk
	PhaseReduce = "reduce" // calls that combine partial summaries
)

// ModelCall describes one call to a model, for the audit log.
type ModelCall struct {
	JobID        int64
	ChunkID      int64  // 0 for reduce calls
	Phase        string // PhaseMap or PhaseReduce
	Level        int    // reduce level; 0 for map calls
	Provider     string
	Model        string
	PromptTokens int
	OutputTokens int
	Duration     time.Duration
	Outcome      string // OutcomeOK or OutcomeError
	Error        string // kept with a stored result, never written to the audit log
	// What the policy said when the call was made: its version, the document's label and
	// the provider's trust zone, and whether personal data was redacted from the prompt.
	PolicyVersion int64
	Label         string
	Zone          string
	Redacted      bool
}

// ChunkResult is the output of the map call for one chunk of a job.
type ChunkResult struct {
	JobID   int64
	ChunkID int64
	Output  string // JSON, opaque to storage
	Call    ModelCall
}

// SaveChunkResult stores the map result of one chunk and increments the job's
// chunks_done, once per chunk: a second result for the same chunk is ignored.
// Either way it appends a "model.call" audit event for the call that produced
// it, in the same transaction. ENOTFOUND when the chunk does not exist,
// EINVALID when it belongs to another job.
func (s *Store) SaveChunkResult(ctx context.Context, r ChunkResult) error {
	c := r.Call
	c.JobID, c.ChunkID = r.JobID, r.ChunkID
	if c.Phase == "" {
		c.Phase = PhaseMap
	}
	if err := checkModelCall(&c); err != nil {
		return err
	}

	return s.inTx(ctx, "save chunk result", func(tx *sql.Tx) error {
		var chunkJob int64
		err := tx.QueryRowContext(ctx, `SELECT job_id FROM chunks WHERE id = ?`, r.ChunkID).Scan(&chunkJob)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "Chunk not found.")
		} else if err != nil {
			return fmt.Errorf("save chunk result: chunk %d: %w", r.ChunkID, err)
		} else if chunkJob != r.JobID {
			return Errorf(EINVALID, "Chunk %d does not belong to job %d.", r.ChunkID, r.JobID)
		}

		now := s.now()
		res, err := tx.ExecContext(ctx, `
			INSERT INTO chunk_results (job_id, chunk_id, output, phase, level, provider, model,
				prompt_tokens, output_tokens, duration_ns, outcome, error, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (job_id, chunk_id) DO NOTHING`,
			r.JobID, r.ChunkID, r.Output, c.Phase, c.Level, c.Provider, c.Model,
			c.PromptTokens, c.OutputTokens, int64(c.Duration), c.Outcome, c.Error, formatTime(now))
		if err != nil {
			return fmt.Errorf("save chunk result: job %d chunk %d: %w", r.JobID, r.ChunkID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("save chunk result: %w", err)
		}
		if n == 1 {
			if _, err := tx.ExecContext(ctx, `
				UPDATE jobs SET chunks_done = chunks_done + 1, updated_at = ? WHERE id = ?`,
				formatTime(now), r.JobID,
			); err != nil {
				return fmt.Errorf("save chunk result: job %d: %w", r.JobID, err)
			}
		}

		ev := modelCallEvent(now, c)
		ev.Details["stored"] = n == 1
		if err := appendAudit(ctx, tx, ev); err != nil {
			return fmt.Errorf("save chunk result: %w", err)
		}
		return nil
	})
}

// ChunkResults returns the job's chunk results in chunk order.
func (s *Store) ChunkResults(ctx context.Context, jobID int64) ([]ChunkResult, error) {
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT r.job_id, r.chunk_id, r.output, r.phase, r.level, r.provider, r.model,
			r.prompt_tokens, r.output_tokens, r.duration_ns, r.outcome, r.error
		FROM chunk_results r
		JOIN chunks c ON c.id = r.chunk_id
		WHERE r.job_id = ?
		ORDER BY c.seq`, jobID)
	if err != nil {
		return nil, fmt.Errorf("chunk results of job %d: %w", jobID, err)
	}
	defer rows.Close()
	var results []ChunkResult
	for rows.Next() {
		var r ChunkResult
		var ns int64
		c := &r.Call
		if err := rows.Scan(&r.JobID, &r.ChunkID, &r.Output, &c.Phase, &c.Level, &c.Provider, &c.Model,
			&c.PromptTokens, &c.OutputTokens, &ns, &c.Outcome, &c.Error); err != nil {
			return nil, fmt.Errorf("chunk results of job %d: scan: %w", jobID, err)
		}
		c.JobID, c.ChunkID, c.Duration = r.JobID, r.ChunkID, time.Duration(ns)
		results = append(results, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chunk results of job %d: %w", jobID, err)
	}
	return results, nil
}

// RecordModelCall appends a "model.call" audit event and nothing else; for
// reduce calls and failed calls, whose results are not chunk results.
// ENOTFOUND when the job does not exist.
func (s *Store) RecordModelCall(ctx context.Context, c ModelCall) error {
	if err := checkModelCall(&c); err != nil {
		return err
	}
	return s.inTx(ctx, "record model call", func(tx *sql.Tx) error {
		if _, err := findJobByID(ctx, tx, c.JobID); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, modelCallEvent(s.now(), c)); err != nil {
			return fmt.Errorf("record model call: %w", err)
		}
		return nil
	})
}

// checkModelCall defaults c's outcome to OutcomeOK and checks the fields the
// audit log relies on.
func checkModelCall(c *ModelCall) error {
	if c.Outcome == "" {
		c.Outcome = OutcomeOK
	}
	if c.Phase != PhaseMap && c.Phase != PhaseReduce {
		return Errorf(EINVALID, "Unknown model call phase %q.", c.Phase)
	} else if c.Outcome != OutcomeOK && c.Outcome != OutcomeError {
		return Errorf(EINVALID, "Unknown model call outcome %q.", c.Outcome)
	}
	return nil
}

// modelCallEvent builds the "model.call" audit event of c. The error text is
// left out: a provider's error may quote the prompt, that is document text.
func modelCallEvent(at time.Time, c ModelCall) AuditEvent {
	return AuditEvent{At: at, Actor: SystemActor, Action: "model.call",
		ObjectType: "job", ObjectID: c.JobID, Outcome: c.Outcome,
		Details: map[string]any{
			"phase":          c.Phase,
			"level":          c.Level,
			"provider":       c.Provider,
			"model":          c.Model,
			"chunk_id":       c.ChunkID,
			"prompt_tokens":  c.PromptTokens,
			"output_tokens":  c.OutputTokens,
			"duration_ms":    c.Duration.Milliseconds(),
			"policy_version": c.PolicyVersion,
			"label":          c.Label,
			"zone":           c.Zone,
			"redacted":       c.Redacted,
		}}
}
