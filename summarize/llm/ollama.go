package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"
)

// OllamaConfig configures an Ollama provider.
type OllamaConfig struct {
	Name  string // defaults to "ollama"
	URL   string // e.g. http://127.0.0.1:11434
	Model string
	Slots int
	// MaxContext caps num_ctx: the model's declared context length is used up to this many tokens.
	MaxContext int
	// Timeout bounds every single call, streaming included.
	Timeout time.Duration
	// Retries is how many times a call is repeated after a retryable failure.
	Retries int
	// Backoff is the wait before the first retry; it doubles for each further one.
	Backoff time.Duration
	// HTTPClient is optional.
	HTTPClient *http.Client
}

// Ollama is a provider backed by an Ollama server through its official Go client.
type Ollama struct {
	cfg    OllamaConfig
	client *api.Client
	slots  chan struct{}

	mu     sync.Mutex
	limits *Limits
}

// NewOllama validates cfg and returns a provider. It does not contact the server.
func NewOllama(cfg OllamaConfig) (*Ollama, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ollama URL %q must look like http://host:11434", cfg.URL)
	}
	if cfg.Model == "" {
		return nil, errors.New("ollama model name is empty")
	}
	if cfg.Name == "" {
		cfg.Name = "ollama"
	}
	if cfg.Slots < 1 {
		cfg.Slots = 1
	}
	if cfg.MaxContext < 512 {
		cfg.MaxContext = 8192
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Ollama{cfg: cfg, client: api.NewClient(u, hc), slots: make(chan struct{}, cfg.Slots)}, nil
}

// Name implements Provider.
func (o *Ollama) Name() string { return o.cfg.Name }

// Model implements Provider.
func (o *Ollama) Model() string { return o.cfg.Model }

// Slots implements Provider.
func (o *Ollama) Slots() int { return o.cfg.Slots }

// URL is the server address.
func (o *Ollama) URL() string { return o.cfg.URL }

// calibration is ordinary contract prose; its token count tells how many characters a token
// holds for this model. The prompt template's own tokens are counted too, which makes the
// measure err on the safe (smaller) side.
const calibration = `This Agreement is entered into as of the Effective Date by and between the Company and the ` +
	`Distributor. The Distributor shall use commercially reasonable efforts to promote the Products in the ` +
	`Territory. Either party may terminate this Agreement upon thirty (30) days written notice if the other ` +
	`party materially breaches any provision hereof and fails to cure such breach within the notice period. ` +
	`In no event shall either party be liable for indirect, incidental or consequential damages. This ` +
	`Agreement shall be governed by the laws of the State of New York, without regard to its conflict of laws ` +
	`principles. Payment is due within forty-five (45) days of the invoice date; late amounts bear interest at ` +
	`one percent (1%) per month. Confidential Information excludes information that is publicly available.`

// Probe asks the server for the model's context length and measures characters per token.
// The result is kept; a failed probe is tried again on the next call.
func (o *Ollama) Probe(ctx context.Context) (Limits, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.limits != nil {
		return *o.limits, nil
	}
	show, err := o.client.Show(ctx, &api.ShowRequest{Model: o.cfg.Model})
	if err != nil {
		return Limits{}, o.classify(ctx, nil, err)
	}
	lim := Limits{ModelContextTokens: contextLength(show.ModelInfo)}
	lim.ContextTokens = o.cfg.MaxContext
	if lim.ModelContextTokens > 0 && lim.ModelContextTokens < lim.ContextTokens {
		lim.ContextTokens = lim.ModelContextTokens
	}
	resp, err := o.call(ctx, Request{Prompt: calibration, MaxTokens: 1}, lim.ContextTokens, true)
	if err != nil {
		return Limits{}, err
	}
	if resp.PromptTokens <= 0 {
		return Limits{}, &Error{Kind: KindBadReply, Provider: o.cfg.Name, Message: "the server reported no prompt token count"}
	}
	lim.CharsPerToken = float64(len(calibration)) / float64(resp.PromptTokens)
	o.limits = &lim
	return lim, nil
}

// contextLength reads "<architecture>.context_length" from /api/show's model_info.
func contextLength(info map[string]any) int {
	arch, _ := info["general.architecture"].(string)
	if v, ok := info[arch+".context_length"].(float64); ok {
		return int(v)
	}
	return 0
}

// Generate implements Provider: it waits for a free slot, then calls the model, retrying with
// backoff when the server is busy, unreachable or cut the stream.
func (o *Ollama) Generate(ctx context.Context, req Request) (Response, error) {
	lim, err := o.Probe(ctx)
	if err != nil {
		return Response{}, err
	}
	select {
	case o.slots <- struct{}{}:
	case <-ctx.Done():
		return Response{}, ctx.Err()
	}
	defer func() { <-o.slots }()

	wait := o.cfg.Backoff
	for attempt := 0; ; attempt++ {
		resp, err := o.call(ctx, req, lim.ContextTokens, false)
		if err == nil || ctx.Err() != nil || attempt >= o.cfg.Retries || !Retryable(err) {
			return resp, err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return Response{}, ctx.Err()
		}
		wait *= 2
	}
}

