package storage

import (
	"context"
	"maps"
	"os"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()

	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.QueueDepth != 0 || len(st.JobsByStatus) != 5 || st.JobsByStatus[JobQueued] != 0 ||
		st.DocumentsByExtractStatus[ExtractPending] != 0 || len(st.DocumentsByExtractStatus) != len(extractStatuses)+1 {
		t.Fatalf("empty store: %+v, want every status listed with 0", st)
	}

	// Five jobs: one running, one failed, one cancelled, two queued; two documents extracted.
	var jobs []*Job
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		jobs = append(jobs, testJob(t, s, name))
	}
	if err := s.SaveExtraction(ctx, jobs[0].DocumentID, ExtractOK, "",
		[]Page{{Number: 1, Text: "text", Status: PageOK}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveExtraction(ctx, jobs[1].DocumentID, ExtractNoText, "no text", nil); err != nil {
		t.Fatal(err)
	}
	running := claim(t, s, "w1") // jobs[0]
	failed := claim(t, s, "w1")  // jobs[1]
	if err := s.FailJob(ctx, failed.ID, "no text", false); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelJob(ctx, jobs[4].ID, "alice"); err != nil { // queued: cancelled at once
		t.Fatal(err)
	}

	st, err = s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{JobQueued: 2, JobRunning: 1, JobDone: 0, JobFailed: 1, JobCancelled: 1}
	if !maps.Equal(st.JobsByStatus, want) {
		t.Errorf("jobs by status = %v, want %v", st.JobsByStatus, want)
	}
	if st.QueueDepth != 2 {
		t.Errorf("queue depth = %d, want the 2 queued jobs (the running one holds a live lease)", st.QueueDepth)
	}
	if d := st.DocumentsByExtractStatus; d[ExtractPending] != 3 || d[ExtractOK] != 1 || d[ExtractNoText] != 1 || d[ExtractDamaged] != 0 {
		t.Errorf("documents by extraction status = %v", d)
	}

	// The running job's worker dies: once its lease runs out, a worker could claim it.
	clk.Advance(time.Hour)
	if st, err = s.Stats(ctx); err != nil {
		t.Fatal(err)
	} else if st.QueueDepth != 3 {
		t.Errorf("queue depth after job %d's lease expired = %d, want 3", running.ID, st.QueueDepth)
	}
}

func TestWriteProbeAndCheckpoint(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	testJob(t, s, "a")
	wal := s.path + "-wal"

	if fi, err := os.Stat(wal); err != nil || fi.Size() == 0 {
		t.Fatalf("WAL before the checkpoint: %v, %v; want the frames of the writes", fi, err)
	}
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	if fi, err := os.Stat(wal); err != nil || fi.Size() != 0 {
		t.Fatalf("WAL after TRUNCATE checkpoint: %v, %v; want an empty file", fi, err)
	}

	var before int
	if err := s.rdb.QueryRow(`PRAGMA user_version`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteProbe(ctx); err != nil {
		t.Fatalf("WriteProbe: %v", err)
	}
	if fi, err := os.Stat(wal); err != nil || fi.Size() == 0 {
		t.Errorf("WAL after the probe: %v, %v; the probe must commit a real write", fi, err)
	}
	var after int
	if err := s.rdb.QueryRow(`PRAGMA user_version`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("user_version changed from %d to %d", before, after)
	}
	if n := len(mustAudit(t, s)); n != 2 { // document.upload and job.create; the probe audits nothing
		t.Errorf("%d audit events, want 2", n)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteProbe(ctx); err == nil {
		t.Error("WriteProbe on a closed store succeeded")
	}
}

func mustAudit(t *testing.T, s *Store) []AuditEvent {
	t.Helper()
	events, err := s.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return events
}
