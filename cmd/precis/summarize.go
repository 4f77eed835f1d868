package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"precis/storage"
	"precis/summarize"
	"precis/summarize/policy"
)

// summaryJSON is the stable output of `precis summarize FILE --json`.
type summaryJSON struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
	Engine   string `json:"engine"`
	Zone     string `json:"zone"`
	// Label is the document's label after the detectors ran (they only raise it).
	Label    string   `json:"label"`
	Findings int      `json:"findings"`
	Skipped  []string `json:"skipped_providers,omitempty"`
	Redacted bool     `json:"redacted"`
	// Policy names where the policy came from: the --config file or "default".
	Policy           string            `json:"policy"`
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
		fs.String("label", "", "the document's classification label (default: the policy's default label); detectors may raise it")
	})
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: precis summarize FILE [--json] [--config FILE] [--label LABEL] [--provider NAME]")
		return 2
	}
	a, err := newApp(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	}
	out, code, err := a.summarizeFile(ctx, fs.Arg(0), fs.Lookup("label").Value.String())
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
func (a *app) summarizeFile(ctx context.Context, path, label string) (*summaryJSON, int, error) {
	start := time.Now()
	res := a.extract.Extract(ctx, path, "")
	if res.Status != "ok" {
		return nil, 2, fmt.Errorf("%s: %s", res.Status, res.Message)
	}
	extracted := time.Since(start)
	pages := summarize.StoragePages(0, res.Pages)
	settings, err := startSettings(a.cfg)
	if err != nil {
		return nil, 2, err
	}
	pol := &policy.Policy{Settings: settings}
	labelName := label
	if labelName == "" {
		labelName = pol.DefaultLabel
	}
	l, ok := pol.Label(labelName)
	if !ok {
		names := make([]string, len(pol.Labels))
		for i, x := range pol.Labels {
			names[i] = x.Name
		}
		return nil, 2, fmt.Errorf("unknown label %q: the labels are %s", labelName, strings.Join(names, ", "))
	}
	labelID := l.ID
	findings := summarize.Detect(summarize.ReadablePages(pages), pol.Watchlist)
	if raise := summarize.Raise(pol, labelID, findings); raise != nil {
		labelID = raise.To
	}
	router := a.newRouter(nil, fixedPolicy{pol}, func(context.Context, int64) (int, error) { return labelID, nil })
	choice, err := router.Select(ctx, &storage.Document{LabelID: labelID})
	if policy.IsDenied(err) {
		return nil, 2, err
	} else if err != nil {
		return nil, 1, err
	}
	backend := choice.Backend
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
	final, _ := pol.LabelByID(labelID)
	d := summarize.Decision(backend)
	return &summaryJSON{Provider: backend.Name(), Model: backend.Model(), Engine: backend.Engine(),
		Zone: string(d.Provider.Zone), Label: final.Name, Findings: len(findings), Skipped: choice.Skipped,
		Redacted: d.Redact, Policy: policySource(a.cfg),
		Pages: len(pages), Sections: r.Sections, DroppedCitations: r.Dropped,
		Stats: summaryStats{Chunks: len(chunks), Calls: r.Calls, WallMS: ms(time.Since(start)),
			ExtractMS: ms(extracted), ModelMS: ms(r.CriticalModelTime)}}, 0, nil
}

func policySource(cfg *Config) string {
	if cfg.ConfigFile != "" {
		return cfg.ConfigFile
	}
	return "default"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
