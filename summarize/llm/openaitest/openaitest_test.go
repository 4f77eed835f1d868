package openaitest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"precis/summarize/llm/openaitest"
)

// pointsSchema is the shape of Precis's summary replies.
const pointsSchema = `{"type":"object","properties":{"points":{"type":"array","maxItems":3,"items":{"type":"object",
"properties":{"topic":{"type":"string","maxLength":12},"text":{"type":"string","maxLength":300},
"pages":{"type":"array","minItems":1,"maxItems":3,"items":{"type":"integer","enum":[4,7]}}},
"required":["topic","text","pages"]}}},"required":["points"]}`

type points struct {
	Points []struct {
		Topic string `json:"topic"`
		Text  string `json:"text"`
		Pages []int  `json:"pages"`
	} `json:"points"`
}

func checkPoints(t *testing.T, content string) {
	t.Helper()
	var p points
	if err := json.Unmarshal([]byte(content), &p); err != nil {
		t.Fatalf("content is not the schema's JSON: %v: %q", err, content)
	}
	if len(p.Points) == 0 || len(p.Points) > 3 {
		t.Errorf("%d points, want 1 to 3", len(p.Points))
	}
	for _, pt := range p.Points {
		if len(pt.Topic) > 12 || pt.Topic == "" {
			t.Errorf("topic %q breaks maxLength 12", pt.Topic)
		}
		if len(pt.Pages) < 1 || len(pt.Pages) > 3 {
			t.Errorf("pages %v break minItems 1 / maxItems 3", pt.Pages)
		}
		for _, n := range pt.Pages {
			if n != 4 && n != 7 {
				t.Errorf("page %d is not in the enum [4,7]", n)
			}
		}
	}
}

func client(url string, opts ...option.RequestOption) openai.ChatCompletionService {
	return openai.NewChatCompletionService(append([]option.RequestOption{option.WithBaseURL(url), option.WithMaxRetries(0)}, opts...)...)
}

func params(schema string) openai.ChatCompletionNewParams {
	p := openai.ChatCompletionNewParams{
		Model:               openaitest.ModelName,
		Messages:            []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Summarize."), openai.UserMessage("--- page 4 ---\nThe term is two years.")},
		MaxCompletionTokens: openai.Int(400),
		StreamOptions:       openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	if schema != "" {
		p.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "reply", Schema: json.RawMessage(schema)}}}
	}
	return p
}

// TestSDKTalksToServer checks that the official SDK, unmodified, gets schema-valid replies both
// as one JSON object and as a stream, and that the server records what the SDK sent.
func TestSDKTalksToServer(t *testing.T) {
	rec := openaitest.Start(t, openaitest.RequireKey("sk-test-1"))
	c := client(rec.URL(), option.WithAPIKey("sk-test-1"))
	ctx := context.Background()

	whole, err := c.New(ctx, params(pointsSchema))
	if err != nil {
		t.Fatalf("non-streamed call: %v", err)
	}
	if whole.Choices[0].FinishReason != "stop" || whole.Usage.PromptTokens == 0 || whole.Usage.CompletionTokens == 0 {
		t.Errorf("finish %q usage %+v", whole.Choices[0].FinishReason, whole.Usage)
	}
	checkPoints(t, whole.Choices[0].Message.Content)

	stream := c.NewStreaming(ctx, params(pointsSchema))
	var acc openai.ChatCompletionAccumulator
	chunks := 0
	for stream.Next() {
		acc.AddChunk(stream.Current())
		chunks++
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("streamed call: %v", err)
	}
	if chunks < 4 {
		t.Errorf("%d chunks: the reply was not streamed", chunks)
	}
	if acc.Choices[0].Message.Content != whole.Choices[0].Message.Content {
		t.Errorf("streamed content %q differs from the whole one %q", acc.Choices[0].Message.Content, whole.Choices[0].Message.Content)
	}
	if acc.Usage.TotalTokens != whole.Usage.TotalTokens || acc.Choices[0].FinishReason != "stop" {
		t.Errorf("streamed usage %+v finish %q", acc.Usage, acc.Choices[0].FinishReason)
	}

	reqs := rec.Requests()
	if len(reqs) != 2 || rec.Count() != 2 {
		t.Fatalf("recorded %d requests (count %d), want 2", len(reqs), rec.Count())
	}
	for i, r := range reqs {
		if r.Seq != i+1 || r.Method != http.MethodPost || r.Path != "/v1/chat/completions" || r.Status != http.StatusOK {
			t.Errorf("request %d: seq %d %s %s status %d", i, r.Seq, r.Method, r.Path, r.Status)
		}
		if !r.HasAuth || r.APIKey != "sk-test-1" || r.Header.Get("Authorization") != "" {
			t.Errorf("request %d: auth %v key %q header %q", i, r.HasAuth, r.APIKey, r.Header.Get("Authorization"))
		}
		if r.Chat == nil || r.Chat.Model != openaitest.ModelName || r.Chat.Text("system") != "Summarize." ||
			!strings.Contains(r.Chat.Text("user"), "two years") || r.Chat.Limit() != 400 {
			t.Fatalf("request %d: parsed body %+v", i, r.Chat)
		}
		if f := r.Chat.ResponseFormat; f == nil || f.Type != "json_schema" || f.JSONSchema.Name != "reply" || !json.Valid(f.JSONSchema.Schema) {
			t.Errorf("request %d: response_format %+v", i, f)
		}
	}
	if reqs[0].Chat.Stream || !reqs[1].Chat.Stream || !reqs[1].Chat.StreamOptions.IncludeUsage {
		t.Errorf("stream flags: first %v, second %v", reqs[0].Chat.Stream, reqs[1].Chat.Stream)
	}
	rec.Reset()
	if rec.Count() != 0 || len(rec.Requests()) != 0 {
		t.Errorf("Reset left %d requests", rec.Count())
	}
}

