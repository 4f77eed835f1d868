package storage

import (
	"context"
	"sync"
	"testing"
	"time"
)

// threeChunks are chunks over a ten-page document.
func threeChunks() []Chunk {
	return []Chunk{
		{Seq: 0, FirstPage: 1, LastPage: 4, Text: "alpha", Tokens: 900},
		{Seq: 1, FirstPage: 4, LastPage: 8, Text: "beta", Tokens: 950},
		{Seq: 2, FirstPage: 9, LastPage: 10, Text: "gamma", Tokens: 300},
	}
}

func TestSaveChunksIdempotent(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	job := testJob(t, s, "doc")

	first, err := s.SaveChunks(ctx, job.ID, threeChunks())
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range first {
		if c.ID == 0 || c.JobID != job.ID || c.Seq != i {
			t.Fatalf("chunk %d = %+v", i, c)
		}
	}
	// A resumed job chunks again, maybe differently; the stored chunking wins.
	again, err := s.SaveChunks(ctx, job.ID, []Chunk{{Seq: 0, FirstPage: 1, LastPage: 10, Text: "all"}})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.Chunks(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range [][]Chunk{again, stored} {
		if len(got) != 3 {
			t.Fatalf("chunks = %+v, want the first 3", got)
		}
		for i := range got {
			if got[i] != first[i] {
				t.Fatalf("chunk %d = %+v, want %+v", i, got[i], first[i])
			}
		}
	}
	if got := mustJob(t, s, job.ID); got.ChunksTotal != 3 {
		t.Fatalf("chunks_total = %d, want 3", got.ChunksTotal)
	}
	events, _ := s.AuditEvents(ctx, 0, 0)
	n := 0
	for _, ev := range events {
		if ev.Action == "job.chunked" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d job.chunked events, want 1", n)
	}
}

func TestSaveChunksInvalid(t *testing.T) {
	for _, tt := range []struct {
		name   string
		chunks []Chunk
	}{
		{"none", nil},
		{"gap in seq", []Chunk{{Seq: 0, FirstPage: 1, LastPage: 1}, {Seq: 2, FirstPage: 2, LastPage: 2}}},
		{"starts at 1", []Chunk{{Seq: 1, FirstPage: 1, LastPage: 1}}},
		{"page 0", []Chunk{{Seq: 0, FirstPage: 0, LastPage: 1}}},
		{"backwards pages", []Chunk{{Seq: 0, FirstPage: 3, LastPage: 2}}},
		{"negative tokens", []Chunk{{Seq: 0, FirstPage: 1, LastPage: 1, Tokens: -1}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			job := testJob(t, s, "doc")
			_, err := s.SaveChunks(context.Background(), job.ID, tt.chunks)
			wantCode(t, err, EINVALID)
		})
	}
	s, _ := newTestStore(t)
	_, err := s.SaveChunks(context.Background(), 999, threeChunks())
	wantCode(t, err, ENOTFOUND)
}

func TestSaveChunkResultOncePerChunk(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	job := testJob(t, s, "doc")
	claim(t, s, "w1")
	chunks, err := s.SaveChunks(ctx, job.ID, threeChunks())
	if err != nil {
		t.Fatal(err)
	}

	call := ModelCall{Phase: PhaseMap, Provider: "ollama", Model: "qwen3:8b", PromptTokens: 950,
		OutputTokens: 120, Duration: 1500 * time.Millisecond, Outcome: OutcomeOK}
	// Chunk 1 is saved by eight racing writers (a worker and the worker that
	// reclaimed its job), chunk 0 once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := s.SaveChunkResult(ctx, ChunkResult{JobID: job.ID, ChunkID: chunks[1].ID,
				Output: `{"points":[{"text":"b","pages":[5]}]}`, Call: call}); err != nil {
				t.Errorf("SaveChunkResult: %v", err)
			}
		})
	}
	wg.Wait()
	if err := s.SaveChunkResult(ctx, ChunkResult{JobID: job.ID, ChunkID: chunks[0].ID, Output: `{"points":[]}`, Call: call}); err != nil {
		t.Fatal(err)
	}

	if got := mustJob(t, s, job.ID); got.ChunksDone != 2 {
		t.Fatalf("chunks_done = %d, want 2", got.ChunksDone)
	}
	results, err := s.ChunkResults(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].ChunkID != chunks[0].ID || results[1].ChunkID != chunks[1].ID {
		t.Fatalf("results = %+v, want chunks 0 and 1 in order", results)
	}
	want := call
	want.JobID, want.ChunkID = job.ID, chunks[1].ID
	if results[1].Call != want || results[1].Output != `{"points":[{"text":"b","pages":[5]}]}` {
		t.Fatalf("result = %+v, want call %+v", results[1], want)
	}

	events, _ := s.AuditEvents(ctx, 0, 0)
	calls, stored := 0, 0
	for _, ev := range events {
		if ev.Action == "model.call" {
			calls++
			if ev.Details["stored"] == true {
				stored++
			}
			if ev.Details["duration_ms"] != float64(1500) || ev.Details["provider"] != "ollama" {
				t.Errorf("model.call details = %v", ev.Details)
			}
		}
	}
	if calls != 9 || stored != 2 {
		t.Fatalf("model.call events = %d (%d stored), want 9 (2 stored)", calls, stored)
	}
}

func TestSaveChunkResultWrongChunk(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	a := testJob(t, s, "a")
	b := testJob(t, s, "b")
	chunks, err := s.SaveChunks(ctx, a.ID, threeChunks())
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SaveChunkResult(ctx, ChunkResult{JobID: b.ID, ChunkID: chunks[0].ID, Output: "{}"}), EINVALID)
	wantCode(t, s.SaveChunkResult(ctx, ChunkResult{JobID: a.ID, ChunkID: 999, Output: "{}"}), ENOTFOUND)
	wantCode(t, s.SaveChunkResult(ctx, ChunkResult{JobID: a.ID, ChunkID: chunks[0].ID, Output: "{}",
		Call: ModelCall{Phase: "guess"}}), EINVALID)
}

func TestRecordModelCall(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	job := testJob(t, s, "doc")
	err := s.RecordModelCall(ctx, ModelCall{JobID: job.ID, Phase: PhaseReduce, Level: 1, Provider: "ollama",
		Model: "m", Outcome: OutcomeError, Error: "connection refused"})
	if err != nil {
		t.Fatal(err)
	}
	events, _ := s.AuditEvents(ctx, 0, 0)
	last := events[len(events)-1]
	if last.Action != "model.call" || last.Outcome != OutcomeError || last.ObjectID != job.ID ||
		last.Details["phase"] != PhaseReduce || last.Details["level"] != float64(1) {
		t.Fatalf("audit event = %+v", last)
	}
	if _, ok := last.Details["error"]; ok {
		t.Errorf("model.call details carry the provider error: %v", last.Details)
	}
	wantCode(t, s.RecordModelCall(ctx, ModelCall{JobID: 999, Phase: PhaseReduce}), ENOTFOUND)
	wantCode(t, s.RecordModelCall(ctx, ModelCall{JobID: job.ID, Phase: PhaseMap, Outcome: "meh"}), EINVALID)
}
