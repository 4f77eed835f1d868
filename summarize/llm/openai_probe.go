package llm

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Probe asks the server which models it serves and how large their context is (GET /models),
// then makes one call with a 1-token reply limit: it proves the key, the model and the chat
// endpoint work, and its prompt token count measures characters per token the way Ollama's
// probe does (the chat framing's tokens count too, which errs on the safe side). A configured
// CharsPerToken replaces the measure; a server that reports no usage gets DefaultCharsPerToken.
// The result is kept; a failed probe is tried again on the next call.
func (o *OpenAI) Probe(ctx context.Context) (Limits, error) {
	o.probeMu.Lock()
	defer o.probeMu.Unlock()
	if lim, ok := o.cachedLimits(); ok {
		return lim, nil
	}
	served, modelContext, err := o.listModels(ctx)
	if err != nil {
		return Limits{}, err
	}
	lim := Limits{ModelContextTokens: modelContext, ContextTokens: o.cfg.ContextTokens}
	if lim.ContextTokens == 0 {
		lim.ContextTokens = modelContext
	}
	if lim.ContextTokens == 0 {
		lim.ContextTokens = DefaultContextTokens
	}
	if modelContext > 0 && lim.ContextTokens > modelContext {
		lim.ContextTokens = modelContext
	}
	params, err := o.params(Request{Prompt: calibration, MaxTokens: 1})
	if err != nil {
		return Limits{}, err
	}
	resp, err := o.call(ctx, params, 1, true)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Kind == KindModelNotFound && len(served) > 0 {
			if len(served) > 8 {
				served = append(served[:8], "...")
			}
			e.Message += "; the server offers: " + strings.Join(served, ", ")
		}
		return Limits{}, err
	}
	lim.CharsPerToken = o.cfg.CharsPerToken
	if lim.CharsPerToken == 0 {
		lim.CharsPerToken = DefaultCharsPerToken
		if resp.PromptTokens > 0 {
			lim.CharsPerToken = float64(len(calibration)) / float64(resp.PromptTokens)
		}
	}
	o.mu.Lock()
	o.limits = &lim
	o.mu.Unlock()
	return lim, nil
}

// contextFields are the model fields in which OpenAI-compatible servers report the context
// length: vLLM's max_model_len, OpenRouter's context_length, Groq's context_window.
var contextFields = []string{"max_model_len", "context_length", "context_window", "max_context_length"}

// listModels returns the ids of the models the server serves and the context length it
// reports for the configured one (0 when it reports none, as OpenAI's API). A server without
// a /models endpoint is no failure: the probe's call still shows whether the model answers.
func (o *OpenAI) listModels(ctx context.Context) ([]string, int, error) {
	lctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	var httpResp *http.Response
	page, err := o.models.List(lctx, option.WithResponseInto(&httpResp))
	if err != nil {
		if httpResp != nil && httpResp.StatusCode == http.StatusNotFound {
			return nil, 0, nil
		}
		return nil, 0, o.classify(ctx, lctx, err, httpResp, "models")
	}
	var (
		served []string
		length int
	)
	for _, m := range page.Data {
		served = append(served, m.ID)
		if m.ID == o.cfg.Model {
			length = modelContext(m)
		}
	}
	return served, length, nil
}

func modelContext(m openai.Model) int {
	for _, name := range contextFields {
		if f, ok := m.JSON.ExtraFields[name]; ok {
			if n, err := strconv.Atoi(f.Raw()); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// String describes the provider for logs (name, URL, model), so that printing it never
// prints the key.
func (o *OpenAI) String() string {
	return fmt.Sprintf("%s (%s, model %s)", o.cfg.Name, o.cfg.URL, o.cfg.Model)
}

// GoString is String, for %#v.
func (o *OpenAI) GoString() string { return o.String() }

// String prints the configuration with the API key replaced by whether there is one.
func (c OpenAIConfig) String() string {
	key := "none"
	if c.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("{Name:%s URL:%s Model:%s APIKey:%s Slots:%d ContextTokens:%d Timeout:%s Retries:%d}",
		c.Name, c.URL, c.Model, key, c.Slots, c.ContextTokens, c.Timeout, c.Retries)
}

// GoString is String, for %#v.
func (c OpenAIConfig) GoString() string { return c.String() }

// LogValue keeps the key out of structured logs.
func (c OpenAIConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", c.Name), slog.String("url", c.URL), slog.String("model", c.Model),
		slog.Bool("api_key_set", c.APIKey != ""), slog.Int("slots", c.Slots), slog.Int("context_tokens", c.ContextTokens))
}

// LogValue is the configuration's, without the key.
func (o *OpenAI) LogValue() slog.Value { return o.cfg.LogValue() }

// Reachable reports whether the server answers, with the cheapest request there is: the
// list of models (a server without one counts as answering). Unlike Probe it is never
// cached, so readiness checks see a server that went down.
func (o *OpenAI) Reachable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _, err := o.listModels(ctx)
	return err
}
