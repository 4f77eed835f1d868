package pdftext

import "strings"

// Advance widths of the printable ASCII codes 32-126 of two of the standard 14 fonts,
// from Adobe's AFM files. Simple fonts without /Widths are nearly always standard fonts;
// bold and italic faces differ from these by a few percent, which is close enough to
// find the gaps between words.
var (
	helveticaWidths = [95]uint16{
		278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
		1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
		222, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
		556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
	}
	timesWidths = [95]uint16{
		250, 333, 408, 500, 500, 833, 778, 333, 333, 333, 500, 564, 250, 333, 250, 278,
		500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
		921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
		556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
		333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
		500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
	}
)

// standardWidths returns the glyph widths (in 1/1000 em) to assume for a font without
// /Widths, chosen by its base font name.
func standardWidths(baseFont string) func(code int) float64 {
	switch {
	case strings.Contains(baseFont, "Courier") || strings.Contains(baseFont, "Mono"):
		return func(int) float64 { return 600 }
	case strings.Contains(baseFont, "Times") || strings.Contains(baseFont, "Serif") && !strings.Contains(baseFont, "Sans"):
		return tableWidth(&timesWidths, 500)
	}
	return tableWidth(&helveticaWidths, 556)
}

func tableWidth(t *[95]uint16, other float64) func(int) float64 {
	return func(c int) float64 {
		if c >= 32 && c < 127 {
			return float64(t[c-32])
		}
		return other
	}
}
