// Package llm holds the model providers Precis can send text to, behind one small interface.
//
// A provider turns a prompt (plus an optional JSON schema for structured output) into a
// complete reply. "Complete" is the point of this package: a provider returns text only when
// the model finished on its own; a cut stream, a reply stopped by the output limit or a prompt
// the server truncated are errors, never partial text passed off as a result.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Request is one model call.
type Request struct {
	// System is the system prompt.
	System string
	// Prompt is the user message.
	Prompt string
	// Schema, when set, is a JSON schema the reply must match (structured output).
	Schema json.RawMessage
	// MaxTokens caps the reply length in tokens.
	MaxTokens int
}

// Response is a complete reply with the usage the server reported.
type Response struct {
	Text         string
	PromptTokens int
	OutputTokens int
	// ModelTime is the time the server says it spent on the call (load, prompt, generation).
	ModelTime time.Duration
	// Parts is how many streamed parts the reply arrived in.
	Parts int
}

// Limits describes how much text one call to a provider can take.
type Limits struct {
	// ContextTokens is the context window used for each call (num_ctx for Ollama).
	ContextTokens int
	// ModelContextTokens is the context length the model itself declares.
	ModelContextTokens int
	// CharsPerToken is a conservative measure of characters per token for this model.
	CharsPerToken float64
}

// Provider is a model server with one model.
type Provider interface {
	// Name identifies the provider in the UI, the audit trail and the configuration.
	Name() string
	// Model is the model name sent to the server.
	Model() string
	// Slots is how many calls may run at once.
	Slots() int
	// Probe asks the server for the model's real limits; it fails when the server or model is unavailable.
	Probe(ctx context.Context) (Limits, error)
	// Generate makes one complete call.
	Generate(ctx context.Context, req Request) (Response, error)
}

// Kind classifies provider errors so callers can tell what to do next.
type Kind int

// Error kinds.
const (
	// KindUnavailable: the server did not answer or said it is busy; worth retrying later.
	KindUnavailable Kind = iota + 1
	// KindModelNotFound: the server answers but does not have the model; an admin must pull it.
	KindModelNotFound
	// KindIncomplete: the reply stopped before the model finished (stream cut, output limit).
	KindIncomplete
	// KindTruncated: the server dropped part of the prompt.
	KindTruncated
	// KindTimeout: the call took longer than its timeout.
	KindTimeout
	// KindBadReply: the server answered with an error or a reply we cannot use.
	KindBadReply
)

// Error is a provider failure with a message an admin or user can act on.
type Error struct {
	Kind     Kind
	Provider string
	Message  string
	Err      error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Provider, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Provider, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether a failed call (or job) may succeed when tried again later.
func Retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case KindUnavailable, KindIncomplete, KindTimeout:
		return true
	}
	return false
}

// KindOf returns the kind of a provider error, or 0.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// UserMessage is the sentence shown to a user for a provider error.
func UserMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
