package storage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// storeDocument does what an upload and its extraction do: the file is
// written under files (temporary name, then renamed) before its row, then
// pages are saved and a job queued; four audit events.
func storeDocument(ctx context.Context, s *Store, files string, size int) (*Document, error) {
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		return nil, err
	}
	data = append([]byte("%PDF-1.7\n"), data...)
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:16]) + ".pdf"
	tmp := filepath.Join(files, ".upload-"+name)
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(files, name)); err != nil {
		return nil, err
	}
	matter, err := matterT1(ctx, s)
	if err != nil {
		return nil, err
	}
	d := &Document{SHA256: hex.EncodeToString(sum[:]), Filename: "contract.pdf", StoredName: name, Size: int64(len(data)),
		MatterID: matter}
	if _, err := s.CreateDocument(ctx, d, "alice"); err != nil {
		return nil, err
	}
	job, err := s.CreateJob(ctx, d.ID, "alice")
	if err != nil {
		return nil, err
	}
	if err := s.SetJobStage(ctx, job.ID, StageExtracting); err != nil {
		return nil, err
	}
	pages := []Page{
		{Number: 1, Text: strings.Repeat("The Supplier shall deliver the Goods. ", 60), Status: PageOK, Quality: 0.9},
		{Number: 2, Text: strings.Repeat("This Agreement is governed by the laws of Delaware. ", 50), Status: PageOK, Quality: 0.8},
		{Number: 3, Status: PageEmpty},
	}
	if err := s.SaveExtraction(ctx, d.ID, ExtractOK, "", pages); err != nil {
		return nil, err
	}
	return d, nil
}

// newBackupStore opens a store in a new data directory with n documents.
func newBackupStore(t *testing.T, n int) (s *Store, files string) {
	t.Helper()
	dir := t.TempDir()
	s = openTestStore(t, filepath.Join(dir, "precis.db"))
	files = filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o700); err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := storeDocument(context.Background(), s, files, 20<<10); err != nil {
			t.Fatal(err)
		}
	}
	return s, files
}

// backupBytes takes a backup into memory.
func backupBytes(t *testing.T, s *Store, files string, gz bool) ([]byte, *Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := s.Backup(context.Background(), &buf, BackupOptions{FilesDir: files, Gzip: gz, Version: "test"})
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	return buf.Bytes(), m
}

// checkRestored checks a restored data directory the way the server would
// use it: the database's integrity, its audit chain and head, and every
// document's file.
func checkRestored(t *testing.T, dir string, m *Manifest) {
	t.Helper()
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", filepath.Join(dir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	var ok string
	if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
	raw.Close()

	r := openTestStore(t, filepath.Join(dir, "precis.db"))
	if bad, err := r.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Errorf("VerifyAuditChain = %d, %v", bad, err)
	}
	if seq, hash, err := r.AuditHead(ctx); err != nil || seq != m.AuditHead.Seq || hash != m.AuditHead.Hash {
		t.Errorf("audit head = %d %s %v, manifest says %+v", seq, hash, err, m.AuditHead)
	}
	docs, err := r.ListDocuments(ctx, DocumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != m.Documents {
		t.Errorf("%d documents restored, manifest says %d", len(docs), m.Documents)
	}
	for _, d := range docs {
		data, err := os.ReadFile(filepath.Join(dir, "files", d.StoredName))
		if err != nil {
			t.Errorf("document %d: %v", d.ID, err)
			continue
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != d.SHA256 {
			t.Errorf("document %d: restored file does not match its SHA-256", d.ID)
		}
	}
}

func TestBackupUnderWriteLoad(t *testing.T) {
	ctx := context.Background()
	s, files := newBackupStore(t, 100)

	var written atomic.Int64
	stop := make(chan struct{})
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := storeDocument(ctx, s, files, 20<<10); err != nil {
					errs <- err
					return
				}
				written.Add(1)
			}
		})
	}
	// Back up until writes committed while a backup ran (almost always the first).
	var archive []byte
	var m *Manifest
	var during int64
	for try := 0; try < 10 && during == 0; try++ {
		time.Sleep(20 * time.Millisecond)
		before := written.Load()
		archive, m = backupBytes(t, s, files, false)
		during = written.Load() - before
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("writer: %v", err)
	}
	if during == 0 {
		t.Fatal("no write committed while a backup ran")
	}
	t.Logf("%d documents written during the backup; snapshot has %d documents, audit head %d",
		during, m.Documents, m.AuditHead.Seq)
	if m.Documents < 100 || len(m.Files) != m.Documents+1 {
		t.Fatalf("manifest lists %d documents and %d files", m.Documents, len(m.Files))
	}

	target := filepath.Join(t.TempDir(), "restored")
	res, err := Restore(ctx, bytes.NewReader(archive), target, RestoreOptions{})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if res.Previous != "" || res.Manifest.AuditHead != m.AuditHead {
		t.Errorf("Restore = %+v", res)
	}
	checkRestored(t, target, m)
}

