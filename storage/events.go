package storage

import (
	"context"
	"database/sql"
)

// RecordEvent appends one audit event that goes with no other change: a
// sign-in or sign-out, a view or download of a document, a refused access.
// The actor in ctx (WithActor) supplies the role and source address.
func (s *Store) RecordEvent(ctx context.Context, ev AuditEvent) error {
	return s.inTx(ctx, ev.Action, func(tx *sql.Tx) error {
		if ev.At.IsZero() {
			ev.At = s.now()
		}
		return appendAudit(ctx, tx, ev)
	})
}