func TestModels(t *testing.T) {
	rec := openaitest.Start(t, openaitest.Models("a", "b"), openaitest.ContextLength(2048))
	models := openai.NewModelService(option.WithBaseURL(rec.URL()))
	page, err := models.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 2 || page.Data[0].ID != "a" || page.Data[1].ID != "b" {
		t.Fatalf("models %+v", page.Data)
	}
	if raw := page.Data[0].JSON.ExtraFields["max_model_len"].Raw(); raw != "2048" {
		t.Errorf("max_model_len = %q, want 2048", raw)
	}
	if r := rec.Requests()[0]; r.Method != http.MethodGet || r.Path != "/v1/models" || r.HasAuth || r.Chat != nil {
		t.Errorf("recorded %+v", r)
	}
}

// statusOf returns the HTTP status of an SDK error, or 0.
func statusOf(err error) int {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	rec := openaitest.Start(t, openaitest.RequireKey("sk-right"), openaitest.ContextLength(200))
	c := client(rec.URL(), option.WithAPIKey("sk-wrong"))
	_, err := c.New(ctx, params(""))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "invalid_api_key" || !strings.Contains(apiErr.Message, "sk-wrong") {
		t.Errorf("wrong key: %v", err)
	}

	c = client(rec.URL(), option.WithAPIKey("sk-right"))
	p := params("")
	p.Model = "gpt-nothing"
	if _, err := c.New(ctx, p); statusOf(err) != 404 || !errors.As(err, &apiErr) || apiErr.Code != "model_not_found" {
		t.Errorf("unknown model: %v", err)
	}
	p = params("")
	p.Messages = append(p.Messages, openai.UserMessage(strings.Repeat("long text ", 100)))
	if _, err := c.New(ctx, p); !errors.As(err, &apiErr) || apiErr.Code != "context_length_exceeded" {
		t.Errorf("prompt over the context: %v", err)
	}
	strict := params(pointsSchema)
	strict.ResponseFormat.OfJSONSchema.JSONSchema.Strict = openai.Bool(true)
	if _, err := c.New(ctx, strict); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, "additionalProperties") {
		t.Errorf("strict schema without additionalProperties: %v", err)
	}
	p = params("")
	p.MaxCompletionTokens = openai.Int(2)
	res, err := c.New(ctx, p)
	if err != nil || res.Choices[0].FinishReason != "length" || len(res.Choices[0].Message.Content) != 8 {
		t.Errorf("2-token limit: %v %+v", err, res)
	}
	if rec.Requests()[0].Status != 401 {
		t.Errorf("recorded status %d, want 401", rec.Requests()[0].Status)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	rec := openaitest.Start(t, openaitest.FailNext(2, 503), openaitest.RetryAfter(1500*time.Millisecond))
	c := client(rec.URL())
	for i := range 2 {
		var httpResp *http.Response
		_, err := c.New(ctx, params(""), option.WithResponseInto(&httpResp))
		if statusOf(err) != 503 || httpResp.Header.Get("Retry-After") != "2" || httpResp.Header.Get("retry-after-ms") != "1500" {
			t.Fatalf("failure %d: %v, headers %v", i, err, httpResp.Header)
		}
	}
	if _, err := c.New(ctx, params("")); err != nil {
		t.Fatalf("after the failures: %v", err)
	}

	rec.Configure(openaitest.FinishReason("content_filter"))
	res, err := c.New(ctx, params(""))
	if err != nil || res.Choices[0].FinishReason != "content_filter" {
		t.Errorf("finish reason: %v %+v", err, res)
	}
	rec.Configure(openaitest.FinishReason(""), openaitest.Reply(func(r openaitest.Recorded) (string, string) {
		return "echo " + r.Chat.Text("system"), "length"
	}))
	if res, err := c.New(ctx, params("")); err != nil || res.Choices[0].Message.Content != "echo Summarize." || res.Choices[0].FinishReason != "length" {
		t.Errorf("reply hook: %v %+v", err, res)
	}

	rec.Configure(openaitest.Reply(nil), openaitest.CutStream(2))
	stream := c.NewStreaming(ctx, params(pointsSchema))
	var got strings.Builder
	finish := ""
	for stream.Next() {
		for _, ch := range stream.Current().Choices {
			got.WriteString(ch.Delta.Content)
			finish += ch.FinishReason
		}
	}
	if stream.Err() == nil || finish != "" || got.Len() == 0 {
		t.Errorf("cut stream: err %v, finish %q, %d characters", stream.Err(), finish, got.Len())
	}
	if _, err := c.New(ctx, params(pointsSchema)); err == nil {
		t.Error("cut whole reply: no error")
	}
	if _, err := c.New(ctx, params(pointsSchema)); err != nil {
		t.Errorf("after the cuts: %v", err)
	}

	rec.Configure(openaitest.Delay(2 * time.Second))
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.New(tctx, params("")); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("delayed reply: %v after %s", err, time.Since(start))
	}
}

