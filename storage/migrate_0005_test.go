package storage

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"precis/migrations"
)

// storeAt opens the database at path with a writer configured as Open
// configures it, and applies only the migration files up to and including
// last: a database as an older Precis left it. It has no reader pool.
func storeAt(t *testing.T, path, last string) *Store {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_txlock":        {"immediate"},
		"_journal_mode":  {"WAL"},
		"_synchronous":   {"FULL"},
		"_foreign_keys":  {"1"},
		"_busy_timeout":  {"10000"},
		"_secure_delete": {"1"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	t.Cleanup(func() { db.Close() })
	s := &Store{path: path, db: db, now: newTestClock().Now}

	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	for _, name := range names {
		if strings.TrimSuffix(name, ".sql") > last {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: b}
	}
	applied, err := s.migrate(ctx, old)
	if err != nil || len(applied) == 0 || applied[len(applied)-1] != last {
		t.Fatalf("migrate up to %s = %v, %v", last, applied, err)
	}
	return s
}

// writerPragma reads a PRAGMA on the store's writer connection.
func writerPragma(t *testing.T, s *Store, name string) string {
	t.Helper()
	var v string
	if err := s.db.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

// foreignKeyProblems returns the rows of PRAGMA foreign_key_check.
func foreignKeyProblems(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s rowid %d -> %s", table, rowid.Int64, parent))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// idsOf returns the first column of a query, in its order.
func idsOf(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// legacyRows is what the 0005 migration must keep: every row of the tables
// that refer to documents, with their ids and references.
var legacyRows = map[string]string{
	"documents": `SELECT id || ' ' || sha256 || ' ' || filename || ' ' || stored_name || ' ' || size || ' ' ||
		page_count || ' ' || extract_status || ' ' || label_id || ' ' || classified || ' ' || created_at
		FROM documents ORDER BY id`,
	"pages":         `SELECT document_id || ' ' || number || ' ' || text FROM pages ORDER BY document_id, number`,
	"jobs":          `SELECT id || ' ' || document_id || ' ' || status FROM jobs ORDER BY id`,
	"chunks":        `SELECT id || ' ' || job_id || ' ' || seq FROM chunks ORDER BY id`,
	"chunk_results": `SELECT job_id || ' ' || chunk_id || ' ' || output FROM chunk_results ORDER BY job_id, chunk_id`,
	"summaries":     `SELECT id || ' ' || document_id || ' ' || job_id || ' ' || engine FROM summaries ORDER BY id`,
	"label_changes": `SELECT id || ' ' || document_id || ' ' || to_label FROM label_changes ORDER BY id`,
	"findings":      `SELECT document_id || ' ' || detector || ' ' || page FROM findings ORDER BY document_id, detector, page`,
}

func TestMigrate0005KeepsDocuments(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "precis.db")
	old := storeAt(t, path, "0004_users")

	// Three documents as Precis 0004 stored them, with pages, jobs, chunks,
	// results, summaries, findings and label changes; the third is then
	// deleted, so the AUTOINCREMENT counter (3) is above the highest id (2).
	const at = "2024-05-01T12:00:00.000000000Z"
	for i := 1; i <= 3; i++ {
		mustExec(t, old.db, `INSERT INTO documents (id, sha256, filename, stored_name, size, page_count,
			extract_status, label_id, classified, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 2, 'ok', ?, 1, ?, ?)`,
			i, hashOf(fmt.Sprint("legacy ", i)), fmt.Sprintf("contract %d.pdf", i), fmt.Sprintf("stored-%d.pdf", i),
			100*i, i, at, at)
		for p := 1; p <= 2; p++ {
			mustExec(t, old.db, `INSERT INTO pages (document_id, number, text, status) VALUES (?, ?, ?, 'ok')`,
				i, p, fmt.Sprintf("page %d of %d", p, i))
		}
		jobID, chunkID := 10+i, 20+i
		mustExec(t, old.db, `INSERT INTO jobs (id, document_id, status, stage, created_at, updated_at, finished_at)
			VALUES (?, ?, 'done', 'done', ?, ?, ?)`, jobID, i, at, at, at)
		mustExec(t, old.db, `INSERT INTO chunks (id, job_id, seq, first_page, last_page, text) VALUES (?, ?, 0, 1, 2, 'c')`,
			chunkID, jobID)
		mustExec(t, old.db, `INSERT INTO chunk_results (job_id, chunk_id, output, created_at) VALUES (?, ?, ?, ?)`,
			jobID, chunkID, fmt.Sprintf(`{"n":%d}`, i), at)
		mustExec(t, old.db, `INSERT INTO summaries (id, document_id, job_id, engine, created_at)
			VALUES (?, ?, ?, 'extractive', ?)`, 30+i, i, jobID, at)
		mustExec(t, old.db, `INSERT INTO label_changes (document_id, at, actor, from_label, to_label, source)
			VALUES (?, ?, 'system', 0, ?, 'detector')`, i, at, i)
		mustExec(t, old.db, `INSERT INTO findings (document_id, detector, category, page, match)
			VALUES (?, 'iban', 'financial', 1, 'DE**')`, i)
	}
	mustExec(t, old.db, `DELETE FROM documents WHERE id = 3`)
	if seq := idsOf(t, old.db, `SELECT seq FROM sqlite_sequence WHERE name = 'documents'`); !reflect.DeepEqual(seq, []string{"3"}) {
		t.Fatalf("documents counter before the migration = %v, want 3", seq)
	}
	before := map[string][]string{}
	for table, q := range legacyRows {
		before[table] = idsOf(t, old.db, q)
	}
	if len(before["documents"]) != 2 || len(before["pages"]) != 4 || len(before["summaries"]) != 2 {
		t.Fatalf("rows before the migration = %v", before)
	}

	applied, err := old.Migrate(ctx)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if len(applied) == 0 || applied[0] != "0005_matters" {
		t.Fatalf("Migrate applied %v, want 0005_matters first", applied)
	}

	for table, q := range legacyRows {
		if after := idsOf(t, old.db, q); !reflect.DeepEqual(after, before[table]) {
			t.Errorf("%s after the migration:\n%v\nwant\n%v", table, after, before[table])
		}
	}
	if problems := foreignKeyProblems(t, old.db); len(problems) != 0 {
		t.Errorf("foreign_key_check after the migration: %v", problems)
	}
	if got := writerPragma(t, old, "foreign_keys"); got != "1" {
		t.Errorf("writer PRAGMA foreign_keys after the migration = %s, want 1", got)
	}
	// Foreign keys are enforced again on the writer, not just reported on.
	if _, err := old.db.ExecContext(ctx, `INSERT INTO pages (document_id, number, text, status)
		VALUES (999, 1, 'x', 'ok')`); err == nil {
		t.Error("a page of a missing document was accepted after the migration")
	}
	if got := writerPragma(t, old, "integrity_check"); got != "ok" {
		t.Errorf("integrity_check = %s", got)
	}

	// Every old document is in the legacy matter.
	if got := idsOf(t, old.db, `SELECT DISTINCT m.client_number || '/' || m.matter_number || ' ' || m.name
		FROM documents d JOIN matters m ON m.id = d.matter_id`); !reflect.DeepEqual(got,
		[]string{"0000/0000 Documents from before matters"}) {
		t.Fatalf("matters of the old documents = %v", got)
	}
	if n := idsOf(t, old.db, `SELECT count(*) FROM matters`); !reflect.DeepEqual(n, []string{"1"}) {
		t.Fatalf("matters after the migration = %v, want 1", n)
	}
	old.db.Close()

	// Reopened the normal way, the store reads the migrated rows.
	s := openTestStore(t, path)
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("Migrate after reopening = %v, %v; want nothing to apply", applied, err)
	}
	ms, err := s.Matters(ctx)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Matters = %+v, %v", ms, err)
	}
	legacy := ms[0]
	if legacy.Title() != "0000/0000 Documents from before matters" || legacy.Documents != 2 || legacy.Members != 0 ||
		legacy.CreatedAt.IsZero() || legacy.LegalHold {
		t.Fatalf("legacy matter = %+v", legacy)
	}
	for id := int64(1); id <= 2; id++ {
		d, err := s.Document(ctx, id)
		if err != nil {
			t.Fatalf("Document(%d): %v", id, err)
		}
		if d.MatterID != legacy.ID || d.StoredName != fmt.Sprintf("stored-%d.pdf", id) || d.LabelID != int(id) ||
			!d.Classified || d.PageCount != 2 {
			t.Errorf("document %d after the migration = %+v", id, d)
		}
		if pages, err := s.Pages(ctx, id); err != nil || len(pages) != 2 {
			t.Errorf("Pages(%d) = %d, %v; want 2", id, len(pages), err)
		}
		if sum, err := s.LatestSummary(ctx, id); err != nil || sum.ID != 30+id || sum.JobID != 10+id {
			t.Errorf("LatestSummary(%d) = %+v, %v", id, sum, err)
		}
	}

	// The counter was kept: the id of the deleted document is never reused.
	d := &Document{SHA256: hashOf("new"), Filename: "new.pdf", StoredName: "new.pdf", Size: 1, MatterID: legacy.ID}
	if _, err := s.CreateDocument(ctx, d, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if d.ID != 4 {
		t.Fatalf("new document id = %d, want 4 (above the deleted document 3)", d.ID)
	}
	// A file's hash is now unique per matter only.
	other := newMatter(t, s, "C-1", "M-1", "New matter")
	again := &Document{SHA256: hashOf("legacy 1"), Filename: "contract 1.pdf", StoredName: "again.pdf", Size: 100,
		MatterID: other.ID}
	if existing, err := s.CreateDocument(ctx, again, "alice@example.com"); err != nil || existing || again.ID == 1 {
		t.Fatalf("a legacy file uploaded into another matter = %v, %v, id %d; want a new document", existing, err, again.ID)
	}
}

func TestMigrate0005FreshDatabaseHasNoLegacyMatter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "precis.db")
	old := storeAt(t, path, "0004_users")
	if _, err := old.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n := idsOf(t, old.db, `SELECT count(*) FROM matters`); !reflect.DeepEqual(n, []string{"0"}) {
		t.Fatalf("matters after migrating a database without documents = %v, want none", n)
	}
	if got := writerPragma(t, old, "foreign_keys"); got != "1" {
		t.Errorf("writer PRAGMA foreign_keys after the migration = %s, want 1", got)
	}
	old.db.Close()

	s := openTestStore(t, path)
	if ms, err := s.Matters(ctx); err != nil || len(ms) != 0 {
		t.Fatalf("Matters of a fresh database = %+v, %v; want none", ms, err)
	}
}

