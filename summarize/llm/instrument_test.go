package llm_test

import (
	"context"
	"encoding/json"
	"net"
	"sync"
	"testing"
	"time"

	"precis/summarize/llm"
	"precis/summarize/llm/ollamatest"
)

// recorder is a CallObserver that keeps what it hears.
type recorder struct {
	mu    sync.Mutex
	calls []llm.CallStats
}

func (r *recorder) ObserveCall(s llm.CallStats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
}

func (r *recorder) last(t *testing.T, n int) llm.CallStats {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) != n {
		t.Fatalf("observer heard %d calls, want %d: %+v", len(r.calls), n, r.calls)
	}
	return r.calls[n-1]
}

// TestInstrument wraps a provider talking to a real Ollama server and checks what the
// observer hears for a call that works, one the caller cancels, one stopped at its token limit
// and one to a server that is gone.
func TestInstrument(t *testing.T) {
	srv := ollamatest.Start(t)
	o, err := llm.NewOllama(llm.OllamaConfig{URL: srv.URL, Model: srv.Model, Slots: 1, MaxContext: 4096, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	p := llm.Instrument(o, rec)
	if p.Name() != o.Name() || p.Model() != o.Model() || p.Slots() != o.Slots() {
		t.Errorf("wrapper reports %s/%s/%d, want the provider's own", p.Name(), p.Model(), p.Slots())
	}
	if llm.Instrument(o, nil) != llm.Provider(o) {
		t.Error("Instrument with a nil observer must return the provider itself")
	}
	if _, err := p.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 0 {
		t.Errorf("Probe was observed: %+v", rec.calls)
	}
	schema := json.RawMessage(`{"type":"object","properties":{"points":{"type":"array","maxItems":2,"items":{"type":"object","properties":{"text":{"type":"string","maxLength":30}},"required":["text"]}}},"required":["points"]}`)
	req := llm.Request{System: "Summarize.", Prompt: "--- page 1 ---\nThe term is two years.", Schema: schema, MaxTokens: 512}

	resp, err := p.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	ok := rec.last(t, 1)
	if ok.Outcome != "ok" || ok.Provider != o.Name() || ok.Model != srv.Model || ok.Duration <= 0 ||
		ok.PromptTokens != resp.PromptTokens || ok.OutputTokens != resp.OutputTokens || ok.PromptTokens == 0 {
		t.Errorf("successful call observed as %+v (reply had %d prompt, %d output tokens)", ok, resp.PromptTokens, resp.OutputTokens)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the job was cancelled, or the server is shutting down
	if _, err := p.Generate(ctx, req); err == nil {
		t.Fatal("call with a cancelled context succeeded")
	}
	if got := rec.last(t, 2); got.Outcome != "canceled" {
		t.Errorf("call whose context ended observed as %+v, want outcome canceled", got)
	}

	short := req
	short.MaxTokens = 1 // the reply cannot close its JSON object in one token
	cut, err := p.Generate(context.Background(), short)
	if llm.KindOf(err) != llm.KindBadReply {
		t.Fatalf("one-token reply: %v, want a reply stopped at its limit", err)
	}
	if got := rec.last(t, 3); got.Outcome != "bad_reply" || got.PromptTokens == 0 || got.OutputTokens != cut.OutputTokens {
		t.Errorf("cut reply observed as %+v, want outcome bad_reply with the tokens it used (%d prompt, %d output)",
			got, cut.PromptTokens, cut.OutputTokens)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()
	down, err := llm.NewOllama(llm.OllamaConfig{URL: gone, Model: srv.Model, Slots: 1, MaxContext: 4096, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := llm.Instrument(down, rec).Generate(context.Background(), req); err == nil {
		t.Fatal("call to a closed port succeeded")
	}
	if got := rec.last(t, 4); got.Outcome != "unavailable" || got.PromptTokens != 0 {
		t.Errorf("call to a server that is gone observed as %+v, want outcome unavailable", got)
	}
}

func TestOutcome(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	for _, tc := range []struct {
		ctx  context.Context
		err  error
		want string
	}{
		{live, nil, "ok"},
		{done, context.Canceled, "canceled"},
		{done, &llm.Error{Kind: llm.KindUnavailable}, "canceled"},
		{live, &llm.Error{Kind: llm.KindTimeout}, "timeout"},
		{live, &llm.Error{Kind: llm.KindModelNotFound}, "model_not_found"},
		{live, &llm.Error{Kind: llm.KindBadReply}, "bad_reply"},
		{live, context.DeadlineExceeded, "error"},
	} {
		if got := llm.Outcome(tc.ctx, tc.err); got != tc.want {
			t.Errorf("Outcome(ctx done=%v, %v) = %q, want %q", tc.ctx.Err() != nil, tc.err, got, tc.want)
		}
	}
}
