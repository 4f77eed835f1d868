package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Matter is a client matter: every document belongs to one, and only its
// members see its documents (the ethical wall).
type Matter struct {
	ID           int64
	ClientNumber string
	MatterNumber string
	Name         string
	// LegalHold blocks deleting the matter's documents.
	LegalHold  bool
	HoldReason string
	HoldBy     string
	HoldAt     time.Time // zero when not on hold
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Members and Documents are counts, filled by Matters and UserMatters.
	Members   int
	Documents int
}

// Title is how the matter is named to users: "C-100/M-7 Name".
func (m Matter) Title() string {
	return m.ClientNumber + "/" + m.MatterNumber + " " + m.Name
}

const matterColumns = `m.id, m.client_number, m.matter_number, m.name, m.legal_hold, m.hold_reason, m.hold_by,
	m.hold_at, m.created_at, m.updated_at,
	(SELECT count(*) FROM matter_members mm WHERE mm.matter_id = m.id),
	(SELECT count(*) FROM documents d WHERE d.matter_id = m.id)`

func scanMatter(row scanner) (*Matter, error) {
	var m Matter
	var holdAt sql.NullString
	var created, updated string
	if err := row.Scan(&m.ID, &m.ClientNumber, &m.MatterNumber, &m.Name, &m.LegalHold, &m.HoldReason, &m.HoldBy,
		&holdAt, &created, &updated, &m.Members, &m.Documents); err != nil {
		return nil, err
	}
	var err error
	if m.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if m.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	if holdAt.Valid && holdAt.String != "" {
		if m.HoldAt, err = parseTime(holdAt.String); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// checkMatter trims m's fields and refuses empty or overlong ones.
func checkMatter(m *Matter) error {
	m.ClientNumber = strings.TrimSpace(m.ClientNumber)
	m.MatterNumber = strings.TrimSpace(m.MatterNumber)
	m.Name = strings.TrimSpace(m.Name)
	for _, f := range []struct{ value, what string }{
		{m.ClientNumber, "client number"}, {m.MatterNumber, "matter number"}, {m.Name, "matter name"},
	} {
		if f.value == "" {
			return Errorf(EINVALID, "The %s is required.", f.what)
		} else if len(f.value) > 200 || strings.ContainsAny(f.value, "\r\n") {
			return Errorf(EINVALID, "The %s must be one line of at most 200 characters.", f.what)
		}
	}
	return nil
}

// CreateMatter adds m with a "matter.create" audit event and sets its ID and
// times. ECONFLICT when the client and matter numbers are taken.
func (s *Store) CreateMatter(ctx context.Context, m *Matter, actor string) error {
	if err := checkMatter(m); err != nil {
		return err
	}
	return s.inTx(ctx, "create matter", func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `
			INSERT INTO matters (client_number, matter_number, name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`,
			m.ClientNumber, m.MatterNumber, m.Name, formatTime(now), formatTime(now)).Scan(&m.ID)
		if isUniqueViolation(err) {
			return Errorf(ECONFLICT, "Matter %s/%s already exists.", m.ClientNumber, m.MatterNumber)
		} else if err != nil {
			return fmt.Errorf("create matter: %w", err)
		}
		m.CreatedAt, m.UpdatedAt = now.UTC(), now.UTC()
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "matter.create", ObjectType: "matter",
			ObjectID: m.ID, Details: map[string]any{"client": m.ClientNumber, "matter": m.MatterNumber}})
	})
}

// RenameMatter changes a matter's numbers and name, with a "matter.update"
// audit event.
func (s *Store) RenameMatter(ctx context.Context, m *Matter, actor string) error {
	if err := checkMatter(m); err != nil {
		return err
	}
	return s.inTx(ctx, "update matter", func(tx *sql.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `
			UPDATE matters SET client_number = ?, matter_number = ?, name = ?, updated_at = ? WHERE id = ?`,
			m.ClientNumber, m.MatterNumber, m.Name, formatTime(now), m.ID)
		if isUniqueViolation(err) {
			return Errorf(ECONFLICT, "Matter %s/%s already exists.", m.ClientNumber, m.MatterNumber)
		} else if err != nil {
			return fmt.Errorf("update matter %d: %w", m.ID, err)
		} else if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(ENOTFOUND, "Matter not found.")
		}
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "matter.update", ObjectType: "matter",
			ObjectID: m.ID, Details: map[string]any{"client": m.ClientNumber, "matter": m.MatterNumber}})
	})
}

