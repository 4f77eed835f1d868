package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// Chunk is a run of consecutive pages of a document, cut for one model call.
// Seq numbers a job's chunks 0..n-1.
type Chunk struct {
	ID        int64
	JobID     int64
	Seq       int
	FirstPage int
	LastPage  int
	Text      string
	Tokens    int
}

// chunkColumns are the columns scanChunk reads, in order.
const chunkColumns = `id, job_id, seq, first_page, last_page, text, tokens`

// SaveChunks stores the job's chunks, numbered 0..n-1 in order, sets
// chunks_total and appends a "job.chunked" audit event. When the job already
// has chunks it returns the stored ones unchanged instead, so a resumed job
// keeps the chunking its saved chunk results refer to. The returned chunks
// carry their IDs.
func (s *Store) SaveChunks(ctx context.Context, jobID int64, chunks []Chunk) ([]Chunk, error) {
	if len(chunks) == 0 {
		return nil, Errorf(EINVALID, "A job needs at least one chunk.")
	}
	tokens := 0
	for i, c := range chunks {
		if c.Seq != i {
			return nil, Errorf(EINVALID, "Chunks must be numbered 0 to %d in order.", len(chunks)-1)
		} else if c.FirstPage < 1 || c.LastPage < c.FirstPage {
			return nil, Errorf(EINVALID, "Chunk %d has an invalid page range %d-%d.", i, c.FirstPage, c.LastPage)
		} else if c.Tokens < 0 {
			return nil, Errorf(EINVALID, "Chunk %d has a negative token count.", i)
		}
		tokens += c.Tokens
	}

	var out []Chunk
	if err := s.inTx(ctx, "save chunks", func(tx *sql.Tx) error {
		job, err := findJobByID(ctx, tx, jobID)
		if err != nil {
			return err
		}
		if stored, err := findChunks(ctx, tx, jobID); err != nil {
			return fmt.Errorf("save chunks: %w", err)
		} else if len(stored) > 0 {
			out = stored
			return nil
		}
		if job.Finished() {
			return Errorf(ECONFLICT, "The job has already finished.")
		}

		out = make([]Chunk, len(chunks))
		for i, c := range chunks {
			c.JobID = jobID
			if err := tx.QueryRowContext(ctx, `
				INSERT INTO chunks (job_id, seq, first_page, last_page, text, tokens)
				VALUES (?, ?, ?, ?, ?, ?)
				RETURNING id`, jobID, c.Seq, c.FirstPage, c.LastPage, c.Text, c.Tokens,
			).Scan(&c.ID); err != nil {
				return fmt.Errorf("save chunks: job %d: chunk %d: %w", jobID, c.Seq, err)
			}
			out[i] = c
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `
			UPDATE jobs SET chunks_total = ?, updated_at = ? WHERE id = ?`,
			len(out), formatTime(now), jobID,
		); err != nil {
			return fmt.Errorf("save chunks: job %d: %w", jobID, err)
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: "job.chunked",
			ObjectType: "job", ObjectID: jobID,
			Details: map[string]any{"chunks": len(out), "tokens": tokens,
				"first_page": out[0].FirstPage, "last_page": out[len(out)-1].LastPage},
		}); err != nil {
			return fmt.Errorf("save chunks: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// Chunks returns the job's chunks in Seq order; ENOTFOUND when the job does
// not exist.
func (s *Store) Chunks(ctx context.Context, jobID int64) ([]Chunk, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("chunks: %w", err)
	}
	defer tx.Rollback()

	if _, err := findJobByID(ctx, tx, jobID); err != nil {
		return nil, err
	}
	chunks, err := findChunks(ctx, tx, jobID)
	if err != nil {
		return nil, fmt.Errorf("chunks: %w", err)
	}
	return chunks, nil
}

// findChunks returns the job's chunks in Seq order.
func findChunks(ctx context.Context, tx *sql.Tx, jobID int64) ([]Chunk, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT `+chunkColumns+` FROM chunks WHERE job_id = ? ORDER BY seq`, jobID)
	if err != nil {
		return nil, fmt.Errorf("chunks of job %d: %w", jobID, err)
	}
	defer rows.Close()
	var chunks []Chunk
	for rows.Next() {
		var c Chunk
		if err := rows.Scan(&c.ID, &c.JobID, &c.Seq, &c.FirstPage, &c.LastPage, &c.Text, &c.Tokens); err != nil {
			return nil, fmt.Errorf("chunks of job %d: scan: %w", jobID, err)
		}
		chunks = append(chunks, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chunks of job %d: %w", jobID, err)
	}
	return chunks, nil
}
