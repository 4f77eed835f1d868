package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Audit outcomes.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
)

// ZeroHash is the prev_hash of the first audit event.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditEvent is one row of the append-only, hash-chained audit log.
// Details hold ids, hashes, counts, statuses and file names, never document
// text.
type AuditEvent struct {
	Seq        int64
	At         time.Time
	Actor      string
	Action     string
	ObjectType string
	ObjectID   int64
	Outcome    string
	Details    map[string]any
	PrevHash   string
	Hash       string
}

// AuditHash returns the hash of an audit row: the lowercase hex SHA-256 of the
// UTF-8 bytes of these nine fields joined by "\n" (no trailing newline):
//
//	prev_hash    64 hex digits; ZeroHash for the first row
//	seq          base-10 integer
//	at           the stored text, e.g. 2024-05-01T12:00:00.000000000Z
//	actor
//	action
//	object_type
//	object_id    base-10 integer
//	outcome
//	details      the stored text: compact JSON of an object with sorted keys
//
// Each field is the column's stored text, so a verifier needs no Go to
// recompute it. actor, action, object_type and outcome never contain "\n"
// (appendAudit refuses them), and compact JSON has no raw newline, so the
// encoding is unambiguous.
func AuditHash(prevHash string, seq int64, at, actor, action, objectType string, objectID int64, outcome, details string) string {
	h := sha256.New()
	h.Write([]byte(strings.Join([]string{
		prevHash,
		strconv.FormatInt(seq, 10),
		at,
		actor,
		action,
		objectType,
		strconv.FormatInt(objectID, 10),
		outcome,
		details,
	}, "\n")))
	return hex.EncodeToString(h.Sum(nil))
}

// appendAudit appends ev to the chain inside tx, which must be a write
// (BEGIN IMMEDIATE) transaction so no other writer can append between reading
// the last hash and inserting. ev.At defaults to now, ev.Outcome to "ok".
func appendAudit(ctx context.Context, tx *sql.Tx, ev AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	if ev.Outcome == "" {
		ev.Outcome = OutcomeOK
	}
	if ev.Actor == "" || ev.Action == "" || ev.ObjectType == "" {
		return fmt.Errorf("append audit %q: actor, action and object type required", ev.Action)
	}
	for _, f := range []string{ev.Actor, ev.Action, ev.ObjectType, ev.Outcome} {
		if strings.Contains(f, "\n") {
			return Errorf(EINVALID, "Audit fields cannot contain line breaks.")
		}
	}
	details := []byte("{}")
	if len(ev.Details) > 0 {
		var err error
		// encoding/json writes map keys in sorted order: canonical as is.
		if details, err = json.Marshal(ev.Details); err != nil {
			return fmt.Errorf("append audit %q: details: %w", ev.Action, err)
		}
	}

	var lastSeq int64
	prev := ZeroHash
	err := tx.QueryRowContext(ctx, `
		SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`,
	).Scan(&lastSeq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("append audit %q: read last hash: %w", ev.Action, err)
	}

	seq, at := lastSeq+1, formatTime(ev.At)
	hash := AuditHash(prev, seq, at, ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID, ev.Outcome, string(details))
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, outcome, details, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, at, ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID, ev.Outcome, string(details), prev, hash,
	); err != nil {
		return fmt.Errorf("append audit %q: %w", ev.Action, err)
	}
	return nil
}

// AuditEvents returns up to limit events with Seq > afterSeq, oldest first.
// A limit <= 0 means 100; limits above 1000 are lowered to 1000.
func (s *Store) AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]AuditEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT seq, at, actor, action, object_type, object_id, outcome, details, prev_hash, hash
		FROM audit_events
		WHERE seq > ?
		ORDER BY seq
		LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("audit events: %w", err)
	}
	defer rows.Close()
	events, err := scanAuditEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("audit events: %w", err)
	}
	return events, nil
}

// VerifyAuditChain recomputes the hash chain from the first event and returns
// the seq of the first event whose prev_hash does not match the previous
// event's hash or whose hash does not match its fields; 0 when the chain is
// intact. It cannot notice that events were cut off the end of the log.
func (s *Store) VerifyAuditChain(ctx context.Context) (badSeq int64, err error) {
	rep, err := s.VerifyAudit(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("verify audit chain: %w", err)
	}
	if rep.Problem != nil {
		return rep.Problem.Seq, nil
	}
	return 0, nil
}
