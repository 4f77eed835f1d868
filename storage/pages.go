package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Page statuses.
const (
	PageOK    = "ok"    // the page has text
	PageEmpty = "empty" // the page has no extractable text
)

// Page is the extracted text of one page of a document. Number starts at 1.
type Page struct {
	DocumentID int64
	Number     int
	Text       string
	Status     string // PageOK or PageEmpty
}

// SaveExtraction replaces the document's pages with pages and records the
// outcome of the extraction: page_count, extract_status (ExtractOK or a
// refusal status) and message. It appends a "document.extract" audit event
// with the status and page count. Page numbers must be unique and >= 1.
func (s *Store) SaveExtraction(ctx context.Context, docID int64, status, message string, pages []Page) error {
	if !extractStatuses[status] {
		return Errorf(EINVALID, "Unknown extraction status %q.", status)
	}
	seen := make(map[int]bool, len(pages))
	empty := 0
	for _, p := range pages {
		if p.Number < 1 || seen[p.Number] {
			return Errorf(EINVALID, "Page numbers must be unique and start at 1.")
		} else if p.Status != PageOK && p.Status != PageEmpty {
			return Errorf(EINVALID, "Unknown page status %q.", p.Status)
		}
		seen[p.Number] = true
		if p.Status == PageEmpty {
			empty++
		}
	}

	return s.inTx(ctx, "save extraction", func(tx *sql.Tx) error {
		if _, err := findDocumentByID(ctx, tx, docID); err != nil {
			return err
		}
		if err := replacePages(ctx, tx, docID, pages); err != nil {
			return fmt.Errorf("save extraction: document %d: %w", docID, err)
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `
			UPDATE documents
			SET page_count = ?, extract_status = ?, extract_message = ?, updated_at = ?
			WHERE id = ?`,
			len(pages), status, message, formatTime(now), docID,
		); err != nil {
			return fmt.Errorf("save extraction: document %d: update: %w", docID, err)
		}
		outcome := OutcomeOK
		if status != ExtractOK {
			outcome = OutcomeError
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: SystemActor, Action: "document.extract",
			ObjectType: "document", ObjectID: docID, Outcome: outcome,
			Details: map[string]any{"status": status, "page_count": len(pages), "empty_pages": empty},
		}); err != nil {
			return fmt.Errorf("save extraction: %w", err)
		}
		return nil
	})
}

// replacePages deletes the document's pages and inserts pages.
func replacePages(ctx context.Context, tx *sql.Tx, docID int64, pages []Page) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM pages WHERE document_id = ?`, docID); err != nil {
		return fmt.Errorf("delete pages: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `
		INSERT INTO pages (document_id, number, text, status) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("insert pages: %w", err)
	}
	defer stmt.Close()
	for _, p := range pages {
		if _, err := stmt.ExecContext(ctx, docID, p.Number, p.Text, p.Status); err != nil {
			return fmt.Errorf("insert page %d: %w", p.Number, err)
		}
	}
	return nil
}

// Pages returns the document's pages in page order; ENOTFOUND when the
// document does not exist.
func (s *Store) Pages(ctx context.Context, docID int64) ([]Page, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	defer tx.Rollback()

	if _, err := findDocumentByID(ctx, tx, docID); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT document_id, number, text, status
		FROM pages
		WHERE document_id = ?
		ORDER BY number`, docID)
	if err != nil {
		return nil, fmt.Errorf("pages of document %d: %w", docID, err)
	}
	defer rows.Close()
	var pages []Page
	for rows.Next() {
		var p Page
		if err := rows.Scan(&p.DocumentID, &p.Number, &p.Text, &p.Status); err != nil {
			return nil, fmt.Errorf("pages of document %d: scan: %w", docID, err)
		}
		pages = append(pages, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pages of document %d: %w", docID, err)
	}
	return pages, nil
}

// Page returns one page of a document, or ENOTFOUND.
func (s *Store) Page(ctx context.Context, docID int64, number int) (*Page, error) {
	var p Page
	err := s.rdb.QueryRowContext(ctx, `
		SELECT document_id, number, text, status
		FROM pages
		WHERE document_id = ? AND number = ?`, docID, number,
	).Scan(&p.DocumentID, &p.Number, &p.Text, &p.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Page not found.")
	} else if err != nil {
		return nil, fmt.Errorf("page %d of document %d: %w", number, docID, err)
	}
	return &p, nil
}
