package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"precis/storage"
	"precis/storage/storagetest"
	"precis/summarize"
	"precis/summarize/extract"
	"precis/summarize/llm/ollamatest"
)

// instantBackend answers every call at once, so a benchmark measures Precis's own work.
type instantBackend struct{}

func (instantBackend) Name() string   { return "instant" }
func (instantBackend) Model() string  { return "none" }
func (instantBackend) Engine() string { return summarize.EngineAbstractive }
func (instantBackend) Slots() int     { return 2 }
func (instantBackend) Plan(context.Context) (summarize.Plan, error) {
	return summarize.Plan{ChunkChars: 12000, ReduceChars: 12000, CharsPerToken: 4}, nil
}

func (instantBackend) Map(_ context.Context, c storage.Chunk) (summarize.Partial, summarize.Call, error) {
	return summarize.Partial{Points: []summarize.Point{{Topic: "Key points", Text: "Chunk summary.", Pages: []int{c.FirstPage, c.LastPage}}}}, summarize.Call{}, nil
}

func (instantBackend) Reduce(_ context.Context, parts []summarize.Partial, _ int) (summarize.Partial, summarize.Call, error) {
	var out summarize.Partial
	for _, p := range parts {
		out.Points = append(out.Points, p.Points[0])
	}
	if len(out.Points) > 4 {
		out.Points = out.Points[:4]
	}
	return out, summarize.Call{}, nil
}

func (instantBackend) Select(context.Context, *storage.Document) (summarize.Choice, error) {
	return summarize.Choice{Backend: instantBackend{}}, nil
}
func (instantBackend) ByName(context.Context, *storage.Document, string) (summarize.Backend, error) {
	return instantBackend{}, nil
}

// BenchmarkPipeline measures pipeline overhead: every corpus contract through extraction (the
// real child process), chunking, map, reduce and storage (a real SQLite file), with a provider
// that answers instantly. Reports pages per second over the documents whose text was read.
func BenchmarkPipeline(b *testing.B) {
	files, _ := filepath.Glob(corpus(b, "contracts", "*"))
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		store, err := storage.Open(context.Background(), filepath.Join(dir, "precis.db"))
		if err != nil {
			b.Fatal(err)
		}
		filesDir := filepath.Join(dir, "files")
		_ = os.MkdirAll(filesDir, 0o750)
		for i, f := range files {
			data, _ := os.ReadFile(f)
			name := filepath.Base(f)
			stored := strings.Repeat("x", i+1) + ".pdf"
			_ = os.WriteFile(filepath.Join(filesDir, stored), data, 0o600)
			d := &storage.Document{SHA256: sha(data), Filename: name, StoredName: stored, Size: int64(len(data)), MatterID: storagetest.Matter(b, store)}
			if _, err := store.CreateDocument(context.Background(), d, "bench"); err != nil {
				b.Fatal(err)
			}
			if _, err := store.CreateJob(context.Background(), d.ID, "bench"); err != nil {
				b.Fatal(err)
			}
		}
		runner := &summarize.Runner{Store: store, Backends: instantBackend{}, FilesDir: filesDir, Workers: 2,
			Extractor: extract.Runner{Command: []string{precisBin, "extract"}, Limits: extract.DefaultLimits()},
			Owner:     "bench", Poll: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		ctx, cancel := context.WithCancel(context.Background())
		b.StartTimer()
		start := time.Now()
		go runner.Run(ctx)
		pages := 0
		for {
			rows, err := store.ListDocuments(context.Background(), storage.DocumentFilter{})
			if err != nil {
				b.Fatal(err)
			}
			done := 0
			pages = 0
			for _, r := range rows {
				if finished(r.Job) {
					done++
				}
				if r.ExtractStatus == "ok" {
					pages += r.PageCount
				}
			}
			if done == len(rows) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		b.ReportMetric(float64(pages)/elapsed.Seconds(), "pages/s")
		b.ReportMetric(float64(pages), "pages")
		store.Close()
		b.StartTimer()
	}
}

// BenchmarkExtractOnly is the extraction stage of BenchmarkPipeline alone (the same child
// process, two at a time like the two workers), to show how much of the pipeline it is.
func BenchmarkExtractOnly(b *testing.B) {
	files, _ := filepath.Glob(corpus(b, "contracts", "*"))
	ex := extract.Runner{Command: []string{precisBin, "extract"}, Limits: extract.DefaultLimits()}
	for b.Loop() {
		start := time.Now()
		next := make(chan string)
		pages := make(chan int)
		for range 2 {
			go func() {
				n := 0
				for f := range next {
					if res := ex.Extract(context.Background(), f, ""); res.Status == "ok" {
						n += len(res.Pages)
					}
				}
				pages <- n
			}()
		}
		for _, f := range files {
			next <- f
		}
		close(next)
		total := <-pages + <-pages
		b.ReportMetric(float64(total)/time.Since(start).Seconds(), "pages/s")
	}
}

// BenchmarkOllamaWallOverModel runs `precis summarize` on a 20-page contract against a real
// Ollama server with the tiny model and reports wall time divided by the model time on the
// critical path (the goal is under 1.1). One slot, so no call waits inside Ollama's queue and
// the model time Ollama reports is all work.
func BenchmarkOllamaWallOverModel(b *testing.B) {
	o := ollamatest.Start(b)
	file := corpus(b, "contracts", longContract)
	for b.Loop() {
		cmd := exec.Command(precisBin, "summarize", file, "--provider", "ollama")
		cmd.Env = append(cmd.Environ(), "PRECIS_OLLAMA_URL="+o.URL, "PRECIS_OLLAMA_MODEL="+o.Model, "PRECIS_OLLAMA_SLOTS=1")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%v: %s", err, errb.String())
		}
		wall := time.Since(start)
		var res struct {
			Stats summaryStats `json:"stats"`
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			b.Fatal(err)
		}
		model := time.Duration(res.Stats.ModelMS * float64(time.Millisecond))
		b.ReportMetric(wall.Seconds()/model.Seconds(), "wall/model")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(model.Seconds(), "model-s")
		b.ReportMetric(float64(res.Stats.Calls), "calls")
	}
}
