package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Audit query page sizes.
const (
	// DefaultAuditPage is the page size of QueryAudit when the filter leaves Limit at 0.
	DefaultAuditPage = 100
	// MaxAuditPage is the largest page QueryAudit returns.
	MaxAuditPage = 500
)

// AuditFilter selects audit events for QueryAudit. Zero fields match
// everything.
type AuditFilter struct {
	Actor      string // exact actor
	Action     string // exact action, e.g. "document.upload"
	ObjectType string // exact object type, e.g. "document"
	ObjectID   int64  // object id; with ObjectType, one object
	// DocumentID matches the events about one document: those of the document
	// itself, those whose details name it ("document_id"), and those of its jobs.
	DocumentID int64
	// MatterID matches the events about one matter (the matter_id column,
	// which appendAudit fills; events written before it did have none).
	MatterID  int64
	From      time.Time // events at or after From
	To        time.Time // events before To
	BeforeSeq int64     // events with seq < BeforeSeq: the next page after a page ending at that seq
	Limit     int       // page size; 0 means DefaultAuditPage, at most MaxAuditPage
}

// where returns the WHERE clause of f (with a leading "WHERE", or "") and its
// arguments.
func (f AuditFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != 0 {
		add("object_id = ?", f.ObjectID)
	}
	if f.DocumentID != 0 {
		// json_extract yields an INTEGER for a JSON number, so it compares
		// with the integer argument; the stored details always write ids as numbers.
		add(`((object_type = 'document' AND object_id = ?)
			OR json_extract(details, '$.document_id') = ?
			OR (object_type = 'job' AND object_id IN (SELECT id FROM jobs WHERE document_id = ?)))`,
			f.DocumentID, f.DocumentID, f.DocumentID)
	}
	if f.MatterID != 0 {
		add("matter_id = ?", f.MatterID)
	}
	// at is stored as fixed-width UTC text (formatTime), so text order is time order.
	if !f.From.IsZero() {
		add("at >= ?", formatTime(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", formatTime(f.To))
	}
	if f.BeforeSeq > 0 {
		add("seq < ?", f.BeforeSeq)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "WHERE " + strings.Join(conds, "\n\t\tAND "), args
}

// QueryAudit returns the audit events that match f, newest first, at most
// f.Limit of them. For the next page, set f.BeforeSeq to the Seq of the last
// event returned; a page shorter than the limit is the last.
func (s *Store) QueryAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultAuditPage
	}
	f.Limit = min(f.Limit, MaxAuditPage)
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, Errorf(EINVALID, "The start of the time range must be before its end.")
	}
	where, args := f.where()
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT `+auditColumns+`
		FROM audit_events
		`+where+`
		ORDER BY seq DESC
		LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("query audit: %w", err)
	}
	defer rows.Close()
	events, err := scanAuditEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("query audit: %w", err)
	}
	return events, nil
}

// auditColumns are the columns scanAuditEvents reads, in its order.
const auditColumns = `seq, at, actor, action, object_type, object_id, outcome, details, prev_hash, hash,
	actor_role, source_addr, matter_id`

// scanAuditEvents reads every row of an audit_events query selecting
// auditColumns.
func scanAuditEvents(rows *sql.Rows) ([]AuditEvent, error) {
	var events []AuditEvent
	for rows.Next() {
		var ev AuditEvent
		var at, details string
		if err := rows.Scan(&ev.Seq, &at, &ev.Actor, &ev.Action, &ev.ObjectType, &ev.ObjectID,
			&ev.Outcome, &details, &ev.PrevHash, &ev.Hash, &ev.Role, &ev.Addr, &ev.MatterID); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		var err error
		if ev.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("seq %d: %w", ev.Seq, err)
		}
		if err := json.Unmarshal([]byte(details), &ev.Details); err != nil {
			return nil, fmt.Errorf("seq %d: details: %w", ev.Seq, err)
		}
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return events, nil
}

// AuditActions returns the distinct actions in the audit log, sorted, for a
// filter's choice of action.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT DISTINCT action FROM audit_events ORDER BY action`)
	if err != nil {
		return nil, fmt.Errorf("audit actions: %w", err)
	}
	defer rows.Close()
	var actions []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("audit actions: scan: %w", err)
		}
		actions = append(actions, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit actions: %w", err)
	}
	return actions, nil
}
