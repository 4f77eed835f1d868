package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"precis/storage"
	"precis/summarize/llm"
)

// Metrics is the Prometheus registry of one server: its own (not the global one), with the Go
// runtime and process collectors, HTTP request latency, model calls and, read from the store
// at every scrape, jobs and documents. It implements llm.CallObserver.
type Metrics struct {
	reg          *prometheus.Registry
	log          *slog.Logger
	requests     *prometheus.HistogramVec
	calls        *prometheus.HistogramVec
	promptTokens *prometheus.CounterVec
	outputTokens *prometheus.CounterVec
}

// NewMetrics returns the registry of a server of the given version; a nil logger means
// slog.Default(). Call WatchStore to add the job and document gauges.
func NewMetrics(version string, logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.Default()
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: logger,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "precis_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method, route pattern and status class.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "code"}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "precis_model_call_duration_seconds",
			Help: "Wall time of model calls (waiting for a slot included), by provider and outcome.",
			// 0.25s to about 17 minutes: a small local model answers in seconds, a long
			// chunk on a CPU in minutes.
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 13),
		}, []string{"provider", "outcome"}),
		promptTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precis_model_prompt_tokens_total",
			Help: "Prompt tokens the model servers reported, by provider and outcome.",
		}, []string{"provider", "outcome"}),
		outputTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "precis_model_output_tokens_total",
			Help: "Output tokens the model servers reported, by provider and outcome.",
		}, []string{"provider", "outcome"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "precis_build_info",
		Help:        "Always 1; the labels say which Precis runs.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	build.Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build, m.requests, m.calls, m.promptTokens, m.outputTokens,
	)
	return m
}

// WatchStore adds the gauges read from store at each scrape: jobs by status, the queue depth
// and documents by extraction status. Call it once.
func (m *Metrics) WatchStore(store *storage.Store) {
	m.reg.MustRegister(&storeCollector{store: store})
}

// ObserveCall implements llm.CallObserver.
func (m *Metrics) ObserveCall(s llm.CallStats) {
	m.calls.WithLabelValues(s.Provider, s.Outcome).Observe(s.Duration.Seconds())
	m.promptTokens.WithLabelValues(s.Provider, s.Outcome).Add(float64(s.PromptTokens))
	m.outputTokens.WithLabelValues(s.Provider, s.Outcome).Add(float64(s.OutputTokens))
}

// observeRequest records one served request; route is a pattern, never a raw path.
func (m *Metrics) observeRequest(method, route string, status int, took time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status/100)+"xx").Observe(took.Seconds())
}

// Handler serves the metrics in the Prometheus text format. With a token, it answers 401
// unless the request carries "Authorization: Bearer <token>"; the comparison takes the same
// time whatever the token sent. A store that cannot be read leaves its gauges out of the
// scrape (and logs why) instead of failing the whole scrape.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      promLogger{m.log},
		ErrorHandling: promhttp.ContinueOnError,
	})
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got)) // equal lengths: the comparison leaks nothing
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="precis metrics"`)
			http.Error(w, "Metrics need the bearer token set in PRECIS_METRICS_TOKEN.", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// promLogger hands promhttp's errors to slog.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Error("metrics", slog.String("err", strings.TrimSpace(fmt.Sprintln(v...))))
}

// storeCollector reads the job and document counts at scrape time.
type storeCollector struct{ store *storage.Store }

// storeScrapeTimeout bounds the store queries of one scrape.
const storeScrapeTimeout = 5 * time.Second

var (
	jobsDesc = prometheus.NewDesc("precis_jobs",
		"Summarization jobs by status.", []string{"status"}, nil)
	queueDesc = prometheus.NewDesc("precis_job_queue_depth",
		"Jobs a worker could claim now: queued, or running with an expired lease.", nil, nil)
	documentsDesc = prometheus.NewDesc("precis_documents",
		"Documents by extraction status (pending until extracted).", []string{"extract_status"}, nil)
)

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- queueDesc
	ch <- documentsDesc
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), storeScrapeTimeout)
	defer cancel()
	st, err := c.store.Stats(ctx)
	if err != nil {
		for _, d := range []*prometheus.Desc{jobsDesc, queueDesc, documentsDesc} {
			ch <- prometheus.NewInvalidMetric(d, fmt.Errorf("read the store: %w", err))
		}
		return
	}
	for status, n := range st.JobsByStatus {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), status)
	}
	ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(st.QueueDepth))
	for status, n := range st.DocumentsByExtractStatus {
		ch <- prometheus.MustNewConstMetric(documentsDesc, prometheus.GaugeValue, float64(n), status)
	}
}
