package storage

import (
	"context"
	"testing"
)

func TestCancelJob(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name       string
		setup      func(t *testing.T, s *Store, job *Job)
		code       string
		wantStatus string
		wantCancel bool
	}{
		{"queued", func(*testing.T, *Store, *Job) {}, "", JobCancelled, true},
		{"running", func(t *testing.T, s *Store, _ *Job) { claim(t, s, "w1") }, "", JobRunning, true},
		{"done", func(t *testing.T, s *Store, job *Job) {
			claim(t, s, "w1")
			if err := s.CompleteJob(ctx, &Summary{JobID: job.ID, Engine: EngineExtractive}); err != nil {
				t.Fatal(err)
			}
		}, ECONFLICT, JobDone, false},
		{"failed", func(t *testing.T, s *Store, job *Job) {
			if err := s.FailJob(ctx, job.ID, "no model", false); err != nil {
				t.Fatal(err)
			}
		}, ECONFLICT, JobFailed, false},
		{"cancelled", func(t *testing.T, s *Store, job *Job) {
			if err := s.CancelJob(ctx, job.ID, "alice"); err != nil {
				t.Fatal(err)
			}
		}, ECONFLICT, JobCancelled, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			job := testJob(t, s, "doc")
			tt.setup(t, s, job)
			wantCode(t, s.CancelJob(ctx, job.ID, "alice"), tt.code)
			got := mustJob(t, s, job.ID)
			if got.Status != tt.wantStatus || got.CancelRequested != tt.wantCancel {
				t.Fatalf("after CancelJob: status %s cancel_requested %v; want %s %v",
					got.Status, got.CancelRequested, tt.wantStatus, tt.wantCancel)
			}
		})
	}
}

