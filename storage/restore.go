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
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"precis/migrations"
)

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
