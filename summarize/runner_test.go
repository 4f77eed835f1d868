package summarize

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"precis/storage"
	"precis/storage/storagetest"
	"precis/summarize/extract"
	"precis/summarize/llm"
)

// pagesExtractor stands in for the extraction child: it returns fixed pages.
type pagesExtractor struct{ pages int }

func (p pagesExtractor) Extract(context.Context, string, string) extract.Result {
	res := extract.Result{Status: extract.StatusOK}
	for n := 1; n <= p.pages; n++ {
		res.Pages = append(res.Pages, extract.Page{Number: n, Status: "ok",
			Text: strings.Repeat("The licensee shall pay the fees stated in the schedule within thirty days of each invoice date. ", 9)})
	}
	return res
}

// source hands the runner one backend.
type source struct{ b Backend }

func (s source) Select(context.Context, *storage.Document) (Choice, error) {
	return Choice{Backend: s.b}, nil
}
func (s source) ByName(context.Context, *storage.Document, string) (Backend, error) { return s.b, nil }

// failingBackend fails every map call with err.
type failingBackend struct {
	*fakeBackend
	err   error
	calls atomic.Int32
}

func (f *failingBackend) Map(context.Context, storage.Chunk) (Partial, Call, error) {
	f.calls.Add(1)
	return Partial{}, Call{}, f.err
}

func newRunnerEnv(t *testing.T, b Backend, pages int) (*Runner, *storage.Store, int64) {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := &storage.Document{SHA256: strings.Repeat("ab", 32), Filename: "c.pdf", StoredName: "x.pdf", Size: 10, MatterID: storagetest.Matter(t, st)}
	if _, err := st.CreateDocument(ctx, d, "test"); err != nil {
		t.Fatal(err)
	}
	job, err := st.CreateJob(ctx, d.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Extractor: pagesExtractor{pages}, Backends: source{b}, Workers: 1, Owner: "w1",
		Heartbeat: 20 * time.Millisecond, Poll: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return r, st, job.ID
}

// runUntil runs the runner until cond holds for the job, then stops it.
func runUntil(t *testing.T, r *Runner, st *storage.Store, jobID int64, cond func(*storage.Job) bool) *storage.Job {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := st.Job(context.Background(), jobID)
		if err != nil {
			t.Fatal(err)
		}
		if cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job never reached the expected state: %+v", j)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunnerCancelThenRetryResumes(t *testing.T) {
	f := newFake(1, 1<<20)
	f.delay = 50 * time.Millisecond
	r, st, jobID := newRunnerEnv(t, f, 30)
	ctx := context.Background()
	// Small chunks (1000 chars in the fake's plan): one page each.
	runUntil(t, r, st, jobID, func(j *storage.Job) bool {
		if j.ChunksDone >= 3 && !j.CancelRequested {
			if err := st.CancelJob(ctx, jobID, "test"); err != nil {
				t.Fatal(err)
			}
		}
		return j.Status == "cancelled"
	})
	saved, err := st.ChunkResults(ctx, jobID)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) < 3 || len(saved) >= 30 {
		t.Fatalf("%d chunk results saved at cancel, want some but not all of 30", len(saved))
	}
	if err := st.RetryJob(ctx, jobID, "test"); err != nil {
		t.Fatal(err)
	}
	mappedBefore := len(f.mapped)
	j := runUntil(t, r, st, jobID, func(j *storage.Job) bool { return j.Status == "done" })
	if j.ChunksDone != j.ChunksTotal || j.ChunksTotal != 30 {
		t.Errorf("chunks %d of %d", j.ChunksDone, j.ChunksTotal)
	}
	if again := len(f.mapped) - mappedBefore; again != 30-len(saved) {
		t.Errorf("retry mapped %d chunks, want only the %d not saved", again, 30-len(saved))
	}
	sum, err := st.LatestSummary(ctx, 1)
	if err != nil || sum.Provider != "fake" || len(sum.Sections) == 0 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
}

func TestRunnerFailures(t *testing.T) {
	tests := []struct {
		name         string
		err          error
		wantCalls    int32
		wantContains string
	}{
		{"retryable failure tried up to max attempts", &llm.Error{Kind: llm.KindUnavailable, Provider: "fake", Message: "the Ollama server cannot be reached"}, 3, "cannot be reached"},
		{"final failure tried once", &llm.Error{Kind: llm.KindModelNotFound, Provider: "fake", Message: "ollama pull tiny"}, 1, "ollama pull tiny"},
		{"unknown error tried once", errors.New("boom"), 1, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &failingBackend{fakeBackend: newFake(1, 1<<20), err: tt.err}
			r, st, jobID := newRunnerEnv(t, b, 2)
			j := runUntil(t, r, st, jobID, func(j *storage.Job) bool { return j.Status == "failed" })
			if got := b.calls.Load(); got != tt.wantCalls {
				t.Errorf("map calls = %d, want %d", got, tt.wantCalls)
			}
			if j.Error == "" || !strings.Contains(j.Error, tt.wantContains) {
				t.Errorf("job error %q does not say %q", j.Error, tt.wantContains)
			}
			if _, err := st.LatestSummary(context.Background(), j.DocumentID); storage.ErrorCode(err) != storage.ENOTFOUND {
				t.Errorf("a failed job left a summary: %v", err)
			}
			events, err := st.AuditEvents(context.Background(), 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, e := range events {
				if e.Action == "model.call" && e.Outcome == storage.OutcomeError {
					failed++
					if id, _ := e.Details["chunk_id"].(float64); id == 0 {
						t.Errorf("failed map call audited without its chunk: %v", e.Details)
					}
				}
			}
			if failed != int(tt.wantCalls) {
				t.Errorf("%d failed model calls audited, want %d", failed, tt.wantCalls)
			}
		})
	}
}

func TestRunnerRefusedDocument(t *testing.T) {
	f := newFake(1, 1<<20)
	r, st, jobID := newRunnerEnv(t, f, 0)
	r.Extractor = refusingExtractor{}
	j := runUntil(t, r, st, jobID, func(j *storage.Job) bool { return j.Status == "failed" })
	if j.Error != extract.StatusMessage(extract.StatusEncrypted) || len(f.mapped) != 0 {
		t.Errorf("job error %q after %d map calls", j.Error, len(f.mapped))
	}
	d, _ := st.Document(context.Background(), j.DocumentID)
	if d.ExtractStatus != extract.StatusEncrypted {
		t.Errorf("document status %q", d.ExtractStatus)
	}
}

type refusingExtractor struct{}

func (refusingExtractor) Extract(context.Context, string, string) extract.Result {
	return extract.Result{Status: extract.StatusEncrypted}
}