// TestChunkDelay reads the raw event stream: chunks come apart in time, each a data: line,
// ending with [DONE].
func TestChunkDelay(t *testing.T) {
	rec := openaitest.Start(t, openaitest.ChunkDelay(30*time.Millisecond))
	body := `{"model":"` + openaitest.ModelName + `","stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`
	start := time.Now()
	resp, err := http.Post(rec.URL()+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events = append(events, line)
		}
	}
	if len(events) < 5 || events[len(events)-1] != "[DONE]" {
		t.Fatalf("events %q", events)
	}
	if min := time.Duration(len(events)-4) * 30 * time.Millisecond; time.Since(start) < min {
		t.Errorf("stream took %s, want at least %s", time.Since(start), min)
	}
	if got := rec.Requests()[0].Chat.Text("user"); got != "hi" {
		t.Errorf("array content parsed as %q", got)
	}
}

// TestConcurrentRecording sends requests from many goroutines: every one is recorded once,
// numbered without gaps.
func TestConcurrentRecording(t *testing.T) {
	rec := openaitest.Start(t, openaitest.Delay(20*time.Millisecond))
	c := client(rec.URL())
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			p := params("")
			p.Messages = []openai.ChatCompletionMessageParamUnion{openai.UserMessage(fmt.Sprintf("call %d", i))}
			if _, err := c.New(context.Background(), p); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	seqs := map[int]bool{}
	for _, r := range rec.Requests() {
		seen[r.Chat.Text("user")] = true
		seqs[r.Seq] = true
	}
	if rec.Count() != n || len(seen) != n || len(seqs) != n || !seqs[1] || !seqs[n] {
		t.Errorf("count %d, distinct prompts %d, distinct seqs %d", rec.Count(), len(seen), len(seqs))
	}
}

func TestUnknownPath(t *testing.T) {
	rec := openaitest.Start(t)
	resp, err := http.Get(rec.URL() + "/completions")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), "unknown_url") {
		t.Errorf("unknown path: %d %s", resp.StatusCode, b)
	}
}

// TestKeyBeforeFaults: a request refused for its key does not spend an injected failure.
func TestKeyBeforeFaults(t *testing.T) {
	rec := openaitest.Start(t, openaitest.RequireKey("k"), openaitest.FailNext(1, 500))
	ctx := context.Background()
	bad := client(rec.URL(), option.WithAPIKey("bad"))
	if _, err := bad.New(ctx, params("")); statusOf(err) != 401 {
		t.Errorf("wrong key: %v", err)
	}
	good := client(rec.URL(), option.WithAPIKey("k"))
	if _, err := good.New(ctx, params("")); statusOf(err) != 500 {
		t.Errorf("first authorized request: %v, want the injected 500", err)
	}
	if _, err := good.New(ctx, params("")); err != nil {
		t.Errorf("second authorized request: %v", err)
	}
}
