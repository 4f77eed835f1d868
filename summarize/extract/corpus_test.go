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
	"tricky/encrypted_doc_no_id.pdf":           {StatusOK}, // RC4 without /ID: poppler opens it, a scan: OCR
	"tricky/V4-aes.pdf":                        {StatusOK},
	"tricky/c02-22.pdf":                        {StatusOK}, // scans: OCR
	"tricky/image-pdf.pdf":                     {StatusOK},
	"tricky/pdf-with-jbig2.pdf":                {StatusOK},
	"tricky/pages-loop.pdf":                    {StatusOK},
	"tricky/outlines-with-loop.pdf":            {StatusOK},
	"tricky/incremental-1.pdf":                 {StatusOK},
	"tricky/xref-compressed-in-compressed.pdf": {StatusOK},
	"tricky/GeoTopo-komprimiert.pdf":           {StatusOK},
	"tricky/multicolumn.pdf":                   {StatusOK},
	"tricky/jo.pdf":                            {StatusOK}, // CJK, CID fonts, vertical writing
	"tricky/issue16538.pdf":                    {StatusOK}, // CJK, CID fonts
	"tricky/issue11656.pdf":                    {StatusOK}, // Hebrew
	"tricky/issue-791-non-unicode-cmap.pdf":    {StatusOK}, // wrong ToUnicode map everywhere: OCR
	"tricky/damaged-stream.pdf":                {StatusOK, StatusNoText, StatusDamaged},
	"tricky/zen_of_python_corrupted.pdf":       {StatusOK}, // a corrupt stream, read up to the damage
	"tricky/bad-xref.pdf":                      {StatusOK}, // poppler repairs the xref
	"tricky/recover-xref-stream.pdf":           {StatusOK},
	"hostile/aes128_userpw.pdf":                {StatusEncrypted},
	"hostile/aes256_emptyuser.pdf":             {StatusOK}, // AES-256: poppler
	"hostile/asciihex_filter.pdf":              {StatusOK},
	"hostile/deep_nesting.pdf":                 {StatusNoText, StatusDamaged, StatusTooLarge},
	"hostile/flate_bomb.pdf":                   {StatusTooLarge}, // content size check
	"hostile/hidden_injection.pdf":             {StatusOK},
	"hostile/huge_count.pdf":                   {StatusOK}, // one real page; /Count lies
	"hostile/inline_image.pdf":                 {StatusOK},
	"hostile/pages_cycle.pdf":                  {StatusOK}, // the walker skips the cycle
	"hostile/pdf20.pdf":                        {StatusOK},
	"hostile/scanned.pdf":                      {StatusOK}, // OCR
	"hostile/unclosed_array.pdf":               {StatusOK, StatusNoText, StatusDamaged},
	"hostile/unterminated_hex.pdf":             {StatusOK, StatusTimeout}, // our lexer ends the string at the stream's end
	"hostile/xref_huge_start.pdf":              {StatusTooLarge, StatusDamaged},
	"hostile/xref_prev_loop.pdf":               {StatusDamaged}, // read budget, not the CPU limit
}

// corpusExtractor names, for some files, the extractor at least one of their pages must
// come from: the fallback that rescues them.
var corpusExtractor = map[string]string{
	"tricky/jo.pdf":                         ExtractorNative,
	"tricky/issue16538.pdf":                 ExtractorNative,
	"tricky/zen_of_python_corrupted.pdf":    ExtractorNative,
	"hostile/aes256_emptyuser.pdf":          ExtractorPoppler,
	"tricky/issue-791-non-unicode-cmap.pdf": ExtractorOCR,
	"tricky/c02-22.pdf":                     ExtractorOCR,
	"hostile/scanned.pdf":                   ExtractorOCR,
	"tricky/issue11656.pdf":                 ExtractorNative,
	"tricky/V4-aes.pdf":                     ExtractorNative,
}

// needTools fails the test when poppler-utils or tesseract is missing: the corpus
// expectations assume them (scripts/test-deps.sh installs them).
func needTools(t *testing.T) {
	t.Helper()
	for _, c := range []string{pdftotextCmd, pdftoppmCmd, tesseractCmd} {
		if _, err := lookPathFunc(c); err != nil {
			t.Fatalf("%s is not installed: run scripts/test-deps.sh (poppler-utils, tesseract-ocr, tesseract-ocr-eng)", c)
		}
	}
}

// TestRunnerCorpus runs every tricky and hostile file through a real child with the limits
// the server uses.
func TestRunnerCorpus(t *testing.T) {
	needTools(t)
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
				res := Runner{Command: selfCommand(t, "extract"), Limits: lim}.Extract(context.Background(), path, "")
				elapsed := time.Since(start)
				mu.Lock()
				table = append(table, fmt.Sprintf("%-45s %-10s pages=%-4d %-20s %v", name, res.Status, len(res.Pages), extractors(res.Pages), elapsed.Round(time.Millisecond)))
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
				if e, ok := corpusExtractor[name]; ok && !strings.Contains(extractors(res.Pages), e) {
					t.Errorf("pages from %s, want some from %s", extractors(res.Pages), e)
				}
			})
		}
	}
	if seen < len(corpusWant) {
		t.Errorf("found %d corpus files, expected %d", seen, len(corpusWant))
	}
}

// TestRunnerContracts runs the real contracts: every one must come out ok, the listed ones
// with a phrase from their text. Several keep their text in form XObjects, which
// ledongthuc/pdf does not follow; the native engine (package pdftext) reads them, so no page
// of a real contract needs poppler's text.
func TestRunnerContracts(t *testing.T) {
	needTools(t)
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
			res := Runner{Command: selfCommand(t, "extract")}.Extract(context.Background(), path, "")
			text := joinText(res.Pages)
			mu.Lock()
			table = append(table, fmt.Sprintf("%-62.62s %-8s pages=%-4d chars=%-7d %-20s %v", name, res.Status, len(res.Pages), len(text), extractors(res.Pages), time.Since(start).Round(time.Millisecond)))
			mu.Unlock()
			checkResult(t, res)
			if strings.Contains(extractors(res.Pages), ExtractorPoppler) {
				t.Errorf("pages from %s: the native engine must read real contracts on its own", extractors(res.Pages))
			}
			if res.Status != StatusOK {
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
		if p.Extractor != ExtractorNative && p.Extractor != ExtractorPoppler && p.Extractor != ExtractorOCR {
			t.Errorf("page %d: extractor %q", p.Number, p.Extractor)
		}
		if p.Quality < 0 || p.Quality > 1 || (p.Status == PageEmpty && p.Quality != 0) {
			t.Errorf("page %d (%s): quality %v", p.Number, p.Status, p.Quality)
		}
		if p.Warnings == nil {
			t.Errorf("page %d: warnings are null", p.Number)
		}
	}
	if res.Warnings == nil {
		t.Error("document warnings are null")
	}
	if withText == 0 {
		t.Error("status ok but no page has text")
	}
}

// extractors lists the extractors of the pages with text, with counts: "native:3 ocr:1".
func extractors(pages []Page) string {
	n := map[string]int{}
	for _, p := range pages {
		if p.Status == PageOK {
			n[p.Extractor]++
		}
	}
	var parts []string
	for _, e := range []string{ExtractorNative, ExtractorPoppler, ExtractorOCR} {
		if n[e] > 0 {
			parts = append(parts, fmt.Sprintf("%s:%d", e, n[e]))
		}
	}
	return strings.Join(parts, " ")
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
