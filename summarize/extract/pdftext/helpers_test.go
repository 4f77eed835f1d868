package pdftext

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/ledongthuc/pdf"
	"golang.org/x/text/unicode/norm"

	"precis/summarize/extract/corpus"
)

// corpusFiles returns the PDFs of the given corpus folders, or skips the test when the
// corpus is not there.
func corpusFiles(t testing.TB, dirs ...string) []string {
	t.Helper()
	root, err := corpus.Dir()
	if err != nil {
		t.Skip(err)
	}
	var out []string
	for _, d := range dirs {
		ents, err := os.ReadDir(filepath.Join(root, d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if strings.EqualFold(filepath.Ext(e.Name()), ".pdf") {
				out = append(out, filepath.Join(root, d, e.Name()))
			}
		}
	}
	return out
}

// openPages opens a PDF with ledongthuc/pdf and lists its pages by walking the page tree
// (guarding against loops), as the extractor does.
func openPages(path string) (pages []pdf.Page, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic opening: %v", r)
		}
	}()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = fixHeader(data)
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	var walk func(v pdf.Value, depth int)
	seen := map[string]bool{}
	walk = func(v pdf.Value, depth int) {
		if depth > 64 || len(pages) > 10000 {
			return
		}
		kids := v.Key("Kids")
		if v.Key("Type").Name() == "Page" || kids.Kind() != pdf.Array {
			if v.Kind() == pdf.Dict {
				pages = append(pages, pdf.Page{V: v})
			}
			return
		}
		if s := v.String(); seen[s] {
			return
		} else {
			seen[s] = true
		}
		for i := 0; i < kids.Len(); i++ {
			walk(kids.Index(i), depth+1)
		}
	}
	walk(r.Trailer().Key("Root").Key("Pages"), 0)
	return pages, nil
}

// fixHeader does what the extractor does before opening a file (summarize/extract
// normalize): drops junk before %PDF-, rewrites a header ledongthuc/pdf rejects and cuts
// junk after the last %%EOF.
func fixHeader(data []byte) []byte {
	if i := bytes.Index(data, []byte("%PDF-")); i > 0 {
		data = data[i:]
	}
	if len(data) >= 9 && !(bytes.HasPrefix(data, []byte("%PDF-1.")) && data[7] >= '0' && data[7] <= '7' &&
		(data[8] == '\r' || data[8] == '\n')) {
		data = append([]byte("%PDF-1.7\n"), data[9:]...)
	}
	if !bytes.HasSuffix(bytes.TrimRight(data, "\x00\r\n\t\f "), []byte("%%EOF")) {
		if i := bytes.LastIndex(data, []byte("%%EOF")); i >= 0 {
			data = data[:i+len("%%EOF")]
		}
	}
	return data
}

// pdftotextPages runs poppler's pdftotext and splits its output into pages.
func pdftotextPages(path string) ([]string, error) {
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		return nil, err
	}
	pages := strings.Split(string(out), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages, nil
}

// words splits text into comparison tokens: NFKC, lower case, split at white space,
// punctuation and symbols trimmed from both ends.
func words(s string) []string {
	s = strings.ToLower(norm.NFKC.String(s))
	s = strings.Map(func(r rune) rune { // bidi controls and other format characters
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	var out []string
	for _, w := range strings.Fields(s) {
		w = strings.TrimFunc(w, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) })
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// wordF1 is the F1 score of the word multisets of got against want.
func wordF1(got, want string) float64 {
	g, w := words(got), words(want)
	if len(g) == 0 && len(w) == 0 {
		return 1
	}
	count := map[string]int{}
	for _, x := range w {
		count[x]++
	}
	common := 0
	for _, x := range g {
		if count[x] > 0 {
			count[x]--
			common++
		}
	}
	if common == 0 {
		return 0
	}
	p, r := float64(common)/float64(len(g)), float64(common)/float64(len(w))
	return 2 * p * r / (p + r)
}

// needPdftotext skips the test when poppler's pdftotext is not installed.
func needPdftotext(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed (Debian package poppler-utils)")
	}
}