// Matter returns the matter, or ENOTFOUND.
func (s *Store) Matter(ctx context.Context, id int64) (*Matter, error) {
	m, err := scanMatter(s.rdb.QueryRowContext(ctx, `SELECT `+matterColumns+` FROM matters m WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Matter not found.")
	} else if err != nil {
		return nil, fmt.Errorf("matter %d: %w", id, err)
	}
	return m, nil
}

// Matters returns every matter, by client and matter number.
func (s *Store) Matters(ctx context.Context) ([]Matter, error) {
	return s.matters(ctx, `SELECT `+matterColumns+` FROM matters m ORDER BY m.client_number, m.matter_number`)
}

// UserMatters returns the matters the user is a member of, by client and
// matter number.
func (s *Store) UserMatters(ctx context.Context, userID int64) ([]Matter, error) {
	return s.matters(ctx, `
		SELECT `+matterColumns+` FROM matters m
		JOIN matter_members me ON me.matter_id = m.id AND me.user_id = ?
		ORDER BY m.client_number, m.matter_number`, userID)
}

func (s *Store) matters(ctx context.Context, query string, args ...any) ([]Matter, error) {
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list matters: %w", err)
	}
	defer rows.Close()
	var out []Matter
	for rows.Next() {
		m, err := scanMatter(rows)
		if err != nil {
			return nil, fmt.Errorf("list matters: %w", err)
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

// IsMember reports whether the user is a member of the matter.
func (s *Store) IsMember(ctx context.Context, matterID, userID int64) (bool, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, `
		SELECT count(*) FROM matter_members WHERE matter_id = ? AND user_id = ?`, matterID, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("matter membership: %w", err)
	}
	return n > 0, nil
}

// MatterMembers returns the members of the matter, by email.
func (s *Store) MatterMembers(ctx context.Context, matterID int64) ([]User, error) {
	rows, err := s.rdb.QueryContext(ctx, `
		SELECT `+prefixed("u.", userColumns)+` FROM users u
		JOIN matter_members mm ON mm.user_id = u.id AND mm.matter_id = ?
		ORDER BY u.email`, matterID)
	if err != nil {
		return nil, fmt.Errorf("matter members: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("matter members: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// AddMember makes the user a member of the matter, with a "matter.member_add"
// audit event. Adding a member twice is a no-op without an event.
func (s *Store) AddMember(ctx context.Context, matterID, userID int64, actor string) error {
	return s.inTx(ctx, "add matter member", func(tx *sql.Tx) error {
		u, err := s.user(ctx, tx, `id = ?`, userID)
		if err != nil {
			return err
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `
			INSERT INTO matter_members (matter_id, user_id, added_at)
			SELECT id, ?, ? FROM matters WHERE id = ?
			ON CONFLICT DO NOTHING`, userID, formatTime(now), matterID)
		if err != nil {
			return fmt.Errorf("add matter member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := scanMatter(tx.QueryRowContext(ctx,
				`SELECT `+matterColumns+` FROM matters m WHERE m.id = ?`, matterID)); errors.Is(err, sql.ErrNoRows) {
				return Errorf(ENOTFOUND, "Matter not found.")
			}
			return nil
		}
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "matter.member_add", ObjectType: "matter",
			ObjectID: matterID, Details: map[string]any{"user_id": userID, "email": u.Email}})
	})
}

// RemoveMember ends the user's membership of the matter, with a
// "matter.member_remove" audit event; ENOTFOUND when they were not a member.
func (s *Store) RemoveMember(ctx context.Context, matterID, userID int64, actor string) error {
	return s.inTx(ctx, "remove matter member", func(tx *sql.Tx) error {
		u, err := s.user(ctx, tx, `id = ?`, userID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM matter_members WHERE matter_id = ? AND user_id = ?`, matterID, userID)
		if err != nil {
			return fmt.Errorf("remove matter member: %w", err)
		} else if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(ENOTFOUND, "%s is not a member of this matter.", u.Email)
		}
		return appendAudit(ctx, tx, AuditEvent{At: s.now(), Actor: actor, Action: "matter.member_remove",
			ObjectType: "matter", ObjectID: matterID, Details: map[string]any{"user_id": userID, "email": u.Email}})
	})
}

// SetLegalHold puts the matter on legal hold (hold true, a reason required)
// or releases it, with a "matter.hold" or "matter.release" audit event. While
// on hold none of its documents can be deleted.
func (s *Store) SetLegalHold(ctx context.Context, matterID int64, hold bool, reason, actor string) error {
	reason = strings.TrimSpace(reason)
	if hold && reason == "" {
		return Errorf(EINVALID, "Say why the matter goes on legal hold.")
	} else if len(reason) > 500 {
		return Errorf(EINVALID, "The reason must be at most 500 characters.")
	}
	action := "matter.release"
	if hold {
		action = "matter.hold"
	}
	return s.inTx(ctx, action, func(tx *sql.Tx) error {
		now := s.now()
		var holdAt any
		by := ""
		if hold {
			holdAt, by = formatTime(now), actor
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE matters SET legal_hold = ?, hold_reason = ?, hold_by = ?, hold_at = ?, updated_at = ?
			WHERE id = ? AND legal_hold <> ?`, hold, reason, by, holdAt, formatTime(now), matterID, hold)
		if err != nil {
			return fmt.Errorf("%s %d: %w", action, matterID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var onHold bool
			err := tx.QueryRowContext(ctx, `SELECT legal_hold FROM matters WHERE id = ?`, matterID).Scan(&onHold)
			if errors.Is(err, sql.ErrNoRows) {
				return Errorf(ENOTFOUND, "Matter not found.")
			} else if err != nil {
				return fmt.Errorf("%s %d: %w", action, matterID, err)
			} else if onHold {
				return Errorf(ECONFLICT, "The matter is already on legal hold.")
			}
			return Errorf(ECONFLICT, "The matter is not on legal hold.")
		}
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: action, ObjectType: "matter",
			ObjectID: matterID, Details: map[string]any{"reason": reason}})
	})
}
