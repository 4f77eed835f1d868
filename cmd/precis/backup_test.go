package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"precis/storage"
	"precis/storage/storagetest"
	"precis/summarize"
	"precis/summarize/extract"
)

// smallContracts returns the corpus contracts under 150 KB, smallest first.
func smallContracts(t testing.TB) []string {
	t.Helper()
	all, err := filepath.Glob(corpus(t, "contracts", "*"))
	if err != nil {
		t.Fatal(err)
	}
	size := map[string]int64{}
	var small []string
	for _, p := range all {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() < 150<<10 {
			small = append(small, p)
			size[p] = fi.Size()
		}
	}
	sort.Slice(small, func(i, j int) bool { return size[small[i]] < size[small[j]] })
	if len(small) < 6 {
		t.Fatalf("only %d small contracts in the corpus", len(small))
	}
	return small
}

// checkFiles checks that every document of the data directory has its file,
// matching its SHA-256, and returns how many documents there are.
func checkFiles(t *testing.T, data string) int {
	t.Helper()
	st := openStore(t, data)
	rows, err := st.ListDocuments(context.Background(), storage.DocumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		body, err := os.ReadFile(filepath.Join(data, "files", r.StoredName))
		if err != nil {
			t.Errorf("document %d: %v", r.ID, err)
		} else if sha(body) != r.SHA256 {
			t.Errorf("document %d: file does not match its SHA-256", r.ID)
		}
	}
	return len(rows)
}

