package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
	// Role is the actor's role ("admin", "staff"); "" for the server itself
	// and for rows from before roles were recorded.
	Role string
	// Addr is the client address of the request that caused the row; "" when
	// no request did.
	Addr string
	// MatterID is the matter the row concerns; 0 when none or unknown.
	MatterID int64
}

// AuditHash returns the hash of an audit row: the lowercase hex SHA-256 of the
// UTF-8 bytes of its fields joined by "\n" (no trailing newline). A row whose
// role and source address are empty and whose matter_id is 0 (every row
// written before they were recorded) hashes these nine fields:
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
// Any other row hashes twelve: the nine above, then
//
//	actor_role
//	source_addr
//	matter_id    base-10 integer
//
// Each field is the column's stored text, so a verifier needs no Go to
// recompute it. actor, action, object_type, outcome, actor_role and
// source_addr never contain "\n" (appendAudit refuses them), and compact JSON
// has no raw newline, so the encoding is unambiguous: the number of fields is
// fixed by whether the last three are all empty.
func AuditHash(prevHash string, seq int64, at, actor, action, objectType string, objectID int64,
	outcome, details, role, addr string, matterID int64) string {
	fields := []string{
		prevHash,
		strconv.FormatInt(seq, 10),
		at,
		actor,
		action,
		objectType,
		strconv.FormatInt(objectID, 10),
		outcome,
		details,
	}
	if role != "" || addr != "" || matterID != 0 {
		fields = append(fields, role, addr, strconv.FormatInt(matterID, 10))
	}
	h := sha256.New()
	h.Write([]byte(strings.Join(fields, "\n")))
	return hex.EncodeToString(h.Sum(nil))
}

// appendAudit appends ev to the chain inside tx, which must be a write
// (BEGIN IMMEDIATE) transaction so no other writer can append between reading
// the last hash and inserting. ev.At defaults to now, ev.Outcome to "ok";
// an empty actor, role or source address comes from the context's Actor
// (WithActor), and a MatterID of 0 from the row's object or details
// (auditMatter).
func appendAudit(ctx context.Context, tx *sql.Tx, ev AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	if ev.Outcome == "" {
		ev.Outcome = OutcomeOK
	}
	fillFromActor(ctx, &ev)
	if ev.Actor == "" || ev.Action == "" || ev.ObjectType == "" {
		return fmt.Errorf("append audit %q: actor, action and object type required", ev.Action)
	}
	for _, f := range []string{ev.Actor, ev.Action, ev.ObjectType, ev.Outcome, ev.Role, ev.Addr} {
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
	if ev.MatterID == 0 {
		var err error
		if ev.MatterID, err = auditMatter(ctx, tx, ev); err != nil {
			return fmt.Errorf("append audit %q: %w", ev.Action, err)
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
	hash := AuditHash(prev, seq, at, ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID, ev.Outcome, string(details),
		ev.Role, ev.Addr, ev.MatterID)
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, outcome, details, prev_hash, hash,
			actor_role, source_addr, matter_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, at, ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID, ev.Outcome, string(details), prev, hash,
		ev.Role, ev.Addr, ev.MatterID,
	); err != nil {
		return fmt.Errorf("append audit %q: %w", ev.Action, err)
	}
	return nil
}

// auditMatter tells the matter an audit row concerns: a matter is itself; a
// document, a job or a summary is in its document's matter (one indexed
// lookup). Otherwise, or when the object's row is gone (a deleted document),
// an integer "matter_id" in the details is the matter; failing that, the
// matter of the document an integer "document_id" in the details names. 0
// when none of them tells.
func auditMatter(ctx context.Context, tx *sql.Tx, ev AuditEvent) (int64, error) {
	const docMatter = `SELECT matter_id FROM documents WHERE id = ?`
	var query string
	switch ev.ObjectType {
	case "matter":
		return ev.ObjectID, nil
	case "document":
		query = docMatter
	case "job":
		query = `SELECT d.matter_id FROM jobs j JOIN documents d ON d.id = j.document_id WHERE j.id = ?`
	case "summary":
		query = `SELECT d.matter_id FROM summaries s JOIN documents d ON d.id = s.document_id WHERE s.id = ?`
	}
	if query != "" && ev.ObjectID != 0 {
		if m, err := lookupMatter(ctx, tx, query, ev.ObjectID); err != nil || m != 0 {
			return m, err
		}
	}
	if m, ok := detailsInt(ev.Details, "matter_id"); ok {
		return m, nil
	}
	if doc, ok := detailsInt(ev.Details, "document_id"); ok && !(query == docMatter && doc == ev.ObjectID) {
		return lookupMatter(ctx, tx, docMatter, doc)
	}
	return 0, nil
}

// lookupMatter runs a query selecting one matter id for id; 0 when no row
// matches.
func lookupMatter(ctx context.Context, tx *sql.Tx, query string, id int64) (int64, error) {
	var m sql.NullInt64
	err := tx.QueryRowContext(ctx, query, id).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("matter of the event: %w", err)
	}
	return m.Int64, nil
}

// detailsInt returns details[key] when it is a whole number above 0.
func detailsInt(details map[string]any, key string) (int64, bool) {
	var n int64
	switch x := details[key].(type) {
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) || x < 1 || x >= math.MaxInt64 {
			return 0, false
		}
		n = int64(x)
	case json.Number:
		var err error
		if n, err = x.Int64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return n, n > 0
}

// AuditEvents returns up to limit events with Seq > afterSeq, oldest first.
// A limit <= 0 means 100; limits above 1000 are lowered to 1000.
func (s *Store) AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]AuditEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT `+auditColumns+`
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
