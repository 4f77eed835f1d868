package llm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"precis/summarize/llm"
	"precis/summarize/llm/ollamatest"
)

// TestOpenAIAgainstOllama runs the OpenAI-compatible provider against a real server that is not
// ours: Ollama's /v1 API with the tiny model. Ollama knows max_tokens only and enforces the
// whole schema itself, hence LegacyMaxTokens and FullSchema.
func TestOpenAIAgainstOllama(t *testing.T) {
	srv := ollamatest.Start(t)
	p, err := llm.NewOpenAI(llm.OpenAIConfig{Name: "ollama-v1", URL: srv.URL + "/v1", Model: srv.Model,
		Timeout: time.Minute, FullSchema: true, LegacyMaxTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("probe", func(t *testing.T) {
		lim, err := p.Probe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("limits %+v", lim)
		// Ollama's /v1/models reports no context length.
		if lim.ContextTokens != llm.DefaultContextTokens || lim.ModelContextTokens != 0 {
			t.Errorf("limits %+v", lim)
		}
		if lim.CharsPerToken < 1 || lim.CharsPerToken > 8 || lim.CharsPerToken == llm.DefaultCharsPerToken {
			t.Errorf("chars per token %.2f: not measured, or implausible", lim.CharsPerToken)
		}
	})

	t.Run("streamed structured reply", func(t *testing.T) {
		schema := pagesSchema
		resp, err := p.Generate(ctx, llm.Request{System: "Summarize.", Prompt: "--- page 3 ---\nThe term is two years.", Schema: schema, MaxTokens: 512})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Parts < 2 || resp.PromptTokens == 0 || resp.OutputTokens == 0 {
			t.Errorf("reply not streamed or without usage: parts=%d prompt=%d output=%d", resp.Parts, resp.PromptTokens, resp.OutputTokens)
		}
		checkPagesReply(t, resp.Text)
	})

	t.Run("reply limit", func(t *testing.T) {
		_, err := p.Generate(ctx, llm.Request{Prompt: "Write a long story.", MaxTokens: 3})
		if llm.KindOf(err) != llm.KindBadReply {
			t.Errorf("3-token limit: %v, want a bad reply (not retried, as with Ollama)", err)
		}
	})

	t.Run("missing model", func(t *testing.T) {
		q, err := llm.NewOpenAI(llm.OpenAIConfig{URL: srv.URL + "/v1", Model: "no-such-model:1b", LegacyMaxTokens: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = q.Probe(ctx)
		if llm.KindOf(err) != llm.KindModelNotFound {
			t.Fatalf("probe of a missing model: %v", err)
		}
		t.Log(llm.UserMessage(err))
	})

	t.Run("cancel", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := p.Generate(cctx, llm.Request{Prompt: "Write a long story.", MaxTokens: 4000})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled call: %v", err)
		}
	})
}
