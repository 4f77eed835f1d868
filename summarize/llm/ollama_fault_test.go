package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOllama answers /api/show and /api/chat like Ollama does, with chat behaviour chosen per
// test, for the failures a real server will not produce on demand.
type fakeOllama struct {
	chat  func(w http.ResponseWriter, r *http.Request, n int)
	calls atomic.Int32 // chat calls after calibration
	show  int          // status for /api/show (0 = 200)
}

func (f *fakeOllama) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/show":
		if f.show != 0 {
			w.WriteHeader(f.show)
			fmt.Fprint(w, `{"error":"model 'missing' not found"}`)
			return
		}
		fmt.Fprint(w, `{"model_info":{"general.architecture":"llama","llama.context_length":4096}}`)
	case "/api/chat":
		var req struct {
			Options map[string]any `json:"options"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.Options["num_predict"] == float64(1) { // calibration
			fmt.Fprint(w, `{"message":{"role":"assistant","content":""},"done":true,"done_reason":"length","prompt_eval_count":200,"eval_count":1}`+"\n")
			return
		}
		f.chat(w, r, int(f.calls.Add(1)))
	case "/":
		fmt.Fprint(w, "Ollama is running")
	default:
		http.NotFound(w, r)
	}
}

func streamOK(w http.ResponseWriter) {
	fmt.Fprint(w, `{"message":{"role":"assistant","content":"{\"points\":"},"done":false}`+"\n")
	fmt.Fprint(w, `{"message":{"role":"assistant","content":"[]}"},"done":false}`+"\n")
	fmt.Fprint(w, `{"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":300,"eval_count":5,"total_duration":1000000}`+"\n")
}

func newTestOllama(t *testing.T, f *fakeOllama, timeout time.Duration) *Ollama {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	o, err := NewOllama(OllamaConfig{URL: srv.URL, Model: "tiny", Timeout: timeout, Retries: 2, Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOllamaFaults(t *testing.T) {
	tests := []struct {
		name      string
		show      int
		chat      func(w http.ResponseWriter, r *http.Request, n int)
		wantKind  Kind
		wantMsg   string
		wantCalls int32
	}{
		{name: "ok", chat: func(w http.ResponseWriter, _ *http.Request, _ int) { streamOK(w) }, wantCalls: 1},
		{name: "model not found", show: http.StatusNotFound, wantKind: KindModelNotFound, wantMsg: "ollama pull tiny"},
		{name: "busy then ok", chat: func(w http.ResponseWriter, _ *http.Request, n int) {
			if n < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"error":"server busy, please try again"}`)
				return
			}
			streamOK(w)
		}, wantCalls: 3},
		{name: "busy forever", chat: func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":"server busy"}`)
		}, wantKind: KindUnavailable, wantCalls: 3},
		{name: "500 with empty body", chat: func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.WriteHeader(http.StatusInternalServerError)
		}, wantKind: KindIncomplete, wantCalls: 3},
		{name: "connection reset mid-stream", chat: func(w http.ResponseWriter, _ *http.Request, _ int) {
			fmt.Fprint(w, `{"message":{"role":"assistant","content":"{\"points\":[{\"text\":\"half"},"done":false}`+"\n")
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, wantKind: KindIncomplete, wantMsg: "cut off", wantCalls: 3},
		{name: "stall past the timeout", chat: func(w http.ResponseWriter, r *http.Request, _ int) {
			fmt.Fprint(w, `{"message":{"role":"assistant","content":"{"},"done":false}`+"\n")
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, wantKind: KindTimeout, wantCalls: 3},
		{name: "output limit reached", chat: func(w http.ResponseWriter, _ *http.Request, _ int) {
			fmt.Fprint(w, `{"message":{"role":"assistant","content":"{\"points\":[{"},"done":true,"done_reason":"length","prompt_eval_count":10,"eval_count":64}`+"\n")
		}, wantKind: KindBadReply, wantMsg: "stopped before finishing", wantCalls: 1},
		{name: "prompt truncated by the server", chat: func(w http.ResponseWriter, _ *http.Request, _ int) {
			fmt.Fprint(w, `{"message":{"role":"assistant","content":"{}"},"done":true,"done_reason":"stop","prompt_eval_count":4096,"eval_count":2}`+"\n")
		}, wantKind: KindTruncated, wantCalls: 1},
		{name: "context full during the answer", chat: func(w http.ResponseWriter, _ *http.Request, _ int) {
			fmt.Fprint(w, `{"message":{"role":"assistant","content":"{\"points\":["},"done":true,"done_reason":"length","prompt_eval_count":4000,"eval_count":95}`+"\n")
		}, wantKind: KindTruncated, wantMsg: "did not fit", wantCalls: 1},
		{name: "input too long refused", chat: func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":"the input length exceeds the context length"}`)
		}, wantKind: KindTruncated, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeOllama{chat: tt.chat, show: tt.show}
			o := newTestOllama(t, f, 300*time.Millisecond)
			resp, err := o.Generate(context.Background(), Request{Prompt: "summarize", MaxTokens: 64})
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("Generate: %v", err)
				}
				if resp.Text != `{"points":[]}` || resp.Parts != 3 || resp.PromptTokens != 300 {
					t.Errorf("response = %+v", resp)
				}
			} else {
				if KindOf(err) != tt.wantKind {
					t.Fatalf("error = %v (kind %d), want kind %d", err, KindOf(err), tt.wantKind)
				}
				if resp.Text != "" && tt.wantKind != KindBadReply && tt.wantKind != KindTruncated {
					t.Errorf("partial text returned with the error: %q", resp.Text)
				}
				if !strings.Contains(UserMessage(err), tt.wantMsg) {
					t.Errorf("message %q does not contain %q", UserMessage(err), tt.wantMsg)
				}
			}
			if got := f.calls.Load(); got != tt.wantCalls {
				t.Errorf("chat calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestOllamaUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	o, err := NewOllama(OllamaConfig{URL: url, Model: "tiny", Retries: 1, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Reachable(context.Background()); KindOf(err) != KindUnavailable {
		t.Fatalf("Reachable on a closed port = %v, want unavailable", err)
	}
	if _, err := o.Generate(context.Background(), Request{Prompt: "x", MaxTokens: 8}); KindOf(err) != KindUnavailable {
		t.Fatalf("Generate on a closed port = %v, want unavailable", err)
	}
}

func TestOllamaProbe(t *testing.T) {
	o := newTestOllama(t, &fakeOllama{}, time.Second)
	lim, err := o.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if lim.ModelContextTokens != 4096 || lim.ContextTokens != 4096 {
		t.Errorf("limits = %+v, want the model's 4096 (below the 8192 cap)", lim)
	}
	if want := float64(len(calibration)) / 200; lim.CharsPerToken != want {
		t.Errorf("chars per token = %v, want %v", lim.CharsPerToken, want)
	}
}
