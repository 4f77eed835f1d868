-- 0006_audit_context: who acted in what role, from where, and in which matter.
--
-- actor_role is the role of the signed-in actor when the row was written
-- ('admin', 'staff'; '' for the server itself and for rows from before this
-- migration). source_addr is the client address of the request that caused
-- the row ('' when no request did, e.g. a worker). matter_id is the matter the
-- row concerns (0 when none, or when it could not be told): filled by
-- storage.appendAudit from the row's object or its details.
--
-- The hash of a row covers these three columns only when one of them is set
-- (storage.AuditHash): a row with all three empty hashes as before, so the rows
-- written before this migration, and the anchors recorded of them, still
-- verify. For the same reason existing rows are not backfilled: giving one a
-- matter would change its hash and break the chain.

ALTER TABLE audit_events ADD COLUMN actor_role TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN source_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN matter_id INTEGER NOT NULL DEFAULT 0;

-- The audit page filters by matter, newest first.
CREATE INDEX audit_events_matter ON audit_events (matter_id, seq);
