package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// PolicyVersion is one saved version of the classification settings (labels, providers,
// routes, detectors, watchlist). Body is JSON, opaque to storage.
type PolicyVersion struct {
	Version   int64
	CreatedAt time.Time
	Actor     string
	Source    string // "default", "env", "file" or "admin"
	Note      string
	Body      []byte
	SHA256    string
}

// SavePolicy stores body as the next policy version, with a "policy.change" audit event,
// unless it is byte-for-byte the current version, in which case it returns that version and
// saved=false.
func (s *Store) SavePolicy(ctx context.Context, actor, source, note string, body []byte) (version int64, saved bool, err error) {
	if actor == "" {
		return 0, false, Errorf(EINVALID, "Actor required.")
	}
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	err = s.inTx(ctx, "save policy", func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT version, sha256 FROM policy_versions ORDER BY version DESC LIMIT 1`).Scan(&version, &cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("save policy: %w", err)
		}
		if cur == digest {
			return nil
		}
		version++
		now := s.now()
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO policy_versions (version, created_at, actor, source, note, body, sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, version, formatTime(now), actor, source, note, string(body), digest); err != nil {
			return fmt.Errorf("save policy v%d: %w", version, err)
		}
		saved = true
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "policy.change", ObjectType: "policy",
			ObjectID: version, Details: map[string]any{"source": source, "sha256": digest, "note": note}})
	})
	return version, saved, err
}

// CurrentPolicy returns the highest policy version, or ENOTFOUND when none was saved.
func (s *Store) CurrentPolicy(ctx context.Context) (*PolicyVersion, error) {
	return s.policyVersion(ctx, `ORDER BY version DESC LIMIT 1`)
}

// Policy returns one policy version, or ENOTFOUND.
func (s *Store) Policy(ctx context.Context, version int64) (*PolicyVersion, error) {
	return s.policyVersion(ctx, `WHERE version = ?`, version)
}

func (s *Store) policyVersion(ctx context.Context, where string, args ...any) (*PolicyVersion, error) {
	var p PolicyVersion
	var at, body string
	err := s.rdb.QueryRowContext(ctx, `SELECT version, created_at, actor, source, note, body, sha256
		FROM policy_versions `+where, args...).Scan(&p.Version, &at, &p.Actor, &p.Source, &p.Note, &body, &p.SHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "Policy not found.")
	} else if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p.Body = []byte(body)
	if p.CreatedAt, err = parseTime(at); err != nil {
		return nil, fmt.Errorf("policy v%d: %w", p.Version, err)
	}
	return &p, nil
}

// PolicyHistory returns the versions, newest first, without their bodies.
func (s *Store) PolicyHistory(ctx context.Context, limit int) ([]PolicyVersion, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT version, created_at, actor, source, note, sha256
		FROM policy_versions ORDER BY version DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("policy history: %w", err)
	}
	defer rows.Close()
	var out []PolicyVersion
	for rows.Next() {
		var p PolicyVersion
		var at string
		if err := rows.Scan(&p.Version, &at, &p.Actor, &p.Source, &p.Note, &p.SHA256); err != nil {
			return nil, fmt.Errorf("policy history: %w", err)
		}
		if p.CreatedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("policy history: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PutProviderSecret stores an API key sealed by the caller (never the key itself), with a
// "provider.secret" audit event that names the provider only.
func (s *Store) PutProviderSecret(ctx context.Context, actor, provider string, sealed []byte) error {
	return s.inTx(ctx, "put provider secret", func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO provider_secrets (provider, sealed, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (provider) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
			provider, sealed, formatTime(now)); err != nil {
			return fmt.Errorf("put provider secret: %w", err)
		}
		return appendAudit(ctx, tx, AuditEvent{At: now, Actor: actor, Action: "provider.secret", ObjectType: "provider",
			Details: map[string]any{"provider": provider}})
	})
}

// ProviderSecret returns the sealed API key of a provider, or ENOTFOUND.
func (s *Store) ProviderSecret(ctx context.Context, provider string) ([]byte, error) {
	var sealed []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT sealed FROM provider_secrets WHERE provider = ?`, provider).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "No key stored for provider %s.", provider)
	} else if err != nil {
		return nil, fmt.Errorf("provider secret: %w", err)
	}
	return sealed, nil
}
