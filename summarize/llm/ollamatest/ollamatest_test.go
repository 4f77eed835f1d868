package ollamatest

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ollama/ollama/api"
)

// pointsSchema is the shape of structured output the summarizer relies on:
// bounded arrays, bounded strings and an integer enum.
const pointsSchema = `{"type":"object","properties":{"points":{"type":"array","maxItems":3,
"items":{"type":"object","properties":{"text":{"type":"string","maxLength":40},
"pages":{"type":"array","maxItems":2,"items":{"type":"integer","enum":[3,4,5]}}},
"required":["text","pages"]}}},"required":["points"]}`

// TestServer runs the real ollama server with the tiny model once and checks
// the API behaviour the product depends on.
func TestServer(t *testing.T) {
	start := time.Now()
	s := Start(t)
	t.Logf("server and model ready in %v at %s", time.Since(start).Round(time.Millisecond), s.URL)

	t.Run("show reports the context length", func(t *testing.T) {
		resp, err := s.Client.Show(t.Context(), &api.ShowRequest{Model: s.Model})
		if err != nil {
			t.Fatal(err)
		}
		got, ok := resp.ModelInfo["llama.context_length"].(float64)
		if !ok || got != ContextLength {
			t.Errorf("model_info llama.context_length = %v, want %d", resp.ModelInfo["llama.context_length"], ContextLength)
		}
	})

	t.Run("streamed chat", func(t *testing.T) {
		req := &api.ChatRequest{
			Model:    s.Model,
			Messages: []api.Message{{Role: "user", Content: "Summarize: the buyer shall pay the seller within thirty days."}},
			Options:  map[string]any{"num_ctx": ContextLength, "num_predict": 64, "temperature": 0},
		}
		var chunks int
		var text strings.Builder
		var final api.ChatResponse
		err := s.Client.Chat(t.Context(), req, func(r api.ChatResponse) error {
			chunks++
			text.WriteString(r.Message.Content)
			if r.Done {
				final = r
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if chunks < 3 {
			t.Errorf("got %d chunks, want a stream of several", chunks)
		}
		if !final.Done || (final.DoneReason != "stop" && final.DoneReason != "length") {
			t.Errorf("final chunk: done=%v reason=%q, want done with stop or length", final.Done, final.DoneReason)
		}
		if final.PromptEvalCount <= 0 || final.EvalCount <= 0 {
			t.Errorf("prompt_eval_count=%d eval_count=%d, want both > 0", final.PromptEvalCount, final.EvalCount)
		}
		t.Logf("%d chunks, reason %s, prompt %d tokens, eval %d tokens: %q",
			chunks, final.DoneReason, final.PromptEvalCount, final.EvalCount, text.String())
	})

	t.Run("structured output follows the schema", func(t *testing.T) {
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(pointsSchema)); err != nil {
			t.Fatal(err)
		}
		stream := false
		req := &api.ChatRequest{
			Model:    s.Model,
			Messages: []api.Message{{Role: "user", Content: "List the key points with their pages as JSON."}},
			Format:   json.RawMessage(compact.Bytes()),
			Stream:   &stream,
			Options:  map[string]any{"num_ctx": ContextLength, "num_predict": 512, "temperature": 0},
		}
		var resp api.ChatResponse
		if err := s.Client.Chat(t.Context(), req, func(r api.ChatResponse) error { resp = r; return nil }); err != nil {
			t.Fatal(err)
		}
		t.Logf("reason %s, %d tokens: %s", resp.DoneReason, resp.EvalCount, resp.Message.Content)
		if resp.DoneReason != "stop" {
			t.Errorf("done_reason = %q, want stop (the grammar must end the JSON within num_predict)", resp.DoneReason)
		}
		checkPoints(t, resp.Message.Content)
	})

	// The control for the subtest above: the tiny model never closes a
	// string by itself, so the bounds there come from the grammar, and a
	// schema without maxLength yields JSON cut off at num_predict.
	t.Run("unbounded string runs to num_predict", func(t *testing.T) {
		stream := false
		req := &api.ChatRequest{
			Model:    s.Model,
			Messages: []api.Message{{Role: "user", Content: "Summarize as JSON."}},
			Format:   json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`),
			Stream:   &stream,
			Options:  map[string]any{"num_ctx": ContextLength, "num_predict": 64, "temperature": 0},
		}
		var resp api.ChatResponse
		if err := s.Client.Chat(t.Context(), req, func(r api.ChatResponse) error { resp = r; return nil }); err != nil {
			t.Fatal(err)
		}
		if resp.DoneReason != "length" || json.Valid([]byte(resp.Message.Content)) {
			t.Errorf("reason %q, content %q: want length and truncated JSON", resp.DoneReason, resp.Message.Content)
		}
	})

	t.Run("unknown model is not found", func(t *testing.T) {
		req := &api.ChatRequest{Model: "precis-missing:latest", Messages: []api.Message{{Role: "user", Content: "hi"}}}
		err := s.Client.Chat(t.Context(), req, func(api.ChatResponse) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("err = %v, want an error containing \"not found\"", err)
		}
	})

	// api.Client.Chat ignores read errors of a stream (v0.17.4 does not check
	// the scanner's error), so a killed server shows as a stream that ends
	// without a final done chunk, often with a nil error. Callers must treat
	// "no done chunk" as a failure; this subtest pins that behaviour down.
	t.Run("kill ends a request in flight without a done chunk", func(t *testing.T) {
		req := &api.ChatRequest{
			Model:    s.Model,
			Messages: []api.Message{{Role: "user", Content: "Write a long text."}},
			Options:  map[string]any{"num_predict": 100000, "temperature": 0},
		}
		var chunks int
		var done bool
		err := s.Client.Chat(t.Context(), req, func(r api.ChatResponse) error {
			done = done || r.Done
			if chunks++; chunks == 5 {
				s.Kill()
			}
			return nil
		})
		t.Logf("after Kill: %d chunks, err=%v", chunks, err)
		if done {
			t.Errorf("got a done chunk after %d chunks, want the stream cut off", chunks)
		}
		select {
		case <-s.Exited():
		case <-time.After(5 * time.Second):
			t.Error("server still running 5s after Kill")
		}
	})
}

// checkPoints parses content into the shape of pointsSchema and checks every
// bound of the schema.
func checkPoints(t *testing.T, content string) {
	t.Helper()
	var got struct {
		Points []struct {
			Text  *string `json:"text"`
			Pages []int   `json:"pages"`
		} `json:"points"`
	}
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("content is not JSON of the schema's shape: %v\n%s", err, content)
	}
	if got.Points == nil {
		t.Error(`required "points" missing or null`)
	}
	if len(got.Points) > 3 {
		t.Errorf("%d points, schema allows at most 3 (maxItems)", len(got.Points))
	}
	for i, p := range got.Points {
		if p.Text == nil {
			t.Errorf("point %d: required text missing", i)
		} else if n := utf8.RuneCountInString(*p.Text); n > 40 {
			t.Errorf("point %d: text has %d characters, schema allows 40 (maxLength)", i, n)
		}
		if p.Pages == nil {
			t.Errorf("point %d: required pages missing or null", i)
		}
		if len(p.Pages) > 2 {
			t.Errorf("point %d: %d pages, schema allows at most 2 (maxItems)", i, len(p.Pages))
		}
		for _, pg := range p.Pages {
			if !slices.Contains([]int{3, 4, 5}, pg) {
				t.Errorf("point %d: page %d is not in the enum [3,4,5]", i, pg)
			}
		}
	}
}

func TestFindBinaryMissing(t *testing.T) {
	t.Setenv(BinaryEnv, "/nonexistent/ollama")
	_, err := FindBinary()
	if err == nil || !errors.Is(err, errNoBinary) || !strings.Contains(err.Error(), "scripts/build-ollama.sh") {
		t.Errorf("err = %v, want one naming scripts/build-ollama.sh", err)
	}
}
