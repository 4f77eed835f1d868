package openaitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// answer writes the reply to one request.
type answer struct {
	w   http.ResponseWriter
	req *http.Request
	rec *Recorded
	cfg config
	r   *Recorder
}

// created is the fixed timestamp of every reply, so that replies are reproducible.
const created = 1700000000

func (a *answer) json(status int, v any) {
	a.r.setStatus(a.rec, status)
	a.w.Header().Set("Content-Type", "application/json")
	a.w.WriteHeader(status)
	_ = json.NewEncoder(a.w).Encode(v)
}

// fail answers with OpenAI's error body: {"error": {"message", "type", "param", "code"}}.
func (a *answer) fail(status int, message, typ, code string) {
	a.json(status, map[string]any{"error": map[string]any{"message": message, "type": typ, "param": nil, "code": code}})
}

// injected answers a FailNext failure with the body OpenAI sends for that status.
func (a *answer) injected(status int) {
	if d := a.cfg.retryAfter; d > 0 {
		a.w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
		a.w.Header().Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
	}
	model := ""
	if a.rec.Chat != nil {
		model = a.rec.Chat.Model
	}
	switch {
	case status == http.StatusUnauthorized:
		a.fail(status, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
	case status == http.StatusForbidden:
		a.fail(status, "You are not allowed to sample from this model.", "invalid_request_error", "model_not_permitted")
	case status == http.StatusNotFound:
		a.fail(status, fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model), "invalid_request_error", "model_not_found")
	case status == http.StatusTooManyRequests:
		a.fail(status, "Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded")
	case status >= 500:
		a.fail(status, "The server had an error while processing your request. Sorry about that!", "server_error", "")
	default:
		a.fail(status, http.StatusText(status), "invalid_request_error", "")
	}
}

func (a *answer) models() {
	data := make([]map[string]any, 0, len(a.cfg.models))
	for _, id := range a.cfg.models {
		m := map[string]any{"id": id, "object": "model", "created": created, "owned_by": "openaitest"}
		if a.cfg.context > 0 {
			m["max_model_len"] = a.cfg.context
		}
		data = append(data, m)
	}
	a.json(http.StatusOK, map[string]any{"object": "list", "data": data})
}

// chat checks the request the way OpenAI does, builds the reply and sends it.
func (a *answer) chat(cut bool) {
	c := a.rec.Chat
	switch {
	case c == nil:
		a.fail(http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	case !slices.Contains(a.cfg.models, c.Model):
		a.fail(http.StatusNotFound, fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", c.Model), "invalid_request_error", "model_not_found")
		return
	case len(c.Messages) == 0:
		a.fail(http.StatusBadRequest, "[] is too short - 'messages'", "invalid_request_error", "")
		return
	}
	if err := checkFormat(c.ResponseFormat); err != nil {
		a.fail(http.StatusBadRequest, "Invalid schema for response_format: "+err.Error(), "invalid_request_error", "invalid_json_schema")
		return
	}
	prompt := promptTokens(c)
	if a.cfg.context > 0 && prompt+c.Limit() > a.cfg.context {
		a.fail(http.StatusBadRequest, fmt.Sprintf("This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the messages, %d in the completion). Please reduce the length of the messages or completion.",
			a.cfg.context, prompt+c.Limit(), prompt, c.Limit()), "invalid_request_error", "context_length_exceeded")
		return
	}
	content, finish := a.content()
	if limit := c.Limit(); limit > 0 && tokens(content) > limit && a.cfg.finish == "" {
		content, finish = content[:limit*charsPerToken], "length"
	}
	if !a.wait(a.cfg.delay) {
		return
	}
	reply := reply{content: content, finish: finish, prompt: prompt, model: c.Model}
	if c.Stream {
		a.stream(reply, cut, c.StreamOptions != nil && c.StreamOptions.IncludeUsage)
	} else {
		a.whole(reply, cut)
	}
}

// content is the reply text and finish reason before the token limit is applied.
func (a *answer) content() (string, string) {
	content, finish := "This is a reply from openaitest.", ""
	if a.cfg.reply != nil {
		content, finish = a.cfg.reply(a.rec.clone())
	} else if schema := a.rec.Chat.Schema(); schema != nil {
		inst, err := Instance(schema)
		if err == nil {
			content = string(inst)
		}
	}
	if a.cfg.finish != "" {
		finish = a.cfg.finish
	}
	if finish == "" {
		finish = "stop"
	}
	return content, finish
}

// checkFormat refuses a response_format OpenAI would refuse: an unknown type, json_schema
// without a schema, a strict schema outside the strict subset.
func checkFormat(f *ResponseFormat) error {
	if f == nil {
		return nil
	}
	switch f.Type {
	case "text", "json_object":
		return nil
	case "json_schema":
	default:
		return fmt.Errorf("unknown response_format type %q", f.Type)
	}
	if f.JSONSchema == nil || f.JSONSchema.Name == "" {
		return fmt.Errorf("json_schema needs a name")
	}
	if len(f.JSONSchema.Schema) == 0 {
		return fmt.Errorf("json_schema has no schema")
	}
	if f.JSONSchema.Strict != nil && *f.JSONSchema.Strict {
		if err := CheckStrict(f.JSONSchema.Schema); err != nil {
			return fmt.Errorf("'%s': %w", f.JSONSchema.Name, err)
		}
	}
	return nil
}

// wait sleeps d unless the client goes away first.
func (a *answer) wait(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.req.Context().Done():
		return false
	}
}

// charsPerToken is the server's fixed measure of text: four characters make a token.
const charsPerToken = 4

func tokens(s string) int { return (len(s) + charsPerToken - 1) / charsPerToken }

// promptTokens counts the messages' text plus three tokens of framing per message.
func promptTokens(c *ChatRequest) int {
	n := 0
	for _, m := range c.Messages {
		n += tokens(m.Content) + 3
	}
	return n
}
