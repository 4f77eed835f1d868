package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// OpenAIConfig configures a provider for a server that speaks the OpenAI chat completions API:
// OpenAI itself, Azure OpenAI, vLLM, llama.cpp, LM Studio, Ollama's /v1.
type OpenAIConfig struct {
	Name string // defaults to "openai"
	// URL is the API's base URL: https://api.openai.com/v1, http://vllm:8000/v1, or for Azure
	// OpenAI its v1 API, https://RESOURCE.openai.azure.com/openai/v1 (Model is then the
	// deployment name and APIKey the resource key).
	URL   string
	Model string
	// APIKey is sent as a bearer token; empty sends none (local servers). It never appears in
	// an error message.
	APIKey string
	Slots  int // defaults to 1; enforced by the engine, not here
	// ContextTokens is the context window to plan with. 0 takes what the server's /v1/models
	// reports for the model (vLLM's max_model_len, or context_length, context_window), else
	// DefaultContextTokens. A value above what the server reports is lowered to it.
	ContextTokens int
	// CharsPerToken, when set, is used instead of measuring it with one call at Probe.
	CharsPerToken float64
	// Timeout bounds every single call, streaming included; defaults to 10 minutes.
	Timeout time.Duration
	// Retries is how many times a call is repeated after a retryable failure (busy, cut,
	// timed out). The SDK's own retries are off: this is the one place retries happen.
	Retries int
	// Backoff is the wait before the first retry; it doubles for each further one.
	Backoff time.Duration
	// MaxRetryWait is the longest Retry-After the provider waits for (default 30 s); a
	// server asking for longer fails the call at once.
	MaxRetryWait time.Duration
	// FullSchema sends a request's JSON schema unchanged with strict=false, for servers that
	// enforce the whole schema themselves (vLLM, llama.cpp, Ollama). By default the schema is
	// fitted to OpenAI's strict mode (see strictSchema) and sent with strict=true.
	FullSchema bool
	// LegacyMaxTokens sends the reply limit as max_tokens instead of max_completion_tokens,
	// for servers that know only the older field (Ollama's /v1, LM Studio).
	LegacyMaxTokens bool
	// HTTPClient is optional.
	HTTPClient *http.Client
}

// DefaultContextTokens is the context window used when neither the configuration nor the
// server says how large it is; every current chat model has at least this much.
const DefaultContextTokens = 8192

// DefaultCharsPerToken is the characters-per-token measure used when the server reports no
// token usage to measure it with: ordinary English prose runs at about 4.
const DefaultCharsPerToken = 3.0

// OpenAI is a provider backed by an OpenAI-compatible server through the official Go SDK.
// It does not limit concurrent calls: the engine runs at most Slots() at once.
type OpenAI struct {
	cfg    OpenAIConfig
	chat   openai.ChatCompletionService
	models openai.ModelService

	probeMu sync.Mutex // one probe at a time
	mu      sync.Mutex // guards limits
	limits  *Limits
}

// NewOpenAI validates cfg and returns a provider. It does not contact the server.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if cfg.Name == "" {
		cfg.Name = "openai"
	}
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.APIKey != "" && (strings.Contains(cfg.Name, cfg.APIKey) || strings.Contains(cfg.URL, cfg.APIKey)):
		return nil, errors.New("openai-compatible provider: the name or URL contains the API key; give the key only in the API key setting")
	case cfg.URL == "":
		return nil, errors.New("openai-compatible provider: the URL is empty; it is the API's base URL, e.g. https://api.openai.com/v1 or http://vllm:8000/v1")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("openai-compatible provider: URL %q must look like https://api.openai.com/v1 or http://vllm:8000/v1", cfg.URL)
	case u.User != nil:
		return nil, errors.New("openai-compatible provider: the URL must not carry a user or password; put the key in the API key setting")
	case cfg.Model == "":
		return nil, fmt.Errorf("openai-compatible provider %q: the model name is empty", cfg.Name)
	case strings.ContainsAny(cfg.APIKey, " \t\r\n"):
		return nil, fmt.Errorf("openai-compatible provider %q: the API key contains a space or line break (copied with extra characters?)", cfg.Name)
	case cfg.APIKey == "" && strings.EqualFold(u.Hostname(), "api.openai.com"):
		return nil, fmt.Errorf("openai-compatible provider %q: api.openai.com needs an API key and none is configured", cfg.Name)
	case cfg.Slots < 0:
		return nil, fmt.Errorf("openai-compatible provider %q: slots is %d; it must be 1 or more", cfg.Name, cfg.Slots)
	case cfg.ContextTokens < 0 || (cfg.ContextTokens > 0 && cfg.ContextTokens < 512):
		return nil, fmt.Errorf("openai-compatible provider %q: context of %d tokens; set 0 to use the server's, or at least 512", cfg.Name, cfg.ContextTokens)
	case cfg.CharsPerToken < 0 || cfg.CharsPerToken > 10:
		return nil, fmt.Errorf("openai-compatible provider %q: %.2f characters per token is implausible; set 0 to measure it", cfg.Name, cfg.CharsPerToken)
	case cfg.Timeout < 0 || cfg.Backoff < 0 || cfg.MaxRetryWait < 0:
		return nil, fmt.Errorf("openai-compatible provider %q: timeout, backoff and retry wait must not be negative", cfg.Name)
	case cfg.Retries < 0:
		return nil, fmt.Errorf("openai-compatible provider %q: retries is %d; it must be 0 or more", cfg.Name, cfg.Retries)
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	if cfg.Slots == 0 {
		cfg.Slots = 1
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxRetryWait == 0 {
		cfg.MaxRetryWait = 30 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	// The services are built from these options alone, not with openai.NewClient: it would
	// read OPENAI_API_KEY, OPENAI_BASE_URL and more from the environment, and send an OpenAI
	// key to whatever server this provider points at.
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.URL + "/"),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	return &OpenAI{cfg: cfg, chat: openai.NewChatCompletionService(opts...), models: openai.NewModelService(opts...)}, nil
}

// Name implements Provider.
func (o *OpenAI) Name() string { return o.cfg.Name }

// Model implements Provider.
func (o *OpenAI) Model() string { return o.cfg.Model }

// Slots implements Provider.
func (o *OpenAI) Slots() int { return o.cfg.Slots }

// URL is the server's base URL.
func (o *OpenAI) URL() string { return o.cfg.URL }

// Generate implements Provider: one streamed chat completion, repeated with backoff when the
// server is busy or unreachable, cut the stream or took longer than the timeout.
func (o *OpenAI) Generate(ctx context.Context, req Request) (Response, error) {
	if req.MaxTokens < 0 {
		return Response{}, fmt.Errorf("llm: MaxTokens is %d; it must be 0 (no limit) or more", req.MaxTokens)
	}
	params, err := o.params(req)
	if err != nil {
		return Response{}, err
	}
	wait := o.cfg.Backoff
	for attempt := 0; ; attempt++ {
		resp, err := o.call(ctx, params, req.MaxTokens, false)
		if err == nil || ctx.Err() != nil || attempt >= o.cfg.Retries || !Retryable(err) {
			return resp, err
		}
		d := wait
		if ra := retryAfter(err); ra > 0 {
			if ra > o.cfg.MaxRetryWait {
				return resp, o.tooLong(err, ra)
			}
			d = ra
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			return resp, err
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return Response{}, ctx.Err()
		}
		wait *= 2
	}
}

// cachedLimits is the result of the last successful probe, if any.
func (o *OpenAI) cachedLimits() (Limits, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.limits == nil {
		return Limits{}, false
	}
	return *o.limits, true
}
