package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"precis/storage"
	"precis/summarize/llm/ollamatest"
)

const metricsToken = "e2e-metrics-token-0123456789"

// get requests url with the given header pairs and returns the status, body and response.
func get(t *testing.T, url string, header ...string) (int, string, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

// scrapeMetrics reads and parses url's metrics with the bearer token.
func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body, _ := get(t, url, "Authorization", "Bearer "+metricsToken)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s", url, code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("metrics are not in the text format: %v", err)
	}
	return fams
}

// metric returns the value (a histogram's sample count) of the series of name with labels.
func metric(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		for k, v := range labels {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == k && l.GetValue() == v)
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

// jsonLines returns the server's JSON log lines (its stdout banner is skipped).
func jsonLines(t *testing.T, s *server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(s.out.String(), "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, l)
		}
		out = append(out, m)
	}
	return out
}

// TestOpsEndpoints runs the real server with the built-in summarizer: /readyz, /metrics before
// and after a real job, request ids in responses and JSON log lines, and no file name in the logs.
func TestOpsEndpoints(t *testing.T) {
	data := t.TempDir()
	srv := startPrecis(t, data, "PRECIS_OLLAMA_URL=off", "PRECIS_PROVIDER=builtin", "PRECIS_LOG_FORMAT=json",
		"PRECIS_METRICS_TOKEN="+metricsToken)

	if code, body, _ := get(t, srv.URL+"/readyz"); code != http.StatusOK || body != "ready" {
		t.Errorf("GET /readyz = %d %q, want 200 ready", code, body)
	}
	if code, _, resp := get(t, srv.URL+"/metrics"); code != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("GET /metrics without the token = %d, want 401 with a challenge", code)
	}
	before := scrapeMetrics(t, srv.URL+"/metrics")
	if n := metric(before, "precis_jobs", map[string]string{"status": "done"}); n != 0 {
		t.Errorf("precis_jobs{status=done} = %v before any upload, want 0", n)
	}

	code, _, resp := get(t, srv.URL+"/documents", "X-Request-Id", "e2e-req-42", "Authorization", "Bearer "+srv.Token)
	if code != http.StatusOK || resp.Header.Get("X-Request-Id") != "e2e-req-42" {
		t.Errorf("GET /documents = %d with X-Request-Id %q, want the client's id echoed", code, resp.Header.Get("X-Request-Id"))
	}

	file := corpus(t, "contracts", "Example-Mutual-Non-Disclosure-Agreement.pdf")
	srv.upload(t, file)
	st := openStore(t, data)
	rows := waitJobs(t, st, 1, 2*time.Minute, nil)
	if rows[0].Job.Status != storage.JobDone {
		t.Fatalf("job %+v, want done", rows[0].Job)
	}

	after := scrapeMetrics(t, srv.URL+"/metrics")
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"precis_jobs", map[string]string{"status": "done"}, 1},
		{"precis_jobs", map[string]string{"status": "queued"}, 0},
		{"precis_job_queue_depth", nil, 0},
		{"precis_documents", map[string]string{"extract_status": "ok"}, 1},
		{"precis_http_request_duration_seconds", map[string]string{"method": "POST", "route": "/documents", "code": "3xx"}, 1},
	} {
		if got := metric(after, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v after the job, want %v", c.name, c.labels, got, c.want)
		}
	}
	if metric(after, "go_goroutines", nil) <= 0 || metric(after, "process_resident_memory_bytes", nil) <= 0 {
		t.Error("the Go or process collector is missing")
	}

	var access map[string]any
	for _, l := range jsonLines(t, srv) {
		if l["msg"] == "request" && l["request_id"] == "e2e-req-42" {
			access = l
		}
		if l["msg"] == "request" && l["request_id"] == nil {
			t.Errorf("access line without request_id: %v", l)
		}
	}
	if access == nil || access["route"] != "/documents" || access["status"] != float64(200) {
		t.Errorf("access line of the request with id e2e-req-42: %v", access)
	}
	name := filepath.Base(file)
	if strings.Contains(srv.out.String(), strings.TrimSuffix(name, ".pdf")) {
		t.Errorf("the uploaded file's name %q appears in the server output", name)
	}
}