func TestCancelRunningJob(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	job := testJob(t, s, "doc")
	claim(t, s, "w1")
	if err := s.CancelJob(ctx, job.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	cancel, err := s.ExtendLease(ctx, job.ID, "w1", lease)
	if err != nil || !cancel {
		t.Fatalf("ExtendLease after cancel = %v, %v; want cancel requested", cancel, err)
	}
	if err := s.MarkJobCancelled(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	got := mustJob(t, s, job.ID)
	if got.Status != JobCancelled || got.FinishedAt.IsZero() || got.LeaseOwner != "" || !got.LeaseUntil.IsZero() {
		t.Fatalf("job after MarkJobCancelled = %+v", got)
	}
	if err := s.MarkJobCancelled(ctx, job.ID); err != nil {
		t.Fatalf("MarkJobCancelled twice: %v", err)
	}
	_, err = s.ExtendLease(ctx, job.ID, "w1", lease)
	wantCode(t, err, ECONFLICT)
}

func TestCancelledJobWithDeadWorkerIsNotClaimed(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	job := testJob(t, s, "doc")
	claim(t, s, "w1")
	if err := s.CancelJob(ctx, job.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * lease) // w1 died before noticing
	claimNone(t, s, "w2")
	if got := mustJob(t, s, job.ID); got.Status != JobCancelled {
		t.Fatalf("status = %s, want cancelled", got.Status)
	}
}

func TestFailJob(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name       string
		claims     int // attempts made before the failure
		retryable  bool
		wantStatus string
		wantAction string
	}{
		{"retryable with attempts left", 1, true, JobQueued, "job.retry_scheduled"},
		{"retryable on last attempt", DefaultMaxAttempts, true, JobFailed, "job.fail"},
		{"final", 1, false, JobFailed, "job.fail"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			job := testJob(t, s, "doc")
			for i := range tt.claims {
				claim(t, s, "w1")
				if i < tt.claims-1 {
					if err := s.FailJob(ctx, job.ID, "model timed out", true); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := s.FailJob(ctx, job.ID, "The model did not answer.", tt.retryable); err != nil {
				t.Fatal(err)
			}
			got := mustJob(t, s, job.ID)
			if got.Status != tt.wantStatus || got.Error != "The model did not answer." || got.LeaseOwner != "" {
				t.Fatalf("job = %+v, want status %s with the reason kept", got, tt.wantStatus)
			}
			if finished := !got.FinishedAt.IsZero(); finished != (tt.wantStatus == JobFailed) {
				t.Errorf("finished_at = %v for status %s", got.FinishedAt, got.Status)
			}
			events, _ := s.AuditEvents(ctx, 0, 0)
			if last := events[len(events)-1]; last.Action != tt.wantAction || last.Outcome != OutcomeError {
				t.Errorf("last audit event = %s/%s, want %s/error", last.Action, last.Outcome, tt.wantAction)
			}
			if tt.wantStatus == JobFailed {
				wantCode(t, s.FailJob(ctx, job.ID, "again", true), ECONFLICT)
			}
		})
	}
}

func TestRetryJobKeepsChunkResults(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	job := testJob(t, s, "doc")
	claim(t, s, "w1")
	chunks, err := s.SaveChunks(ctx, job.ID, []Chunk{
		{Seq: 0, FirstPage: 1, LastPage: 2, Text: "a"}, {Seq: 1, FirstPage: 3, LastPage: 3, Text: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveChunkResult(ctx, ChunkResult{JobID: job.ID, ChunkID: chunks[0].ID, Output: `{"points":[]}`}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RetryJob(ctx, job.ID, "alice"), ECONFLICT) // running
	if err := s.FailJob(ctx, job.ID, "model unavailable", false); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryJob(ctx, job.ID, "alice"); err != nil {
		t.Fatal(err)
	}

	got := mustJob(t, s, job.ID)
	if got.Status != JobQueued || got.Attempts != 0 || got.Error != "" || !got.FinishedAt.IsZero() ||
		got.ChunksTotal != 2 || got.ChunksDone != 1 {
		t.Fatalf("job after retry = %+v", got)
	}
	results, err := s.ChunkResults(ctx, job.ID)
	if err != nil || len(results) != 1 || results[0].ChunkID != chunks[0].ID {
		t.Fatalf("chunk results after retry = %+v, %v", results, err)
	}
	resumed := claim(t, s, "w2")
	if again, err := s.SaveChunks(ctx, resumed.ID, []Chunk{{Seq: 0, FirstPage: 1, LastPage: 3}}); err != nil ||
		len(again) != 2 || again[1].ID != chunks[1].ID {
		t.Fatalf("SaveChunks on resume = %+v, %v; want the stored chunking", again, err)
	}
}

func TestRetryJobConflictsWithActiveJob(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	old := testJob(t, s, "doc")
	if err := s.CancelJob(ctx, old.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateJob(ctx, old.DocumentID, "alice"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RetryJob(ctx, old.ID, "alice"), ECONFLICT)
	wantCode(t, s.RetryJob(ctx, 999, "alice"), ENOTFOUND)
}

func TestReleaseLeases(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	mine := testJob(t, s, "mine")
	theirs := testJob(t, s, "theirs")
	cancelled := testJob(t, s, "cancelled")
	claim(t, s, "me")
	claim(t, s, "other")
	claim(t, s, "me")
	if err := s.CancelJob(ctx, cancelled.ID, "alice"); err != nil {
		t.Fatal(err)
	}

	if err := s.ReleaseLeases(ctx, "me"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id     int64
		status string
		owner  string
	}{{mine.ID, JobQueued, ""}, {theirs.ID, JobRunning, "other"}, {cancelled.ID, JobCancelled, ""}} {
		if got := mustJob(t, s, tt.id); got.Status != tt.status || got.LeaseOwner != tt.owner {
			t.Errorf("job %d = %s/%q, want %s/%q", tt.id, got.Status, got.LeaseOwner, tt.status, tt.owner)
		}
	}
	if got := claim(t, s, "me"); got.ID != mine.ID || got.Attempts != 2 {
		t.Fatalf("claim after release = %+v, want job %d again", got, mine.ID)
	}
}

func TestSetJobStageAndProvider(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	job := testJob(t, s, "doc")
	claim(t, s, "w1")
	if err := s.SetJobStage(ctx, job.ID, StageMapping); err != nil {
		t.Fatal(err)
	}
	if err := s.SetJobProvider(ctx, job.ID, "ollama", "qwen3:8b"); err != nil {
		t.Fatal(err)
	}
	got := mustJob(t, s, job.ID)
	if got.Stage != StageMapping || got.Provider != "ollama" || got.Model != "qwen3:8b" {
		t.Fatalf("job = %+v", got)
	}
	wantCode(t, s.SetJobStage(ctx, job.ID, "dreaming"), EINVALID)
	wantCode(t, s.SetJobStage(ctx, 999, StageMapping), ENOTFOUND)
	if err := s.FailJob(ctx, job.ID, "stop", false); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SetJobStage(ctx, job.ID, StageReducing), ECONFLICT)
}
