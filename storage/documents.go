package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Extraction statuses of a document. ExtractPending until the extractor has
// run, then ExtractOK or one of the refusal statuses.
const (
	ExtractPending   = "pending"
	ExtractOK        = "ok"
	ExtractNotPDF    = "not_pdf"
	ExtractEmptyFile = "empty_file"
	ExtractEncrypted = "encrypted"
	ExtractNoText    = "no_text"
	ExtractGarbled   = "garbled"
	ExtractDamaged   = "damaged"
	ExtractTooLarge  = "too_large"
	ExtractTimeout   = "timeout"
	ExtractInternal  = "internal"
)

// extractStatuses are the statuses SaveExtraction accepts.
var extractStatuses = map[string]bool{
	ExtractOK: true, ExtractNotPDF: true, ExtractEmptyFile: true, ExtractEncrypted: true,
	ExtractNoText: true, ExtractGarbled: true, ExtractDamaged: true, ExtractTooLarge: true, ExtractTimeout: true,
	ExtractInternal: true,
}

// Document is an uploaded PDF. The file itself lives under <data>/files as
// StoredName; the database holds its metadata and, in pages, its text.
type Document struct {
	ID             int64
	MatterID       int64  // the matter the document belongs to
	SHA256         string // lowercase hex SHA-256 of the file
	Filename       string // original upload name
	StoredName     string // generated file name under <data>/files
	Size           int64
	PageCount      int
	ExtractStatus  string // ExtractPending, ExtractOK or a refusal status
	ExtractMessage string
	// LabelID is the stable id of the document's classification label; 0 until labelled.
	LabelID int
	// Classified is true once the detectors have run on the extracted text.
	Classified bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// DocumentRow is a document with its latest job, for listings.
type DocumentRow struct {
	Document
	Job *Job // latest job, nil when the document has none
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// documentColumns are the columns scanDocument reads, in order.
const documentColumns = `id, matter_id, sha256, filename, stored_name, size, page_count,
	extract_status, extract_message, label_id, classified, created_at, updated_at`

// CreateDocument inserts d into its matter and sets its ID and times. When the
// matter holds a document with the same SHA256, it fills d with that row
// instead and returns existing=true, so the file is stored once per matter. Either way it appends an audit
// event ("document.upload" or "document.upload_duplicate").
func (s *Store) CreateDocument(ctx context.Context, d *Document, actor string) (existing bool, err error) {
	if actor == "" {
		return false, Errorf(EINVALID, "Actor required.")
	} else if !sha256Hex.MatchString(d.SHA256) {
		return false, Errorf(EINVALID, "Document SHA-256 must be 64 lowercase hex digits.")
	} else if d.Filename == "" {
		return false, Errorf(EINVALID, "Document file name required.")
	} else if d.StoredName == "" {
		return false, Errorf(EINVALID, "Document stored name required.")
	} else if d.Size < 0 {
		return false, Errorf(EINVALID, "Document size cannot be negative.")
	} else if d.MatterID <= 0 {
		return false, Errorf(EINVALID, "Choose the matter the document belongs to.")
	}

	err = s.inTx(ctx, "create document", func(tx *sql.Tx) error {
		now := s.now()
		details := map[string]any{"sha256": d.SHA256, "size": d.Size, "filename": d.Filename}
		if err := matterExists(ctx, tx, d.MatterID); err != nil {
			return err
		}
		old, err := findDocumentBySHA256(ctx, tx, d.MatterID, d.SHA256)
		if err == nil {
			*d = *old
			existing = true
			err = appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "document.upload_duplicate",
				ObjectType: "document", ObjectID: d.ID, Details: details})
		} else if ErrorCode(err) == ENOTFOUND {
			err = createDocument(ctx, tx, d, now)
			if err == nil && d.LabelID > 0 {
				details["label_id"] = d.LabelID
				_, err = tx.ExecContext(ctx, `
					INSERT INTO label_changes (document_id, at, actor, from_label, to_label, source, reason)
					VALUES (?, ?, ?, 0, ?, 'upload', 'chosen at upload')`, d.ID, formatTime(now), actor, d.LabelID)
			}
			if err == nil {
				err = appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "document.upload",
					ObjectType: "document", ObjectID: d.ID, Details: details})
			}
		}
		if err != nil {
			return fmt.Errorf("create document: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return existing, nil
}

// createDocument inserts d as a pending document.
func createDocument(ctx context.Context, tx *sql.Tx, d *Document, now time.Time) error {
	d.PageCount, d.ExtractStatus, d.ExtractMessage = 0, ExtractPending, ""
	d.CreatedAt, d.UpdatedAt = now.UTC(), now.UTC()
	err := tx.QueryRowContext(ctx, `
		INSERT INTO documents (matter_id, sha256, filename, stored_name, size, page_count,
			extract_status, extract_message, label_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 0, ?, '', ?, ?, ?)
		RETURNING id`,
		d.MatterID, d.SHA256, d.Filename, d.StoredName, d.Size, d.ExtractStatus, d.LabelID,
		formatTime(now), formatTime(now),
	).Scan(&d.ID)
	if isUniqueViolation(err) {
		return Errorf(ECONFLICT, "A stored file named %q already exists.", d.StoredName)
	} else if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	return nil
}

// Document returns the document with the given id, or ENOTFOUND.
func (s *Store) Document(ctx context.Context, id int64) (*Document, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("document %d: %w", id, err)
	}
	defer tx.Rollback()
	return findDocumentByID(ctx, tx, id)
}

// DocumentFilter says which documents ListDocuments returns.
type DocumentFilter struct {
	// MemberID, when not 0, keeps the documents of matters this user is a
	// member of; 0 lists every matter's documents.
	MemberID int64
	// MatterID, when not 0, keeps one matter's documents.
	MatterID int64
}

// ListDocuments returns the documents f selects, newest first, each with its
// latest job.
func (s *Store) ListDocuments(ctx context.Context, f DocumentFilter) ([]DocumentRow, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	defer tx.Rollback()

	rows, err := tx.QueryContext(ctx, `
		SELECT `+documentColumns+`
		FROM documents
		WHERE (?1 = 0 OR matter_id IN (SELECT matter_id FROM matter_members WHERE user_id = ?1))
		  AND (?2 = 0 OR matter_id = ?2)
		ORDER BY created_at DESC, id DESC`, f.MemberID, f.MatterID)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	var list []DocumentRow
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, fmt.Errorf("list documents: %w", err)
		}
		list = append(list, DocumentRow{Document: *d})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}

	latest, err := latestJobs(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	for i := range list {
		list[i].Job = latest[list[i].ID]
	}
	return list, nil
}

