// Package pdftest writes small, well-formed PDF files for tests: numbered objects, a correct
// cross-reference table and trailer, and text pages in a standard font.
package pdftest

import (
	"bytes"
	"fmt"
	"strings"
)

// File is a PDF as a list of object bodies, numbered from 1.
type File struct {
	// Header defaults to "%PDF-1.4\n".
	Header  string
	Objects []string
	// Root is the number of the catalog object; 0 means 1.
	Root int
}

// Add appends an object body and returns its object number.
func (f *File) Add(body string) int {
	f.Objects = append(f.Objects, body)
	return len(f.Objects)
}

// Bytes serialises the file.
func (f *File) Bytes() []byte {
	header := f.Header
	if header == "" {
		header = "%PDF-1.4\n"
	}
	var b bytes.Buffer
	b.WriteString(header)
	offsets := make([]int, len(f.Objects))
	for i, body := range f.Objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(f.Objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	root := f.Root
	if root == 0 {
		root = 1
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(f.Objects)+1, root, xref)
	return b.Bytes()
}

// Text returns a PDF with one page per element of pages, each line of a page shown in
// Helvetica 12 pt from the top. Lines must be ASCII without parentheses or backslashes.
func Text(pages ...[]string) []byte {
	f := &File{}
	f.Add("<< /Type /Catalog /Pages 2 0 R >>")
	f.Add("") // the page tree, filled in below
	font := f.Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, lines := range pages {
		var c strings.Builder
		for i, l := range lines {
			fmt.Fprintf(&c, "BT /F1 12 Tf 72 %d Td (%s) Tj ET\n", 720-16*i, l)
		}
		content := f.Add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", c.Len(), c.String()))
		page := f.Add(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", font, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	f.Objects[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	return f.Bytes()
}