func TestBackupGzipRoundTrip(t *testing.T) {
	s, files := newBackupStore(t, 5)
	archive, m := backupBytes(t, s, files, true)
	if archive[0] != 0x1f || archive[1] != 0x8b {
		t.Fatal("archive is not gzip")
	}
	target := filepath.Join(t.TempDir(), "restored")
	if _, err := Restore(context.Background(), bytes.NewReader(archive), target, RestoreOptions{}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	checkRestored(t, target, m)
}

func TestBackupRefusesDamagedFiles(t *testing.T) {
	tests := []struct {
		name   string
		damage func(path string) error
		want   string
	}{
		{"missing", os.Remove, "is missing from"},
		{"changed", func(p string) error {
			data, _ := os.ReadFile(p)
			data[len(data)/2] ^= 1
			return os.WriteFile(p, data, 0o600)
		}, "does not match the SHA-256 the database records"},
		{"shorter", func(p string) error { return os.Truncate(p, 10) }, "is 10 bytes, the database says"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, files := newBackupStore(t, 3)
			d, err := s.Document(context.Background(), 2)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.damage(filepath.Join(files, d.StoredName)); err != nil {
				t.Fatal(err)
			}
			_, err = s.Backup(context.Background(), io.Discard, BackupOptions{FilesDir: files})
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.want) || !strings.Contains(msg, d.StoredName) {
				t.Errorf("Backup error = %v; want %q naming %s", err, tt.want, d.StoredName)
			}
		})
	}
}

// rewrite copies a plain archive entry by entry through edit, which may
// change an entry's body or drop it (nil); trailer false leaves off the end
// of archive marker, as a copy cut at an entry boundary would.
func rewrite(t *testing.T, archive []byte, edit func(name string, body []byte) []byte, trailer bool) []byte {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		if body = edit(hdr.Name, body); body == nil {
			continue
		}
		hdr.Size = int64(len(body))
		_ = tw.WriteHeader(hdr)
		_, _ = tw.Write(body)
	}
	if trailer {
		_ = tw.Close()
	} else {
		_ = tw.Flush()
	}
	return out.Bytes()
}

// editManifest rewrites the manifest entry through fn.
func editManifest(fn func(m *Manifest)) func(string, []byte) []byte {
	return func(name string, body []byte) []byte {
		if name != manifestEntry {
			return body
		}
		var m Manifest
		_ = json.Unmarshal(body, &m)
		fn(&m)
		b, _ := json.Marshal(m)
		return b
	}
}

func TestRestoreRejectsBadArchives(t *testing.T) {
	s, files := newBackupStore(t, 3)
	plain, m := backupBytes(t, s, files, false)
	gz, _ := backupBytes(t, s, files, true)
	lastFile := m.Files[len(m.Files)-1].Name

	var gzText bytes.Buffer
	zw := gzip.NewWriter(&gzText)
	_, _ = zw.Write(bytes.Repeat([]byte("just some text\n"), 100))
	_ = zw.Close()
	var otherTar bytes.Buffer
	tw := tar.NewWriter(&otherTar)
	_ = tw.WriteHeader(&tar.Header{Name: "notes.txt", Mode: 0o600, Size: 5})
	_, _ = tw.Write([]byte("hello"))
	_ = tw.Close()
	pdf, err := os.ReadFile(filepath.Join(files, strings.TrimPrefix(lastFile, "files/")))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		archive []byte
		want    string
	}{
		{"empty file", nil, "The archive is empty."},
		{"a PDF", pdf, "This is not a Precis backup"},
		{"a text file", bytes.Repeat([]byte("just some text\n"), 100), "This is not a Precis backup: it is not a tar archive."},
		{"gzipped text", gzText.Bytes(), "This is not a Precis backup"},
		{"another tar", otherTar.Bytes(), `This is not a Precis backup: its first entry is "notes.txt"`},
		{"truncated", plain[:len(plain)/2], "The archive is truncated: it ends inside"},
		{"truncated gzip", gz[:len(gz)*2/3], "The archive is truncated"},
		{"cut at an entry boundary", rewrite(t, plain, func(name string, body []byte) []byte {
			if name == lastFile {
				return nil
			}
			return body
		}, false), "The archive is truncated or incomplete: 1 of the 4 files its manifest lists are missing, the first is " + lastFile},
		{"bad checksum", rewrite(t, plain, func(name string, body []byte) []byte {
			if name == lastFile {
				body[100] ^= 0xff
			}
			return body
		}, true), "Checksum mismatch for " + lastFile},
		{"damaged gzip", func() []byte {
			b := bytes.Clone(gz)
			b[len(b)/2] ^= 0xff
			return b
		}(), "The archive is"},
		{"unlisted entry", rewrite(t, plain, editManifest(func(m *Manifest) { m.Files = m.Files[:len(m.Files)-1] }), true),
			"which its manifest does not list"},
		{"path escape", rewrite(t, plain, editManifest(func(m *Manifest) { m.Files[1].Name = "files/../../etc/passwd" }), true),
			"which is not a database or document file name"},
		{"newer format", rewrite(t, plain, editManifest(func(m *Manifest) { m.FormatVersion = 2 }), true),
			"written by a newer Precis"},
		{"other head", rewrite(t, plain, editManifest(func(m *Manifest) { m.AuditHead.Seq-- }), true),
			"The restored audit log"},
		{"corrupt database with a matching checksum", rewrite(t, plain, func(name string, body []byte) []byte {
			if name == databaseEntry {
				copy(body[len(body)-4096+8:], bytes.Repeat([]byte{0xAB}, 2000)) // the last page
			}
			if name == manifestEntry {
				return nil // replaced below
			}
			return body
		}, true), "integrity check"},
	}
	// The corrupt database needs a manifest with its new checksum, first.
	last := &tests[len(tests)-1]
	last.archive = withManifestFor(t, last.archive, m)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			_, err := Restore(context.Background(), bytes.NewReader(tt.archive), filepath.Join(parent, "data"), RestoreOptions{})
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Fatalf("Restore error = %v\nwant %q", err, tt.want)
			}
			t.Log(ErrorMessage(err))
			if left, _ := os.ReadDir(parent); len(left) != 0 {
				t.Errorf("a failed restore left %v behind", left)
			}
		})
	}
}

