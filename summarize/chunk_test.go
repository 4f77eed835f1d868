package summarize

import (
	"slices"
	"strings"
	"testing"

	"precis/storage"
)

func words(s string) []string { return strings.Fields(pageMarkerRE.ReplaceAllString(s, " ")) }

func TestSplit(t *testing.T) {
	para := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) + "." }
	long := strings.Repeat("Sentence number one is here. ", 200) // ~5,800 chars, one paragraph
	tests := []struct {
		name      string
		pages     []storage.Page
		maxChars  int
		wantFirst []int
		wantLast  []int
	}{
		{"one small page", []storage.Page{{Number: 1, Text: "Hello world."}}, 1000, []int{1}, []int{1}},
		{"pages packed together", []storage.Page{{Number: 1, Text: para("a", 50)}, {Number: 2, Text: para("b", 50)}, {Number: 3, Text: para("c", 50)}}, 1000, []int{1}, []int{3}},
		{"page boundaries respected", []storage.Page{{Number: 1, Text: para("a", 300)}, {Number: 2, Text: para("b", 300)}}, 700, []int{1, 2}, []int{1, 2}},
		{"empty pages skipped", []storage.Page{{Number: 1, Text: ""}, {Number: 2, Text: "Text."}, {Number: 3, Text: "  \n "}}, 1000, []int{2}, []int{2}},
		{"long paragraph split at sentences", []storage.Page{{Number: 4, Text: long}}, 2000, []int{4, 4, 4}, []int{4, 4, 4}},
		{"chunk spans a page break", []storage.Page{{Number: 1, Text: para("a", 100)}, {Number: 2, Text: para("b", 100) + "\n\n" + para("c", 100)}}, 500, []int{1, 2}, []int{2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := Split(tt.pages, tt.maxChars, 4)
			var first, last []int
			var got []string
			for i, c := range chunks {
				if c.Seq != i {
					t.Errorf("chunk %d has Seq %d", i, c.Seq)
				}
				if len(c.Text) > tt.maxChars {
					t.Errorf("chunk %d is %d chars, over the %d budget", i, len(c.Text), tt.maxChars)
				}
				if !strings.HasPrefix(c.Text, pageMarker(c.FirstPage)+"\n") {
					t.Errorf("chunk %d does not start with its first page's marker: %.40q", i, c.Text)
				}
				if c.Tokens != EstimateTokens(c.Text, 4) {
					t.Errorf("chunk %d tokens %d", i, c.Tokens)
				}
				first, last = append(first, c.FirstPage), append(last, c.LastPage)
				got = append(got, words(c.Text)...)
			}
			if !slices.Equal(first, tt.wantFirst) || !slices.Equal(last, tt.wantLast) {
				t.Errorf("page ranges first=%v last=%v, want %v %v", first, last, tt.wantFirst, tt.wantLast)
			}
			var want []string
			for _, p := range tt.pages {
				want = append(want, strings.Fields(p.Text)...)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("chunks lost or changed words: got %d words, want %d", len(got), len(want))
			}
		})
	}
}

func TestSplitHugeWord(t *testing.T) {
	pages := []storage.Page{{Number: 1, Text: strings.Repeat("é", 3000)}}
	chunks := Split(pages, 500, 4)
	total := 0
	for _, c := range chunks {
		if len(c.Text) > 500 {
			t.Fatalf("chunk of %d chars over budget", len(c.Text))
		}
		total += len([]rune(strings.Join(words(c.Text), "")))
	}
	if total != 3000 {
		t.Fatalf("kept %d of 3000 runes", total)
	}
}

func TestChunkPages(t *testing.T) {
	pages := []storage.Page{{Number: 2, Text: "Alpha text."}, {Number: 3, Text: "Beta text."}}
	c := Split(pages, 1000, 4)[0]
	got := chunkPages(c)
	if len(got) != 2 || got[0].page != 2 || got[0].text != "Alpha text." || got[1].page != 3 || got[1].text != "Beta text." {
		t.Fatalf("chunkPages = %+v", got)
	}
}