// waitExtracted polls until want documents have their pages (or a refusal)
// stored, or fails the test at the deadline.
func waitExtracted(t *testing.T, st *storage.Store, want int, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; {
		rows, err := st.ListDocuments(context.Background(), storage.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, r := range rows {
			if r.ExtractStatus != storage.ExtractPending {
				done++
			}
		}
		if done >= want {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%d of %d documents extracted within %s", done, want, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBackupRestoreWhileServing backs up a running server's data while its
// workers process uploads, restores it elsewhere, and starts a server on the
// copy: the anchor taken before the backup verifies against the copy.
func TestBackupRestoreWhileServing(t *testing.T) {
	small := smallContracts(t)[:6]
	data := t.TempDir()
	srv := startPrecis(t, data, "PRECIS_OLLAMA_URL=off", "PRECIS_WORKERS=6")
	srv.upload(t, small[:3]...)
	waitExtracted(t, openStore(t, data), 3, 3*time.Minute)
	anchors := filepath.Join(t.TempDir(), "anchors.log")
	if code, out, errOut := runCLI(t, "audit", "anchor", "--data-dir", data, "--anchor-file", anchors); code != 0 {
		t.Fatalf("audit anchor: exit %d\n%s%s", code, out, errOut)
	}

	srv.upload(t, small[3:]...) // the workers extract and summarize these while the backup runs
	archive := filepath.Join(t.TempDir(), "precis.tar.gz")
	code, out, errOut := runCLI(t, "backup", archive, "--data-dir", data)
	if code != 0 || !strings.Contains(out, "backup written to "+archive) {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	t.Log(strings.TrimSpace(out))
	if code, _, errOut = runCLI(t, "backup", archive, "--data-dir", data); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("backup over an existing file: exit %d\n%s", code, errOut)
	}
	srv.stop()

	target := filepath.Join(t.TempDir(), "restored")
	code, out, errOut = runCLI(t, "restore", archive, "--data-dir", target)
	if code != 0 || !strings.Contains(out, "restored "+archive+" into "+target) {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	t.Log(strings.TrimSpace(out))
	code, _, errOut = runCLI(t, "restore", archive, "--data-dir", target)
	if code != 1 || !strings.Contains(errOut, "is not empty") || !strings.Contains(errOut, "--force") {
		t.Errorf("restore over restored data: exit %d\n%s", code, errOut)
	}
	code, out, errOut = runCLI(t, "audit", "verify", "--data-dir", target, "--anchor-file", anchors)
	if code != 0 || !strings.Contains(out, "1 of 1 anchors") {
		t.Errorf("audit verify of the restored copy: exit %d\n%s%s", code, out, errOut)
	}
	if n := checkFiles(t, target); n < 3 {
		t.Errorf("the restored copy has %d documents, want at least the 3 extracted before the backup", n)
	}
	startPrecis(t, target, "PRECIS_OLLAMA_URL=off") // fails the test unless it serves /healthz
}

func TestRestoreRefusesBadArchives(t *testing.T) {
	data := t.TempDir()
	st := openStore(t, data)
	pdf := smallContracts(t)[0]
	body, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll(filepath.Join(data, "files"), 0o700)
	if err := os.WriteFile(filepath.Join(data, "files", "a.pdf"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateDocument(context.Background(), &storage.Document{SHA256: sha(body), Filename: "a.pdf",
		StoredName: "a.pdf", Size: int64(len(body)), MatterID: storagetest.Matter(t, st)}, "alice"); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "precis.tar")
	if code, out, errOut := runCLI(t, "backup", archive, "--data-dir", data); code != 0 {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	whole, _ := os.ReadFile(archive)
	truncated := filepath.Join(t.TempDir(), "truncated.tar")
	_ = os.WriteFile(truncated, whole[:len(whole)-2000], 0o600)

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a PDF", []string{"restore", pdf}, 1, "This is not a Precis backup"},
		{"truncated", []string{"restore", truncated}, 1, "The archive is truncated: it ends inside files/a.pdf."},
		{"missing", []string{"restore", filepath.Join(data, "nope.tar")}, 1, "cannot read the backup"},
		{"no file", []string{"restore"}, 2, "usage: precis restore FILE"},
		{"two files", []string{"restore", archive, archive}, 2, "usage: precis restore FILE"},
		{"backup without a file", []string{"backup"}, 2, "usage: precis backup FILE"},
		{"backup of no data", []string{"backup", filepath.Join(t.TempDir(), "x.tar")}, 1, "No database at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "data")
			code, out, errOut := runCLI(t, append(tt.args, "--data-dir", target)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, want %d and %q\n%s%s", code, tt.code, tt.want, out, errOut)
			}
			if _, err := os.Stat(target); err == nil {
				t.Errorf("a failed restore created %s", target)
			}
		})
	}
}

// BenchmarkBackup1000 measures `precis backup` (plain and gzip) and `precis
// restore` on a data directory of 1,000 documents: copies of the small corpus
// contracts, each made unique by a trailing PDF comment, all run through the
// real pipeline (extraction in the child process, chunking, map, reduce with
// an instant model, summaries and audit rows in SQLite). The store stays open
// in this process, as a running server's would.
// Run: go test ./cmd/precis -run '^$' -bench Backup1000 -benchtime 3x -timeout 30m
func BenchmarkBackup1000(b *testing.B) {
	const docs = 1000
	data := b.TempDir()
	setup := time.Now()
	fill(b, data, docs)
	b.Logf("set up %d documents through the pipeline in %s", docs, time.Since(setup).Round(time.Second))

	var archives []string
	outDir := b.TempDir()
	for _, name := range []string{"precis.tar", "precis.tar.gz"} {
		b.Run(name, func(b *testing.B) {
			out := filepath.Join(outDir, name)
			for b.Loop() {
				_ = os.Remove(out)
				if code, stdout, stderr := runCLI(b, "backup", out, "--data-dir", data); code != 0 {
					b.Fatalf("backup: exit %d\n%s%s", code, stdout, stderr)
				}
			}
			fi, err := os.Stat(out)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(fi.Size())/1e6, "archive-MB")
			archives = append(archives, out)
		})
	}
	for _, archive := range archives {
		b.Run("restore-"+filepath.Base(archive), func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				target := filepath.Join(b.TempDir(), fmt.Sprint("data", i))
				if code, stdout, stderr := runCLI(b, "restore", archive, "--data-dir", target); code != 0 {
					b.Fatalf("restore: exit %d\n%s%s", code, stdout, stderr)
				}
			}
		})
	}
}

// fill puts n documents into the data directory the way uploads and the
// workers do, and logs what they add up to.
func fill(b *testing.B, data string, n int) {
	ctx := context.Background()
	store, err := storage.Open(ctx, filepath.Join(data, "precis.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	filesDir := filepath.Join(data, "files")
	_ = os.MkdirAll(filesDir, 0o750)
	small := smallContracts(b)
	var fileBytes int64
	for i := range n {
		src := small[i%len(small)]
		body, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		body = fmt.Appendf(body, "\n%% copy %d\n", i)
		fileBytes += int64(len(body))
		stored := fmt.Sprintf("%032x.pdf", i)
		if err := os.WriteFile(filepath.Join(filesDir, stored), body, 0o600); err != nil {
			b.Fatal(err)
		}
		d := &storage.Document{SHA256: sha(body), Filename: filepath.Base(src), StoredName: stored, Size: int64(len(body)), MatterID: storagetest.Matter(b, store)}
		if _, err := store.CreateDocument(ctx, d, "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := store.CreateJob(ctx, d.ID, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	runner := &summarize.Runner{Store: store, Backends: instantBackend{}, FilesDir: filesDir, Workers: 2,
		Extractor: extract.Runner{Command: []string{precisBin, "extract"}, Limits: extract.DefaultLimits()},
		Owner:     "bench", Poll: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { runner.Run(runCtx); close(done) }()
	pages, ok := 0, 0
	for deadline := time.Now().Add(20 * time.Minute); ; {
		rows, err := store.ListDocuments(ctx, storage.DocumentFilter{})
		if err != nil {
			b.Fatal(err)
		}
		finishedJobs := 0
		pages, ok = 0, 0
		for _, r := range rows {
			if finished(r.Job) {
				finishedJobs++
			}
			if r.ExtractStatus == storage.ExtractOK {
				ok++
				pages += r.PageCount
			}
		}
		if finishedJobs == len(rows) {
			break
		} else if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs finished in 20 minutes", finishedJobs, len(rows))
		}
		time.Sleep(500 * time.Millisecond)
	}
	cancel()
	<-done
	seq, _, err := store.AuditHead(ctx)
	if err != nil {
		b.Fatal(err)
	}
	db, _ := os.Stat(filepath.Join(data, "precis.db"))
	wal, _ := os.Stat(filepath.Join(data, "precis.db-wal"))
	var dbBytes int64
	for _, fi := range []os.FileInfo{db, wal} {
		if fi != nil {
			dbBytes += fi.Size()
		}
	}
	b.Logf("%d documents (%d extracted, %d pages), %d audit events; files %.1f MB, database with WAL %.1f MB",
		n, ok, pages, seq, float64(fileBytes)/1e6, float64(dbBytes)/1e6)
}
