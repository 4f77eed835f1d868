package pdftext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// Run with: go test -run '^$' -fuzz FuzzContentStream -fuzztime 60s ./summarize/extract/pdftext/
// Crashers found are kept under testdata/fuzz and run as regression inputs by go test.

// FuzzContentStream runs the interpreter and layout on arbitrary content-stream bytes
// with a fixed simple font as /F1. It must not panic, and the text must be clean.
func FuzzContentStream(f *testing.F) {
	for _, seed := range []string{
		"BT /F1 12 Tf 72 700 Td (Hello) Tj ET",
		"BT /F1 12 Tf 72 700 Td [(Hel) -20 (lo) -400 (World)] TJ 0 -14 Td (next line) ' ET",
		"q 1 0 0 1 10 10 cm BT /F1 10 Tf 2 Tc 5 Tw 80 Tz 12 TL 3 Ts (a b c) Tj T* (d) Tj ET Q",
		"BT /F1 12 Tf 3 Tr (hidden) Tj 0 Tr (shown) Tj ET",
		"BI /W 2 /H 2 /BPC 8 /CS /G ID \x00\x01\x02\x03 EI BT /F1 9 Tf (after) Tj ET",
		"BT /F1 12 Tf 0 1 -1 0 300 100 Tm (rotated) Tj ET",
		"BT /F1 12 Tf 1 0 0 1 72 700 Tm (left column text) Tj 1 0 0 1 320 700 Tm (right) Tj ET",
		"BT /F1 1e308 Tf 1e308 0 0 1e308 0 0 Tm (huge) Tj ET",
		"BT /F1 12 Tf (unterminated",
		"q q q Q Q Q Q Q BT <414243 Tj [ (a) 1 [ (b) ] ] TJ",
		"/Fm1 Do BT /F2 12 Tf 1 2 3 \" ET",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := newInterp(NewExtractor(Options{MaxOps: 200_000, MaxGlyphs: 50_000}), pdf.Page{})
		in.run(data, &resources{fonts: map[string]*font{"F1": fallbackFont}})
		p := in.finish()
		for _, s := range []string{p.Text, p.Hidden} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
			if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
				t.Fatalf("control character in %q", s)
			}
			if strings.Contains(s, "  ") || strings.Contains(s, "\n\n\n") {
				t.Fatalf("unfolded white space in %q", s)
			}
		}
	})
}

// FuzzCMap runs the CMap parser on arbitrary bytes, then looks codes up and splits the
// input by its code space. It must not panic and must return valid code points.
func FuzzCMap(f *testing.F) {
	for _, seed := range []string{
		"1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <0000> <FFFF> <0000> endbfrange",
		"2 beginbfchar <01> <0041> <0002> <D83DDE00> endbfchar",
		"1 beginbfrange <0010> <0012> [<0061> <0062> /fi] endbfrange",
		"2 begincodespacerange <00> <80> <8140> <9FFC> endcodespacerange 1 begincidrange <8140> <817E> 633 endcidrange",
		"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /Adobe-Japan1-UCS2 usecmap endcmap",
		"1 beginbfrange <FFFFFFFF> <FFFFFFFF> <DBFFDFFF> endbfrange",
		"1 beginbfrange <00> <FF> <10FFFF> endbfrange",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := parseCMap(data)
		for _, code := range []uint32{0, 1, 0x41, 0x2013, 0xFFFF, 0x8140, 0xFFFFFFFF} {
			for n := 1; n <= 4; n++ {
				rs, _ := m.lookup(code, n, nil)
				for _, r := range rs {
					if !utf8.ValidRune(r) {
						t.Fatalf("invalid rune %#x for code %#x", r, code)
					}
				}
				m.cid(code, n)
			}
		}
		for s := data; len(s) > 0; {
			_, n := m.next(s)
			if n < 1 || n > 4 {
				t.Fatalf("code length %d", n)
			}
			s = s[n:]
		}
	})
}
