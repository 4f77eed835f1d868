package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"precis/storage"
	"precis/summarize"
)

// summaryJSON is the stable output of `precis summarize FILE --json`.
type summaryJSON struct {
	Provider         string            `json:"provider"`
	Model            string            `json:"model"`
	Engine           string            `json:"engine"`
	Pages            int               `json:"pages"`
	Sections         []storage.Section `json:"sections"`
	DroppedCitations int               `json:"dropped_citations"`
	Stats            summaryStats      `json:"stats"`
}

// summaryStats are the numbers a benchmark needs.
type summaryStats struct {
	Chunks    int     `json:"chunks"`
	Calls     int     `json:"model_calls"`
	WallMS    float64 `json:"wall_ms"`
	ExtractMS float64 `json:"extract_ms"`
	// ModelMS is the model time on the critical path, as the model server reports it.
	ModelMS float64 `json:"model_critical_path_ms"`
}

func runSummarize(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, fs, err := loadConfig("summarize", args, os.Getenv, func(fs *flag.FlagSet) {
		fs.Bool("json", true, "print JSON (the only format)")
	})
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: precis summarize FILE [--json] [--provider ollama|builtin]")
		return 2
	}
	a, err := newApp(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	}
	out, code, err := a.summarizeFile(ctx, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return code
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return 1
	}
	return 0
}

// summarizeFile runs extract (in a child process), chunk, map and reduce without storage.
// The exit code says: 2 the document was refused, 1 anything else went wrong.
func (a *app) summarizeFile(ctx context.Context, path string) (*summaryJSON, int, error) {
	start := time.Now()
	res := a.extract.Extract(ctx, path, "")
	if res.Status != "ok" {
		return nil, 2, fmt.Errorf("%s: %s", res.Status, res.Message)
	}
	extracted := time.Since(start)
	pages := summarize.StoragePages(0, res.Pages)
	backend, err := a.backends.Select(ctx)
	if err != nil {
		return nil, 1, err
	}
	plan, err := backend.Plan(ctx)
	if err != nil {
		return nil, 1, err
	}
	chunks := summarize.Split(summarize.ReadablePages(pages), plan.ChunkChars, plan.CharsPerToken)
	eng := summarize.Engine{Backend: backend}
	r, err := eng.Run(ctx, chunks, nil)
	if err != nil {
		return nil, 1, err
	}
	return &summaryJSON{Provider: backend.Name(), Model: backend.Model(), Engine: backend.Engine(),
		Pages: len(pages), Sections: r.Sections, DroppedCitations: r.Dropped,
		Stats: summaryStats{Chunks: len(chunks), Calls: r.Calls, WallMS: ms(time.Since(start)),
			ExtractMS: ms(extracted), ModelMS: ms(r.CriticalModelTime)}}, 0, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
