package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"precis/summarize/llm"
	"precis/summarize/llm/openaitest"
)

// TestOpenAIFaults maps each failure a server can produce to the error kind the engine acts
// on, and checks how many requests the provider spent on it (Retries is 2: 3 at most).
func TestOpenAIFaults(t *testing.T) {
	tests := []struct {
		name      string
		opts      []openaitest.Option
		cfg       llm.OpenAIConfig
		prompt    string
		wantKind  llm.Kind
		wantMsg   string
		wantCalls int
	}{
		{name: "ok", wantCalls: 1},
		{name: "wrong key", opts: []openaitest.Option{openaitest.RequireKey("sk-other")}, cfg: llm.OpenAIConfig{APIKey: testKey},
			wantKind: llm.KindBadReply, wantMsg: "refused the API key (HTTP 401)", wantCalls: 1},
		{name: "no key", opts: []openaitest.Option{openaitest.RequireKey("sk-other")},
			wantKind: llm.KindBadReply, wantMsg: "requires an API key (HTTP 401) and none is configured", wantCalls: 1},
		{name: "forbidden", opts: []openaitest.Option{openaitest.FailNext(9, 403)},
			wantKind: llm.KindBadReply, wantMsg: "refused access with this API key (HTTP 403)", wantCalls: 1},
		{name: "model not found", cfg: llm.OpenAIConfig{Model: "gpt-nothing"},
			wantKind: llm.KindModelNotFound, wantMsg: `model "gpt-nothing" is not available`, wantCalls: 1},
		{name: "busy then ok", opts: []openaitest.Option{openaitest.FailNext(2, 429)}, wantCalls: 3},
		{name: "rate limited throughout", opts: []openaitest.Option{openaitest.FailNext(9, 429)},
			wantKind: llm.KindUnavailable, wantMsg: "rate limiting", wantCalls: 3},
		{name: "server failing", opts: []openaitest.Option{openaitest.FailNext(9, 500)},
			wantKind: llm.KindUnavailable, wantMsg: "answered 500", wantCalls: 3},
		{name: "gateway down then ok", opts: []openaitest.Option{openaitest.FailNext(1, 502)}, wantCalls: 2},
		{name: "retry-after beyond reason", opts: []openaitest.Option{openaitest.FailNext(9, 503), openaitest.RetryAfter(90 * time.Second)},
			cfg: llm.OpenAIConfig{MaxRetryWait: time.Second}, wantKind: llm.KindUnavailable, wantMsg: "asks to wait 1m30s", wantCalls: 1},
		{name: "reply limit", opts: []openaitest.Option{openaitest.FinishReason("length")},
			wantKind: llm.KindBadReply, wantMsg: "reply limit of 500 tokens", wantCalls: 1},
		{name: "content filter", opts: []openaitest.Option{openaitest.FinishReason("content_filter")},
			wantKind: llm.KindBadReply, wantMsg: "content filter withheld", wantCalls: 1},
		{name: "unexpected finish", opts: []openaitest.Option{openaitest.FinishReason("tool_calls")},
			wantKind: llm.KindBadReply, wantMsg: `reason "tool_calls"`, wantCalls: 1},
		{name: "stream cut then ok", opts: []openaitest.Option{openaitest.CutStream(1)}, wantCalls: 2},
		{name: "stream cut throughout", opts: []openaitest.Option{openaitest.CutStream(9)},
			wantKind: llm.KindIncomplete, wantMsg: "cut off", wantCalls: 3},
		{name: "prompt over the context", opts: []openaitest.Option{openaitest.ContextLength(600)}, prompt: strings.Repeat("clause ", 300),
			wantKind: llm.KindTruncated, wantMsg: "did not fit", wantCalls: 1},
		{name: "bad request", opts: []openaitest.Option{openaitest.FailNext(1, 422)},
			wantKind: llm.KindBadReply, wantMsg: "refused the request (HTTP 422): Unprocessable Entity", wantCalls: 1},
		{name: "wrong base URL", cfg: llm.OpenAIConfig{URL: "/"},
			wantKind: llm.KindBadReply, wantMsg: "no chat/completions endpoint (HTTP 404)", wantCalls: 1},
		{name: "stall past the timeout", opts: []openaitest.Option{openaitest.Delay(5 * time.Second)},
			wantKind: llm.KindTimeout, wantMsg: "did not finish within 300ms", wantCalls: 3},
		{name: "stall mid-stream", opts: []openaitest.Option{openaitest.ChunkDelay(5 * time.Second)},
			wantKind: llm.KindTimeout, wantMsg: "did not finish within 300ms", wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := openaitest.Start(t, tt.opts...)
			cfg := tt.cfg
			switch cfg.URL {
			case "":
				cfg.URL = rec.URL()
			case "/":
				cfg.URL = strings.TrimSuffix(rec.URL(), "/v1")
			}
			cfg.Retries, cfg.Timeout = 2, 300*time.Millisecond
			p := newOpenAI(t, cfg)
			prompt := tt.prompt
			if prompt == "" {
				prompt = "--- page 4 ---\nPayment is due in 30 days."
			}
			resp, err := p.Generate(context.Background(), llm.Request{System: "Summarize.", Prompt: prompt,
				Schema: json.RawMessage(summarySchema), MaxTokens: 500})
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("Generate: %v", err)
				}
				if !json.Valid([]byte(resp.Text)) || resp.PromptTokens == 0 {
					t.Errorf("response %+v", resp)
				}
			} else {
				if llm.KindOf(err) != tt.wantKind {
					t.Fatalf("error %v (kind %d), want kind %d", err, llm.KindOf(err), tt.wantKind)
				}
				if resp.Text != "" {
					t.Errorf("text returned with the error: %q", resp.Text)
				}
				if !strings.Contains(llm.UserMessage(err), tt.wantMsg) {
					t.Errorf("message %q does not contain %q", llm.UserMessage(err), tt.wantMsg)
				}
			}
			if got := rec.Count(); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestOpenAIRetryAfter(t *testing.T) {
	rec := openaitest.Start(t, openaitest.FailNext(1, 503), openaitest.RetryAfter(400*time.Millisecond))
	p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), Retries: 1, Backoff: time.Millisecond})
	start := time.Now()
	if _, err := p.Generate(context.Background(), llm.Request{Prompt: "x"}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 400*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %s; the server asked for 400ms between the calls", took)
	}
	if rec.Count() != 2 {
		t.Errorf("%d requests, want 2", rec.Count())
	}
}

func TestOpenAIUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/v1"
	srv.Close()
	p := newOpenAI(t, llm.OpenAIConfig{URL: url, Retries: 1})
	if _, err := p.Generate(context.Background(), llm.Request{Prompt: "x"}); llm.KindOf(err) != llm.KindUnavailable || !strings.Contains(llm.UserMessage(err), "cannot be reached") {
		t.Errorf("Generate on a closed port: %v", err)
	}
	if _, err := p.Probe(context.Background()); llm.KindOf(err) != llm.KindUnavailable {
		t.Errorf("Probe on a closed port: %v", err)
	}
}

// TestOpenAINotAnAPI points the provider at a web page instead of an API.
func TestOpenAINotAnAPI(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Welcome to nginx!</body></html>")
	}))
	defer srv.Close()
	p := newOpenAI(t, llm.OpenAIConfig{URL: srv.URL})
	_, err := p.Generate(context.Background(), llm.Request{Prompt: "x"})
	if llm.KindOf(err) != llm.KindBadReply || !strings.Contains(llm.UserMessage(err), `"text/html" instead of a stream of events`) {
		t.Errorf("Generate against a web page: %v", err)
	}
}

func TestOpenAICancel(t *testing.T) {
	for _, opt := range []openaitest.Option{openaitest.Delay(5 * time.Second), openaitest.ChunkDelay(5 * time.Second)} {
		rec := openaitest.Start(t, opt)
		p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), Retries: 3})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(150*time.Millisecond, cancel)
		start := time.Now()
		_, err := p.Generate(ctx, llm.Request{Prompt: "x", Schema: json.RawMessage(summarySchema)})
		if !errors.Is(err, context.Canceled) || llm.KindOf(err) != 0 {
			t.Errorf("cancelled call: %v (kind %d), want context.Canceled", err, llm.KindOf(err))
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("cancelled call returned after %s", took)
		}
		if rec.Count() != 1 {
			t.Errorf("%d requests; a cancelled call must not be retried", rec.Count())
		}
	}
	// Cancelled while waiting to retry.
	rec := openaitest.Start(t, openaitest.FailNext(9, 503), openaitest.RetryAfter(5*time.Second))
	p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), Retries: 3})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	if _, err := p.Generate(ctx, llm.Request{Prompt: "x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during the retry wait: %v", err)
	}
}

