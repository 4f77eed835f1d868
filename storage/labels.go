package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Label change sources.
const (
	LabelByUpload   = "upload"
	LabelByDetector = "detector"
	LabelByUser     = "user"
	LabelByAdmin    = "admin"
	LabelByBacklog  = "backlog"
)

// LabelChange is one change of a document's classification label.
type LabelChange struct {
	ID         int64
	DocumentID int64
	At         time.Time
	Actor      string
	From, To   int    // label ids; From 0 means "not labelled"
	FromName   string // names at the time, for the audit trail
	ToName     string
	Source     string
	Reason     string
}

// Finding is what a detector saw on one page of a document; Match is masked.
type Finding struct {
	Detector string
	Category string
	Page     int
	Match    string
	Count    int
}

// SetLabel changes a document's label from c.From to c.To, recording who, why and the
// "document.label" audit event in the same transaction. ECONFLICT when the document's label
// is no longer c.From (someone changed it meanwhile: read it again and decide again).
func (s *Store) SetLabel(ctx context.Context, c *LabelChange) error {
	if c.Actor == "" {
		return Errorf(EINVALID, "Actor required.")
	} else if c.To <= 0 {
		return Errorf(EINVALID, "Choose a label.")
	}
	return s.inTx(ctx, "set label", func(tx *sql.Tx) error {
		return setLabel(ctx, tx, c, s.now())
	})
}

func setLabel(ctx context.Context, tx *sql.Tx, c *LabelChange, now time.Time) error {
	var cur int
	err := tx.QueryRowContext(ctx, `SELECT label_id FROM documents WHERE id = ?`, c.DocumentID).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return Errorf(ENOTFOUND, "Document not found.")
	} else if err != nil {
		return fmt.Errorf("set label of document %d: %w", c.DocumentID, err)
	}
	if cur != c.From {
		return Errorf(ECONFLICT, "The document's label was changed meanwhile.")
	}
	c.At = now.UTC()
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET label_id = ?, updated_at = ? WHERE id = ?`,
		c.To, formatTime(now), c.DocumentID); err != nil {
		return fmt.Errorf("set label of document %d: %w", c.DocumentID, err)
	}
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO label_changes (document_id, at, actor, from_label, to_label, source, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.DocumentID, formatTime(now), c.Actor, c.From, c.To, c.Source, c.Reason).Scan(&c.ID); err != nil {
		return fmt.Errorf("set label of document %d: %w", c.DocumentID, err)
	}
	return appendAudit(ctx, tx, AuditEvent{At: now, Actor: c.Actor, Action: "document.label", ObjectType: "document",
		ObjectID: c.DocumentID, Details: map[string]any{"from": c.From, "to": c.To, "from_name": c.FromName,
			"to_name": c.ToName, "source": c.Source, "reason": c.Reason}})
}

// LabelChanges returns the document's label history, oldest first.
func (s *Store) LabelChanges(ctx context.Context, docID int64) ([]LabelChange, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, document_id, at, actor, from_label, to_label, source, reason
		FROM label_changes WHERE document_id = ? ORDER BY id`, docID)
	if err != nil {
		return nil, fmt.Errorf("label changes of document %d: %w", docID, err)
	}
	defer rows.Close()
	var out []LabelChange
	for rows.Next() {
		var c LabelChange
		var at string
		if err := rows.Scan(&c.ID, &c.DocumentID, &at, &c.Actor, &c.From, &c.To, &c.Source, &c.Reason); err != nil {
			return nil, fmt.Errorf("label changes of document %d: %w", docID, err)
		}
		if c.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveFindings replaces the document's detector findings, marks it classified and, when raise is not nil,
// applies that label change in the same transaction, with one "document.classify" audit
// event that counts findings per detector (never their values).
func (s *Store) SaveFindings(ctx context.Context, docID int64, findings []Finding, raise *LabelChange) error {
	return s.inTx(ctx, "save findings", func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET classified = 1 WHERE id = ?`, docID); err != nil {
			return fmt.Errorf("save findings of document %d: %w", docID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM findings WHERE document_id = ?`, docID); err != nil {
			return fmt.Errorf("save findings of document %d: %w", docID, err)
		}
		counts := map[string]any{}
		for _, f := range findings {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO findings (document_id, detector, category, page, match, count) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (document_id, detector, page, match) DO UPDATE SET count = count + excluded.count`,
				docID, f.Detector, f.Category, f.Page, f.Match, max(f.Count, 1)); err != nil {
				return fmt.Errorf("save findings of document %d: %w", docID, err)
			}
			n, _ := counts[f.Detector].(int)
			counts[f.Detector] = n + max(f.Count, 1)
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: "document.classify",
			ObjectType: "document", ObjectID: docID, Details: map[string]any{"findings": counts}}); err != nil {
			return err
		}
		if raise != nil {
			return setLabel(ctx, tx, raise, now)
		}
		return nil
	})
}

// Findings returns the document's detector findings in page order.
func (s *Store) Findings(ctx context.Context, docID int64) ([]Finding, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT detector, category, page, match, count FROM findings
		WHERE document_id = ? ORDER BY page, detector, match`, docID)
	if err != nil {
		return nil, fmt.Errorf("findings of document %d: %w", docID, err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var f Finding
		if err := rows.Scan(&f.Detector, &f.Category, &f.Page, &f.Match, &f.Count); err != nil {
			return nil, fmt.Errorf("findings of document %d: %w", docID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
