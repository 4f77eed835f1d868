package llm_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"precis/summarize/llm"
	"precis/summarize/llm/openaitest"
)

// summarySchema is the shape of the engine's replies (summarize/abstractive.go).
const summarySchema = `{"type":"object","properties":{"points":{"type":"array","maxItems":4,"items":{"type":"object","properties":{"topic":{"type":"string","maxLength":40},"text":{"type":"string","maxLength":300},"pages":{"type":"array","minItems":1,"maxItems":3,"items":{"type":"integer","enum":[3,4,5]}}},"required":["topic","text","pages"]}}},"required":["points"]}`

const testKey = "sk-test-7f3a9c2e51d04b8e"

func newOpenAI(t *testing.T, cfg llm.OpenAIConfig) *llm.OpenAI {
	t.Helper()
	if cfg.Model == "" {
		cfg.Model = openaitest.ModelName
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 5 * time.Millisecond
	}
	p, err := llm.NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenAIStructuredReply sends the engine's kind of request through the SDK to the
// recording server and checks both the reply and what went over the wire.
func TestOpenAIStructuredReply(t *testing.T) {
	rec := openaitest.Start(t, openaitest.RequireKey(testKey))
	p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), APIKey: testKey})
	req := llm.Request{System: "You summarize contracts.", Prompt: "--- page 3 ---\nThe term is two years.", Schema: json.RawMessage(summarySchema), MaxTokens: 700}
	resp, err := p.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Points []struct {
			Topic, Text string
			Pages       []int
		}
	}
	if err := json.Unmarshal([]byte(resp.Text), &out); err != nil || len(out.Points) == 0 {
		t.Fatalf("reply %q is not the schema's JSON: %v", resp.Text, err)
	}
	for _, pt := range out.Points {
		for _, n := range pt.Pages {
			if n < 3 || n > 5 {
				t.Errorf("page %d outside the allowed pages", n)
			}
		}
	}
	// The server counts 4 characters a token plus 3 a message.
	wantPrompt := (len(req.System)+3)/4 + 3 + (len(req.Prompt)+3)/4 + 3
	if resp.PromptTokens != wantPrompt || resp.OutputTokens != (len(resp.Text)+3)/4 || resp.Parts < 4 || resp.ModelTime <= 0 {
		t.Errorf("usage: prompt %d (want %d), output %d, parts %d, time %s", resp.PromptTokens, wantPrompt, resp.OutputTokens, resp.Parts, resp.ModelTime)
	}

	reqs := rec.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/v1/chat/completions" || r.APIKey != testKey || r.Chat == nil {
		t.Fatalf("request %s, key %q, body %s", r.Path, r.APIKey, r.Body)
	}
	c := r.Chat
	if c.Model != openaitest.ModelName || c.Text("system") != req.System || c.Text("user") != req.Prompt || len(c.Messages) != 2 || c.Messages[0].Role != "system" {
		t.Errorf("messages %+v to model %q", c.Messages, c.Model)
	}
	if c.Temperature == nil || *c.Temperature != 0 || c.MaxCompletionTokens == nil || *c.MaxCompletionTokens != 700 || c.MaxTokens != nil {
		t.Errorf("temperature %v, max_completion_tokens %v, max_tokens %v", c.Temperature, c.MaxCompletionTokens, c.MaxTokens)
	}
	if !c.Stream || c.StreamOptions == nil || !c.StreamOptions.IncludeUsage {
		t.Errorf("stream %v options %+v", c.Stream, c.StreamOptions)
	}
	f := c.ResponseFormat
	if f == nil || f.Type != "json_schema" || f.JSONSchema.Strict == nil || !*f.JSONSchema.Strict {
		t.Fatalf("response_format %+v", f)
	}
	if err := openaitest.CheckStrict(f.JSONSchema.Schema); err != nil {
		t.Errorf("schema sent with strict=true would be refused: %v", err)
	}
	sent := string(f.JSONSchema.Schema)
	for _, want := range []string{`"enum":[3,4,5]`, `"maxItems":4`, `"minItems":1`, `"description":"At most 300 characters."`, `"additionalProperties":false`} {
		if !strings.Contains(sent, want) {
			t.Errorf("schema sent lacks %s: %s", want, sent)
		}
	}
	if strings.Index(sent, `"topic"`) > strings.Index(sent, `"text"`) || strings.Index(sent, `"text"`) > strings.Index(sent, `"pages"`) {
		t.Errorf("the properties' order changed: %s", sent)
	}
}

