package pdftext

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"precis/summarize/extract/corpus"
)

// extractFile extracts every page of a corpus file and returns the texts.
func extractFile(t *testing.T, parts ...string) []Page {
	t.Helper()
	path := corpus.Path(t, parts...)
	pp, err := openPages(path)
	if err != nil {
		t.Fatalf("open %s: %v", filepath.Base(path), err)
	}
	e := NewExtractor(Options{})
	out := make([]Page, 0, len(pp))
	for _, p := range pp {
		page, err := e.ExtractPage(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
		out = append(out, page)
	}
	return out
}

func TestMulticolumnReadingOrder(t *testing.T) {
	needPdftotext(t)
	pages := extractFile(t, "tricky", "multicolumn.pdf")
	text := pages[0].Text
	// Left column top to bottom, then the right column.
	order := []string{
		"Two-Column Document with Lorem Ipsum",
		"This is a sample document with two columns filled",
		"Lorem ipsum dolor sit amet, consectetuer adipiscing elit.",
		"Vivamus viverra fermentum felis. Donec nonummy",
		"pellentesque ante. Phasellus adipiscing semper elit.",
	}
	last := -1
	for _, s := range order {
		i := strings.Index(text, s)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order (at %d, previous at %d):\n%s", s, i, last, text)
		}
		last = i
	}
	// No glued words: every word is one pdftotext finds too (it reads this file well).
	want, err := pdftotextPages(corpus.Path(t, "tricky", "multicolumn.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, w := range words(strings.Join(want, " ")) {
		known[w] = true
	}
	for i, p := range pages {
		for _, w := range words(p.Text) {
			if !known[w] {
				t.Errorf("page %d: word %q is not in pdftotext's text (glued or split?)", i+1, w)
			}
		}
	}
}

// scriptRunes counts the characters of the given scripts.
func scriptRunes(s string, scripts ...*unicode.RangeTable) map[rune]int {
	out := map[rune]int{}
	for _, r := range s {
		if unicode.In(r, scripts...) {
			out[r]++
		}
	}
	return out
}

// runeOverlap is the share of want's characters (with multiplicity) found in got.
func runeOverlap(got, want map[rune]int) float64 {
	total, common := 0, 0
	for r, n := range want {
		total += n
		common += min(n, got[r])
	}
	if total == 0 {
		return 0
	}
	return float64(common) / float64(total)
}

func TestNonLatinScripts(t *testing.T) {
	needPdftotext(t)
	tests := []struct {
		file    string
		scripts []*unicode.RangeTable
		phrase  string // a phrase in logical order
	}{
		{"issue11656.pdf", []*unicode.RangeTable{unicode.Hebrew}, "שלום עולם מה שלום כולם?"},
		{"issue16538.pdf", []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana}, "マーケットモデル"},
		{"jo.pdf", []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana}, "わたくしといふ現象は"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			pages := extractFile(t, "tricky", tc.file)
			want, err := pdftotextPages(corpus.Path(t, "tricky", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got := scriptRunes(pages[0].Text, tc.scripts...)
			ref := scriptRunes(strings.Join(want, ""), tc.scripts...)
			if ov := runeOverlap(got, ref); ov < 0.99 {
				t.Errorf("only %.3f of pdftotext's characters found", ov)
			}
			if ov := runeOverlap(ref, got); ov < 0.99 {
				t.Errorf("only %.3f of our characters are in pdftotext's text", ov)
			}
			if !strings.Contains(pages[0].Text, tc.phrase) {
				t.Errorf("%q not found in:\n%s", tc.phrase, pages[0].Text)
			}
		})
	}
}

// TestHostileFiles extracts every page of the hostile and tricky files that the parser
// opens: no panics escape, each page ends within seconds, and hidden text stays hidden.
func TestHostileFiles(t *testing.T) {
	for _, path := range corpusFiles(t, "hostile", "tricky") {
		name := filepath.Base(path)
		if name == "xref_huge_start.pdf" || name == "xref_prev_loop.pdf" {
			// pdf.NewReader itself allocates without bound or loops on these files;
			// summarize/extract opens files under a read budget. This package never runs.
			continue
		}
		pp, err := openPages(path)
		if err != nil {
			continue
		}
		for i, p := range pp {
			start := time.Now()
			page, err := ExtractPage(p)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s page %d took %v", name, i+1, d)
			}
			if err != nil {
				t.Logf("%s page %d: %v (warnings %q)", name, i+1, err, page.Warnings)
			}
			if name == "hidden_injection.pdf" && page.Hidden == "" {
				t.Errorf("%s: no hidden text reported (Text %d bytes)", name, len(page.Text))
			}
		}
	}
}

// TestConcurrentPages extracts the pages of one Reader from several goroutines through one
// Extractor (sharing its font cache) and checks the text equals a sequential run. Run
// with -race to check the sharing too.
func TestConcurrentPages(t *testing.T) {
	pp, err := openPages(corpus.Path(t, "contracts", "NETGEAR,INC_04_21_2003-EX-10.16-DISTRIBUTOR AGREEMENT.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(pp))
	for i, p := range pp {
		page, _ := ExtractPage(p)
		want[i] = page.Text
	}
	e := NewExtractor(Options{})
	const workers = 4
	got := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		got[w] = make([]string, len(pp))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range pp {
				k := (i + w) % len(pp)
				page, err := e.ExtractPage(pp[k])
				if err != nil {
					t.Error(err)
				}
				got[w][k] = page.Text
			}
		}()
	}
	wg.Wait()
	for w := range workers {
		for i := range pp {
			if got[w][i] != want[i] || want[i] == "" {
				t.Errorf("worker %d, page %d: text differs from a sequential run", w, i+1)
			}
		}
	}
}
