package storage

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"precis/migrations"
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

// RestoreOptions configure Restore.
type RestoreOptions struct {
	// Force replaces a data directory that is not empty. Its contents are not
	// deleted: the directory is moved aside to DIR.before-restore-TIMESTAMP.
	Force bool
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	Manifest *Manifest
	// Previous is where the replaced data directory was moved; "" when the
	// target did not exist or was empty.
	Previous string
}

// Restore installs an archive written by Backup as the data directory dir
// (precis.db and files/). It unpacks into a new directory beside dir, checks
// the SHA-256 and size of every entry against the manifest, runs SQLite's
// integrity and foreign key checks, verifies the audit chain and that it ends
// at the head the manifest records, checks that every document's file is
// there with the document's SHA-256, and only then renames the directory into
// place. A dir that exists and is not empty is refused (ECONFLICT) unless
// opt.Force. The server must not be running on dir. Problems with the archive
// are EINVALID errors whose message names the entry and what is wrong.
func Restore(ctx context.Context, r io.Reader, dir string, opt RestoreOptions) (*RestoreResult, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	occupied, err := checkRestoreTarget(abs, opt.Force)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+".restore-")
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	installed := false
	defer func() {
		if !installed {
			os.RemoveAll(tmp)
		}
	}()

	m, err := unpack(ctx, r, tmp)
	if err != nil {
		return nil, err
	}
	if err := verifyRestored(ctx, tmp, m); err != nil {
		return nil, err
	}
	prev, err := install(tmp, abs, occupied)
	if err != nil {
		return nil, err
	}
	installed = true
	return &RestoreResult{Manifest: m, Previous: prev}, nil
}

// checkRestoreTarget reports whether dir exists and is not empty, refusing
// that without force.
func checkRestoreTarget(dir string, force bool) (occupied bool, err error) {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("restore: %w", err)
	} else if !fi.IsDir() {
		return false, Errorf(EINVALID, "%s exists and is not a directory.", dir)
	}
	f, err := os.Open(dir)
	if err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); errors.Is(err, io.EOF) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	if !force {
		return true, Errorf(ECONFLICT, "The data directory %s is not empty; a restore does not overwrite it unless forced.", dir)
	}
	return true, nil
}

// install renames the unpacked directory tmp to dir, first moving an occupied
// dir aside, and returns where that went.
func install(tmp, dir string, occupied bool) (previous string, err error) {
	if occupied {
		previous = dir + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(dir, previous); err != nil {
			return "", fmt.Errorf("restore: move the current data aside: %w", err)
		}
	}
	// rename(2) replaces an empty directory atomically; os.Rename refuses any
	// existing directory, so call it directly.
	if err := syscall.Rename(tmp, dir); err != nil {
		if occupied {
			if rerr := os.Rename(previous, dir); rerr != nil {
				return "", fmt.Errorf("restore: install: %w (and the current data could not be moved back from %s: %v)", err, previous, rerr)
			}
		}
		return "", fmt.Errorf("restore: install: %w", err)
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return previous, err
	}
	return previous, nil
}

