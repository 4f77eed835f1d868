// Package migrations holds the numbered SQL files that build the Precis
// database schema. The storage package applies them in lexical order, each
// file in its own transaction, and records every applied version in the
// schema_migrations table.
//
// Rules for a new file: name it NNNN_short_name.sql with the next number, never
// edit a file that has been released, and do not put statements that cannot
// run inside a transaction (VACUUM, PRAGMA journal_mode, PRAGMA foreign_keys)
// in it.
package migrations

import "embed"

// FS holds the migration files (*.sql) at its root.
//
//go:embed *.sql
var FS embed.FS
