package storage

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestCompleteJobAndLatestSummary(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	job := testJob(t, s, "doc")
	_, err := s.LatestSummary(ctx, job.DocumentID)
	wantCode(t, err, ENOTFOUND)

	claim(t, s, "w1")
	clk.Advance(time.Minute)
	sum := &Summary{JobID: job.ID, Provider: "ollama", Model: "qwen3:8b", Engine: EngineAbstractive,
		Sections: []Section{
			{Title: "Parties", Points: []Point{{Text: "Acme leases to Bob.", Pages: []int{1}}}},
			{Title: "Term", Points: []Point{{Text: "Five years.", Pages: []int{2, 3}}, {Text: "Renewable.", Pages: []int{3}}}},
		},
		DroppedCitations: 1, ModelCalls: 4}
	if err := s.CompleteJob(ctx, sum); err != nil {
		t.Fatal(err)
	}
	if sum.ID == 0 || sum.DocumentID != job.DocumentID || !sum.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("summary after CompleteJob = %+v", sum)
	}

	got, err := s.LatestSummary(ctx, job.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sum) {
		t.Fatalf("LatestSummary = %+v\nwant %+v", got, sum)
	}
	done := mustJob(t, s, job.ID)
	if done.Status != JobDone || done.Stage != StageDone || !done.FinishedAt.Equal(clk.Now()) || done.LeaseOwner != "" {
		t.Fatalf("job after CompleteJob = %+v", done)
	}

	wantCode(t, s.CompleteJob(ctx, &Summary{JobID: job.ID, Engine: EngineAbstractive}), ECONFLICT)
	wantCode(t, s.CompleteJob(ctx, &Summary{JobID: 999, Engine: EngineAbstractive}), ENOTFOUND)
	wantCode(t, s.CompleteJob(ctx, &Summary{JobID: job.ID, Engine: "poetic"}), EINVALID)

	// A later job's summary becomes the latest.
	next, err := s.CreateJob(ctx, job.DocumentID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.CompleteJob(ctx, &Summary{JobID: next.ID, DocumentID: job.DocumentID + 1, Engine: EngineExtractive}), EINVALID)
	if err := s.CompleteJob(ctx, &Summary{JobID: next.ID, Engine: EngineExtractive}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LatestSummary(ctx, job.DocumentID); err != nil || got.JobID != next.ID || got.Sections == nil {
		t.Fatalf("LatestSummary = %+v, %v; want job %d with empty sections", got, err, next.ID)
	}
}
