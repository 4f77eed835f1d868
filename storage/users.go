package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// User roles.
const (
	RoleAdmin = "admin" // manages users, policy and providers
	RoleStaff = "staff" // uploads and reads documents
)

// User is a person who may sign in.
type User struct {
	ID    int64
	Email string // unique, compared without regard to case
	Name  string
	Role  string // RoleAdmin or RoleStaff
	// PasswordHash is the argon2id PHC string (package precis/auth), or ""
	// for a user who signs in only through single sign-on. It is for
	// verifying a login; never show, log or audit it.
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  time.Time // zero when the user never signed in
}

// checkEmail returns the address trimmed, or EINVALID.
func checkEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", Errorf(EINVALID, "Email address required.")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > 254 {
		return "", Errorf(EINVALID, "%q is not an email address like name@example.com.", email)
	}
	return email, nil
}

func checkRole(role string) error {
	if role != RoleAdmin && role != RoleStaff {
		return Errorf(EINVALID, "Role %q is not %s or %s.", role, RoleAdmin, RoleStaff)
	}
	return nil
}

// CreateUser adds u with the given password hash ("" for single sign-on only)
// and a "user.create" audit event, and sets u.ID and its times. EINVALID for a
// bad email or role, ECONFLICT when the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *User, passwordHash, actor string) error {
	email, err := checkEmail(u.Email)
	if err != nil {
		return err
	} else if err := checkRole(u.Role); err != nil {
		return err
	} else if actor == "" {
		return Errorf(EINVALID, "Actor required.")
	}
	u.Email, u.Name = email, strings.TrimSpace(u.Name)
	return s.inTx(ctx, "create user", func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `
			INSERT INTO users (email, name, role, password_hash, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Email, u.Name, u.Role, passwordHash, u.Disabled, formatTime(now), formatTime(now)).Scan(&u.ID)
		if isUniqueViolation(err) {
			return Errorf(ECONFLICT, "A user with the email %s already exists.", u.Email)
		} else if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		u.PasswordHash = passwordHash
		u.CreatedAt, u.UpdatedAt = now.UTC(), now.UTC()
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "user.create", ObjectType: "user",
			ObjectID: u.ID, Details: map[string]any{"email": u.Email, "role": u.Role, "password": passwordHash != ""}})
	})
}

const userColumns = `id, email, name, role, password_hash, disabled, created_at, updated_at, last_login_at`

func scanUser(row scanner) (*User, error) {
	var u User
	var created, updated string
	var last sql.NullString
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled,
		&created, &updated, &last); err != nil {
		return nil, err
	}
	var err error
	if u.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	} else if u.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	} else if u.LastLoginAt, err = parseTime(last.String); err != nil {
		return nil, err
	}
	return &u, nil
}

func (s *Store) user(ctx context.Context, q queryer, where string, arg any) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "User not found.")
	} else if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

// queryer is implemented by *sql.DB and *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// UserByEmail returns the user with that email (any case), or ENOTFOUND.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return s.user(ctx, s.rdb, `email = ?`, strings.TrimSpace(email))
}

// UserByID returns the user, or ENOTFOUND.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.user(ctx, s.rdb, `id = ?`, id)
}

// ListUsers returns every user in order of creation.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// CountUsers returns the number of users, disabled ones included.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// SetPassword replaces the user's password hash ("" removes the password),
// with a "user.password" audit event. ENOTFOUND for an unknown user.
func (s *Store) SetPassword(ctx context.Context, id int64, passwordHash, actor string) error {
	return s.updateUser(ctx, id, actor, "user.password", `password_hash = ?`, passwordHash,
		map[string]any{"password": passwordHash != ""})
}

// SetUserDisabled disables or re-enables the user's account, with a
// "user.disable" or "user.enable" audit event. ECONFLICT when it would leave
// no enabled admin.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool, actor string) error {
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return s.updateUser(ctx, id, actor, action, `disabled = ?`, disabled, nil)
}

// SetUserRole changes the user's role, with a "user.role" audit event.
// EINVALID for an unknown role, ECONFLICT when it would leave no enabled admin.
func (s *Store) SetUserRole(ctx context.Context, id int64, role, actor string) error {
	if err := checkRole(role); err != nil {
		return err
	}
	return s.updateUser(ctx, id, actor, "user.role", `role = ?`, role, map[string]any{"role": role})
}

// RecordLogin sets the user's last login time, with a "user.login" audit
// event naming the method ("password", "oidc").
func (s *Store) RecordLogin(ctx context.Context, id int64, actor, method string) error {
	return s.updateUser(ctx, id, actor, "user.login", `last_login_at = ?`, formatTime(s.now()),
		map[string]any{"method": method})
}

// updateUser sets one column of a user, checks that an enabled admin remains,
// and appends the audit event, in one transaction.
func (s *Store) updateUser(ctx context.Context, id int64, actor, action, set string, value any, details map[string]any) error {
	if actor == "" {
		return Errorf(EINVALID, "Actor required.")
	}
	return s.inTx(ctx, action, func(tx *sql.Tx) error {
		before, err := s.user(ctx, tx, `id = ?`, id)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET `+set+`, updated_at = ? WHERE id = ?`,
			value, formatTime(now), id); err != nil {
			return fmt.Errorf("%s %d: %w", action, id, err)
		}
		if before.Role == RoleAdmin && !before.Disabled {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0`).
				Scan(&admins); err != nil {
				return fmt.Errorf("%s %d: %w", action, id, err)
			}
			if admins == 0 {
				return Errorf(ECONFLICT, "%s is the last enabled admin; make another user admin first.", before.Email)
			}
		}
		if details == nil {
			details = map[string]any{}
		}
		details["email"] = before.Email
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: action, ObjectType: "user",
			ObjectID: id, Details: details})
	})
}
