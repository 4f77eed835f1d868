package storage

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A backup archive is a tar file, optionally gzip-compressed, that mirrors a
// data directory:
//
//	manifest.json     the Manifest, always the first entry
//	precis.db         a consistent snapshot of the database
//	files/NAME        the stored file of every document in the snapshot
//
// The manifest comes first so a reader knows what to expect before it writes
// anything, and can tell a wrong file from a damaged one. Files in the files
// directory that no document refers to (a crashed upload's leftovers) are not
// archived.

// Archive format identifiers, written to and checked in the manifest.
const (
	BackupFormat        = "precis-backup"
	BackupFormatVersion = 1
)

// Entry names in the archive.
const (
	manifestEntry = "manifest.json"
	databaseEntry = "precis.db"
	filesPrefix   = "files/"
)

// maxManifestBytes bounds the manifest a restore reads into memory (a
// million documents need about 150 MB).
const maxManifestBytes = 256 << 20

// Manifest describes a backup archive.
type Manifest struct {
	Format        string         `json:"format"`         // BackupFormat
	FormatVersion int            `json:"format_version"` // BackupFormatVersion
	PrecisVersion string         `json:"precis_version"` // the Precis that wrote the archive
	CreatedAt     time.Time      `json:"created_at"`     // when the database snapshot was taken
	SchemaVersion string         `json:"schema_version"` // the last migration applied to the snapshot
	Migrations    []string       `json:"migrations"`     // every migration applied to the snapshot
	AuditHead     AuditHeadJSON  `json:"audit_head"`     // the last audit event of the snapshot
	Documents     int            `json:"documents"`      // documents in the snapshot
	Files         []ManifestFile `json:"files"`          // every entry after the manifest, in archive order
}

// AuditHeadJSON is the head of the audit chain as the manifest records it.
type AuditHeadJSON struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// ManifestFile is one archived file: its entry name, size and SHA-256.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BackupOptions configure Backup.
type BackupOptions struct {
	// FilesDir is the directory of the documents' stored files (<data>/files).
	FilesDir string
	// Gzip compresses the archive.
	Gzip bool
	// Version is the Precis version recorded in the manifest.
	Version string
	// TempDir receives the database snapshot while it is archived; default
	// the database's own directory, whose permissions already fit its content.
	TempDir string
}

// Backup writes a consistent copy of the database and of the files of its
// documents to w as an archive (see the layout above) and returns its
// manifest. It works while the server runs: the database is copied with
// VACUUM INTO on a read-only connection, one read transaction that does not
// stop writers (WAL), and the files are copied afterwards, only those the
// snapshot refers to. Stored files are written before their document row and
// never change, so all of them exist; one that is missing or does not match
// its SHA-256 is damage, and fails the backup.
func (s *Store) Backup(ctx context.Context, w io.Writer, opt BackupOptions) (*Manifest, error) {
	if opt.FilesDir == "" {
		return nil, Errorf(EINVALID, "Backup needs the files directory.")
	}
	tmpRoot := opt.TempDir
	if tmpRoot == "" {
		tmpRoot = filepath.Dir(s.path)
	}
	tmp, err := os.MkdirTemp(tmpRoot, ".backup-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)

	snap := filepath.Join(tmp, databaseEntry)
	m := &Manifest{Format: BackupFormat, FormatVersion: BackupFormatVersion, PrecisVersion: opt.Version,
		CreatedAt: time.Now().UTC()}
	if err := s.snapshot(ctx, snap); err != nil {
		return nil, err
	}
	docs, err := describeSnapshot(ctx, snap, m)
	if err != nil {
		return nil, err
	}
	if err := addFiles(m, snap, opt.FilesDir, docs); err != nil {
		return nil, err
	}
	if err := writeArchive(ctx, w, m, snap, opt); err != nil {
		return nil, err
	}
	return m, nil
}

// snapshot copies the database to path with VACUUM INTO: one read
// transaction, so the copy is consistent, compacted, and in rollback-journal
// mode (a single file).
func (s *Store) snapshot(ctx context.Context, path string) error {
	// A connection of its own: mode=ro allows VACUUM INTO, the readers'
	// _query_only refuses it, and the writer would hold back every write.
	db, err := sql.Open("sqlite3", dsn(s.path, url.Values{
		"mode":          {"ro"},
		"_busy_timeout": {fmt.Sprint(busyTimeout.Milliseconds())},
	}))
	if err != nil {
		return fmt.Errorf("backup: snapshot: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup: snapshot: %w", err)
	}
	return nil
}

// snapshotDoc is what the archive needs of a document.
type snapshotDoc struct {
	id     int64
	stored string
	sha256 string
	size   int64
}

// describeSnapshot fills m's schema, audit head and document count from the
// snapshot at path and returns its documents.
func describeSnapshot(ctx context.Context, path string, m *Manifest) ([]snapshotDoc, error) {
	st, err := OpenReadOnly(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("backup: read snapshot: %w", err)
	}
	defer st.Close()
	if m.Migrations, err = st.appliedMigrations(ctx); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if n := len(m.Migrations); n > 0 {
		m.SchemaVersion = m.Migrations[n-1]
	}
	if m.AuditHead.Seq, m.AuditHead.Hash, err = st.AuditHead(ctx); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	docs, err := st.documentFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	m.Documents = len(docs)
	return docs, nil
}

// appliedMigrations returns the applied migration versions in order.
func (s *Store) appliedMigrations(ctx context.Context) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("applied migrations: %w", err)
	}
	defer rows.Close()
	var versions []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("applied migrations: %w", err)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("applied migrations: %w", err)
	}
	return versions, nil
}

