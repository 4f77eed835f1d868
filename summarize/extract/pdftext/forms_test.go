package pdftext

import (
	"fmt"
	"strings"
	"testing"
)

// formXObject adds a Form XObject and returns its object number. resources may name
// objects added before; matrix may be empty.
func formXObject(b *pdfBuilder, id int, matrix, resources, content string) {
	dict := "/Type /XObject /Subtype /Form /BBox [0 0 612 792]"
	if matrix != "" {
		dict += " /Matrix " + matrix
	}
	if resources != "" {
		dict += " /Resources " + resources
	}
	b.set(id, stream(dict, []byte(content)))
}

func TestFormXObjects(t *testing.T) {
	tests := []struct {
		name    string
		content string
		setup   func(b *pdfBuilder) string
		want    string
		warning string
	}{
		{"form with its own resources and matrix is followed",
			"BT /F1 12 Tf 72 700 Td (Page text) Tj ET /Fm1 Do",
			func(b *pdfBuilder) string {
				font := b.add("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
				fm := b.reserve()
				formXObject(b, fm, "[1 0 0 1 0 -100]", fmt.Sprintf("<< /Font << /C %d 0 R >> >>", font),
					"BT /C 12 Tf 72 700 Td (Form text) Tj ET")
				return fmt.Sprintf("/XObject << /Fm1 %d 0 R >>", fm)
			}, "Page text\nForm text", ""},
		{"form without resources uses the page's",
			"/Fm1 Do",
			func(b *pdfBuilder) string {
				fm := b.reserve()
				formXObject(b, fm, "", "", "BT /F1 12 Tf 72 700 Td (inherited font) Tj ET")
				return fmt.Sprintf("/XObject << /Fm1 %d 0 R >>", fm)
			}, "inherited font", ""},
		{"a form that draws itself is drawn once",
			"/Fm1 Do",
			func(b *pdfBuilder) string {
				fm := b.reserve()
				formXObject(b, fm, "", fmt.Sprintf("<< /Font << /F1 1 0 R >> /XObject << /Fm1 %d 0 R >> >>", fm),
					"BT /F1 12 Tf 72 700 Td (loop) Tj ET /Fm1 Do")
				return fmt.Sprintf("/XObject << /Fm1 %d 0 R >>", fm)
			}, "loop", "form XObject draws itself"},
		{"forms drawing each other are drawn once each",
			"/A Do",
			func(b *pdfBuilder) string {
				fa, fb := b.reserve(), b.reserve()
				res := fmt.Sprintf("<< /XObject << /A %d 0 R /B %d 0 R >> >>", fa, fb)
				formXObject(b, fa, "", res, "BT /F1 12 Tf 72 700 Td (in A) Tj ET /B Do")
				formXObject(b, fb, "", res, "BT /F1 12 Tf 72 680 Td (in B) Tj ET /A Do")
				return fmt.Sprintf("/XObject << /A %d 0 R >>", fa)
			}, "", "form XObject draws itself"},
		{"deep nesting stops at the depth limit",
			"/N0 Do",
			func(b *pdfBuilder) string {
				ids := make([]int, 40)
				for i := range ids {
					ids[i] = b.reserve()
				}
				for i := range ids {
					next := ""
					if i+1 < len(ids) {
						next = fmt.Sprintf("/N%d Do", i+1)
					}
					formXObject(b, ids[i], "", fmt.Sprintf("<< /Font << /F1 1 0 R >> /XObject << /N%d %d 0 R >> >>", i+1, ids[min(i+1, len(ids)-1)]),
						fmt.Sprintf("BT /F1 10 Tf 72 %d Td (d%d) Tj ET %s", 760-i*12, i, next))
				}
				return fmt.Sprintf("/XObject << /N0 %d 0 R >>", ids[0])
			}, "", "form XObjects nested too deep"},
		{"image XObjects are ignored",
			"/Im1 Do BT /F1 12 Tf 72 700 Td (caption) Tj ET",
			func(b *pdfBuilder) string {
				im := b.add(stream("/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", []byte{0}))
				return fmt.Sprintf("/XObject << /Im1 %d 0 R >>", im)
			}, "caption", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := extractContent(t, tc.content, tc.setup)
			if tc.want != "" && p.Text != tc.want {
				t.Errorf("Text = %q, want %q (warnings %q)", p.Text, tc.want, p.Warnings)
			}
			if tc.warning != "" && !hasWarning(p, tc.warning) {
				t.Errorf("warnings %q lack %q", p.Warnings, tc.warning)
			}
		})
	}
}

func TestFormCycleTextOnce(t *testing.T) {
	p := extractContent(t, "/A Do", func(b *pdfBuilder) string {
		fa, fb := b.reserve(), b.reserve()
		res := fmt.Sprintf("<< /Font << /F1 1 0 R >> /XObject << /A %d 0 R /B %d 0 R >> >>", fa, fb)
		formXObject(b, fa, "", res, "BT /F1 12 Tf 72 700 Td (in A) Tj ET /B Do")
		formXObject(b, fb, "", res, "BT /F1 12 Tf 72 680 Td (in B) Tj ET /A Do")
		return fmt.Sprintf("/XObject << /A %d 0 R >>", fa)
	})
	// A draws B, B would draw A again: that is cut, so each text appears exactly once.
	if strings.Count(p.Text, "in A") != 1 || strings.Count(p.Text, "in B") != 1 {
		t.Errorf("Text = %q", p.Text)
	}
}

func TestLimits(t *testing.T) {
	// 1000 glyphs, each 0.5 points below the one before: all on the page.
	content := "BT /F1 12 Tf 72 700 Td " + strings.Repeat("(x) Tj 0 -0.5 Td ", 1000) + "ET"
	b := &pdfBuilder{}
	font := b.helveticaFont()
	data := b.document(fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", font), []byte(content))
	page := pagesOf(t, data)[0]
	tests := []struct {
		name    string
		opts    Options
		warning string
		glyphs  int
	}{
		{"operator limit", Options{MaxOps: 100}, "operator limit reached", 49}, // BT Tf Td, then Tj Td pairs
		{"glyph limit", Options{MaxGlyphs: 50}, "glyph limit reached", 50},
		{"no limit reached", Options{}, "", 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewExtractor(tc.opts).ExtractPage(page)
			if err != nil {
				t.Fatal(err)
			}
			if p.Glyphs != tc.glyphs {
				t.Errorf("Glyphs = %d, want %d", p.Glyphs, tc.glyphs)
			}
			if tc.warning != "" && !hasWarning(p, tc.warning) {
				t.Errorf("warnings %q lack %q", p.Warnings, tc.warning)
			}
			if tc.warning == "" && len(p.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", p.Warnings)
			}
		})
	}
}