// TestOpenAIKeyNeverLeaks provokes every kind of failure with a server that repeats the key
// it received, and looks for the key in every string the errors and the provider produce.
func TestOpenAIKeyNeverLeaks(t *testing.T) {
	const key = "sk-proj-LEAKCHECK-0123456789abcdef"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":"bad header %s","type":"invalid_request_error","code":null}}`, r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	var errs []error
	for _, opts := range [][]openaitest.Option{
		{openaitest.RequireKey("sk-other")}, // 401 quoting the key
		{openaitest.FailNext(9, 403)},
		{openaitest.FailNext(9, 500)},
		{openaitest.CutStream(9)},
		{openaitest.Delay(5 * time.Second)},
		{openaitest.FinishReason("length")},
	} {
		rec := openaitest.Start(t, opts...)
		p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), APIKey: key, Retries: 1, Timeout: 200 * time.Millisecond})
		_, err := p.Generate(context.Background(), llm.Request{Prompt: "x"})
		errs = append(errs, err)
		if _, err := p.Probe(context.Background()); err != nil { // a probe accepts a reply cut by its limit
			errs = append(errs, err)
		}
		if len(rec.Requests()) == 0 || rec.Requests()[0].APIKey != key {
			t.Fatalf("the key was not sent: %+v", rec.Requests())
		}
	}
	for _, url := range []string{echo.URL + "/v1", closed.URL + "/v1"} {
		p := newOpenAI(t, llm.OpenAIConfig{URL: url, APIKey: key})
		_, err := p.Generate(context.Background(), llm.Request{Prompt: "x"})
		errs = append(errs, err)
	}
	if !strings.Contains(llm.UserMessage(errs[len(errs)-2]), "bad header Bearer [redacted]") {
		t.Errorf("the echoing server's message: %q", llm.UserMessage(errs[len(errs)-2]))
	}

	cfg := llm.OpenAIConfig{Name: "cloud", URL: "https://api.openai.com/v1", Model: "gpt-4.1", APIKey: key}
	p, err := llm.NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	texts := []string{p.Name(), fmt.Sprintf("%v %+v %#v %s", p, p, p, p), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg)}
	log.Info("provider", slog.Any("p", p), slog.Any("cfg", cfg))
	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		texts = append(texts, err.Error(), llm.UserMessage(err), fmt.Sprintf("%v %+v", err, err))
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
			texts = append(texts, u.Error())
		}
		log.Error("call failed", slog.Any("err", err), slog.String("msg", err.Error()))
	}
	texts = append(texts, logs.String())
	for _, s := range texts {
		if strings.Contains(s, key) || strings.Contains(s, "LEAKCHECK") {
			t.Errorf("the key leaks: %s", s)
		}
	}
}

// TestOpenAIOtherServerShapes covers what other OpenAI-compatible servers send: an error event
// in the middle of a stream, and error bodies that are not OpenAI's {"error": {...}}.
func TestOpenAIOtherServerShapes(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantKind llm.Kind
		wantMsg  string
	}{
		{"error event mid-stream", 200, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{\\\"po\"}}]}\n\n" +
			"data: {\"error\":{\"message\":\"CUDA out of memory\",\"type\":\"InternalServerError\"}}\n\n", llm.KindIncomplete, "error in the middle of the reply"},
		{"old vLLM error body", 404, `{"object":"error","message":"The model ` + "`m`" + ` does not exist.","type":"NotFoundError","param":null,"code":404}`,
			llm.KindModelNotFound, `model "m" is not available`},
		{"error as a string", 400, `{"error":"prompt is too long for the maximum context length"}`, llm.KindTruncated, "did not fit"},
		{"empty error body", 503, ``, llm.KindUnavailable, "answered 503"},
		{"chunk that is not JSON", 200, "data: {choices: none}\n\n", llm.KindBadReply, "something other than chat completion chunks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.status == 200 {
					w.Header().Set("Content-Type", "text/event-stream")
				} else {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			p := newOpenAI(t, llm.OpenAIConfig{URL: srv.URL + "/v1", Model: "m"})
			_, err := p.Generate(context.Background(), llm.Request{Prompt: "x"})
			if llm.KindOf(err) != tt.wantKind || !strings.Contains(llm.UserMessage(err), tt.wantMsg) {
				t.Errorf("error %v (kind %d), want kind %d with %q", err, llm.KindOf(err), tt.wantKind, tt.wantMsg)
			}
		})
	}
}
