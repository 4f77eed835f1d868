package pdftext

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"precis/summarize/extract/pdftest"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
)

// pdfBuilder writes small PDF files for tests: numbered objects, a cross-reference table
// and a trailer.
type pdfBuilder struct {
	objs []string
}

// add adds an object and returns its number. Its body may refer to objects added later.
func (b *pdfBuilder) add(body string) int {
	b.objs = append(b.objs, body)
	return len(b.objs)
}

// reserve adds a placeholder object to be filled with set, for forward references.
func (b *pdfBuilder) reserve() int { return b.add("null") }

func (b *pdfBuilder) set(id int, body string) { b.objs[id-1] = body }

// stream returns the body of a stream object with the given extra dictionary entries.
func stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// flate compresses data for a /FlateDecode stream.
func flate(data []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// bytes writes the file with the given catalog object number.
func (b *pdfBuilder) bytes(root int) []byte {
	return (&pdftest.File{Header: "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", Objects: b.objs, Root: root}).Bytes()
}

// helveticaFont adds a WinAnsi Helvetica font with its widths and returns its number.
func (b *pdfBuilder) helveticaFont() int {
	ws := make([]string, 0, 95)
	for _, w := range helveticaWidths {
		ws = append(ws, fmt.Sprint(w))
	}
	return b.add(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "+
		"/FirstChar 32 /LastChar 126 /Widths [%s] >>", strings.Join(ws, " ")))
}

// document adds a page tree with one page per content stream, all with the same
// resources, and returns the file.
func (b *pdfBuilder) document(resources string, contents ...[]byte) []byte {
	pagesID := b.reserve()
	var kids []string
	for _, c := range contents {
		cid := b.add(stream("/Filter /FlateDecode", flate(c)))
		pid := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources %s /Contents %d 0 R >>",
			pagesID, resources, cid))
		kids = append(kids, fmt.Sprintf("%d 0 R", pid))
	}
	b.set(pagesID, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	root := b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesID))
	return b.bytes(root)
}

// pagesOf opens a PDF held in memory and returns its pages.
func pagesOf(t testing.TB, data []byte) []pdf.Page {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open test PDF: %v", err)
	}
	pages := make([]pdf.Page, 0, r.NumPage())
	for i := 1; i <= r.NumPage(); i++ {
		pages = append(pages, r.Page(i))
	}
	return pages
}

// extractContent runs one page whose content is given, with Helvetica as /F1 and the
// extra resources and objects that setup adds (it returns resource dictionary entries).
func extractContent(t testing.TB, content string, setup func(b *pdfBuilder) string) Page {
	t.Helper()
	b := &pdfBuilder{}
	font := b.helveticaFont()
	fonts := fmt.Sprintf("/Font << /F1 %d 0 R", font)
	extra := ""
	if setup != nil {
		extra = setup(b)
	}
	res := "<< " + fonts
	if strings.HasPrefix(extra, "/Font-more ") { // more fonts inside the /Font dictionary
		res += " " + strings.TrimPrefix(extra, "/Font-more ") + " >>"
	} else {
		res += " >> " + extra
	}
	res += " >>"
	data := b.document(res, []byte(content))
	page, err := ExtractPage(pagesOf(t, data)[0])
	if err != nil {
		t.Fatalf("ExtractPage: %v", err)
	}
	return page
}

// wordLikeContent returns the content stream of a page of running text as word
// processors write it: one Tj per line at an absolute position, justified by Tw.
func wordLikeContent(page int) []byte {
	var c bytes.Buffer
	c.WriteString("BT /F1 11 Tf\n")
	for l := 0; l < 46; l++ {
		fmt.Fprintf(&c, "1 0 0 1 72 %d Tm 0.%d Tw (%s) Tj\n", 740-l*14, l%7,
			wordLikeLine(page*46+l))
	}
	c.WriteString("ET\n")
	return c.Bytes()
}

var loremWords = strings.Fields("the parties agree that the supplier shall deliver goods under this " +
	"agreement within thirty days of each purchase order and that all payments are due " +
	"upon receipt of a valid invoice subject to the terms and conditions herein")

func wordLikeLine(n int) string {
	var ws []string
	for i := 0; i < 12; i++ {
		ws = append(ws, loremWords[(n*7+i*3)%len(loremWords)])
	}
	return strings.Join(ws, " ")
}
