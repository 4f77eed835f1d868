package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// DeleteDocument removes the document and everything made from it: its pages,
// chunks, jobs, chunk results, summaries, findings and label changes (ON
// DELETE CASCADE). The "document.delete" audit event, in the same
// transaction, keeps its ids, file hash and counts. It returns the stored file
// name, which the caller removes once this has committed.
//
// ECONFLICT while the document's matter is on legal hold or a job for it is
// queued or running; ENOTFOUND for an unknown document.
func (s *Store) DeleteDocument(ctx context.Context, id int64, actor string) (storedName string, err error) {
	err = s.inTx(ctx, "delete document", func(tx *sql.Tx) error {
		d, err := findDocumentByID(ctx, tx, id)
		if err != nil {
			return err
		}
		var hold bool
		var active, summaries, pages int
		if err := tx.QueryRowContext(ctx, `
			SELECT m.legal_hold,
				(SELECT count(*) FROM jobs WHERE document_id = ?1 AND status IN ('queued', 'running')),
				(SELECT count(*) FROM summaries WHERE document_id = ?1),
				(SELECT count(*) FROM pages WHERE document_id = ?1)
			FROM matters m WHERE m.id = ?2`, d.ID, d.MatterID).Scan(&hold, &active, &summaries, &pages); err != nil {
			return fmt.Errorf("delete document %d: %w", id, err)
		}
		if hold {
			return Errorf(ECONFLICT, "This document's matter is on legal hold, so its documents cannot be deleted. "+
				"An administrator can release the hold when it ends.")
		} else if active > 0 {
			return Errorf(ECONFLICT, "This document is still being summarized. Cancel the job first, then delete it.")
		}
		// The event goes first: appendAudit reads the document's matter.
		if err := appendAudit(ctx, tx, AuditEvent{At: s.now(), Actor: actor, Action: "document.delete",
			ObjectType: "document", ObjectID: d.ID, Details: map[string]any{
				"sha256": d.SHA256, "size": d.Size, "matter_id": d.MatterID, "pages": pages, "summaries": summaries,
			}}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = ?`, d.ID); err != nil {
			return fmt.Errorf("delete document %d: %w", id, err)
		}
		storedName = d.StoredName
		return nil
	})
	return storedName, err
}

// StoredNames returns the stored file name of every document, so files no
// document refers to (left by a crash between a deletion's commit and the
// file's removal) can be found.
func (s *Store) StoredNames(ctx context.Context) (map[string]bool, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT stored_name FROM documents`)
	if err != nil {
		return nil, fmt.Errorf("stored names: %w", err)
	}
	defer rows.Close()
	names := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("stored names: %w", err)
		}
		names[n] = true
	}
	return names, rows.Err()
}