func TestOpenAIRequestVariants(t *testing.T) {
	rec := openaitest.Start(t)
	ctx := context.Background()

	full := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), FullSchema: true, LegacyMaxTokens: true})
	if _, err := full.Generate(ctx, llm.Request{Prompt: "x", Schema: json.RawMessage(summarySchema), MaxTokens: 900}); err != nil {
		t.Fatal(err)
	}
	// An optional property cannot be made strict without changing the schema's meaning.
	optional := `{"type":"object","properties":{"a":{"type":"string","maxLength":5},"b":{"type":"integer"}},"required":["a"]}`
	strict := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL()})
	if _, err := strict.Generate(ctx, llm.Request{Prompt: "x", Schema: json.RawMessage(optional)}); err != nil {
		t.Fatal(err)
	}
	if _, err := strict.Generate(ctx, llm.Request{Prompt: "plain"}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.Requests()
	for i, want := range []string{summarySchema, optional} {
		f := reqs[i].Chat.ResponseFormat.JSONSchema
		if string(f.Schema) != want || f.Strict == nil || *f.Strict {
			t.Errorf("request %d: schema %s strict %v, want the schema unchanged with strict=false", i, f.Schema, f.Strict)
		}
	}
	if c := reqs[0].Chat; c.MaxTokens == nil || *c.MaxTokens != 900 || c.MaxCompletionTokens != nil {
		t.Errorf("legacy limit: max_tokens %v max_completion_tokens %v", c.MaxTokens, c.MaxCompletionTokens)
	}
	if c := reqs[1].Chat; c.MaxTokens != nil || c.MaxCompletionTokens != nil {
		t.Errorf("no limit asked, yet max_tokens %v max_completion_tokens %v", c.MaxTokens, c.MaxCompletionTokens)
	}
	if c := reqs[2].Chat; c.ResponseFormat != nil || len(c.Messages) != 1 || c.Messages[0].Role != "user" {
		t.Errorf("plain request: response_format %+v, messages %+v", c.ResponseFormat, c.Messages)
	}
	if _, err := strict.Generate(ctx, llm.Request{Prompt: "x", Schema: json.RawMessage(`{"type":`)}); err == nil || rec.Count() != 3 {
		t.Errorf("broken schema: %v, %d requests", err, rec.Count())
	}
}

// TestOpenAIIgnoresEnvironment: an OpenAI key in the environment must not reach a server the
// configuration points at, nor may OPENAI_BASE_URL redirect the provider.
func TestOpenAIIgnoresEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-the-environment")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	rec := openaitest.Start(t)
	p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL()})
	if _, err := p.Generate(context.Background(), llm.Request{Prompt: "x"}); err != nil {
		t.Fatal(err)
	}
	if r := rec.Requests()[0]; r.HasAuth || r.APIKey != "" {
		t.Errorf("the request carried Authorization (key %q) though none is configured", r.APIKey)
	}
}

func TestOpenAIProbe(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		served     int
		configured int
		want       llm.Limits
	}{
		{"server's context", 4096, 0, llm.Limits{ContextTokens: 4096, ModelContextTokens: 4096}},
		{"configured below the server's", 4096, 2048, llm.Limits{ContextTokens: 2048, ModelContextTokens: 4096}},
		{"configured above the server's", 4096, 100000, llm.Limits{ContextTokens: 4096, ModelContextTokens: 4096}},
		{"server reports none", 0, 0, llm.Limits{ContextTokens: llm.DefaultContextTokens}},
		{"configured, server reports none", 0, 32768, llm.Limits{ContextTokens: 32768}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := openaitest.Start(t, openaitest.ContextLength(tt.served))
			p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), ContextTokens: tt.configured})
			lim, err := p.Probe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			reqs := rec.Requests()
			if len(reqs) != 2 || reqs[0].Path != "/v1/models" || reqs[1].Chat == nil || reqs[1].Chat.Limit() != 1 {
				t.Fatalf("probe requests: %+v", reqs)
			}
			calibration := reqs[1].Chat.Text("user")
			want := tt.want
			want.CharsPerToken = float64(len(calibration)) / float64((len(calibration)+3)/4+3)
			if lim != want {
				t.Errorf("limits %+v, want %+v", lim, want)
			}
			if again, err := p.Probe(ctx); err != nil || again != lim || rec.Count() != 2 {
				t.Errorf("second probe: %+v %v after %d requests; want the kept result", again, err, rec.Count())
			}
		})
	}

	t.Run("configured measure", func(t *testing.T) {
		rec := openaitest.Start(t)
		p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), CharsPerToken: 2.5})
		if lim, err := p.Probe(ctx); err != nil || lim.CharsPerToken != 2.5 {
			t.Errorf("limits %+v, %v", lim, err)
		}
	})
	t.Run("model not served", func(t *testing.T) {
		rec := openaitest.Start(t, openaitest.Models("llama-3.1-8b", "qwen-2.5-7b"))
		p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), Model: "gpt-4o"})
		_, err := p.Probe(ctx)
		if llm.KindOf(err) != llm.KindModelNotFound || !strings.Contains(llm.UserMessage(err), "offers: llama-3.1-8b, qwen-2.5-7b") {
			t.Errorf("probe: %v", err)
		}
		// A failed probe is not kept.
		rec.Configure(openaitest.Models("gpt-4o"))
		if _, err := p.Probe(ctx); err != nil {
			t.Errorf("probe once the model is served: %v", err)
		}
	})
	t.Run("server down", func(t *testing.T) {
		rec := openaitest.Start(t, openaitest.FailNext(1, 502))
		p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL()})
		if _, err := p.Probe(ctx); llm.KindOf(err) != llm.KindUnavailable || rec.Count() != 1 {
			t.Errorf("probe: %v after %d requests", err, rec.Count())
		}
	})
}

