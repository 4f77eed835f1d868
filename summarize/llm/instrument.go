package llm

import (
	"context"
	"errors"
	"time"
)

// CallObserver hears about every model call of an instrumented provider, for metrics. It is
// called after the call returns, on the caller's goroutine, so it must be quick and safe for
// concurrent use. llm knows nothing about what records the numbers.
type CallObserver interface {
	ObserveCall(CallStats)
}

// CallStats describes one finished Generate call. It holds no prompt or reply text.
type CallStats struct {
	Provider string
	Model    string
	// Outcome is what Outcome returns: a small fixed set of names, fit for a metric label.
	Outcome string
	// Duration is the wall time of the call, queueing for a slot included.
	Duration time.Duration
	// PromptTokens and OutputTokens are what the server reported, also for failed calls
	// that used tokens (a cut or truncated reply); 0 when it reported nothing.
	PromptTokens int
	OutputTokens int
}

// Instrument returns p with every Generate reported to obs; a nil obs returns p itself.
// Probe is passed through unobserved: it asks for limits, it is not a summarizing call.
//
// The wrapper has only the Provider methods. Instrument the outermost provider (a Pool, not
// its endpoints): a Pool looks for optional methods such as HasModel on its endpoints. Unwrap
// returns the provider inside.
func Instrument(p Provider, obs CallObserver) Provider {
	if obs == nil || p == nil {
		return p
	}
	return &instrumented{Provider: p, obs: obs}
}

type instrumented struct {
	Provider
	obs CallObserver
}

// Unwrap returns the provider Instrument wrapped.
func (i *instrumented) Unwrap() Provider { return i.Provider }

// Generate implements Provider.
func (i *instrumented) Generate(ctx context.Context, req Request) (Response, error) {
	start := time.Now()
	resp, err := i.Provider.Generate(ctx, req)
	i.obs.ObserveCall(CallStats{Provider: i.Name(), Model: i.Model(), Outcome: Outcome(ctx, err),
		Duration: time.Since(start), PromptTokens: resp.PromptTokens, OutputTokens: resp.OutputTokens})
	return resp, err
}

// Outcome names how a call ended, for metrics: "ok"; "canceled" when ctx ended first (a
// shutdown, a cancelled job); the error's Kind; or "error" for an error without one.
func Outcome(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return "ok"
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return "canceled"
	}
	switch KindOf(err) {
	case KindUnavailable:
		return "unavailable"
	case KindModelNotFound:
		return "model_not_found"
	case KindIncomplete:
		return "incomplete"
	case KindTruncated:
		return "truncated"
	case KindTimeout:
		return "timeout"
	case KindBadReply:
		return "bad_reply"
	}
	return "error"
}
