package extract

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"

	"precis/summarize/extract/pdftest"
)

// testPDF builds small, well-formed PDFs for unit tests: numbered objects, a correct xref
// table and trailer.
type testPDF struct {
	header  string // defaults to "%PDF-1.4\n"
	objects []string
}

// add appends an object body and returns its object number.
func (p *testPDF) add(body string) int {
	p.objects = append(p.objects, body)
	return len(p.objects)
}

// set replaces the body of object n.
func (p *testPDF) set(n int, body string) { p.objects[n-1] = body }

// bytes serialises the file with object 1 as the catalog.
func (p *testPDF) bytes(t *testing.T) []byte {
	t.Helper()
	return (&pdftest.File{Header: p.header, Objects: p.objects}).Bytes()
}

// stream returns a stream object body holding content.
func stream(content string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content)
}

// textContent returns a content stream that shows each line in Helvetica (/F1).
func textContent(lines ...string) string {
	var b strings.Builder
	for i, l := range lines {
		fmt.Fprintf(&b, "BT /F1 12 Tf 72 %d Td (%s) Tj ET\n", 720-16*i, l)
	}
	return b.String()
}

// pagesPDF builds a document with one page per content stream, all under one /Pages node.
func pagesPDF(contents ...string) *testPDF {
	bodies := make([]string, len(contents))
	for i, c := range contents {
		bodies[i] = stream(c)
	}
	return streamsPDF(bodies...)
}

// flateStream returns a FlateDecode stream object body holding content.
func flateStream(t *testing.T, content string) string {
	t.Helper()
	var z bytes.Buffer
	w, err := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(content))
	w.Close()
	return fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes())
}

// streamsPDF is pagesPDF with the content stream objects given whole.
func streamsPDF(bodies ...string) *testPDF {
	p := &testPDF{}
	p.add("<< /Type /Catalog /Pages 2 0 R >>")
	p.add("") // the /Pages node, filled in below
	font := p.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, body := range bodies {
		page := p.add("") // placeholder, needs the content object number
		content := p.add(body)
		p.set(page, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "+
			"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", font, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	p.set(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	return p
}
