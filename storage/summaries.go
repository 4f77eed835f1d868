package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Summary engines.
const (
	EngineAbstractive = "abstractive" // written by a model
	EngineExtractive  = "extractive"  // sentences picked from the document
)

// Point is one statement of a summary with the pages that support it.
type Point struct {
	Text  string `json:"text"`
	Pages []int  `json:"pages"`
}

// Section is a titled group of points.
type Section struct {
	Title  string  `json:"title"`
	Points []Point `json:"points"`
}

// Summary is the result of a finished job.
type Summary struct {
	ID               int64
	DocumentID       int64
	JobID            int64
	Provider         string
	Model            string
	Engine           string // EngineAbstractive or EngineExtractive
	Sections         []Section
	DroppedCitations int // citations removed because they named no page of the document
	ModelCalls       int
	// Where it was produced: the policy version the calls were allowed under, the
	// provider's trust zone and the document's label at the time.
	PolicyVersion int64
	Zone          string
	Label         string
	CreatedAt     time.Time
}

// CompleteJob stores sum and marks its job done (stage done, finished_at set,
// lease cleared) with a "summary.store" audit event, in one transaction. It
// sets sum.ID, sum.CreatedAt and, when zero, sum.DocumentID. ECONFLICT when
// the job has already finished.
func (s *Store) CompleteJob(ctx context.Context, sum *Summary) error {
	if sum.Engine != EngineAbstractive && sum.Engine != EngineExtractive {
		return Errorf(EINVALID, "Unknown summary engine %q.", sum.Engine)
	}
	sections := sum.Sections
	if sections == nil {
		sections = []Section{}
	}
	body, err := json.Marshal(sections)
	if err != nil {
		return fmt.Errorf("complete job: encode sections: %w", err)
	}
	points := 0
	for _, sec := range sections {
		points += len(sec.Points)
	}

	var (
		id, docID int64
		now       time.Time
	)
	if err := s.inTx(ctx, "complete job", func(tx *sql.Tx) error {
		job, err := findJobByID(ctx, tx, sum.JobID)
		if err != nil {
			return err
		} else if job.Finished() {
			return Errorf(ECONFLICT, "The job has already finished.")
		} else if sum.DocumentID != 0 && sum.DocumentID != job.DocumentID {
			return Errorf(EINVALID, "Job %d does not belong to document %d.", job.ID, sum.DocumentID)
		}

		now, docID = s.now(), job.DocumentID
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO summaries (document_id, job_id, provider, model, engine, sections,
				dropped_citations, model_calls, policy_version, zone, label, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			RETURNING id`,
			job.DocumentID, job.ID, sum.Provider, sum.Model, sum.Engine, string(body),
			sum.DroppedCitations, sum.ModelCalls, sum.PolicyVersion, sum.Zone, sum.Label, formatTime(now),
		).Scan(&id); err != nil {
			return fmt.Errorf("complete job %d: insert summary: %w", job.ID, err)
		}
		if err := execOne(ctx, tx, `
			UPDATE jobs
			SET status = 'done', stage = 'done', error = '', lease_owner = '', lease_until = NULL,
				finished_at = ?, updated_at = ?
			WHERE id = ? AND status = ?`, formatTime(now), formatTime(now), job.ID, job.Status,
		); err != nil {
			return fmt.Errorf("complete job %d: %w", job.ID, err)
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: "summary.store",
			ObjectType: "summary", ObjectID: id,
			Details: map[string]any{"job_id": job.ID, "document_id": job.DocumentID,
				"engine": sum.Engine, "provider": sum.Provider, "model": sum.Model,
				"sections": len(sections), "points": points,
				"dropped_citations": sum.DroppedCitations, "model_calls": sum.ModelCalls,
				"policy_version": sum.PolicyVersion, "zone": sum.Zone, "label": sum.Label},
		}); err != nil {
			return fmt.Errorf("complete job: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}
	sum.ID, sum.DocumentID, sum.CreatedAt = id, docID, now.UTC()
	return nil
}

// LatestSummary returns the document's most recent summary, or ENOTFOUND.
func (s *Store) LatestSummary(ctx context.Context, docID int64) (*Summary, error) {
	var sum Summary
	var sections, created string
	err := s.rdb.QueryRowContext(ctx, `
		SELECT id, document_id, job_id, provider, model, engine, sections,
			dropped_citations, model_calls, policy_version, zone, label, created_at
		FROM summaries
		WHERE document_id = ?
		ORDER BY id DESC
		LIMIT 1`, docID,
	).Scan(&sum.ID, &sum.DocumentID, &sum.JobID, &sum.Provider, &sum.Model, &sum.Engine, &sections,
		&sum.DroppedCitations, &sum.ModelCalls, &sum.PolicyVersion, &sum.Zone, &sum.Label, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Summary not found.")
	} else if err != nil {
		return nil, fmt.Errorf("latest summary of document %d: %w", docID, err)
	}
	if err := json.Unmarshal([]byte(sections), &sum.Sections); err != nil {
		return nil, fmt.Errorf("latest summary %d: sections: %w", sum.ID, err)
	}
	if sum.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("latest summary %d: %w", sum.ID, err)
	}
	return &sum, nil
}
