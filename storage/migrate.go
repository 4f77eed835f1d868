package storage

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"precis/migrations"
)

// Migrate applies the migrations in package migrations that the database has
// not seen yet, in lexical order of their file names, each file in its own
// transaction together with its row in schema_migrations. It returns the
// versions (file names without ".sql") it applied; none when up to date.
// Open calls it; `precis migrate` calls it explicitly.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	return s.migrate(ctx, migrations.FS)
}

// migrate applies the *.sql files at the root of fsys.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) ([]string, error) {
	if _, err := s.db.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version    TEXT PRIMARY KEY,
			applied_at TEXT NOT NULL
		)`); err != nil {
		return nil, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}

	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrate: list files: %w", err)
	}
	sort.Strings(names)

	var applied []string
	for _, name := range names {
		version := strings.TrimSuffix(name, ".sql")
		ok, err := s.applyMigration(ctx, fsys, name, version)
		if err != nil {
			return applied, err
		}
		if ok {
			applied = append(applied, version)
		}
	}
	return applied, nil
}

// applyMigration runs one file unless its version is already recorded. The
// check happens inside the write transaction, so two processes migrating at
// the same time cannot both apply it.
//
// A file whose first line is "-- precis:foreign-keys-off" runs with foreign
// keys off, as SQLite's procedure for rebuilding a table requires, and must
// pass PRAGMA foreign_key_check before it commits.
func (s *Store) applyMigration(ctx context.Context, fsys fs.FS, name, version string) (bool, error) {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return false, fmt.Errorf("migrate %s: read: %w", version, err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("migrate %s: connection: %w", version, err)
	}
	defer conn.Close()
	fkOff := strings.HasPrefix(string(body), "-- precis:foreign-keys-off\n")
	if fkOff {
		// PRAGMA foreign_keys is a no-op inside a transaction: set it first,
		// on this connection, and set it back whatever happens.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return false, fmt.Errorf("migrate %s: foreign keys off: %w", version, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate %s: begin: %w", version, err)
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `
		SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version,
	).Scan(&n); err != nil {
		return false, fmt.Errorf("migrate %s: check version: %w", version, err)
	} else if n > 0 {
		return false, nil
	}

	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, fmt.Errorf("migrate %s: %w", version, err)
	}
	if fkOff {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return false, fmt.Errorf("migrate %s: %w", version, err)
		}
	}
	if err := recordMigration(ctx, tx, version, formatTime(s.now())); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate %s: commit: %w", version, err)
	}
	return true, nil
}

// recordMigration marks version as applied.
func recordMigration(ctx context.Context, tx *sql.Tx, version, at string) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		version, at,
	); err != nil {
		return fmt.Errorf("migrate %s: record version: %w", version, err)
	}
	return nil
}

// foreignKeyCheck fails when any row refers to a row that does not exist.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		return fmt.Errorf("foreign key check: a row of %s (rowid %d) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}
