package openaitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Recorded is one request as the server received it.
type Recorded struct {
	// Seq numbers requests from 1 in the order they arrived (Reset starts again at 1).
	Seq    int
	Method string
	Path   string
	// Header holds the request headers without Authorization (see HasAuth and APIKey).
	Header http.Header
	// HasAuth reports whether the request carried an Authorization header.
	HasAuth bool
	// APIKey is the bearer token of the Authorization header ("" when absent or not a bearer).
	APIKey string
	// Body is the raw request body.
	Body json.RawMessage
	// Chat is the parsed body of a POST /v1/chat/completions request; nil for other requests
	// and for bodies that are not JSON.
	Chat *ChatRequest
	// Status is the status code the server answered with; 0 while the answer is being written.
	Status int
}

// ChatRequest is the part of a chat completions request body the server understands.
type ChatRequest struct {
	Model               string          `json:"model"`
	Messages            []Message       `json:"messages"`
	Stream              bool            `json:"stream"`
	StreamOptions       *StreamOptions  `json:"stream_options"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	Seed                *int64          `json:"seed"`
	ResponseFormat      *ResponseFormat `json:"response_format"`
}

// StreamOptions is the request's stream_options.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// ResponseFormat is the request's response_format.
type ResponseFormat struct {
	// Type is "text", "json_object" or "json_schema".
	Type       string      `json:"type"`
	JSONSchema *JSONSchema `json:"json_schema"`
}

// JSONSchema is response_format.json_schema.
type JSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Strict      *bool           `json:"strict"`
	Schema      json.RawMessage `json:"schema"`
}

// Message is one chat message; Content holds the text of a plain string content or the
// concatenated text parts of an array content.
type Message struct {
	Role    string
	Content string
}

// UnmarshalJSON accepts both content forms of the chat completions API.
func (m *Message) UnmarshalJSON(b []byte) error {
	var raw struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Role = raw.Role
	m.Content = ""
	if len(raw.Content) == 0 || string(raw.Content) == "null" {
		return nil
	}
	if raw.Content[0] == '"' {
		return json.Unmarshal(raw.Content, &m.Content)
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw.Content, &parts); err != nil {
		return fmt.Errorf("message content is neither a string nor an array of parts: %w", err)
	}
	var sb strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			sb.WriteString(p.Text)
		}
	}
	m.Content = sb.String()
	return nil
}

// Text is the content of the messages with the given role, joined by newlines.
func (c *ChatRequest) Text(role string) string {
	var parts []string
	for _, m := range c.Messages {
		if m.Role == role {
			parts = append(parts, m.Content)
		}
	}
	return strings.Join(parts, "\n")
}

// Limit is the reply limit the request asked for: max_completion_tokens, else max_tokens, else 0.
func (c *ChatRequest) Limit() int {
	switch {
	case c.MaxCompletionTokens != nil:
		return *c.MaxCompletionTokens
	case c.MaxTokens != nil:
		return *c.MaxTokens
	}
	return 0
}

// Schema is the JSON schema of response_format, or nil.
func (c *ChatRequest) Schema() json.RawMessage {
	if c.ResponseFormat == nil || c.ResponseFormat.JSONSchema == nil {
		return nil
	}
	return c.ResponseFormat.JSONSchema.Schema
}

// clone copies r deeply enough that the caller cannot change the recorder's copy.
func (r *Recorded) clone() Recorded {
	c := *r
	c.Header = r.Header.Clone()
	c.Body = append(json.RawMessage(nil), r.Body...)
	if r.Chat != nil {
		chat := *r.Chat
		chat.Messages = append([]Message(nil), r.Chat.Messages...)
		c.Chat = &chat
	}
	return c
}
