package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Page statuses.
const (
	PageOK    = "ok"    // the page has text
	PageEmpty = "empty" // the page has no extractable text
)

// Page extractors: what produced the text of a page.
const (
	ExtractorNative  = "native"  // Precis's own PDF text extraction
	ExtractorPoppler = "poppler" // poppler's pdftotext
	ExtractorOCR     = "ocr"     // tesseract on the rendered page
)

// Page is the extracted text of one page of a document. Number starts at 1.
type Page struct {
	DocumentID int64
	Number     int
	Text       string
	Status     string // PageOK or PageEmpty
	// Extractor is ExtractorNative, ExtractorPoppler or ExtractorOCR; "" is saved as
	// ExtractorNative.
	Extractor string
	// Quality is the 0..1 text-quality score of Text.
	Quality float64
	// Warnings are short phrases about the page ("hidden text found", "garbled").
	Warnings []string
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
	extractors := map[string]int{}
	for _, p := range pages {
		if p.Number < 1 || seen[p.Number] {
			return Errorf(EINVALID, "Page numbers must be unique and start at 1.")
		} else if p.Status != PageOK && p.Status != PageEmpty {
			return Errorf(EINVALID, "Unknown page status %q.", p.Status)
		} else if p.Extractor != "" && p.Extractor != ExtractorNative && p.Extractor != ExtractorPoppler && p.Extractor != ExtractorOCR {
			return Errorf(EINVALID, "Unknown page extractor %q.", p.Extractor)
		} else if math.IsNaN(p.Quality) || p.Quality < 0 || p.Quality > 1 {
			return Errorf(EINVALID, "Page quality must be between 0 and 1.")
		}
		seen[p.Number] = true
		if p.Status == PageEmpty {
			empty++
		} else if p.Extractor != "" {
			extractors[p.Extractor]++
		} else {
			extractors[ExtractorNative]++
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
			Details: map[string]any{"status": status, "page_count": len(pages), "empty_pages": empty,
				"text_pages_by_extractor": extractors},
		}); err != nil {
			return fmt.Errorf("save extraction: %w", err)
		}
		return nil
	})
}

// ResetExtraction puts an encrypted document back to pending, its pages and
// page count cleared, after its user supplied the password, so that the next
// run of its job extracts it again. The password itself is never passed here:
// the audit event "document.password_supplied" records only that one was
// given. ECONFLICT unless the document's extraction status is ExtractEncrypted.
func (s *Store) ResetExtraction(ctx context.Context, docID int64, actor string) error {
	if actor == "" {
		return Errorf(EINVALID, "Actor required.")
	}
	return s.inTx(ctx, "reset extraction", func(tx *sql.Tx) error {
		d, err := findDocumentByID(ctx, tx, docID)
		if err != nil {
			return err
		} else if d.ExtractStatus != ExtractEncrypted {
			return Errorf(ECONFLICT, "This document is not waiting for a password.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pages WHERE document_id = ?`, docID); err != nil {
			return fmt.Errorf("reset extraction: document %d: delete pages: %w", docID, err)
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `
			UPDATE documents
			SET page_count = 0, extract_status = ?, extract_message = '', updated_at = ?
			WHERE id = ?`, ExtractPending, formatTime(now), docID,
		); err != nil {
			return fmt.Errorf("reset extraction: document %d: update: %w", docID, err)
		}
		if err := appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "document.password_supplied",
			ObjectType: "document", ObjectID: docID, Details: map[string]any{"previous_status": d.ExtractStatus},
		}); err != nil {
			return fmt.Errorf("reset extraction: %w", err)
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
		INSERT INTO pages (document_id, number, text, status, extractor, quality, warnings)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("insert pages: %w", err)
	}
	defer stmt.Close()
	for _, p := range pages {
		extractor := p.Extractor
		if extractor == "" {
			extractor = ExtractorNative
		}
		warnings := p.Warnings
		if warnings == nil {
			warnings = []string{}
		}
		w, err := json.Marshal(warnings)
		if err != nil {
			return fmt.Errorf("insert page %d: warnings: %w", p.Number, err)
		}
		if _, err := stmt.ExecContext(ctx, docID, p.Number, p.Text, p.Status, extractor, p.Quality, string(w)); err != nil {
			return fmt.Errorf("insert page %d: %w", p.Number, err)
		}
	}
	return nil
}

// pageColumns are the columns scanPage reads, in order; pageMetaColumns the same without
// the text.
const (
	pageColumns     = `document_id, number, text, status, extractor, quality, warnings`
	pageMetaColumns = `document_id, number, '', status, extractor, quality, warnings`
)

// scanPage reads pageColumns (or pageMetaColumns).
func scanPage(row scanner) (Page, error) {
	var p Page
	var warnings string
	if err := row.Scan(&p.DocumentID, &p.Number, &p.Text, &p.Status, &p.Extractor, &p.Quality, &warnings); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(warnings), &p.Warnings); err != nil {
		return p, fmt.Errorf("page %d: warnings: %w", p.Number, err)
	}
	if p.Warnings == nil {
		p.Warnings = []string{}
	}
	return p, nil
}

// Pages returns the document's pages in page order; ENOTFOUND when the
// document does not exist.
func (s *Store) Pages(ctx context.Context, docID int64) ([]Page, error) {
	return s.pages(ctx, docID, pageColumns)
}

// PageInfo returns the document's pages in page order without their text
// (status, extractor, quality and warnings only); ENOTFOUND when the document
// does not exist.
func (s *Store) PageInfo(ctx context.Context, docID int64) ([]Page, error) {
	return s.pages(ctx, docID, pageMetaColumns)
}

func (s *Store) pages(ctx context.Context, docID int64, columns string) ([]Page, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	defer tx.Rollback()

	if _, err := findDocumentByID(ctx, tx, docID); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT `+columns+`
		FROM pages
		WHERE document_id = ?
		ORDER BY number`, docID)
	if err != nil {
		return nil, fmt.Errorf("pages of document %d: %w", docID, err)
	}
	defer rows.Close()
	var pages []Page
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
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
	p, err := scanPage(s.rdb.QueryRowContext(ctx, `
		SELECT `+pageColumns+`
		FROM pages
		WHERE document_id = ? AND number = ?`, docID, number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Page not found.")
	} else if err != nil {
		return nil, fmt.Errorf("page %d of document %d: %w", number, docID, err)
	}
	return &p, nil
}
