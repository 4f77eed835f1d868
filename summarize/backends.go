package summarize

import (
	"context"
	"fmt"

	"precis/summarize/llm"
)

// Backends picks the backend for a job: the configured Ollama provider when its server answers,
// otherwise the built-in extractive summarizer, unless a choice is forced.
type Backends struct {
	// Ollama is the local model provider; nil when none is configured.
	Ollama *llm.Ollama
	// Choice is "auto" (default), "ollama" or "builtin".
	Choice string
}

// Select returns the backend a new job should use. In "auto" mode an unreachable Ollama
// server means the built-in summarizer; a reachable server without the model is an error the
// admin must fix (it names the `ollama pull` to run).
func (b *Backends) Select(ctx context.Context) (Backend, error) {
	switch b.Choice {
	case "builtin":
		return Extractive{}, nil
	case "ollama":
		if b.Ollama == nil {
			return nil, fmt.Errorf("no Ollama provider is configured")
		}
		return &Abstractive{P: b.Ollama}, nil
	}
	if b.Ollama == nil || b.Ollama.Reachable(ctx) != nil {
		return Extractive{}, nil
	}
	return &Abstractive{P: b.Ollama}, nil
}

// ByName returns the backend a job already started with, so a resumed job keeps its author.
func (b *Backends) ByName(name string) (Backend, error) {
	switch {
	case name == Extractive{}.Name():
		return Extractive{}, nil
	case b.Ollama != nil && name == b.Ollama.Name():
		return &Abstractive{P: b.Ollama}, nil
	}
	return nil, fmt.Errorf("provider %q is no longer configured", name)
}

// Describe says, for the start-up log, which providers can be reached.
func (b *Backends) Describe(ctx context.Context) []string {
	out := []string{"builtin (extractive, no model): available"}
	if b.Ollama == nil {
		return out
	}
	state := "reachable"
	if err := b.Ollama.Reachable(ctx); err != nil {
		state = "NOT reachable (" + llm.UserMessage(err) + "); the built-in summarizer is used meanwhile"
	} else if err := b.Ollama.HasModel(ctx); err != nil {
		state = "reachable, but " + llm.UserMessage(err)
	}
	return append([]string{fmt.Sprintf("ollama %s model %s: %s", b.Ollama.URL(), b.Ollama.Model(), state)}, out...)
}
