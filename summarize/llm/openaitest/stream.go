package openaitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// reply is a chat reply ready to be sent.
type reply struct {
	content string
	finish  string
	prompt  int
	model   string
}

func (rp reply) usage() map[string]any {
	out := tokens(rp.content)
	return map[string]any{"prompt_tokens": rp.prompt, "completion_tokens": out, "total_tokens": rp.prompt + out}
}

// pieceChars is how many characters of content one streamed chunk carries.
const pieceChars = 8

func (rp reply) pieces() []string {
	var out []string
	for s := rp.content; s != ""; {
		n := min(pieceChars, len(s))
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// whole sends the reply as one chat.completion object.
func (a *answer) whole(rp reply, cut bool) {
	body, _ := json.Marshal(map[string]any{
		"id": a.id(), "object": "chat.completion", "created": created, "model": rp.model,
		"system_fingerprint": "openaitest",
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": rp.content, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": rp.finish,
		}},
		"usage": rp.usage(),
	})
	a.r.setStatus(a.rec, http.StatusOK)
	a.w.Header().Set("Content-Type", "application/json")
	a.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	a.w.WriteHeader(http.StatusOK)
	if cut {
		_, _ = a.w.Write(body[:len(body)/2])
		a.hangUp()
		return
	}
	_, _ = a.w.Write(body)
}

// stream sends the reply as server-sent events: a role chunk, content chunks, a finish chunk,
// the usage chunk when asked for, and [DONE]. A cut stream stops after half the content.
func (a *answer) stream(rp reply, cut, includeUsage bool) {
	a.r.setStatus(a.rec, http.StatusOK)
	h := a.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	a.w.WriteHeader(http.StatusOK)
	chunk := func(choices []map[string]any, usage any) bool {
		c := map[string]any{"id": a.id(), "object": "chat.completion.chunk", "created": created, "model": rp.model,
			"system_fingerprint": "openaitest", "choices": choices}
		if includeUsage {
			c["usage"] = usage
		}
		b, _ := json.Marshal(c)
		return a.event(b)
	}
	delta := func(d map[string]any, finish any) []map[string]any {
		return []map[string]any{{"index": 0, "delta": d, "logprobs": nil, "finish_reason": finish}}
	}
	if !chunk(delta(map[string]any{"role": "assistant", "content": ""}, nil), nil) {
		return
	}
	pieces := rp.pieces()
	for i, p := range pieces {
		if cut && i >= (len(pieces)+1)/2 {
			a.hangUp()
			return
		}
		if i > 0 && !a.wait(a.cfg.chunkDelay) {
			return
		}
		if !chunk(delta(map[string]any{"content": p}, nil), nil) {
			return
		}
	}
	if cut {
		a.hangUp()
		return
	}
	if !chunk(delta(map[string]any{}, rp.finish), nil) {
		return
	}
	if includeUsage && !chunk([]map[string]any{}, rp.usage()) {
		return
	}
	a.event([]byte("[DONE]"))
}

// event writes one server-sent event and flushes it; false when the client has gone.
func (a *answer) event(data []byte) bool {
	var buf bytes.Buffer
	buf.WriteString("data: ")
	buf.Write(data)
	buf.WriteString("\n\n")
	if _, err := a.w.Write(buf.Bytes()); err != nil {
		return false
	}
	if f, ok := a.w.(http.Flusher); ok {
		f.Flush()
	}
	return a.req.Context().Err() == nil
}

// hangUp flushes what was written and closes the connection without finishing the reply.
func (a *answer) hangUp() {
	if f, ok := a.w.(http.Flusher); ok {
		f.Flush()
	}
	if hj, ok := a.w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

func (a *answer) id() string { return fmt.Sprintf("chatcmpl-openaitest-%d", a.rec.Seq) }
