package extract

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExtractBytes(t *testing.T) {
	twoPages := func(t *testing.T) []byte {
		return pagesPDF(textContent("Mutual NDA"), textContent("Term: 2 years")).bytes(t)
	}
	tests := []struct {
		name  string
		data  func(t *testing.T) []byte
		opts  Options
		want  string
		pages []string // expected page statuses, when the result is ok
	}{
		{name: "two pages of text", data: twoPages, want: StatusOK, pages: []string{PageOK, PageOK}},
		{name: "zero bytes", data: func(*testing.T) []byte { return nil }, want: StatusEmpty},
		{name: "a Word file", data: func(*testing.T) []byte { return []byte("PK\x03\x04word/document.xml") }, want: StatusNotPDF},
		{name: "header after 1 KiB of junk", data: func(t *testing.T) []byte {
			return append(bytes.Repeat([]byte("junk "), 250), twoPages(t)...)
		}, want: StatusNotPDF},
		{name: "a little junk before the header", data: func(t *testing.T) []byte {
			return append([]byte("\x00\x00MIME junk\r\n"), twoPages(t)...)
		}, want: StatusOK, pages: []string{PageOK, PageOK}},
		{name: "PDF 2.0 header", data: func(t *testing.T) []byte {
			p := pagesPDF(textContent("Lease"))
			p.header = "%PDF-2.0\n"
			return p.bytes(t)
		}, want: StatusOK, pages: []string{PageOK}},
		{name: "header without newline", data: func(t *testing.T) []byte {
			p := pagesPDF(textContent("Lease"))
			p.header = "%PDF-1.4 %\xe2\xe3\xcf\xd3\n"
			return p.bytes(t)
		}, want: StatusOK, pages: []string{PageOK}},
		{name: "junk after %%EOF", data: func(t *testing.T) []byte {
			return append(twoPages(t), []byte("\x00\x00<html>mail footer</html>\n")...)
		}, want: StatusOK, pages: []string{PageOK, PageOK}},
		{name: "only drawings, no text", data: func(t *testing.T) []byte {
			return pagesPDF("0 0 m 100 100 l S", "q 1 0 0 1 0 0 cm Q").bytes(t)
		}, want: StatusNoText},
		{name: "no pages", data: func(t *testing.T) []byte { return pagesPDF().bytes(t) }, want: StatusEmpty},
		{name: "more pages than allowed", data: twoPages, opts: Options{MaxPages: 1}, want: StatusTooLarge},
		{name: "more text than allowed", data: twoPages, opts: Options{MaxTextBytes: 12}, want: StatusTooLarge},
		{name: "a malformed operator on one page loses nothing else", data: func(t *testing.T) []byte {
			// Tf with one operand (ledongthuc's own text functions panicked on it).
			return pagesPDF(textContent("Clause 1"), "BT 12 Tf (x) Tj ET", textContent("Clause 3")).bytes(t)
		}, want: StatusOK, pages: []string{PageOK, PageOK, PageOK}},
		{name: "page tree lists itself", data: func(t *testing.T) []byte {
			p := pagesPDF(textContent("Settlement"))
			p.set(2, "<< /Type /Pages /Kids [2 0 R 4 0 R] /Count 5 >>")
			return p.bytes(t)
		}, want: StatusOK, pages: []string{PageOK}},
		{name: "count says two billion pages", data: func(t *testing.T) []byte {
			p := pagesPDF(textContent("Settlement"))
			p.set(2, "<< /Type /Pages /Kids [4 0 R] /Count 2147483647 >>")
			return p.bytes(t)
		}, want: StatusOK, pages: []string{PageOK}},
		{name: "a flate bomb page among good ones", data: func(t *testing.T) []byte {
			return streamsPDF(stream(textContent("Clause 1")), flateBomb(t)).bytes(t)
		}, want: StatusOK, pages: []string{PageOK, PageEmpty}},
		{name: "only a flate bomb", data: func(t *testing.T) []byte { return streamsPDF(flateBomb(t)).bytes(t) }, want: StatusTooLarge},
		{name: "page tree nested too deep", data: func(t *testing.T) []byte { return chainPDF(t, maxTreeDepth+5) }, want: StatusDamaged},
		{name: "page tree nested a little", data: func(t *testing.T) []byte { return chainPDF(t, 10) }, want: StatusOK, pages: []string{PageOK}},
		{name: "page tree doubling 40 times", data: doublingPDF, opts: Options{MaxPages: 100}, want: StatusTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res := extractBytes(tt.data(t), tt.opts.withDefaults())
			if res.Status != tt.want {
				t.Fatalf("status = %q (%s), want %q", res.Status, res.Message, tt.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			if res.Message == "" {
				t.Error("empty message")
			}
			if tt.want != StatusOK {
				if len(res.Pages) != 0 {
					t.Errorf("refused result has %d pages", len(res.Pages))
				}
				return
			}
			checkPages(t, res.Pages, tt.pages)
		})
	}
}

// flateBomb returns a content stream that inflates to one string operand of more than
// maxContentBytes.
func flateBomb(t *testing.T) string {
	t.Helper()
	return flateStream(t, "BT /F1 12 Tf 72 720 Td ("+strings.Repeat("A", maxContentBytes+1)+") Tj ET")
}

// checkPages checks numbering and the status of each page.
func checkPages(t *testing.T, got []Page, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d pages, want %d", len(got), len(want))
	}
	for i, p := range got {
		if p.Number != i+1 || p.Status != want[i] {
			t.Errorf("page %d: number %d status %q, want number %d status %q", i, p.Number, p.Status, i+1, want[i])
		}
		if (p.Status == PageOK) != (strings.TrimSpace(p.Text) != "") {
			t.Errorf("page %d: status %q with text %q", p.Number, p.Status, p.Text)
		}
	}
}

// chainPDF nests one text page under depth /Pages nodes.
func chainPDF(t *testing.T, depth int) []byte {
	t.Helper()
	p := pagesPDF(textContent("Deep"))
	// Objects 1-5 are catalog, pages, font, page, content; the chain starts at 6.
	first := len(p.objects) + 1
	for i := range depth {
		kid := first + i + 1
		if i == depth-1 {
			kid = 2
		}
		p.add(fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", kid))
	}
	p.set(1, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", first))
	return p.bytes(t)
}

// doublingPDF builds a page tree where every node lists the next one twice: 2^40 leaves
// from 40 objects.
func doublingPDF(t *testing.T) []byte {
	t.Helper()
	p := pagesPDF(textContent("Again"))
	first := len(p.objects) + 1
	for i := range 40 {
		kid := first + i + 1
		if i == 39 {
			kid = 2
		}
		p.add(fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>", kid, kid))
	}
	p.set(1, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", first))
	return p.bytes(t)
}

func TestFileUnreadable(t *testing.T) {
	res := File(filepath.Join(t.TempDir(), "missing.pdf"), Options{})
	if res.Status != StatusInternal {
		t.Errorf("status = %q, want %q", res.Status, StatusInternal)
	}
}

func TestFileReadsFromDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nda.pdf")
	if err := os.WriteFile(path, pagesPDF(textContent("Mutual NDA")).bytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	res := File(path, Options{})
	if res.Status != StatusOK || len(res.Pages) != 1 || !strings.Contains(res.Pages[0].Text, "Mutual NDA") {
		t.Errorf("got %+v", res)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Term\r\nof\tthe lease", "Term\n\nof\tthe lease"},
		{"bell\x07 and nul\x00", "bell and nul"},
		{"bad \xff\xfe utf-8", "bad  utf-8"},
		{"Übereinkunft §3 – 契約", "Übereinkunft §3 – 契約"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
