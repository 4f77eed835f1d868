// Package openaitest runs a real HTTP server that speaks the OpenAI chat completions API
// (POST /v1/chat/completions, streamed as server-sent events or not, and GET /v1/models),
// records every request it receives, and answers with content built from the request's JSON
// schema. Options inject the failures a real server produces: error statuses, delays, replies
// stopped by the token limit or a content filter, and streams cut mid-reply.
package openaitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// ModelName is the model the server serves unless Models says otherwise.
const ModelName = "openaitest-model"

// Recorder is a running server and the requests it has received.
type Recorder struct {
	srv *httptest.Server

	mu       sync.Mutex
	cfg      config
	requests []*Recorded
	seq      int
}

// ReplyFunc produces the content and finish reason of a chat reply; an empty finish reason
// means "stop".
type ReplyFunc func(Recorded) (content string, finishReason string)

type config struct {
	models     []string
	context    int
	key        string
	failN      int
	failStatus int
	retryAfter time.Duration
	delay      time.Duration
	chunkDelay time.Duration
	finish     string
	cutN       int
	reply      ReplyFunc
}

// Option changes how the server answers.
type Option func(*config)

// Models sets the model ids the server serves; a chat request for another model gets 404
// model_not_found, as from OpenAI.
func Models(ids ...string) Option { return func(c *config) { c.models = ids } }

// ContextLength makes the server report n as max_model_len in /v1/models (as vLLM does) and
// refuse with 400 context_length_exceeded a request whose prompt plus reply limit exceeds it.
// The default, 0, reports nothing and enforces nothing (as OpenAI's /v1/models).
func ContextLength(n int) Option { return func(c *config) { c.context = n } }

// RequireKey makes the server answer 401 invalid_api_key to any request that does not carry
// "Authorization: Bearer key". The 401 message quotes the key that was sent, the way a
// careless server would, so that tests can check a client never repeats it.
func RequireKey(key string) Option { return func(c *config) { c.key = key } }

// FailNext makes the next n requests (any path) answer status with an OpenAI-style error body.
func FailNext(n, status int) Option {
	return func(c *config) { c.failN, c.failStatus = n, status }
}

// RetryAfter adds Retry-After and retry-after-ms headers of d to the failures of FailNext.
func RetryAfter(d time.Duration) Option { return func(c *config) { c.retryAfter = d } }

// Delay holds every chat reply back for d before the status line is sent; a request whose
// client goes away stops waiting.
func Delay(d time.Duration) Option { return func(c *config) { c.delay = d } }

// ChunkDelay waits d between the streamed chunks of a reply.
func ChunkDelay(d time.Duration) Option { return func(c *config) { c.chunkDelay = d } }

// FinishReason makes every chat reply end with reason ("length", "content_filter", ...)
// whatever its content.
func FinishReason(reason string) Option { return func(c *config) { c.finish = reason } }

// CutStream makes the next n chat replies stop half-way: the server sends part of the reply
// (streamed or not) and closes the connection without a finish reason.
func CutStream(n int) Option { return func(c *config) { c.cutN = n } }

// Reply sets the function that writes chat replies, instead of the schema-built ones.
func Reply(f ReplyFunc) Option { return func(c *config) { c.reply = f } }

// Start runs a server for the test and closes it when the test ends.
func Start(t testing.TB, opts ...Option) *Recorder {
	t.Helper()
	r := &Recorder{cfg: config{models: []string{ModelName}}}
	r.Configure(opts...)
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// URL is the base URL clients use, ending in /v1.
func (r *Recorder) URL() string { return r.srv.URL + "/v1" }

// Configure applies opts to the running server; they add to (or replace) the earlier ones.
func (r *Recorder) Configure(opts ...Option) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range opts {
		o(&r.cfg)
	}
}

// Requests returns copies of the requests received so far, in arrival order.
func (r *Recorder) Requests() []Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Recorded, len(r.requests))
	for i, rec := range r.requests {
		out[i] = rec.clone()
	}
	return out
}

// Count is how many requests the server has received.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// Reset forgets the requests received so far; the options stay.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = nil
	r.seq = 0
}

// record stores the request and returns it with the configuration in force for it; failing
// reports whether a FailNext failure is spent on it, cut whether a CutStream cut is. A request
// refused for its key spends neither.
func (r *Recorder) record(req *http.Request, body []byte) (rec *Recorded, cfg config, failing, cut bool) {
	rec = &Recorded{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: body}
	if auth := rec.Header.Get("Authorization"); auth != "" || len(rec.Header.Values("Authorization")) > 0 {
		rec.HasAuth = true
		rec.APIKey, _ = strings.CutPrefix(auth, "Bearer ")
	}
	rec.Header.Del("Authorization")
	if req.Method == http.MethodPost && req.URL.Path == "/v1/chat/completions" {
		var chat ChatRequest
		if json.Unmarshal(body, &chat) == nil {
			rec.Chat = &chat
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	rec.Seq = r.seq
	r.requests = append(r.requests, rec)
	cfg = r.cfg
	if cfg.key != "" && rec.APIKey != cfg.key {
		return rec, cfg, false, false
	}
	if r.cfg.failN > 0 {
		r.cfg.failN--
		failing = true
	}
	if !failing && rec.Chat != nil && r.cfg.cutN > 0 {
		r.cfg.cutN--
		cut = true
	}
	return rec, cfg, failing, cut
}

func (r *Recorder) setStatus(rec *Recorded, status int) {
	r.mu.Lock()
	rec.Status = status
	r.mu.Unlock()
}

func (r *Recorder) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return // the client went away while sending
	}
	rec, cfg, failing, cut := r.record(req, body)
	a := &answer{w: w, req: req, rec: rec, cfg: cfg, r: r}
	switch {
	case cfg.key != "" && rec.APIKey != cfg.key:
		a.fail(http.StatusUnauthorized, "Incorrect API key provided: "+rec.APIKey+".", "invalid_request_error", "invalid_api_key")
	case failing:
		a.injected(cfg.failStatus)
	case req.URL.Path == "/v1/models":
		if req.Method != http.MethodGet {
			a.fail(http.StatusMethodNotAllowed, "Method not allowed: use GET /v1/models.", "invalid_request_error", "method_not_allowed")
			return
		}
		a.models()
	case req.URL.Path == "/v1/chat/completions":
		if req.Method != http.MethodPost {
			a.fail(http.StatusMethodNotAllowed, "Method not allowed: use POST /v1/chat/completions.", "invalid_request_error", "method_not_allowed")
			return
		}
		a.chat(cut)
	default:
		a.fail(http.StatusNotFound, "Invalid URL ("+req.Method+" "+req.URL.Path+")", "invalid_request_error", "unknown_url")
	}
}