// TestOpenAIConcurrentCalls: the provider itself holds no slot; calls run side by side and the
// server records each one.
func TestOpenAIConcurrentCalls(t *testing.T) {
	const n, delay = 8, 200 * time.Millisecond
	rec := openaitest.Start(t, openaitest.Delay(delay))
	p := newOpenAI(t, llm.OpenAIConfig{URL: rec.URL(), Slots: 2})
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := p.Generate(context.Background(), llm.Request{Prompt: strings.Repeat("x", i+1)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if took := time.Since(start); took > n*delay/2 {
		t.Errorf("%d calls of %s took %s: they were serialized", n, delay, took)
	}
	prompts := map[string]bool{}
	for _, r := range rec.Requests() {
		prompts[r.Chat.Text("user")] = true
	}
	if rec.Count() != n || len(prompts) != n {
		t.Errorf("recorded %d requests with %d distinct prompts, want %d", rec.Count(), len(prompts), n)
	}
}

func TestNewOpenAIValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  llm.OpenAIConfig
		want string
	}{
		{"no URL", llm.OpenAIConfig{Model: "m"}, "URL is empty"},
		{"no scheme", llm.OpenAIConfig{URL: "vllm:8000/v1", Model: "m"}, "must look like"},
		{"user in URL", llm.OpenAIConfig{URL: "https://user:pw@host/v1", Model: "m"}, "must not carry a user"},
		{"no model", llm.OpenAIConfig{URL: "http://vllm:8000/v1"}, "model name is empty"},
		{"key with newline", llm.OpenAIConfig{URL: "http://h/v1", Model: "m", APIKey: "sk-abc\n"}, "line break"},
		{"OpenAI without key", llm.OpenAIConfig{URL: "https://api.openai.com/v1", Model: "m"}, "needs an API key"},
		{"key in name", llm.OpenAIConfig{Name: "prod sk-abcdef", URL: "http://h/v1", Model: "m", APIKey: "sk-abcdef"}, "contains the API key"},
		{"negative slots", llm.OpenAIConfig{URL: "http://h/v1", Model: "m", Slots: -1}, "slots is -1"},
		{"tiny context", llm.OpenAIConfig{URL: "http://h/v1", Model: "m", ContextTokens: 100}, "at least 512"},
		{"odd measure", llm.OpenAIConfig{URL: "http://h/v1", Model: "m", CharsPerToken: 40}, "implausible"},
		{"negative retries", llm.OpenAIConfig{URL: "http://h/v1", Model: "m", Retries: -2}, "retries is -2"},
		{"negative timeout", llm.OpenAIConfig{URL: "http://h/v1", Model: "m", Timeout: -time.Second}, "must not be negative"},
	}
	for _, tt := range tests {
		_, err := llm.NewOpenAI(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
		if err != nil && tt.cfg.APIKey != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.cfg.APIKey)) {
			t.Errorf("%s: the error repeats the key: %v", tt.name, err)
		}
	}
	p, err := llm.NewOpenAI(llm.OpenAIConfig{URL: "http://vllm:8000/v1/", Model: "m"})
	if err != nil || p.Name() != "openai" || p.Slots() != 1 || p.URL() != "http://vllm:8000/v1" || p.Model() != "m" {
		t.Errorf("defaults: %v %v", p, err)
	}
}