// call makes one streamed chat request and accepts the reply only when the model finished.
func (o *Ollama) call(ctx context.Context, req Request, numCtx int, probe bool) (Response, error) {
	cctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	// truncate and shift off: Ollama refuses a prompt longer than num_ctx instead of cutting its
	// beginning, and stops instead of dropping the prompt's start when the reply runs out of room.
	stream, truncate, shift := true, false, false
	msgs := []api.Message{{Role: "user", Content: req.Prompt}}
	if req.System != "" {
		msgs = append([]api.Message{{Role: "system", Content: req.System}}, msgs...)
	}
	creq := &api.ChatRequest{
		Model:    o.cfg.Model,
		Messages: msgs,
		Stream:   &stream,
		Format:   req.Schema,
		Truncate: &truncate,
		Shift:    &shift,
		Options: map[string]any{
			"num_ctx":     numCtx,
			"num_predict": req.MaxTokens,
			"temperature": 0,
			"seed":        42,
		},
	}
	var (
		text  strings.Builder
		final *api.ChatResponse
		parts int
	)
	err := o.client.Chat(cctx, creq, func(r api.ChatResponse) error {
		parts++
		text.WriteString(r.Message.Content)
		if r.Done {
			final = &r
		}
		return nil
	})
	if err == nil && final == nil && cctx.Err() != nil {
		// The client ends a stream cut by the context without an error, too.
		err = cctx.Err()
	}
	if err != nil {
		return Response{}, o.classify(ctx, cctx, err)
	}
	if final == nil {
		// The client returns no error when the connection drops mid-stream: only the
		// missing final message tells.
		return Response{}, &Error{Kind: KindIncomplete, Provider: o.cfg.Name,
			Message: "the model server's reply was cut off before it finished"}
	}
	resp := Response{Text: text.String(), PromptTokens: final.PromptEvalCount, OutputTokens: final.EvalCount,
		ModelTime: final.TotalDuration, Parts: parts}
	if final.DoneReason == "length" && !probe && final.PromptEvalCount+final.EvalCount >= numCtx-1 {
		return resp, &Error{Kind: KindTruncated, Provider: o.cfg.Name,
			Message: fmt.Sprintf("the prompt (%d tokens) and the answer did not fit the %d-token context window", final.PromptEvalCount, numCtx)}
	}
	if final.DoneReason != "stop" && !(probe && final.DoneReason == "length") {
		return resp, &Error{Kind: KindBadReply, Provider: o.cfg.Name,
			Message: fmt.Sprintf("the model stopped before finishing its answer (reason %q, limit %d tokens)", final.DoneReason, req.MaxTokens)}
	}
	if final.PromptEvalCount+final.EvalCount > numCtx {
		return resp, &Error{Kind: KindTruncated, Provider: o.cfg.Name,
			Message: fmt.Sprintf("the model server reports %d prompt tokens, more than the %d-token context: the prompt was cut", final.PromptEvalCount, numCtx)}
	}
	return resp, nil
}

// classify turns a client error into an *Error with a message an admin can act on.
// ctx is the caller's context, cctx the per-call one (nil outside calls).
func (o *Ollama) classify(ctx, cctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if cctx != nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: KindTimeout, Provider: o.cfg.Name, Err: err,
			Message: fmt.Sprintf("the model server did not finish within %s", o.cfg.Timeout)}
	}
	var se api.StatusError
	if errors.As(err, &se) {
		msg := strings.ToLower(se.ErrorMessage)
		switch {
		case se.StatusCode == http.StatusNotFound || strings.Contains(msg, "not found"):
			return &Error{Kind: KindModelNotFound, Provider: o.cfg.Name, Err: err,
				Message: fmt.Sprintf("model %q is not available on the Ollama server at %s; an administrator can run: ollama pull %s", o.cfg.Model, o.cfg.URL, o.cfg.Model)}
		case strings.Contains(msg, "exceeds the context length") || strings.Contains(msg, "exceeds maximum context"):
			return &Error{Kind: KindTruncated, Provider: o.cfg.Name, Err: err,
				Message: "the prompt did not fit the model's context window"}
		case se.StatusCode >= 500 || se.StatusCode == http.StatusTooManyRequests:
			return &Error{Kind: KindUnavailable, Provider: o.cfg.Name, Err: err,
				Message: fmt.Sprintf("the model server answered %d (busy or failing)", se.StatusCode)}
		}
		return &Error{Kind: KindBadReply, Provider: o.cfg.Name, Err: err, Message: "the model server refused the request"}
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &Error{Kind: KindUnavailable, Provider: o.cfg.Name, Err: err,
			Message: fmt.Sprintf("the Ollama server at %s cannot be reached", o.cfg.URL)}
	}
	// The client reports some failures as bare strings (a non-JSON line in the stream).
	return &Error{Kind: KindUnavailable, Provider: o.cfg.Name, Err: err, Message: "the model server sent an unreadable reply"}
}

// Reachable reports whether the server answers at all (used to pick the default provider).
func (o *Ollama) Reachable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := o.client.Heartbeat(ctx); err != nil {
		return o.classify(context.Background(), nil, err)
	}
	return nil
}

// HasModel reports whether the server has the configured model (without loading it).
func (o *Ollama) HasModel(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := o.client.Show(ctx, &api.ShowRequest{Model: o.cfg.Model}); err != nil {
		return o.classify(context.Background(), nil, err)
	}
	return nil
}