// syncDir flushes a directory's entries to disk.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// unpack reads the archive from r into dir, checking every entry against the
// manifest, and returns the manifest.
func unpack(ctx context.Context, r io.Reader, dir string) (*Manifest, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	var gz *gzip.Reader
	if magic, _ := br.Peek(2); len(magic) == 0 {
		return nil, Errorf(EINVALID, "The archive is empty.")
	} else if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		var err error
		if gz, err = gzip.NewReader(br); err != nil {
			return nil, archiveReadError(err, "its gzip header")
		}
		src = gz
	}
	tr := tar.NewReader(src)
	hdr, err := tr.Next()
	if errors.Is(err, io.EOF) {
		return nil, Errorf(EINVALID, "The archive is empty: it holds no files.")
	} else if errors.Is(err, tar.ErrHeader) {
		return nil, Errorf(EINVALID, "This is not a Precis backup: it is not a tar archive.")
	} else if err != nil {
		return nil, archiveReadError(err, "its first entry")
	} else if hdr.Name != manifestEntry {
		return nil, Errorf(EINVALID, "This is not a Precis backup: its first entry is %q, not %s.", hdr.Name, manifestEntry)
	}
	m, err := readManifest(tr, hdr)
	if err != nil {
		return nil, err
	}

	if err := os.Mkdir(filepath.Join(dir, strings.TrimSuffix(filesPrefix, "/")), 0o700); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	want := make(map[string]ManifestFile, len(m.Files))
	for _, f := range m.Files {
		want[f.Name] = f
	}
	done := make(map[string]bool, len(m.Files))
	last := manifestEntry
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, archiveReadError(err, "the entry after "+last)
		}
		f, ok := want[hdr.Name]
		if !ok && done[hdr.Name] {
			return nil, Errorf(EINVALID, "The archive holds %s twice: it is not a backup Precis wrote.", hdr.Name)
		} else if !ok {
			return nil, Errorf(EINVALID, "The archive holds %q, which its manifest does not list: it is not a backup Precis wrote.", hdr.Name)
		} else if hdr.Typeflag != tar.TypeReg {
			return nil, Errorf(EINVALID, "The archive entry %s is not a regular file.", hdr.Name)
		} else if hdr.Size != f.Size {
			return nil, Errorf(EINVALID, "The archive entry %s is %d bytes, its manifest says %d: the archive is damaged.", hdr.Name, hdr.Size, f.Size)
		}
		delete(want, hdr.Name)
		done[hdr.Name] = true
		if err := extractEntry(tr, filepath.Join(dir, filepath.FromSlash(f.Name)), f); err != nil {
			return nil, err
		}
		last = f.Name
	}
	if len(want) > 0 {
		for _, f := range m.Files {
			if _, missing := want[f.Name]; missing {
				return nil, Errorf(EINVALID, "The archive is truncated or incomplete: %d of the %d files its manifest lists are missing, the first is %s.",
					len(want), len(m.Files), f.Name)
			}
		}
	}
	if gz != nil { // read to the end so gzip checks its CRC
		if _, err := io.Copy(io.Discard, gz); err != nil {
			return nil, archiveReadError(err, "the end of the archive")
		}
	}
	for _, d := range []string{filepath.Join(dir, "files"), dir} {
		if err := syncDir(d); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	return m, nil
}

// readManifest reads and validates the manifest entry.
func readManifest(r io.Reader, hdr *tar.Header) (*Manifest, error) {
	if hdr.Size > maxManifestBytes {
		return nil, Errorf(EINVALID, "This is not a Precis backup: its manifest is %d bytes, more than a manifest can be.", hdr.Size)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, archiveReadError(err, manifestEntry)
	}
	var m Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, Errorf(EINVALID, "This is not a Precis backup: its manifest cannot be read (%v).", err)
	} else if m.Format != BackupFormat {
		return nil, Errorf(EINVALID, "This is not a Precis backup: its manifest's format is %q.", m.Format)
	} else if m.FormatVersion > BackupFormatVersion {
		return nil, Errorf(EINVALID, "This backup was written by a newer Precis (archive format %d); this one reads format %d.",
			m.FormatVersion, BackupFormatVersion)
	} else if m.FormatVersion < 1 {
		return nil, Errorf(EINVALID, "The backup's manifest has an invalid format version %d.", m.FormatVersion)
	} else if m.AuditHead.Seq < 0 || !sha256Hex.MatchString(m.AuditHead.Hash) {
		return nil, Errorf(EINVALID, "The backup's manifest has an invalid audit head.")
	}
	seen := make(map[string]bool, len(m.Files))
	for _, f := range m.Files {
		name := strings.TrimPrefix(f.Name, filesPrefix)
		switch {
		case seen[f.Name]:
			return nil, Errorf(EINVALID, "The backup's manifest lists %s twice.", f.Name)
		case f.Name != databaseEntry && (name == f.Name || !safeStoredName(name)):
			return nil, Errorf(EINVALID, "The backup's manifest lists %q, which is not a database or document file name.", f.Name)
		case f.Size < 0 || !sha256Hex.MatchString(f.SHA256):
			return nil, Errorf(EINVALID, "The backup's manifest has an invalid size or SHA-256 for %s.", f.Name)
		}
		seen[f.Name] = true
	}
	if !seen[databaseEntry] {
		return nil, Errorf(EINVALID, "The backup's manifest does not list the database (%s).", databaseEntry)
	}
	return &m, nil
}

// extractEntry writes the current entry of r to path, checking its SHA-256.
func extractEntry(r io.Reader, path string, f ManifestFile) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %s: %w", f.Name, err)
	}
	defer out.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(writeFailure{out}, h), r); err != nil {
		var wf writeError
		if errors.As(err, &wf) {
			return fmt.Errorf("restore: write %s: %w", path, wf.err)
		}
		return archiveReadError(err, f.Name)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("restore: write %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return Errorf(EINVALID, "Checksum mismatch for %s: its SHA-256 is %s, the manifest says %s. The archive is damaged.",
			f.Name, got, f.SHA256)
	}
	return out.Close()
}

