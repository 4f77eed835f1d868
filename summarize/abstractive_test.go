package summarize

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"precis/storage"
	"precis/summarize/llm"
)

// scriptedProvider is a model stand-in for unit tests of the abstractive backend: it refuses
// prompts longer than maxPrompt characters as a server refuses an over-long prompt, and
// otherwise answers one point citing the first page of its prompt.
type scriptedProvider struct {
	maxPrompt int
	mu        sync.Mutex
	prompts   []string
	schemas   []string
}

func (p *scriptedProvider) Name() string  { return "scripted" }
func (p *scriptedProvider) Model() string { return "s-1" }
func (p *scriptedProvider) Slots() int    { return 1 }
func (p *scriptedProvider) Probe(context.Context) (llm.Limits, error) {
	return llm.Limits{ContextTokens: 4096, ModelContextTokens: 4096, CharsPerToken: 4}, nil
}

var firstPage = regexp.MustCompile(`--- page (\d+) ---`)

func (p *scriptedProvider) Generate(_ context.Context, req llm.Request) (llm.Response, error) {
	p.mu.Lock()
	p.prompts = append(p.prompts, req.Prompt)
	p.schemas = append(p.schemas, string(req.Schema))
	p.mu.Unlock()
	if len(req.Prompt) > p.maxPrompt {
		return llm.Response{}, &llm.Error{Kind: llm.KindTruncated, Provider: "scripted", Message: "the prompt did not fit"}
	}
	page := "1"
	if m := firstPage.FindStringSubmatch(req.Prompt); m != nil {
		page = m[1]
	}
	return llm.Response{Text: fmt.Sprintf(`{"points":[{"topic":"Term","text":"Point from page %s.","pages":[%s]}]}`, page, page), PromptTokens: len(req.Prompt) / 4}, nil
}

func TestAbstractiveSplitsWhatDoesNotFit(t *testing.T) {
	var pages []storage.Page
	for n := 1; n <= 6; n++ {
		pages = append(pages, storage.Page{Number: n, Text: strings.Repeat(fmt.Sprintf("Clause %d applies to both parties. ", n), 40)})
	}
	chunk := Split(pages, 20000, 4)[0]
	prov := &scriptedProvider{maxPrompt: len(chunk.Text) / 2}
	a := &Abstractive{P: prov}
	p, call, err := a.Map(context.Background(), chunk)
	if err != nil {
		t.Fatal(err)
	}
	if len(prov.prompts) < 3 {
		t.Fatalf("%d calls: want the refused one and then its halves", len(prov.prompts))
	}
	if len(p.Points) < 2 {
		t.Fatalf("points %+v: want one per half", p.Points)
	}
	for _, pt := range p.Points {
		if pt.Pages[0] < chunk.FirstPage || pt.Pages[0] > chunk.LastPage {
			t.Errorf("point cites page %d outside the chunk", pt.Pages[0])
		}
	}
	if call.PromptTokens == 0 {
		t.Error("usage of the halves was not added up")
	}
	// Every word of the chunk was sent in some accepted prompt: nothing was cut.
	accepted := ""
	for _, pr := range prov.prompts {
		if len(pr) <= prov.maxPrompt {
			accepted += pr
		}
	}
	for n := 1; n <= 6; n++ {
		if !strings.Contains(accepted, fmt.Sprintf("--- page %d ---", n)) {
			t.Errorf("page %d never reached the model", n)
		}
	}
}

func TestAbstractiveSchemaLimitsPages(t *testing.T) {
	prov := &scriptedProvider{maxPrompt: 1 << 20}
	a := &Abstractive{P: prov}
	c := storage.Chunk{Seq: 0, FirstPage: 7, LastPage: 9, Text: "--- page 7 ---\nText.\n\n--- page 9 ---\nMore."}
	if _, _, err := a.Map(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties struct {
			Points struct {
				MaxItems int `json:"maxItems"`
				Items    struct {
					Properties struct {
						Text  struct{ MaxLength int } `json:"text"`
						Pages struct {
							Items struct {
								Enum []int `json:"enum"`
							} `json:"items"`
						} `json:"pages"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"points"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(prov.schemas[0]), &s); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	pts := s.Properties.Points
	if !slices.Equal(pts.Items.Properties.Pages.Items.Enum, []int{7, 8, 9}) {
		t.Errorf("page enum %v, want the chunk's pages 7-9", pts.Items.Properties.Pages.Items.Enum)
	}
	if pts.MaxItems < 2 || pts.Items.Properties.Text.MaxLength == 0 {
		t.Errorf("schema does not bound the reply: maxItems %d, text maxLength %d", pts.MaxItems, pts.Items.Properties.Text.MaxLength)
	}
}