// findDocumentByID returns the document with the given id, or ENOTFOUND.
func findDocumentByID(ctx context.Context, tx *sql.Tx, id int64) (*Document, error) {
	d, err := scanDocument(tx.QueryRowContext(ctx, `
		SELECT `+documentColumns+` FROM documents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Document not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find document %d: %w", id, err)
	}
	return d, nil
}

// findDocumentBySHA256 returns the matter's document with the given file
// hash, or ENOTFOUND.
func findDocumentBySHA256(ctx context.Context, tx *sql.Tx, matterID int64, sum string) (*Document, error) {
	d, err := scanDocument(tx.QueryRowContext(ctx, `
		SELECT `+documentColumns+` FROM documents WHERE matter_id = ? AND sha256 = ?`, matterID, sum))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Document not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find document by sha256: %w", err)
	}
	return d, nil
}

// scanDocument reads documentColumns.
func scanDocument(row scanner) (*Document, error) {
	var d Document
	var created, updated string
	if err := row.Scan(&d.ID, &d.MatterID, &d.SHA256, &d.Filename, &d.StoredName, &d.Size, &d.PageCount,
		&d.ExtractStatus, &d.ExtractMessage, &d.LabelID, &d.Classified, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if d.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if d.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &d, nil
}

// matterExists returns ENOTFOUND unless the matter exists.
func matterExists(ctx context.Context, tx *sql.Tx, matterID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM matters WHERE id = ?`, matterID).Scan(&n); err != nil {
		return fmt.Errorf("find matter %d: %w", matterID, err)
	} else if n == 0 {
		return Errorf(ENOTFOUND, "Matter not found.")
	}
	return nil
}