// writeFailure marks errors of the file being written, so they are not
// mistaken for a damaged archive.
type writeFailure struct{ w io.Writer }

// writeError is an error of a writeFailure's writer.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }

func (w writeFailure) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		return n, writeError{err}
	}
	return n, nil
}

// archiveReadError explains an error reading the archive at where.
func archiveReadError(err error, where string) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return Errorf(EINVALID, "The archive is truncated: it ends inside %s.", where)
	}
	return Errorf(EINVALID, "The archive is damaged at %s: %v.", where, err)
}

// verifyRestored checks the unpacked database in dir against itself and the
// manifest: integrity, schema, audit chain and head, and document files.
func verifyRestored(ctx context.Context, dir string, m *Manifest) error {
	st, err := OpenReadOnly(ctx, filepath.Join(dir, databaseEntry))
	if err != nil {
		return Errorf(EINVALID, "The archive's database cannot be opened: %v", err)
	}
	defer st.Close()
	if err := st.checkIntegrity(ctx); err != nil {
		return err
	}
	if err := checkMigrations(ctx, st, m); err != nil {
		return err
	}

	rep, err := st.VerifyAudit(ctx, []Anchor{{Seq: m.AuditHead.Seq, Hash: m.AuditHead.Hash, At: m.CreatedAt}})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	} else if p := rep.Problem; p != nil && p.Anchor != nil {
		return Errorf(EINVALID, "The restored audit log does not pass through the head its manifest records (seq %d, hash %s).",
			m.AuditHead.Seq, short(m.AuditHead.Hash))
	} else if p != nil {
		return Errorf(EINVALID, "The restored audit log does not verify: %v.", p)
	} else if rep.HeadSeq != m.AuditHead.Seq {
		return Errorf(EINVALID, "The restored audit log ends at seq %d, its manifest says %d.", rep.HeadSeq, m.AuditHead.Seq)
	}

	docs, err := st.documentFiles(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	files := make(map[string]ManifestFile, len(m.Files))
	for _, f := range m.Files {
		files[f.Name] = f
	}
	for _, d := range docs {
		f, ok := files[filesPrefix+d.stored]
		if !ok {
			return Errorf(EINVALID, "The file of document %d (%s) is not in the archive.", d.id, d.stored)
		} else if f.SHA256 != d.sha256 || f.Size != d.size {
			return Errorf(EINVALID, "The archived file of document %d (%s) is not the document's file: SHA-256 %s, the database says %s.",
				d.id, d.stored, short(f.SHA256), short(d.sha256))
		}
	}
	if extra := len(m.Files) - 1 - len(docs); extra != 0 || m.Documents != len(docs) {
		return Errorf(EINVALID, "The archive's manifest lists %d documents and %d files, its database has %d documents.",
			m.Documents, len(m.Files)-1, len(docs))
	}
	return nil
}

// checkMigrations checks that the database has the migrations its manifest
// lists, all of them known to this Precis. Older schemas are fine: the server
// migrates them when it opens the database.
func checkMigrations(ctx context.Context, st *Store, m *Manifest) error {
	applied, err := st.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if strings.Join(applied, ",") != strings.Join(m.Migrations, ",") {
		return Errorf(EINVALID, "The archive's database has migrations %v, its manifest says %v.", applied, m.Migrations)
	}
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return fmt.Errorf("restore: list migrations: %w", err)
	}
	known := make(map[string]bool, len(names))
	for _, n := range names {
		known[strings.TrimSuffix(n, ".sql")] = true
	}
	for _, v := range applied {
		if !known[v] {
			return Errorf(EINVALID, "The backup's database has schema version %s, which this Precis does not know: restore it with Precis %s or newer.",
				v, m.PrecisVersion)
		}
	}
	return nil
}

// checkIntegrity runs SQLite's integrity check and foreign key check.
func (s *Store) checkIntegrity(ctx context.Context) error {
	rows, err := s.rdb.QueryContext(ctx, `PRAGMA integrity_check(10)`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return Errorf(EINVALID, "The database fails its integrity check: %v.", err)
	} else if len(lines) != 1 || lines[0] != "ok" {
		return Errorf(EINVALID, "The database fails its integrity check: %s.", strings.Join(lines, "; "))
	}

	var table, parent string
	var rowid sql.NullInt64
	var fk int
	err = s.rdb.QueryRowContext(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	return Errorf(EINVALID, "The database fails its foreign key check: row %d of %s refers to a missing row of %s.",
		rowid.Int64, table, parent)
}
