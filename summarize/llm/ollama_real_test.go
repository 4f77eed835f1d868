package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"precis/summarize/llm"
	"precis/summarize/llm/ollamatest"
)

// TestOllamaRealServer exercises the provider against a real Ollama server with the tiny model:
// limits, streamed structured output, a missing model and cancellation.
func TestOllamaRealServer(t *testing.T) {
	srv := ollamatest.Start(t)
	o, err := llm.NewOllama(llm.OllamaConfig{URL: srv.URL, Model: srv.Model, Slots: 2, MaxContext: 8192, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("probe", func(t *testing.T) {
		lim, err := o.Probe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if lim.ModelContextTokens != ollamatest.ContextLength || lim.ContextTokens != ollamatest.ContextLength {
			t.Errorf("limits %+v, want the model's %d tokens", lim, ollamatest.ContextLength)
		}
		if lim.CharsPerToken < 1 || lim.CharsPerToken > 8 {
			t.Errorf("chars per token %.2f is implausible", lim.CharsPerToken)
		}
	})

	t.Run("streamed structured reply", func(t *testing.T) {
		schema := pagesSchema
		resp, err := o.Generate(ctx, llm.Request{System: "Summarize.", Prompt: "--- page 3 ---\nThe term is two years.", Schema: schema, MaxTokens: 512})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Parts < 2 || resp.PromptTokens == 0 || resp.OutputTokens == 0 || resp.ModelTime <= 0 {
			t.Errorf("reply not streamed or without usage: parts=%d prompt=%d output=%d time=%s", resp.Parts, resp.PromptTokens, resp.OutputTokens, resp.ModelTime)
		}
		checkPagesReply(t, resp.Text)
	})

	t.Run("model not found", func(t *testing.T) {
		missing, _ := llm.NewOllama(llm.OllamaConfig{URL: srv.URL, Model: "no-such-model:1b"})
		_, err := missing.Generate(ctx, llm.Request{Prompt: "x", MaxTokens: 8})
		if llm.KindOf(err) != llm.KindModelNotFound {
			t.Fatalf("error %v, want model not found", err)
		}
		if want := "ollama pull no-such-model:1b"; !strings.Contains(llm.UserMessage(err), want) {
			t.Errorf("message %q does not tell the admin to run %q", llm.UserMessage(err), want)
		}
	})

	t.Run("cancellation", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		go func() { time.Sleep(30 * time.Millisecond); cancel() }()
		start := time.Now()
		// Without a schema the tiny model never stops on its own: only cancellation ends it.
		_, err := o.Generate(cctx, llm.Request{Prompt: "Write forever.", MaxTokens: 100000})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("cancellation took %s", took)
		}
	})
}

// pagesSchema asks for points citing page 3 or 4 only.
var pagesSchema = json.RawMessage(`{"type":"object","properties":{"points":{"type":"array","maxItems":3,"items":{"type":"object","properties":{"text":{"type":"string","maxLength":40},"pages":{"type":"array","minItems":1,"maxItems":2,"items":{"type":"integer","enum":[3,4]}}},"required":["text","pages"]}}},"required":["points"]}`)

// checkPagesReply checks that a reply to pagesSchema is its JSON and cites pages 3 and 4 only.
func checkPagesReply(t *testing.T, text string) {
	t.Helper()
	var out struct {
		Points []struct {
			Text  string `json:"text"`
			Pages []int  `json:"pages"`
		} `json:"points"`
	}
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("reply is not the JSON asked for: %v: %q", err, text)
	}
	for _, p := range out.Points {
		for _, n := range p.Pages {
			if n != 3 && n != 4 {
				t.Errorf("page %d outside the schema's enum", n)
			}
		}
	}
}