// TestMigrateForeignKeysOffRefusesDanglingRows runs a foreign-keys-off file
// that leaves a row pointing nowhere: it is rolled back, stays pending, and
// foreign keys are on again on the writer.
func TestMigrateForeignKeysOffRefusesDanglingRows(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	d := testDocument(t, s, "survivor")
	mustExec(t, s.db, `INSERT INTO pages (document_id, number, text, status) VALUES (?, 1, 'text', 'ok')`, d.ID)

	bad := fstest.MapFS{"9001_bad.sql": {Data: []byte("-- precis:foreign-keys-off\n" +
		"DELETE FROM documents;\nCREATE TABLE leftover (x INTEGER);\n")}}
	applied, err := s.migrate(ctx, bad)
	if err == nil || len(applied) != 0 || !strings.Contains(err.Error(), "foreign key check") {
		t.Fatalf("migrate = %v, %v; want a foreign key check failure", applied, err)
	}
	if got := writerPragma(t, s, "foreign_keys"); got != "1" {
		t.Fatalf("writer PRAGMA foreign_keys after a failed migration = %s, want 1", got)
	}
	if _, err := s.Document(ctx, d.ID); err != nil {
		t.Fatalf("the document after the rolled-back migration: %v", err)
	}
	if n := idsOf(t, s.db, `SELECT count(*) FROM sqlite_schema WHERE name = 'leftover'`); n[0] != "0" {
		t.Fatal("the failed migration's table exists")
	}
	if n := idsOf(t, s.db, `SELECT count(*) FROM schema_migrations WHERE version = '9001_bad'`); n[0] != "0" {
		t.Fatal("the failed migration was recorded")
	}

	// A foreign-keys-off file that leaves every reference whole is applied.
	good := fstest.MapFS{"9002_good.sql": {Data: []byte("-- precis:foreign-keys-off\nCREATE TABLE fine (x INTEGER);\n")}}
	if applied, err := s.migrate(ctx, good); err != nil || !reflect.DeepEqual(applied, []string{"9002_good"}) {
		t.Fatalf("migrate of a clean foreign-keys-off file = %v, %v", applied, err)
	}
	if got := writerPragma(t, s, "foreign_keys"); got != "1" {
		t.Fatalf("writer PRAGMA foreign_keys after a migration = %s, want 1", got)
	}
}
