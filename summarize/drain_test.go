package summarize

import (
	"context"
	"strings"
	"testing"
	"time"

	"precis/storage"
	"precis/storage/storagetest"
)

// drainEnv is a runner with one worker, a job that takes about 12 slow model calls and a
// second job queued behind it.
func drainEnv(t *testing.T) (*Runner, *storage.Store, *fakeBackend, int64, int64) {
	t.Helper()
	f := newFake(1, 1<<20)
	f.delay = 100 * time.Millisecond
	r, st, first := newRunnerEnv(t, f, 12)
	ctx := context.Background()
	d := &storage.Document{SHA256: strings.Repeat("cd", 32), Filename: "d.pdf", StoredName: "y.pdf", Size: 10, MatterID: storagetest.Matter(t, st)}
	if _, err := st.CreateDocument(ctx, d, "test"); err != nil {
		t.Fatal(err)
	}
	second, err := st.CreateJob(ctx, d.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return r, st, f, first, second.ID
}

// startRun runs r until the returned channel closes; cancel stops it.
func startRun(r *Runner) (cancel context.CancelFunc, done chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	return cancel, done
}

func waitJob(t *testing.T, st *storage.Store, id int64, cond func(*storage.Job) bool) *storage.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := st.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d never reached the expected state: %+v", id, j)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDrainFinishesRunningJob: after Drain the worker finishes the job it holds, claims
// nothing more, and Run returns by itself.
func TestDrainFinishesRunningJob(t *testing.T) {
	r, st, _, first, second := drainEnv(t)
	cancel, done := startRun(r)
	defer cancel()
	waitJob(t, st, first, func(j *storage.Job) bool { return j.ChunksDone >= 1 })
	r.Drain()
	r.Drain() // twice is harmless
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after Drain once its job was done")
	}
	if j := waitJob(t, st, first, func(*storage.Job) bool { return true }); j.Status != storage.JobDone {
		t.Errorf("running job after drain: %s, want done", j.Status)
	}
	if j := waitJob(t, st, second, func(*storage.Job) bool { return true }); j.Status != storage.JobQueued || j.Attempts != 0 {
		t.Errorf("queued job after drain: %s after %d attempts, want queued and never claimed", j.Status, j.Attempts)
	}
}

// TestDrainThenDeadline: when the deadline passes the caller cancels Run; the job stops,
// goes back to the queue with its lease released at once, and a new runner resumes it
// without mapping the chunks already saved.
func TestDrainThenDeadline(t *testing.T) {
	r, st, f, first, _ := drainEnv(t)
	r.Drain() // before Run: the workers claim nothing at all
	cancel, done := startRun(r)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run of a drained runner did not return")
	}
	cancel()
	if j := waitJob(t, st, first, func(*storage.Job) bool { return true }); j.Attempts != 0 {
		t.Fatalf("a drained runner claimed job %d", first)
	}

	r2 := &Runner{Store: r.Store, Extractor: r.Extractor, Backends: r.Backends, Workers: 1, Owner: "w2",
		Heartbeat: r.Heartbeat, Poll: r.Poll, Logger: r.Logger}
	cancel, done = startRun(r2)
	waitJob(t, st, first, func(j *storage.Job) bool { return j.ChunksDone >= 3 })
	r2.Drain()
	cancel() // the deadline passed
	<-done
	j := waitJob(t, st, first, func(*storage.Job) bool { return true })
	if j.Status != storage.JobQueued || j.LeaseOwner != "" || !j.LeaseUntil.IsZero() {
		t.Fatalf("interrupted job: status %s, lease %q until %v; want queued with no lease", j.Status, j.LeaseOwner, j.LeaseUntil)
	}
	saved, err := st.ChunkResults(context.Background(), first)
	if err != nil || len(saved) < 3 || len(saved) >= j.ChunksTotal {
		t.Fatalf("%d of %d chunk results saved (%v), want some but not all", len(saved), j.ChunksTotal, err)
	}

	f.mu.Lock()
	before := len(f.mapped)
	f.mu.Unlock()
	r3 := &Runner{Store: r.Store, Extractor: r.Extractor, Backends: r.Backends, Workers: 1, Owner: "w3",
		Heartbeat: r.Heartbeat, Poll: r.Poll, Logger: r.Logger}
	cancel, done = startRun(r3)
	defer func() { cancel(); <-done }()
	j = waitJob(t, st, first, func(j *storage.Job) bool { return j.Finished() })
	if j.Status != storage.JobDone || j.Attempts != 2 {
		t.Errorf("resumed job: %s after %d attempts, want done after 2", j.Status, j.Attempts)
	}
	f.mu.Lock()
	again := len(f.mapped) - before
	f.mu.Unlock()
	if again != j.ChunksTotal-len(saved) {
		t.Errorf("the resumed job mapped %d chunks, want only the %d not saved", again, j.ChunksTotal-len(saved))
	}
}
