package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"precis/storage"
	"precis/summarize/llm"
)

// opsEnv is a web interface with operational settings, logging JSON lines into logs.
type opsEnv struct {
	e      *echo.Echo
	store  *storage.Store
	logs   *syncBuf
	matter int64
	token  string // an admin's API token, sent with every request but /metrics
}

// syncBuf is a log sink the server goroutines and the test share.
type syncBuf struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func newSyncBuf() *syncBuf { return &syncBuf{mu: make(chan struct{}, 1)} }

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

func (b *syncBuf) String() string {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.String()
}

func slogJSON(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// lines returns the JSON log lines written so far.
func (b *syncBuf) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
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

func newOpsEnv(t *testing.T, ops Ops) *opsEnv {
	t.Helper()
	dir := t.TempDir()
	store, err := storage.Open(context.Background(), filepath.Join(dir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := newSyncBuf()
	h := New(store, nil, Config{DataDir: dir}, slogJSON(logs))
	if ops.Metrics != nil {
		ops.Metrics.WatchStore(store)
	}
	h.SetOps(ops)
	e := echo.New()
	h.Register(e)
	matter := testMatter(t, store, "C-1", "M-1")
	_, tok := testUser(t, store, "ops", true, matter)
	return &opsEnv{e: e, store: store, logs: logs, matter: matter, token: tok}
}

func (v *opsEnv) get(path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if path != "/metrics" {
		req.Header.Set("Authorization", "Bearer "+v.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	v.e.ServeHTTP(rec, req)
	return rec
}

// closedPortURL is the URL of a local port nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

func TestReadyz(t *testing.T) {
	t.Run("ready", func(t *testing.T) {
		v := newOpsEnv(t, Ops{})
		rec := v.get("/readyz")
		if rec.Code != http.StatusOK || rec.Body.String() != "ready" {
			t.Errorf("GET /readyz = %d %q, want 200 ready", rec.Code, rec.Body.String())
		}
	})

	t.Run("model provider down", func(t *testing.T) {
		o, err := llm.NewOllama(llm.OllamaConfig{URL: closedPortURL(t), Model: "m", Slots: 1, MaxContext: 4096, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		v := newOpsEnv(t, Ops{Ready: []ReadyCheck{{Reason: "no model provider reachable", Check: o.Reachable}}})
		rec := v.get("/readyz")
		if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "no model provider reachable" {
			t.Errorf("GET /readyz = %d %q, want 503 no model provider reachable", rec.Code, rec.Body.String())
		}
		if !strings.Contains(v.logs.String(), "cannot be reached") {
			t.Errorf("the log does not say why the provider check failed:\n%s", v.logs.String())
		}
	})

	t.Run("database not writable", func(t *testing.T) {
		called := false
		v := newOpsEnv(t, Ops{Ready: []ReadyCheck{{Reason: "later check", Check: func(context.Context) error {
			called = true
			return nil
		}}}})
		if err := v.store.Close(); err != nil {
			t.Fatal(err)
		}
		rec := v.get("/readyz")
		if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "database not writable" {
			t.Errorf("GET /readyz = %d %q, want 503 database not writable and nothing more", rec.Code, rec.Body.String())
		}
		if called {
			t.Error("checks after a failed one ran")
		}
		if rec := v.get("/healthz"); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("GET /healthz with the store closed = %d, want 503", rec.Code)
		}
	})

	t.Run("evaluated once per second whatever the callers", func(t *testing.T) {
		calls := 0
		v := newOpsEnv(t, Ops{Ready: []ReadyCheck{{Reason: "x", Check: func(context.Context) error {
			calls++
			return nil
		}}}})
		for range 20 {
			if rec := v.get("/readyz"); rec.Code != http.StatusOK {
				t.Fatalf("GET /readyz = %d", rec.Code)
			}
		}
		if calls != 1 {
			t.Errorf("20 requests within a second ran the checks %d times, want 1", calls)
		}
	})
}

// scrape parses a /metrics response.
func scrape(t *testing.T, rec *httptest.ResponseRecorder) map[string]*dto.MetricFamily {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", rec.Code, rec.Body.String())
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("metrics are not in the text format: %v", err)
	}
	return fams
}

// value returns the value of the series of family name whose labels include want, and
// whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsNeedAToken(t *testing.T) {
	v := newOpsEnv(t, Ops{Metrics: NewMetrics("test", nil)})
	if rec := v.get("/metrics"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics without a token configured = %d, want 404: metrics stay off the public address", rec.Code)
	}

	const token = "s3cret-token-0123456789"
	v = newOpsEnv(t, Ops{Metrics: NewMetrics("test", nil), MetricsToken: token})
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + token + "x", "Basic " + token, token} {
		rec := v.get("/metrics", "Authorization", auth)
		if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: %d, want 401 with a Bearer challenge", auth, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "go_goroutines") {
			t.Errorf("Authorization %q: metrics served", auth)
		}
	}
	fams := scrape(t, v.get("/metrics", "Authorization", "Bearer "+token))
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("the Go collector is missing")
	}
	if _, ok := fams["process_resident_memory_bytes"]; !ok {
		t.Error("the process collector is missing")
	}
	if n, ok := value(fams, "precis_build_info", map[string]string{"version": "test"}); !ok || n != 1 {
		t.Error("precis_build_info{version=test} is not 1")
	}
}

func TestMetricsContent(t *testing.T) {
	const token = "s3cret-token-0123456789"
	m := NewMetrics("test", nil)
	v := newOpsEnv(t, Ops{Metrics: m, MetricsToken: token})
	ctx := context.Background()
	for _, name := range []string{"a", "b"} {
		d := &storage.Document{SHA256: strings.Repeat(name, 64), Filename: name + ".pdf", StoredName: name + ".pdf", Size: 1,
			MatterID: v.matter}
		if _, err := v.store.CreateDocument(ctx, d, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := v.store.CreateJob(ctx, d.ID, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.store.SaveExtraction(ctx, 1, storage.ExtractNoText, "", nil); err != nil {
		t.Fatal(err)
	}
	v.get("/documents/1/summary")
	v.get("/documents/2/summary")
	v.get("/no/such/page/12345")
	m.ObserveCall(llm.CallStats{Provider: "ollama", Model: "m", Outcome: "ok", Duration: 3 * time.Second, PromptTokens: 900, OutputTokens: 120})
	m.ObserveCall(llm.CallStats{Provider: "ollama", Model: "m", Outcome: "timeout", Duration: time.Minute})

	rec := v.get("/metrics", "Authorization", "Bearer "+token)
	fams := scrape(t, rec)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"precis_jobs", map[string]string{"status": "queued"}, 2},
		{"precis_jobs", map[string]string{"status": "done"}, 0},
		{"precis_job_queue_depth", nil, 2},
		{"precis_documents", map[string]string{"extract_status": "pending"}, 1},
		{"precis_documents", map[string]string{"extract_status": "no_text"}, 1},
		{"precis_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/documents/:id/summary"}, 2},
		{"precis_http_request_duration_seconds", map[string]string{"route": "unmatched", "code": "4xx"}, 1},
		{"precis_model_call_duration_seconds", map[string]string{"provider": "ollama", "outcome": "ok"}, 1},
		{"precis_model_call_duration_seconds", map[string]string{"provider": "ollama", "outcome": "timeout"}, 1},
		{"precis_model_prompt_tokens_total", map[string]string{"provider": "ollama", "outcome": "ok"}, 900},
		{"precis_model_output_tokens_total", map[string]string{"provider": "ollama", "outcome": "ok"}, 120},
	} {
		if got, ok := value(fams, tc.name, tc.labels); !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if body := rec.Body.String(); strings.Contains(body, "/documents/1") || strings.Contains(body, "12345") {
		t.Error("a raw request path made it into the metric labels")
	}
}

func TestRequestIDAndAccessLog(t *testing.T) {
	v := newOpsEnv(t, Ops{})
	given := "edge-4f1c2a.9_b"
	rec := v.get("/documents?q=privileged+merger", "X-Request-Id", given)
	if got := rec.Header().Get("X-Request-Id"); got != given {
		t.Errorf("X-Request-Id = %q, want the client's %q echoed", got, given)
	}
	for _, bad := range []string{"two words", "new\nline", strings.Repeat("a", 129), `"quoted"`} {
		rec := v.get("/healthz", "X-Request-Id", bad)
		if got := rec.Header().Get("X-Request-Id"); got == bad || len(got) != 32 {
			t.Errorf("malformed id %q: answered %q, want a new 32-character id", bad, got)
		}
	}
	a, b := v.get("/healthz").Header().Get("X-Request-Id"), v.get("/healthz").Header().Get("X-Request-Id")
	if a == b || len(a) != 32 {
		t.Errorf("generated ids %q and %q: want distinct 32-character ids", a, b)
	}

	// A handler's own log line carries the request id too.
	if err := v.store.Close(); err != nil {
		t.Fatal(err)
	}
	failing := v.get("/healthz", "X-Request-Id", "probe-7")

	var access, handlerLine map[string]any
	for _, l := range v.logs.lines(t) {
		if l["msg"] == "request" && l["request_id"] == given {
			access = l
		}
		if l["msg"] == "health check: database" {
			handlerLine = l
		}
	}
	if access == nil {
		t.Fatalf("no access log line with request_id %q:\n%s", given, v.logs.String())
	}
	if access["method"] != "GET" || access["route"] != "/documents" || access["status"] != float64(200) ||
		access["bytes"] == nil || access["duration_ms"] == nil {
		t.Errorf("access line %v: want method, route pattern, status, bytes and duration", access)
	}
	if strings.Contains(v.logs.String(), "privileged") {
		t.Error("the query string was logged")
	}
	if failing.Code != http.StatusServiceUnavailable || handlerLine == nil || handlerLine["request_id"] != "probe-7" {
		t.Errorf("handler log line %v: want request_id probe-7", handlerLine)
	}
}
