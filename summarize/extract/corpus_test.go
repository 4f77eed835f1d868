package extract

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// corpusWant lists the statuses acceptable for each file of the tricky and hostile corpus
// (see ../shared/corpus/SOURCES.md). One status where our own code decides (sniffing, page
// tree walking, read budget, per-page timeout); several where it depends on what the parser
// library manages today. Every file must also end in a known, non-internal status in time.
var corpusWant = map[string][]string{
	"tricky/bad1.pdf":                          {StatusNotPDF},
	"tricky/issue-141a.pdf":                    {StatusNotPDF, StatusDamaged},
	"tricky/issue-146.pdf":                     {StatusDamaged},
	"tricky/empty.pdf":                         {StatusEmpty},
	"tricky/c-empty.pdf":                       {StatusEmpty},
	"tricky/invalid.pdf":                       {StatusNotPDF, StatusDamaged},
	"tricky/encrypted-40-bit-R3.pdf":           {StatusEncrypted},
	"tricky/libreoffice-writer-password.pdf":   {StatusEncrypted},
	"tricky/bad-encryption-length.pdf":         {StatusEncrypted, StatusDamaged},
	"tricky/encrypted_doc_no_id.pdf":           {StatusEncrypted, StatusNoText, StatusDamaged},
	"tricky/V4-aes.pdf":                        {StatusOK},
	"tricky/c02-22.pdf":                        {StatusNoText},
	"tricky/image-pdf.pdf":                     {StatusNoText},
	"tricky/pdf-with-jbig2.pdf":                {StatusNoText},
	"tricky/pages-loop.pdf":                    {StatusOK},
	"tricky/outlines-with-loop.pdf":            {StatusOK},
	"tricky/incremental-1.pdf":                 {StatusOK},
	"tricky/xref-compressed-in-compressed.pdf": {StatusOK},
	"tricky/GeoTopo-komprimiert.pdf":           {StatusOK},
	"tricky/multicolumn.pdf":                   {StatusOK},
	"tricky/jo.pdf":                            {StatusOK, StatusNoText}, // CJK, CID fonts
	"tricky/issue16538.pdf":                    {StatusOK, StatusNoText},
	"tricky/issue11656.pdf":                    {StatusOK, StatusNoText}, // Hebrew
	"tricky/issue-791-non-unicode-cmap.pdf":    {StatusOK, StatusNoText},
	"tricky/damaged-stream.pdf":                {StatusOK, StatusNoText, StatusDamaged},
	"tricky/zen_of_python_corrupted.pdf":       {StatusOK, StatusNoText, StatusDamaged},
	"tricky/bad-xref.pdf":                      {StatusOK, StatusDamaged},
	"tricky/recover-xref-stream.pdf":           {StatusOK, StatusDamaged},
	"hostile/aes128_userpw.pdf":                {StatusEncrypted},
	"hostile/aes256_emptyuser.pdf":             {StatusEncrypted, StatusOK},
	"hostile/asciihex_filter.pdf":              {StatusOK, StatusNoText},
	"hostile/deep_nesting.pdf":                 {StatusNoText, StatusDamaged, StatusTooLarge},
	"hostile/flate_bomb.pdf":                   {StatusTooLarge}, // content size check
	"hostile/hidden_injection.pdf":             {StatusOK},
	"hostile/huge_count.pdf":                   {StatusOK}, // one real page; /Count lies
	"hostile/inline_image.pdf":                 {StatusOK, StatusNoText},
	"hostile/pages_cycle.pdf":                  {StatusOK}, // the walker skips the cycle
	"hostile/pdf20.pdf":                        {StatusOK},
	"hostile/scanned.pdf":                      {StatusNoText},
	"hostile/unclosed_array.pdf":               {StatusOK, StatusNoText, StatusDamaged},
	"hostile/unterminated_hex.pdf":             {StatusTimeout}, // the page loops; page timeout
	"hostile/xref_huge_start.pdf":              {StatusTooLarge, StatusDamaged},
	"hostile/xref_prev_loop.pdf":               {StatusDamaged}, // read budget, not the CPU limit
}

