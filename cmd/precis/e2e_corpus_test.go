package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// refusals are the statuses a user can tell apart for a document Precis will not summarize.
var refusals = map[string]bool{"not_pdf": true, "empty_file": true, "encrypted": true, "no_text": true, "garbled": true,
	"damaged": true, "too_large": true, "timeout": true}

// TestCorpusUploads uploads every tricky and hostile PDF to a running server: each must end
// in "ok" with a summary or in a specific refusal, within the limits, while /healthz keeps
// answering quickly.
func TestCorpusUploads(t *testing.T) {
	var paths []string
	for _, dir := range []string{"tricky", "hostile"} {
		entries, err := os.ReadDir(corpus(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			paths = append(paths, corpus(t, dir, e.Name()))
		}
	}
	data := t.TempDir()
	srv := startPrecis(t, data, "PRECIS_OLLAMA_URL=off", "PRECIS_EXTRACT_TIMEOUT=20s", "PRECIS_WORKERS=2")
	srv.upload(t, paths...)

	st := openStore(t, data)
	var slowest time.Duration
	health := func() {
		start := time.Now()
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatalf("health check failed during extraction: %v", err)
		}
		resp.Body.Close()
		slowest = max(slowest, time.Since(start))
	}
	rows := waitJobs(t, st, len(paths), 8*time.Minute, health)
	if slowest > 2*time.Second {
		t.Errorf("slowest /healthz answer during extraction took %s", slowest)
	}
	t.Logf("slowest /healthz answer: %s", slowest)
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.ExtractStatus]++
		t.Logf("%-45s %-10s job=%s %s", filepath.Base(r.Filename), r.ExtractStatus, r.Job.Status, r.Job.Error)
		switch {
		case r.ExtractStatus == "ok":
			if r.Job.Status != "done" {
				t.Errorf("%s: text extracted but job %s: %s", r.Filename, r.Job.Status, r.Job.Error)
			}
		case refusals[r.ExtractStatus]:
			if r.Job.Status != "failed" || r.Job.Error == "" {
				t.Errorf("%s: refused as %s but job is %s with reason %q", r.Filename, r.ExtractStatus, r.Job.Status, r.Job.Error)
			}
		default:
			t.Errorf("%s: status %q is not a specific status", r.Filename, r.ExtractStatus)
		}
	}
	t.Logf("statuses: %v", counts)
	if counts["ok"] == 0 || len(counts) < 4 {
		t.Errorf("expected a mix of ok and several refusal statuses, got %v", counts)
	}
}
