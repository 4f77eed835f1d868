package llm

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// errReplyLimit is the cause of a reply stopped by its token limit: at temperature 0 the
// same call stops at the same place, so it is a bad reply (as with Ollama), never retried.
var errReplyLimit = errors.New("the reply reached its token limit")

// params builds the chat completion request for req.
func (o *OpenAI) params(req Request) (openai.ChatCompletionNewParams, error) {
	var msgs []openai.ChatCompletionMessageParamUnion
	if req.System != "" {
		msgs = append(msgs, openai.SystemMessage(req.System))
	}
	msgs = append(msgs, openai.UserMessage(req.Prompt))
	p := openai.ChatCompletionNewParams{
		Model:       o.cfg.Model,
		Messages:    msgs,
		Temperature: openai.Float(0),
		// Usage arrives in one more chunk at the end of the stream.
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	if req.MaxTokens > 0 {
		if o.cfg.LegacyMaxTokens {
			p.MaxTokens = openai.Int(int64(req.MaxTokens))
		} else {
			p.MaxCompletionTokens = openai.Int(int64(req.MaxTokens))
		}
	}
	if len(req.Schema) > 0 {
		schema, strict, err := o.schemaFor(req.Schema)
		if err != nil {
			return p, err
		}
		p.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "reply", Schema: schema, Strict: openai.Bool(strict)},
		}}
	}
	return p, nil
}

// call makes one streamed chat completion and accepts the reply only when the model finished
// on its own (finish reason "stop"). A probe accepts a reply stopped by its limit, too.
//
// Streaming rather than one JSON answer: a long generation on a busy local server keeps the
// connection busy instead of idle (proxies drop idle connections), a connection cut half-way
// shows as a missing finish reason, and Parts tells how the reply arrived.
func (o *OpenAI) call(ctx context.Context, params openai.ChatCompletionNewParams, maxTokens int, probe bool) (Response, error) {
	cctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	var httpResp *http.Response
	start := time.Now()
	stream := o.chat.NewStreaming(cctx, params, option.WithResponseInto(&httpResp))
	defer stream.Close()
	var (
		text, refusal strings.Builder
		finish        string
		usage         openai.CompletionUsage
		parts         int
	)
	for stream.Next() {
		chunk := stream.Current()
		parts++
		if chunk.JSON.Usage.Valid() {
			usage = chunk.Usage
		}
		for _, c := range chunk.Choices {
			if c.Index != 0 {
				continue
			}
			text.WriteString(c.Delta.Content)
			refusal.WriteString(c.Delta.Refusal)
			if c.FinishReason != "" {
				finish = c.FinishReason
			}
		}
	}
	// ModelTime is this attempt's time from request to last chunk: OpenAI-compatible servers
	// do not report the time they spent.
	resp := Response{PromptTokens: int(usage.PromptTokens), OutputTokens: int(usage.CompletionTokens),
		ModelTime: time.Since(start), Parts: parts}
	err := stream.Err()
	if err == nil && finish == "" && cctx.Err() != nil {
		err = cctx.Err()
	}
	if err != nil {
		return resp, o.classify(ctx, cctx, err, httpResp, "chat/completions")
	}
	switch finish {
	case "stop":
		if refusal.Len() > 0 {
			return resp, &Error{Kind: KindBadReply, Provider: o.cfg.Name,
				Message: "the model refused to answer (it sent a refusal instead of the requested reply)"}
		}
		resp.Text = text.String()
		return resp, nil
	case "":
		if httpResp != nil && !isEventStream(httpResp) {
			return resp, &Error{Kind: KindBadReply, Provider: o.cfg.Name,
				Message: fmt.Sprintf("the server at %s answered with %q instead of a stream of events: is it an OpenAI-compatible API (a base URL ending in /v1)?", o.cfg.URL, httpResp.Header.Get("Content-Type"))}
		}
		return resp, &Error{Kind: KindIncomplete, Provider: o.cfg.Name,
			Message: "the model server's reply was cut off before it finished"}
	case "length":
		if probe {
			return resp, nil
		}
		if lim, ok := o.cachedLimits(); ok && resp.PromptTokens+resp.OutputTokens >= lim.ContextTokens-1 {
			return resp, &Error{Kind: KindTruncated, Provider: o.cfg.Name,
				Message: fmt.Sprintf("the prompt (%d tokens) and the answer did not fit the %d-token context window", resp.PromptTokens, lim.ContextTokens)}
		}
		limit := "the server's reply limit"
		if maxTokens > 0 {
			limit = fmt.Sprintf("the reply limit of %d tokens", maxTokens)
		}
		return resp, &Error{Kind: KindBadReply, Provider: o.cfg.Name, Err: errReplyLimit,
			Message: "the model stopped before finishing its answer: it reached " + limit}
	case "content_filter":
		return resp, &Error{Kind: KindBadReply, Provider: o.cfg.Name,
			Message: "the server's content filter withheld the model's reply (finish reason content_filter)"}
	}
	return resp, &Error{Kind: KindBadReply, Provider: o.cfg.Name,
		Message: fmt.Sprintf("the model stopped for reason %q instead of finishing its answer", finish)}
}

func isEventStream(r *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}