// TestRunnerCorpus runs every tricky and hostile file through a real child with the limits
// the server uses.
func TestRunnerCorpus(t *testing.T) {
	var mu sync.Mutex
	var table []string
	t.Cleanup(func() {
		sort.Strings(table)
		t.Logf("status per file (default limits):\n%s", strings.Join(table, "\n"))
	})
	lim := DefaultLimits()
	seen := 0
	for _, sub := range []string{"tricky", "hostile"} {
		files, err := filepath.Glob(filepath.Join(corpusDir(t, sub), "*.pdf"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no files in %s: %v", sub, err)
		}
		for _, path := range files {
			name := sub + "/" + filepath.Base(path)
			seen++
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				res := Runner{Command: selfCommand(t, "extract"), Limits: lim}.Extract(context.Background(), path)
				elapsed := time.Since(start)
				mu.Lock()
				table = append(table, fmt.Sprintf("%-45s %-10s pages=%-4d %v", name, res.Status, len(res.Pages), elapsed.Round(time.Millisecond)))
				mu.Unlock()
				checkResult(t, res)
				if elapsed > lim.Timeout+waitDelay+time.Second {
					t.Errorf("took %v, over the %v limit", elapsed, lim.Timeout)
				}
				want, ok := corpusWant[name]
				if !ok {
					t.Fatalf("no expectation for %s (status %s): add it to corpusWant", name, res.Status)
				}
				if !slices.Contains(want, res.Status) {
					t.Errorf("status %q, want one of %q", res.Status, want)
				}
			})
		}
	}
	if seen < len(corpusWant) {
		t.Errorf("found %d corpus files, expected %d", seen, len(corpusWant))
	}
}

// TestRunnerContracts runs the real contracts. The listed ones have a text layer that the
// parser reads today; the rest are only logged (several keep their text in form XObjects,
// which ledongthuc/pdf does not follow, and come out no_text for now).
func TestRunnerContracts(t *testing.T) {
	mustRead := map[string]string{
		"Example-Mutual-Non-Disclosure-Agreement.pdf":  "Confidential",
		"Example-One-Way-Non-Disclosure-Agreement.pdf": "Confidential",
		"doc_ogc_nda_template_fy21.pdf":                "Proprietary Data",
		"NASA-SW-VnV_AdaStress.jl_docs_LICENSE.pdf":    "Recipient",
		"missouri.pdf": "Missouri",
		"CERES,INC_01_25_2012-EX-10.20-Collaboration Agreement.PDF": "Collaboration",
	}
	var mu sync.Mutex
	var table []string
	t.Cleanup(func() {
		sort.Strings(table)
		t.Logf("contracts:\n%s", strings.Join(table, "\n"))
	})
	files, err := filepath.Glob(filepath.Join(corpusDir(t, "contracts"), "*"))
	if err != nil || len(files) < len(mustRead) {
		t.Fatalf("contracts missing: %v", err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res := Runner{Command: selfCommand(t, "extract")}.Extract(context.Background(), path)
			text := joinText(res.Pages)
			mu.Lock()
			table = append(table, fmt.Sprintf("%-62.62s %-8s pages=%-4d chars=%-7d %v", name, res.Status, len(res.Pages), len(text), time.Since(start).Round(time.Millisecond)))
			mu.Unlock()
			checkResult(t, res)
			if res.Status == StatusTimeout || res.Status == StatusDamaged {
				t.Errorf("a real contract came out %q", res.Status)
			}
			if phrase, ok := mustRead[name]; ok {
				if res.Status != StatusOK || !strings.Contains(strings.ToLower(text), strings.ToLower(phrase)) {
					t.Errorf("status %q, %d chars; want ok with text containing %q", res.Status, len(text), phrase)
				}
			}
		})
	}
}

// checkResult checks what holds for every result: a known, non-internal status with a
// message, and numbered pages with text on at least one only when the status is ok.
func checkResult(t *testing.T, res Result) {
	t.Helper()
	if !knownStatus(res.Status) || res.Status == StatusInternal || res.Message == "" {
		t.Fatalf("status %q with message %q, want a specific status", res.Status, res.Message)
	}
	if res.Status != StatusOK {
		if len(res.Pages) != 0 {
			t.Errorf("status %q with %d pages", res.Status, len(res.Pages))
		}
		return
	}
	withText := 0
	for i, p := range res.Pages {
		if p.Number != i+1 || (p.Status != PageOK && p.Status != PageEmpty) {
			t.Errorf("page %d: number %d, status %q", i, p.Number, p.Status)
		}
		if p.Status == PageOK {
			withText++
		}
	}
	if withText == 0 {
		t.Error("status ok but no page has text")
	}
}

// joinText joins the text of all pages.
func joinText(pages []Page) string {
	var b strings.Builder
	for _, p := range pages {
		b.WriteString(p.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