// TestMetricsOwnAddress serves metrics on PRECIS_METRICS_ADDR only: the public address has no
// /metrics, the metrics address has nothing else.
func TestMetricsOwnAddress(t *testing.T) {
	maddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := startPrecis(t, t.TempDir(), "PRECIS_OLLAMA_URL=off", "PRECIS_METRICS_ADDR="+maddr,
		"PRECIS_METRICS_TOKEN="+metricsToken)
	if code, _, _ := get(t, srv.URL+"/metrics", "Authorization", "Bearer "+metricsToken); code != http.StatusNotFound {
		t.Errorf("public GET /metrics = %d, want 404 when metrics have their own address", code)
	}
	if code, _, _ := get(t, "http://"+maddr+"/metrics"); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics on the metrics address without the token = %d, want 401", code)
	}
	if fams := scrapeMetrics(t, "http://"+maddr+"/metrics"); metric(fams, "precis_job_queue_depth", nil) != 0 {
		t.Error("precis_job_queue_depth missing on the metrics address")
	}
	if code, _, _ := get(t, "http://"+maddr+"/documents"); code != http.StatusNotFound {
		t.Errorf("GET /documents on the metrics address = %d, want 404", code)
	}
}

// TestReadyzProviderDown: with --provider ollama and no Ollama server, the server is alive
// (/healthz) but not ready.
func TestReadyzProviderDown(t *testing.T) {
	gone := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	srv := startPrecis(t, t.TempDir(), "PRECIS_OLLAMA_URL="+gone, "PRECIS_PROVIDER=ollama")
	if code, body, _ := get(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable || body != "a classification label has no reachable model provider" {
		t.Errorf("GET /readyz = %d %q, want 503 a classification label has no reachable model provider", code, body)
	}
	if code, _, _ := get(t, srv.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200: the process is alive", code)
	}
}

// terminate sends SIGTERM and waits for the process to exit, returning how long it took.
func (s *server) terminate(t *testing.T, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(limit):
		t.Fatalf("precis did not exit within %s of SIGTERM", limit)
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	return time.Since(start)
}

// waitChunks polls until the only document's job has at least n chunks done.
func waitChunks(t *testing.T, st *storage.Store, n int) *storage.Job {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		rows, err := st.ListDocuments(t.Context(), storage.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 && rows[0].Job != nil && rows[0].Job.ChunksDone >= n {
			return rows[0].Job
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job never got %d chunks done", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// walSize is the size of the WAL file beside the database, 0 when there is none.
func walSize(t *testing.T, dataDir string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dataDir, "precis.db-wal"))
	if os.IsNotExist(err) {
		return 0
	} else if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestGracefulShutdownFinishesJob: SIGTERM in the middle of a job with a real Ollama server
// and a generous timeout lets the job finish before the process exits, the WAL checkpointed.
func TestGracefulShutdownFinishesJob(t *testing.T) {
	o := ollamatest.Start(t)
	data := t.TempDir()
	srv := startPrecis(t, data, ollamaEnv(o, "PRECIS_OLLAMA_SLOTS=1", "PRECIS_SHUTDOWN_TIMEOUT=5m", "PRECIS_METRICS_TOKEN="+metricsToken)...)
	if code, body, _ := get(t, srv.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("GET /readyz with a real Ollama server = %d %q, want 200", code, body)
	}
	srv.upload(t, corpus(t, "contracts", longContract))
	st := openStore(t, data)
	before := waitChunks(t, st, 1)
	if before.ChunksDone >= before.ChunksTotal {
		t.Fatalf("job finished before SIGTERM (%d chunks); the test needs a longer document", before.ChunksTotal)
	}
	fams := scrapeMetrics(t, srv.URL+"/metrics")
	if n := metric(fams, "precis_model_call_duration_seconds", map[string]string{"provider": "ollama", "outcome": "ok"}); n < 1 {
		t.Errorf("model calls observed: %v, want at least the first map call", n)
	}
	if n := metric(fams, "precis_model_prompt_tokens_total", map[string]string{"provider": "ollama", "outcome": "ok"}); n <= 0 {
		t.Errorf("prompt tokens counted: %v, want some", n)
	}

	took := srv.terminate(t, 5*time.Minute)
	rows, err := st.ListDocuments(t.Context(), storage.DocumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	job := rows[0].Job
	if job.Status != storage.JobDone || job.Attempts != 1 {
		t.Errorf("after a graceful shutdown the job is %s after %d attempts, want done in 1", job.Status, job.Attempts)
	}
	out := srv.out.String()
	for _, want := range []string{"shutting down", "shutdown: stopped taking requests", "shutdown: running jobs finished",
		"shutdown: WAL checkpointed", "shutdown: store closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	if n := walSize(t, data); n != 0 {
		t.Errorf("WAL is %d bytes after shutdown, want it checkpointed into the database", n)
	}
	t.Logf("SIGTERM after %d of %d chunks; the job finished and the process exited %s later", before.ChunksDone, job.ChunksTotal, took.Round(time.Millisecond))
}

// TestGracefulShutdownDeadline: past PRECIS_SHUTDOWN_TIMEOUT the running job is stopped and
// its lease released; the next start resumes it at once (no lease to wait out) and finishes it
// without sending a saved chunk to the model again.
func TestGracefulShutdownDeadline(t *testing.T) {
	o := ollamatest.Start(t)
	data := t.TempDir()
	// A long lease: a resume that had to wait for it to run out would miss the deadline below.
	env := ollamaEnv(o, "PRECIS_OLLAMA_SLOTS=1", "PRECIS_JOB_LEASE=10m", "PRECIS_SHUTDOWN_TIMEOUT=1s")
	srv := startPrecis(t, data, env...)
	srv.upload(t, corpus(t, "contracts", longContract))
	st := openStore(t, data)
	before := waitChunks(t, st, 2)
	took := srv.terminate(t, 30*time.Second)
	if before.ChunksDone >= before.ChunksTotal {
		t.Fatalf("job finished before SIGTERM (%d chunks); the test needs a longer document", before.ChunksTotal)
	}
	rows, err := st.ListDocuments(t.Context(), storage.DocumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	job := rows[0].Job
	if job.Status != storage.JobQueued || job.LeaseOwner != "" || job.Attempts != 1 {
		t.Fatalf("after the deadline the job is %s (lease %q, %d attempts), want queued with its lease released",
			job.Status, job.LeaseOwner, job.Attempts)
	}
	if !strings.Contains(srv.out.String(), "shutdown: timeout reached") {
		t.Error("the log does not say the timeout stopped the running job")
	}
	saved := 0
	for _, c := range modelCalls(t, st) {
		if c.Details["phase"] == "map" && c.Outcome == "ok" {
			saved++
		}
	}

	restart := time.Now()
	startPrecis(t, data, env...)
	rows = waitJobs(t, st, 1, 5*time.Minute, nil)
	checkSummary(t, st, rows[0], "ollama")
	job = rows[0].Job
	if job.Attempts != 2 {
		t.Errorf("job attempts = %d, want 2: one before SIGTERM, one after the restart", job.Attempts)
	}
	checkEachChunkOnce(t, st, job)
	t.Logf("SIGTERM after %d of %d chunks (%d saved); exited in %s; the restart finished the job in %s",
		before.ChunksDone, job.ChunksTotal, saved, took.Round(time.Millisecond), time.Since(restart).Round(time.Millisecond))
}