// documentFiles returns every document's stored name, SHA-256 and size, by id.
func (s *Store) documentFiles(ctx context.Context) ([]snapshotDoc, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, stored_name, sha256, size FROM documents ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("document files: %w", err)
	}
	defer rows.Close()
	var docs []snapshotDoc
	for rows.Next() {
		var d snapshotDoc
		if err := rows.Scan(&d.id, &d.stored, &d.sha256, &d.size); err != nil {
			return nil, fmt.Errorf("document files: %w", err)
		}
		docs = append(docs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("document files: %w", err)
	}
	return docs, nil
}

// addFiles lists the snapshot and every document's file in m, checking that
// each file exists with the size the database records.
func addFiles(m *Manifest, snap, filesDir string, docs []snapshotDoc) error {
	sum, size, err := hashFile(snap)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	m.Files = append(make([]ManifestFile, 0, len(docs)+1), ManifestFile{Name: databaseEntry, Size: size, SHA256: sum})
	for _, d := range docs {
		if !safeStoredName(d.stored) {
			return Errorf(EINVALID, "Document %d has an unsafe stored name %q; the database may have been tampered with.", d.id, d.stored)
		}
		fi, err := os.Stat(filepath.Join(filesDir, d.stored))
		if errors.Is(err, os.ErrNotExist) {
			return Errorf(EINTERNAL, "The file of document %d (%s) is missing from %s.", d.id, d.stored, filesDir)
		} else if err != nil {
			return fmt.Errorf("backup: document %d: %w", d.id, err)
		} else if fi.Size() != d.size {
			return Errorf(EINTERNAL, "The file of document %d (%s) is %d bytes, the database says %d: it is damaged.",
				d.id, d.stored, fi.Size(), d.size)
		}
		m.Files = append(m.Files, ManifestFile{Name: filesPrefix + d.stored, Size: d.size, SHA256: d.sha256})
	}
	return nil
}

// safeStoredName reports whether name is a plain file name that stays inside
// the files directory.
func safeStoredName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`) && name[0] != '.'
}

// writeArchive writes the manifest, the snapshot and the files to w, checking
// each file's SHA-256 as it is copied.
func writeArchive(ctx context.Context, w io.Writer, m *Manifest, snap string, opt BackupOptions) error {
	var gz *gzip.Writer
	if opt.Gzip {
		// The PDFs are mostly Flate streams already; only the database (page
		// text) compresses well, and does so at the fastest level too. Measured
		// on 1,000 documents: 95 MB in 1.3 s at BestSpeed, 86 MB in 6.4 s at
		// the default level, 135 MB in 0.7 s uncompressed.
		gz, _ = gzip.NewWriterLevel(w, gzip.BestSpeed) // a valid level never errs
		w = gz
	}
	tw := tar.NewWriter(w)
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("backup: manifest: %w", err)
	}
	if err := tw.WriteHeader(entryHeader(manifestEntry, int64(len(manifest)), m.CreatedAt)); err != nil {
		return fmt.Errorf("backup: write manifest: %w", err)
	}
	if _, err := tw.Write(manifest); err != nil {
		return fmt.Errorf("backup: write manifest: %w", err)
	}
	for _, f := range m.Files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		src := snap
		if f.Name != databaseEntry {
			src = filepath.Join(opt.FilesDir, strings.TrimPrefix(f.Name, filesPrefix))
		}
		if err := copyEntry(tw, f, src, m.CreatedAt); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("backup: finish archive: %w", err)
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return fmt.Errorf("backup: finish archive: %w", err)
		}
	}
	return nil
}

// copyEntry appends the file at src to tw as f.
func copyEntry(tw *tar.Writer, f ManifestFile, src string, mtime time.Time) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("backup: %s: %w", f.Name, err)
	}
	defer in.Close()
	if err := tw.WriteHeader(entryHeader(f.Name, f.Size, mtime)); err != nil {
		return fmt.Errorf("backup: %s: %w", f.Name, err)
	}
	h := sha256.New()
	// LimitReader: a file that grew cannot overrun its header; one that shrank
	// makes Write fail below.
	if _, err := io.Copy(io.MultiWriter(tw, h), io.LimitReader(in, f.Size)); err != nil {
		return fmt.Errorf("backup: %s: %w", f.Name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return Errorf(EINTERNAL, "%s does not match the SHA-256 the database records (%s, file has %s): it is damaged.",
			f.Name, short(f.SHA256), short(got))
	}
	return nil
}

// entryHeader is the tar header of a regular, owner-only file.
func entryHeader(name string, size int64, mtime time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: mtime}
}

// hashFile returns the lowercase hex SHA-256 and the size of the file at path.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
