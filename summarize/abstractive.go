package summarize

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"precis/storage"
	"precis/summarize/llm"
)

// Abstractive is the backend that has a language model write the partial summaries. Replies
// are structured output (a JSON schema the server enforces), so every point arrives with the
// pages it cites and the engine can check them.
type Abstractive struct {
	P llm.Provider
}

// Name implements Backend.
func (a *Abstractive) Name() string { return a.P.Name() }

// Model implements Backend.
func (a *Abstractive) Model() string { return a.P.Model() }

// Engine implements Backend.
func (a *Abstractive) Engine() string { return EngineAbstractive }

// Slots implements Backend.
func (a *Abstractive) Slots() int { return a.P.Slots() }

const systemPrompt = `You are a careful legal assistant who summarizes contracts for lawyers. ` +
	`Use only the text you are given; never add facts. Every point cites the pages it comes from.`

// budget describes the sizes derived from the model's limits.
type budget struct {
	plan      Plan
	maxTokens int // reply limit
	points    int // most points in one reply
	textChars int // longest point text
}

func (a *Abstractive) budget(ctx context.Context) (budget, error) {
	lim, err := a.P.Probe(ctx)
	if err != nil {
		return budget{}, err
	}
	cpt := lim.CharsPerToken
	b := budget{maxTokens: min(2048, max(256, lim.ContextTokens/4))}
	// The reply limit must hold the longest reply the schema allows; JSON punctuation and
	// whitespace take about 40% of it.
	outChars := int(float64(b.maxTokens) * cpt * 0.6)
	b.textChars = 300
	if cpt < 3 {
		b.textChars = 160
	}
	b.points = min(24, max(2, outChars/(b.textChars+100)))
	instructions := len(systemPrompt) + len(mapPrompt(storage.Chunk{FirstPage: 1000, LastPage: 1000}, b.points))
	inputTokens := lim.ContextTokens - b.maxTokens - int(float64(instructions)/cpt) - 64
	if inputTokens < 128 {
		return budget{}, &llm.Error{Kind: llm.KindBadReply, Provider: a.P.Name(),
			Message: fmt.Sprintf("the model's context window (%d tokens) is too small to summarize with", lim.ContextTokens)}
	}
	chars := int(float64(inputTokens) * cpt * 0.8)
	b.plan = Plan{ChunkChars: chars, ReduceChars: chars, CharsPerToken: cpt}
	return b, nil
}

// Plan implements Backend.
func (a *Abstractive) Plan(ctx context.Context) (Plan, error) {
	b, err := a.budget(ctx)
	return b.plan, err
}

func mapPrompt(c storage.Chunk, points int) string {
	return fmt.Sprintf(`Below is part of a contract: pages %d to %d. Each page starts with a line "--- page N ---".
List the points a lawyer needs from it: parties, dates, term and renewal, termination, payment, obligations, liability and indemnity, governing law, confidentiality, and anything unusual.
Answer with JSON {"points": [{"topic": "short heading", "text": "one sentence", "pages": [page numbers]}]}: at most %d points; each point cites only the pages (%d to %d) where it is stated.

%s`, c.FirstPage, c.LastPage, points, c.FirstPage, c.LastPage, c.Text)
}

func reducePrompt(parts []Partial, points int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, `Below are key points taken from consecutive parts of one contract, each with the pages it cites.
Combine them into one summary: merge repeated points, keep the most important, give each a short topic such as Parties, Term, Termination, Payment, Liability, Governing law.
Answer with JSON {"points": [{"topic": "short heading", "text": "one sentence", "pages": [page numbers]}]}: at most %d points; each point keeps the page citations of the points it is based on.

`, points)
	for _, p := range parts {
		for _, pt := range p.Points {
			fmt.Fprintf(&sb, "- [%s] %s (pages %s)\n", pt.Topic, pt.Text, strings.Trim(fmt.Sprint(pt.Pages), "[]"))
		}
	}
	return sb.String()
}

// schema is the JSON schema of a reply: points whose pages can only be the allowed ones.
func schema(pages []int, points, textChars int) json.RawMessage {
	enum := make([]string, len(pages))
	for i, n := range pages {
		enum[i] = strconv.Itoa(n)
	}
	return json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{"points":{"type":"array","maxItems":%d,"items":{"type":"object","properties":{"topic":{"type":"string","maxLength":40},"text":{"type":"string","maxLength":%d},"pages":{"type":"array","minItems":1,"maxItems":3,"items":{"type":"integer","enum":[%s]}}},"required":["topic","text","pages"]}}},"required":["points"]}`,
		points, textChars, strings.Join(enum, ",")))
}

// Map implements Backend.
func (a *Abstractive) Map(ctx context.Context, c storage.Chunk) (Partial, Call, error) {
	b, err := a.budget(ctx)
	if err != nil {
		return Partial{}, Call{}, err
	}
	var pages []int
	for n := c.FirstPage; n <= c.LastPage; n++ {
		pages = append(pages, n)
	}
	p, call, err := a.call(ctx, mapPrompt(c, b.points), schema(pages, b.points, b.textChars), b.maxTokens)
	if llm.KindOf(err) != llm.KindTruncated || len(c.Text) < 400 {
		return p, call, err
	}
	// The text holds more tokens than the characters-per-token measure promised (numbers,
	// tables, rare words): summarize the two halves and keep both answers, rather than cut.
	var texts []storage.Page
	for _, u := range chunkPages(c) {
		texts = append(texts, storage.Page{Number: u.page, Text: u.text})
	}
	halves := Split(texts, len(c.Text)/2+64, b.plan.CharsPerToken)
	if len(halves) < 2 {
		return p, call, err
	}
	var out Partial
	for _, h := range halves {
		hp, hc, err := a.Map(ctx, h)
		call.PromptTokens += hc.PromptTokens
		call.OutputTokens += hc.OutputTokens
		call.ModelTime += hc.ModelTime
		call.Wall += hc.Wall
		if err != nil {
			return Partial{}, call, err
		}
		out.Points = append(out.Points, hp.Points...)
	}
	return out, call, nil
}

// Reduce implements Backend.
func (a *Abstractive) Reduce(ctx context.Context, parts []Partial, level int) (Partial, Call, error) {
	b, err := a.budget(ctx)
	if err != nil {
		return Partial{}, Call{}, err
	}
	seen := map[int]bool{}
	var pages []int
	for _, p := range parts {
		for _, pt := range p.Points {
			for _, n := range pt.Pages {
				if !seen[n] {
					seen[n] = true
					pages = append(pages, n)
				}
			}
		}
	}
	return a.call(ctx, reducePrompt(parts, b.points), schema(pages, b.points, b.textChars), b.maxTokens)
}

func (a *Abstractive) call(ctx context.Context, prompt string, schema json.RawMessage, maxTokens int) (Partial, Call, error) {
	start := time.Now()
	resp, err := a.P.Generate(ctx, llm.Request{System: systemPrompt, Prompt: prompt, Schema: schema, MaxTokens: maxTokens})
	call := Call{PromptTokens: resp.PromptTokens, OutputTokens: resp.OutputTokens, ModelTime: resp.ModelTime, Wall: time.Since(start)}
	if err != nil {
		return Partial{}, call, err
	}
	var p Partial
	text := strings.TrimSpace(resp.Text)
	text = strings.TrimSuffix(strings.TrimPrefix(text, "```json"), "```")
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		return Partial{}, call, &llm.Error{Kind: llm.KindBadReply, Provider: a.P.Name(), Err: err,
			Message: "the model's reply was not the JSON that was asked for"}
	}
	p.Dropped = 0
	return p, call, nil
}
