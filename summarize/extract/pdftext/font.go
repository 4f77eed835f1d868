package pdftext

import (
	"math"
	"strings"

	"github.com/ledongthuc/pdf"
)

// font is what text extraction needs to know of a PDF font: how to split strings into
// codes, each code's Unicode text and advance width. Widths are in text space units for
// a font size of 1 (glyph units / 1000, or scaled by a Type 3 font's matrix). A font is
// not changed after loading and may be shared between goroutines.
type font struct {
	cid      bool // a Type0 font: codes of 1-4 bytes, widths by CID
	vertical bool // writing mode 1: glyphs advance downwards

	// Simple fonts.
	text  [256]string
	width [256]float64

	// Type0 fonts.
	encoding cidEncoding
	enc      *cmap // an embedded encoding CMap, when encoding is encEmbedded
	toUni    *cmap
	cidUni   *cmap              // CID to Unicode of an Adobe character collection, without ToUnicode
	widths   map[uint32]float64 // by CID
	dw       float64            // default width
	vAdvance float64            // vertical advance (positive, downwards)

	sizeScale float64  // em size of the glyphs relative to the font size (Type 3 fonts)
	warnings  []string // problems found while loading, e.g. an unsupported encoding
}

// cidEncoding tells how a Type0 font's codes map to CIDs and, without ToUnicode, to text.
type cidEncoding uint8

const (
	encIdentity cidEncoding = iota // 2-byte codes, CID = code
	encUCS2                        // a predefined Uni...-UCS2 CMap: codes are UCS-2
	encUTF16                       // a predefined Uni...-UTF16 CMap: codes are UTF-16BE
	encEmbedded                    // an embedded CMap stream
	encOther                       // a predefined CMap we do not have (Shift-JIS, EUC, ...)
)

// maxFontStream bounds the decoded size of a CMap stream.
const maxFontStream = 4 << 20

// loadFont reads a font dictionary. It never fails: what it cannot read becomes
// unmapped codes and a warning.
func loadFont(v pdf.Value) *font {
	f := &font{sizeScale: 1}
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		if data, err := readStream(tu, maxFontStream); err == nil {
			f.toUni = parseCMap(data)
		} else {
			f.warn("unreadable ToUnicode map")
		}
	}
	switch v.Key("Subtype").Name() {
	case "Type0":
		f.loadType0(v)
	default:
		f.loadSimple(v)
	}
	return f
}

func (f *font) warn(s string) { f.warnings = append(f.warnings, s) }

// loadSimple reads a Type1, TrueType, MMType1 or Type3 font: one byte per code.
func (f *font) loadSimple(v pdf.Value) {
	scale := 0.001
	if v.Key("Subtype").Name() == "Type3" {
		scale, f.sizeScale = type3Scale(v.Key("FontMatrix"))
	}
	f.loadWidths(v, scale)
	base, names := f.simpleEncoding(v)
	for c := 0; c < 256; c++ {
		if f.toUni != nil {
			if rs, ok := f.toUni.lookup(uint32(c), 1, nil); ok {
				f.text[c] = string(rs)
				continue
			}
			if rs, ok := f.toUni.lookup(uint32(c), 2, nil); ok {
				f.text[c] = string(rs)
				continue
			}
		}
		if names[c] != "" {
			f.text[c] = glyphText(names[c])
		} else if base[c] != 0 {
			f.text[c] = string(base[c])
		}
	}
}

// simpleEncoding returns the base encoding table and the /Differences glyph names.
func (f *font) simpleEncoding(v pdf.Value) (*[256]rune, *[256]string) {
	var names [256]string
	enc := v.Key("Encoding")
	baseName := enc.Name()
	if enc.Kind() == pdf.Dict {
		baseName = enc.Key("BaseEncoding").Name()
		diffs := enc.Key("Differences")
		code := 0
		for i := 0; i < diffs.Len() && i < 4096; i++ {
			d := diffs.Index(i)
			switch d.Kind() {
			case pdf.Integer, pdf.Real:
				code = int(d.Float64())
			case pdf.Name:
				if code >= 0 && code < 256 {
					names[code] = d.Name()
				}
				code++
			}
		}
	}
	if baseName == "" {
		subtype := v.Key("Subtype").Name()
		if subtype == "TrueType" {
			baseName = "WinAnsiEncoding"
		} else {
			baseName = "StandardEncoding"
		}
		builtin := false
		if subtype != "TrueType" && f.toUni == nil {
			if bi := builtinEncoding(v.Key("FontDescriptor")); bi != nil {
				for c := range names {
					if names[c] == "" {
						names[c] = bi[c]
					}
				}
				builtin = true
			}
		}
		if !builtin && enc.Kind() == pdf.Null && isSymbolFont(v) {
			f.symbolic(v)
		}
	}
	base, ok := baseEncoding(baseName)
	if !ok && f.toUni == nil {
		f.warn("unsupported font encoding: " + baseName)
	}
	return base, &names
}

// symbolic notes a symbolic font without an encoding: its codes follow the font's own
// built-in encoding, which only the embedded font program holds.
func (f *font) symbolic(v pdf.Value) {
	if f.toUni == nil {
		f.warn("symbolic font without Unicode mapping: " + sanitizeName(v.Key("BaseFont").Name()))
	}
}

// isSymbolFont tells whether the descriptor flags a font as symbolic (bit 3) and not
// nonsymbolic (bit 6), or its name says so.
func isSymbolFont(v pdf.Value) bool {
	name := v.Key("BaseFont").Name()
	if strings.Contains(name, "Symbol") || strings.Contains(name, "Dingbats") || strings.Contains(name, "Wingdings") {
		return true
	}
	flags := v.Key("FontDescriptor").Key("Flags").Int64()
	return flags&4 != 0 && flags&32 == 0 && v.Key("Subtype").Name() != "TrueType"
}

// loadWidths fills the width table of a simple font.
func (f *font) loadWidths(v pdf.Value, scale float64) {
	widths := v.Key("Widths")
	missing := v.Key("FontDescriptor").Key("MissingWidth").Float64()
	if widths.Kind() != pdf.Array {
		std := standardWidths(v.Key("BaseFont").Name())
		for c := range f.width {
			f.width[c] = std(c) * 0.001
		}
		return
	}
	first := int(v.Key("FirstChar").Int64())
	n := widths.Len()
	for c := 0; c < 256; c++ {
		w := missing
		if i := c - first; i >= 0 && i < n {
			w = widths.Index(i).Float64()
		}
		f.width[c] = sane(w * scale)
	}
}

// type3Scale returns the horizontal scale of a Type 3 font's matrix and the size of its
// glyphs relative to a 1000-unit em.
func type3Scale(m pdf.Value) (scale, size float64) {
	a, d := m.Index(0).Float64(), m.Index(3).Float64()
	if a == 0 || math.IsNaN(a) || math.IsInf(a, 0) {
		return 0.001, 1
	}
	size = math.Abs(d) * 1000
	if size < 0.01 || size > 100 {
		size = 1
	}
	return a, size
}

// sane keeps a width finite and within a range no real font uses.
func sane(w float64) float64 {
	if math.IsNaN(w) || w > 100 || w < -100 {
		return 0
	}
	return w
}

// sanitizeName keeps a font name printable and short for a warning.
func sanitizeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7E {
			return '?'
		}
		return r
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
