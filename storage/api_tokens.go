package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APITokenPrefix starts every API token, so a leaked one is easy to recognise
// (secret scanners, logs).
const APITokenPrefix = "prc_"

// APIToken describes an API token; the token itself is never stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while valid
}

// tokenHash is the stored form of a token: the hex SHA-256 of its text.
// Tokens carry 256 random bits, so a fast unsalted hash is safe here (see
// migrations/0004_users.sql).
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateAPIToken makes a new API token for the user, stores only its hash and
// returns the token, which cannot be shown again. Audit "token.create".
// EINVALID without a name, ENOTFOUND for an unknown user.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name, actor string) (token string, err error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Errorf(EINVALID, "Token name required (what the token is for, such as \"nightly import\").")
	} else if actor == "" {
		return "", Errorf(EINVALID, "Actor required.")
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("create api token: %w", err)
	}
	token = APITokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	err = s.inTx(ctx, "create api token", func(tx *sql.Tx) error {
		u, err := s.user(ctx, tx, `id = ?`, userID)
		if err != nil {
			return err
		}
		now := s.now()
		var id int64
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			userID, name, tokenHash(token), formatTime(now)).Scan(&id); err != nil {
			return fmt.Errorf("create api token: %w", err)
		}
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "token.create", ObjectType: "api_token",
			ObjectID: id, Details: map[string]any{"user_id": userID, "email": u.Email, "name": name}})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// tokenUseEvery is how often a token's last use is written at most: a script's
// requests do not each take the writer for a time shown to the minute.
const tokenUseEvery = time.Minute

// APITokenUser returns the user a token belongs to and records the token's use
// (at most once a minute). ENOTFOUND for an unknown or revoked token, or one
// whose user is disabled.
func (s *Store) APITokenUser(ctx context.Context, token string) (*User, error) {
	if !strings.HasPrefix(token, APITokenPrefix) {
		return nil, Errorf(ENOTFOUND, "Unknown API token.")
	}
	var id, userID int64
	var used sql.NullString
	err := s.rdb.QueryRowContext(ctx, `
		SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`,
		tokenHash(token)).Scan(&id, &userID, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Unknown API token.")
	} else if err != nil {
		return nil, fmt.Errorf("api token user: %w", err)
	}
	u, err := s.user(ctx, s.rdb, `id = ?`, userID)
	if err != nil {
		return nil, err
	} else if u.Disabled {
		return nil, Errorf(ENOTFOUND, "Unknown API token.")
	}
	now := s.now()
	if last, err := parseTime(used.String); err != nil || now.Sub(last) >= tokenUseEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`,
			formatTime(now), id); err != nil {
			return nil, fmt.Errorf("api token user: record use: %w", err)
		}
	}
	return u, nil
}

// APITokens returns the user's tokens, revoked ones included, oldest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, user_id, name, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("api tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created string
		var used, revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &created, &used, &revoked); err != nil {
			return nil, fmt.Errorf("api tokens: %w", err)
		}
		if t.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		} else if t.LastUsedAt, err = parseTime(used.String); err != nil {
			return nil, err
		} else if t.RevokedAt, err = parseTime(revoked.String); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes the user's token tokenID, with a "token.revoke" audit
// event. ENOTFOUND for a token that is not the user's, ECONFLICT for one
// already revoked.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID int64, actor string) error {
	if actor == "" {
		return Errorf(EINVALID, "Actor required.")
	}
	return s.inTx(ctx, "revoke api token", func(tx *sql.Tx) error {
		var revoked sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM api_tokens WHERE id = ? AND user_id = ?`,
			tokenID, userID).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "API token not found.")
		} else if err != nil {
			return fmt.Errorf("revoke api token %d: %w", tokenID, err)
		} else if revoked.Valid {
			return Errorf(ECONFLICT, "The API token was already revoked.")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`,
			formatTime(now), tokenID); err != nil {
			return fmt.Errorf("revoke api token %d: %w", tokenID, err)
		}
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "token.revoke", ObjectType: "api_token",
			ObjectID: tokenID, Details: map[string]any{"user_id": userID}})
	})
}

// RecordLoginAttempt records one login attempt under key (such as
// "account:alice@example.com" or "addr:192.0.2.7") for throttling.
func (s *Store) RecordLoginAttempt(ctx context.Context, key string, success bool) error {
	if key == "" {
		return Errorf(EINVALID, "Login attempt key required.")
	}
	return s.inTx(ctx, "record login attempt", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_attempts (key, at, success) VALUES (?, ?, ?)`,
			key, formatTime(s.now()), success); err != nil {
			return fmt.Errorf("record login attempt: %w", err)
		}
		return nil
	})
}

// RecentFailures counts the failed login attempts under key at or after since.
func (s *Store) RecentFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE key = ? AND at >= ? AND success = 0`,
		key, formatTime(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("recent login failures: %w", err)
	}
	return n, nil
}

// FailuresSinceSuccess counts the failed login attempts under key at or after
// since and after the key's last successful attempt: signing in correctly
// clears an account's count.
func (s *Store) FailuresSinceSuccess(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, `
		SELECT count(*) FROM login_attempts
		WHERE key = ?1 AND at >= ?2 AND success = 0
		  AND at > coalesce((SELECT max(at) FROM login_attempts WHERE key = ?1 AND success = 1), '')`,
		key, formatTime(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("login failures since success: %w", err)
	}
	return n, nil
}

// PruneLoginAttempts deletes the attempts recorded before before and returns
// how many it deleted.
func (s *Store) PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, "prune login attempts", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE at < ?`, formatTime(before))
		if err != nil {
			return fmt.Errorf("prune login attempts: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
