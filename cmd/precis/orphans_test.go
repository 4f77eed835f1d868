package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"precis/storage"
	"precis/storage/storagetest"
)

// orphanDocument records a document whose file is stored under files.
func orphanDocument(t *testing.T, st *storage.Store, files, name string) *storage.Document {
	t.Helper()
	body := []byte("%PDF-1.7 " + name)
	sum := sha256.Sum256(body)
	d := &storage.Document{SHA256: hex.EncodeToString(sum[:]), Filename: name, StoredName: hex.EncodeToString(sum[:16]) + ".pdf",
		Size: int64(len(body)), MatterID: storagetest.Matter(t, st)}
	if _, err := st.CreateDocument(context.Background(), d, "test"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(files, d.StoredName), body, 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestRemoveOrphanFiles(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	files := filepath.Join(data, "files")
	if err := os.MkdirAll(files, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(ctx, filepath.Join(data, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	kept := orphanDocument(t, st, files, "kept.pdf")
	other := orphanDocument(t, st, files, "also-kept.pdf")
	gone := orphanDocument(t, st, files, "deleted.pdf")
	// The document is deleted but the process "died" before removing its file.
	if _, err := st.DeleteDocument(ctx, gone.ID, "test"); err != nil {
		t.Fatal(err)
	}
	// An upload cut off half-way, and a directory, which is not a file to remove.
	for name, body := range map[string]string{".upload-123.tmp": "%PDF-1.7 half", "stray.pdf": "%PDF"} {
		if err := os.WriteFile(filepath.Join(files, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(files, "subdir"), 0o700); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	if err := removeOrphanFiles(ctx, st, files, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatalf("removeOrphanFiles: %v", err)
	}
	want := []string{kept.StoredName, other.StoredName, "subdir"}
	sort.Strings(want)
	if got := dirNames(t, files); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("files after removeOrphanFiles = %v, want %v", got, want)
	}
	for _, name := range []string{gone.StoredName, ".upload-123.tmp", "stray.pdf"} {
		if !strings.Contains(logs.String(), name) {
			t.Errorf("the log does not name the removed file %s:\n%s", name, logs.String())
		}
	}
	// The kept files are untouched.
	if b, err := os.ReadFile(filepath.Join(files, kept.StoredName)); err != nil || string(b) != "%PDF-1.7 kept.pdf" {
		t.Errorf("kept file = %q, %v", b, err)
	}

	// Run again, nothing is left to remove.
	logs.Reset()
	if err := removeOrphanFiles(ctx, st, files, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, files); strings.Join(got, " ") != strings.Join(want, " ") || logs.Len() != 0 {
		t.Fatalf("second run: files %v, log %q", got, logs.String())
	}
}

func TestRemoveOrphanFilesMissingDir(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := storage.Open(ctx, filepath.Join(data, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = removeOrphanFiles(ctx, st, filepath.Join(data, "no-such-dir"), slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "no-such-dir") {
		t.Fatalf("removeOrphanFiles on a missing directory = %v, want an error naming it", err)
	}
}