// withManifestFor prepends to a manifest-less plain archive a manifest like
// m with every entry's actual size and SHA-256.
func withManifestFor(t *testing.T, archive []byte, m *Manifest) []byte {
	t.Helper()
	mm := *m
	mm.Files = nil
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		body, _ := io.ReadAll(tr)
		sum := sha256.Sum256(body)
		mm.Files = append(mm.Files, ManifestFile{Name: hdr.Name, Size: hdr.Size, SHA256: hex.EncodeToString(sum[:])})
	}
	body, _ := json.Marshal(mm)
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	_ = tw.WriteHeader(&tar.Header{Name: manifestEntry, Mode: 0o600, Size: int64(len(body))})
	_, _ = tw.Write(body)
	_ = tw.Flush()
	return append(out.Bytes(), archive...)
}

func TestRestoreTarget(t *testing.T) {
	ctx := context.Background()
	s, files := newBackupStore(t, 2)
	archive, m := backupBytes(t, s, files, false)

	// An existing empty directory is fine.
	empty := filepath.Join(t.TempDir(), "empty")
	_ = os.Mkdir(empty, 0o700)
	if _, err := Restore(ctx, bytes.NewReader(archive), empty, RestoreOptions{}); err != nil {
		t.Fatalf("Restore into an empty directory: %v", err)
	}
	checkRestored(t, empty, m)

	// A non-empty one is refused, and left alone.
	used := filepath.Join(t.TempDir(), "used")
	_ = os.Mkdir(used, 0o700)
	_ = os.WriteFile(filepath.Join(used, "precis.db"), []byte("old data"), 0o600)
	_, err := Restore(ctx, bytes.NewReader(archive), used, RestoreOptions{})
	if ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), "is not empty") {
		t.Fatalf("Restore into a used directory = %v; want a conflict", err)
	}
	if old, _ := os.ReadFile(filepath.Join(used, "precis.db")); string(old) != "old data" {
		t.Fatal("the refused restore changed the directory")
	}

	// With force it is replaced, and the old contents kept beside it.
	res, err := Restore(ctx, bytes.NewReader(archive), used, RestoreOptions{Force: true})
	if err != nil {
		t.Fatalf("forced Restore: %v", err)
	}
	if old, _ := os.ReadFile(filepath.Join(res.Previous, "precis.db")); string(old) != "old data" {
		t.Errorf("previous data not kept at %q", res.Previous)
	}
	checkRestored(t, used, m)

	// A file is not a data directory.
	file := filepath.Join(t.TempDir(), "file")
	_ = os.WriteFile(file, nil, 0o600)
	if _, err := Restore(ctx, bytes.NewReader(archive), file, RestoreOptions{Force: true}); !strings.Contains(ErrorMessage(err), "is not a directory") {
		t.Errorf("Restore onto a file = %v", err)
	}
}

func TestRestoreRefusesTamperedAuditLog(t *testing.T) {
	s, files := newBackupStore(t, 3)
	db := attacker(t, s)
	mustExec(t, db, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`)
	archive, _ := backupBytes(t, s, files, false) // a backup keeps the evidence
	_, err := Restore(context.Background(), bytes.NewReader(archive), filepath.Join(t.TempDir(), "data"), RestoreOptions{})
	if msg := ErrorMessage(err); !strings.Contains(msg, "The restored audit log does not verify: audit log seq 2: its hash does not match") {
		t.Fatalf("Restore of a tampered log = %v", err)
	}
}
