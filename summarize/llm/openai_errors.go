package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
)

// wireError carries a transport or API error with the API key removed from its text, and the
// wait the server asked for before a retry.
type wireError struct {
	text       string
	err        error
	retryAfter time.Duration
}

func (e *wireError) Error() string { return e.text }
func (e *wireError) Unwrap() error { return e.err }

// redact removes the API key from s.
func (o *OpenAI) redact(s string) string {
	if o.cfg.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, o.cfg.APIKey, "[redacted]")
}

func (o *OpenAI) wrap(err error, retryAfter time.Duration) error {
	return &wireError{text: o.redact(err.Error()), err: err, retryAfter: retryAfter}
}

// retryAfter is the wait a failed call's server asked for, or 0.
func retryAfter(err error) time.Duration {
	var we *wireError
	if errors.As(err, &we) {
		return we.retryAfter
	}
	return 0
}

// tooLong is err when the server asks to wait longer than the provider is willing to.
func (o *OpenAI) tooLong(err error, wait time.Duration) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return &Error{Kind: e.Kind, Provider: e.Provider, Err: e.Err,
		Message: fmt.Sprintf("%s; it asks to wait %s before trying again, longer than the %s this provider waits", e.Message, wait.Round(time.Second), o.cfg.MaxRetryWait)}
}

// classify turns an SDK error into an *Error with a message an admin can act on. ctx is the
// caller's context, cctx the per-call one; path names the endpoint that was called.
func (o *OpenAI) classify(ctx, cctx context.Context, err error, httpResp *http.Response, path string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: KindTimeout, Provider: o.cfg.Name, Err: o.wrap(err, 0),
			Message: fmt.Sprintf("the model server did not finish within %s", o.cfg.Timeout)}
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		msg, code := apiErr.Message, apiCode(apiErr)
		if msg == "" && code == "" {
			msg, code = errorBody(apiErr.Response)
		}
		return o.statusError(apiErr.StatusCode, code, msg, apiErr.Response, err, path)
	}
	if httpResp != nil && httpResp.StatusCode >= 400 {
		// The SDK could not read the error body: {"error": "text"} or not JSON at all.
		msg, code := errorBody(httpResp)
		return o.statusError(httpResp.StatusCode, code, msg, httpResp, err, path)
	}
	var se *ssestream.StreamError
	if errors.As(err, &se) {
		return &Error{Kind: KindIncomplete, Provider: o.cfg.Name, Err: o.wrap(err, 0),
			Message: "the model server reported an error in the middle of the reply"}
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return &Error{Kind: KindBadReply, Provider: o.cfg.Name, Err: o.wrap(err, 0),
			Message: "the server sent something other than chat completion chunks"}
	}
	if httpResp != nil {
		// The status line arrived, then the connection broke.
		return &Error{Kind: KindIncomplete, Provider: o.cfg.Name, Err: o.wrap(err, 0),
			Message: "the model server's reply was cut off before it finished"}
	}
	return &Error{Kind: KindUnavailable, Provider: o.cfg.Name, Err: o.wrap(err, 0),
		Message: fmt.Sprintf("the server at %s cannot be reached", o.cfg.URL)}
}

// errorBody reads the message and code of an error body the SDK could not: OpenAI's
// {"error": {"message", "code"}}, {"error": "text"}, or vLLM's older top-level
// {"message", "code"}. The SDK leaves the body readable on the response it keeps.
func errorBody(resp *http.Response) (msg, code string) {
	if resp == nil || resp.Body == nil {
		return "", ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Code    any             `json:"code"`
	}
	if json.Unmarshal(b, &body) != nil {
		return "", ""
	}
	var nested struct {
		Message string `json:"message"`
		Code    any    `json:"code"`
	}
	if json.Unmarshal(body.Error, &nested) != nil {
		_ = json.Unmarshal(body.Error, &nested.Message)
	}
	c := body.Code
	if nested.Message != "" {
		msg, c = nested.Message, nested.Code
	} else {
		msg = body.Message
	}
	if c != nil {
		code = fmt.Sprint(c)
	}
	return msg, code
}

// apiCode is the error body's code: a string for OpenAI, a number for some servers.
func apiCode(e *openai.Error) string {
	if e.Code != "" {
		return e.Code
	}
	if raw := e.JSON.Code.Raw(); raw != "null" {
		return strings.Trim(raw, `"`)
	}
	return ""
}

// statusError classifies an HTTP error status; code and msg come from the error body.
func (o *OpenAI) statusError(status int, code, msg string, resp *http.Response, err error, path string) error {
	e := &Error{Provider: o.cfg.Name, Err: o.wrap(err, retryAfterHeader(resp))}
	lower := strings.ToLower(msg)
	detail := o.redact(msg)
	if len(detail) > 200 {
		detail = detail[:200] + "..."
	}
	switch {
	case status == http.StatusUnauthorized && o.cfg.APIKey == "":
		e.Kind, e.Message = KindBadReply, fmt.Sprintf("the server at %s requires an API key (HTTP 401) and none is configured", o.cfg.URL)
	case status == http.StatusUnauthorized:
		e.Kind, e.Message = KindBadReply, fmt.Sprintf("the server at %s refused the API key (HTTP 401): check the key in the provider's configuration", o.cfg.URL)
	case status == http.StatusForbidden:
		e.Kind, e.Message = KindBadReply, fmt.Sprintf("the server at %s refused access with this API key (HTTP 403): the key lacks permission for model %q or for this API", o.cfg.URL, o.cfg.Model)
	case status == http.StatusNotFound && path == "chat/completions" && (code == "model_not_found" || strings.Contains(lower, "model")):
		e.Kind, e.Message = KindModelNotFound, fmt.Sprintf("model %q is not available at %s: check the model name (for Azure, the deployment name; for vLLM, --served-model-name)", o.cfg.Model, o.cfg.URL)
	case status == http.StatusNotFound:
		e.Kind, e.Message = KindBadReply, fmt.Sprintf("the server at %s has no %s endpoint (HTTP 404): the URL must be the API's base URL, usually ending in /v1", o.cfg.URL, path)
	case code == "context_length_exceeded" || strings.Contains(lower, "maximum context length") || strings.Contains(lower, "context window"):
		e.Kind, e.Message = KindTruncated, "the prompt did not fit the model's context window"
	case code == "content_filter" || code == "content_policy_violation":
		e.Kind, e.Message = KindBadReply, "the server's content filter refused the prompt"
	case status == http.StatusTooManyRequests && code == "insufficient_quota":
		e.Kind, e.Message = KindBadReply, fmt.Sprintf("the API account behind the key has no quota left (HTTP 429): %s", detail)
	case status == http.StatusTooManyRequests:
		e.Kind, e.Message = KindUnavailable, "the model server is rate limiting requests (HTTP 429)"
	case status >= 500 || status == http.StatusRequestTimeout:
		e.Kind, e.Message = KindUnavailable, fmt.Sprintf("the model server answered %d (busy or failing)", status)
	case detail != "":
		e.Kind, e.Message = KindBadReply, fmt.Sprintf("the model server refused the request (HTTP %d): %s", status, detail)
	default:
		e.Kind, e.Message = KindBadReply, fmt.Sprintf("the model server refused the request (HTTP %d)", status)
	}
	return e
}

// retryAfterHeader reads the wait a server asks for: OpenAI's retry-after-ms, else
// Retry-After in seconds or as an HTTP date. 0 when there is none.
func retryAfterHeader(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	if ms, err := strconv.ParseFloat(resp.Header.Get("retry-after-ms"), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := resp.Header.Get("Retry-After")
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}
