package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"precis/storage"
	"precis/summarize/llm/ollamatest"
)

// Real contracts of 20 and 40 pages whose text the extractor reads today.
const (
	longContract   = "GopageCorp_20140221_10-K_EX-10.1_8432966_EX-10.1_Content License Agreement.pdf"
	longerContract = "WHITESMOKE,INC_11_08_2011-EX-10.26-PROMOTION AND DISTRIBUTION AGREEMENT.PDF"
)

func ollamaEnv(o *ollamatest.Server, extra ...string) []string {
	return append([]string{"PRECIS_OLLAMA_URL=" + o.URL, "PRECIS_OLLAMA_MODEL=" + o.Model, "PRECIS_PROVIDER=ollama"}, extra...)
}

// modelCalls returns the audit rows of model calls, checking the hash chain on the way.
func modelCalls(t *testing.T, st *storage.Store) []storage.AuditEvent {
	t.Helper()
	ctx := context.Background()
	if bad, err := st.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Fatalf("audit chain broken at row %d: %v", bad, err)
	}
	events, err := st.AuditEvents(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var calls []storage.AuditEvent
	for _, e := range events {
		if e.Action == "model.call" {
			calls = append(calls, e)
		}
	}
	return calls
}

// checkSummary asserts the mechanics of a stored summary: who wrote it, and that every
// citation is a page of the document.
func checkSummary(t *testing.T, st *storage.Store, doc storage.DocumentRow, provider string) *storage.Summary {
	t.Helper()
	if doc.Job == nil || doc.Job.Status != "done" {
		t.Fatalf("%s: job %+v, want done", doc.Filename, doc.Job)
	}
	sum, err := st.LatestSummary(context.Background(), doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Provider != provider || sum.Model == "" {
		t.Errorf("summary by %s/%s, want provider %s", sum.Provider, sum.Model, provider)
	}
	for _, sec := range sum.Sections {
		for _, p := range sec.Points {
			if len(p.Pages) == 0 {
				t.Errorf("point %q has no citation", p.Text)
			}
			for _, n := range p.Pages {
				if n < 1 || n > doc.PageCount {
					t.Errorf("point cites page %d of a %d-page document", n, doc.PageCount)
				}
			}
		}
	}
	return sum
}

// TestOllamaEndToEnd uploads a real contract to a server whose provider is a real Ollama
// server, and checks calls, citations, audit rows and job state.
func TestOllamaEndToEnd(t *testing.T) {
	o := ollamatest.Start(t)
	data := t.TempDir()
	srv := startPrecis(t, data, ollamaEnv(o)...)
	srv.upload(t, corpus(t, "contracts", longContract))
	st := openStore(t, data)
	rows := waitJobs(t, st, 1, 5*time.Minute, nil)
	doc := rows[0]
	if doc.PageCount < 20 {
		t.Fatalf("%s has %d pages, the test wants 20+", doc.Filename, doc.PageCount)
	}
	checkSummary(t, st, doc, "ollama")
	if doc.Job.ChunksTotal < 2 || doc.Job.ChunksDone != doc.Job.ChunksTotal {
		t.Errorf("chunks %d of %d done, want all of several", doc.Job.ChunksDone, doc.Job.ChunksTotal)
	}
	calls := modelCalls(t, st)
	maps, reduces := 0, 0
	for _, c := range calls {
		if c.Details["provider"] != "ollama" || c.Details["model"] != o.Model {
			t.Errorf("model call audited with provider %v model %v", c.Details["provider"], c.Details["model"])
		}
		switch c.Details["phase"] {
		case "map":
			maps++
			if n, _ := c.Details["prompt_tokens"].(float64); n <= 0 {
				t.Errorf("map call without prompt token count: %v", c.Details)
			}
		case "reduce":
			reduces++
		}
	}
	if maps != doc.Job.ChunksTotal || reduces == 0 {
		t.Errorf("audited %d map and %d reduce calls for %d chunks", maps, reduces, doc.Job.ChunksTotal)
	}
}

// TestKillResume kills the server with SIGKILL in the middle of a job and starts it again:
// the job resumes and no chunk already summarized is sent to the model again.
func TestKillResume(t *testing.T) {
	o := ollamatest.Start(t)
	data := t.TempDir()
	// A smaller context window makes more chunks, so the kill lands in the middle.
	env := ollamaEnv(o, "PRECIS_OLLAMA_SLOTS=1", "PRECIS_JOB_LEASE=2s", "PRECIS_OLLAMA_MAX_CONTEXT=2048")
	srv := startPrecis(t, data, env...)
	srv.upload(t, corpus(t, "contracts", longerContract))
	st := openStore(t, data)
	deadline := time.Now().Add(3 * time.Minute)
	var before *storage.Job
	for {
		rows, err := st.ListDocuments(context.Background(), storage.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 && rows[0].Job != nil && rows[0].Job.ChunksDone >= 2 {
			before = rows[0].Job
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job never got 2 chunks done")
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.kill()
	if before.ChunksDone >= before.ChunksTotal {
		t.Fatalf("job finished before the kill (%d chunks); the test needs a longer document", before.ChunksTotal)
	}
	mapsBefore := 0
	for _, c := range modelCalls(t, st) {
		if c.Details["phase"] == "map" && c.Outcome == "ok" {
			mapsBefore++
		}
	}
	startPrecis(t, data, env...)
	rows := waitJobs(t, st, 1, 5*time.Minute, nil)
	checkSummary(t, st, rows[0], "ollama")
	job := rows[0].Job
	if job.Attempts < 2 {
		t.Errorf("job attempts = %d, want a second attempt after the crash", job.Attempts)
	}
	checkEachChunkOnce(t, st, job)
	t.Logf("killed after %d of %d chunks (%d saved); resumed and finished with %d attempts", before.ChunksDone, job.ChunksTotal, mapsBefore, job.Attempts)
}

// TestSummarizeCommand runs `precis summarize FILE --json` against the real Ollama server and
// with the built-in summarizer, and checks the JSON every script relies on.
func TestSummarizeCommand(t *testing.T) {
	o := ollamatest.Start(t)
	file := corpus(t, "contracts", "Example-Mutual-Non-Disclosure-Agreement.pdf")
	for _, provider := range []string{"ollama", "builtin"} {
		t.Run(provider, func(t *testing.T) {
			cmd := exec.Command(precisBin, "summarize", file, "--json", "--provider", provider)
			cmd.Env = append(cmd.Environ(), "PRECIS_OLLAMA_URL="+o.URL, "PRECIS_OLLAMA_MODEL="+o.Model)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("summarize: %v\n%s", err, stderr.String())
			}
			var out struct {
				Provider string `json:"provider"`
				Model    string `json:"model"`
				Pages    int    `json:"pages"`
				Sections []struct {
					Title  string `json:"title"`
					Points []struct {
						Text  string `json:"text"`
						Pages []int  `json:"pages"`
					} `json:"points"`
				} `json:"sections"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
			}
			if out.Provider != provider || out.Model == "" || out.Pages < 1 {
				t.Errorf("provider=%q model=%q pages=%d", out.Provider, out.Model, out.Pages)
			}
			for _, s := range out.Sections {
				for _, p := range s.Points {
					for _, n := range p.Pages {
						if n < 1 || n > out.Pages {
							t.Errorf("citation of page %d in a %d-page document", n, out.Pages)
						}
					}
				}
			}
			if provider == "builtin" && len(out.Sections) == 0 {
				t.Error("the built-in summarizer produced no sections")
			}
		})
	}
	t.Run("refused document", func(t *testing.T) {
		cmd := exec.Command(precisBin, "summarize", corpus(t, "tricky", "invalid.pdf"), "--provider", "builtin")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 2 {
			t.Errorf("exit code %d (%v), want 2 for a refused document; stderr: %s", code, err, stderr.String())
		}
	})
}

// checkEachChunkOnce checks, from the audit trail, that every chunk of the job was
// summarized exactly once, however many times the job was interrupted.
func checkEachChunkOnce(t *testing.T, st *storage.Store, job *storage.Job) {
	t.Helper()
	seen := map[float64]int{}
	for _, c := range modelCalls(t, st) {
		if c.Details["phase"] == "map" && c.Outcome == "ok" {
			id, _ := c.Details["chunk_id"].(float64)
			seen[id]++
		}
	}
	if len(seen) != job.ChunksTotal {
		t.Errorf("%d distinct chunks summarized, want %d", len(seen), job.ChunksTotal)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("chunk %v was summarized %d times", id, n)
		}
	}
}
