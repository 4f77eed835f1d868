package pdftext

import (
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/encoding/charmap"
)

// baseEncoding returns the code-to-Unicode table of a named simple-font encoding and
// whether the name is known. 0 marks an undefined code.
func baseEncoding(name string) (*[256]rune, bool) {
	encOnce.Do(buildEncodings)
	switch name {
	case "WinAnsiEncoding":
		return &winAnsi, true
	case "MacRomanEncoding":
		return &macRoman, true
	case "StandardEncoding":
		return &standard, true
	case "PDFDocEncoding":
		return &winAnsi, true // differs from WinAnsi only in codes text rarely uses
	case "MacExpertEncoding":
		return &standard, false
	}
	return &standard, false
}

var (
	encOnce                     sync.Once
	winAnsi, macRoman, standard [256]rune
	glyphOnce                   sync.Once
	glyphMap                    map[string]rune
)

// standardHigh lists StandardEncoding above 0x7F (Adobe's PDF reference, appendix D).
var standardHigh = map[byte]string{
	0xA1: "exclamdown", 0xA2: "cent", 0xA3: "sterling", 0xA4: "fraction", 0xA5: "yen",
	0xA6: "florin", 0xA7: "section", 0xA8: "currency", 0xA9: "quotesingle",
	0xAA: "quotedblleft", 0xAB: "guillemotleft", 0xAC: "guilsinglleft", 0xAD: "guilsinglright",
	0xAE: "fi", 0xAF: "fl", 0xB1: "endash", 0xB2: "dagger", 0xB3: "daggerdbl",
	0xB4: "periodcentered", 0xB6: "paragraph", 0xB7: "bullet", 0xB8: "quotesinglbase",
	0xB9: "quotedblbase", 0xBA: "quotedblright", 0xBB: "guillemotright", 0xBC: "ellipsis",
	0xBD: "perthousand", 0xBF: "questiondown", 0xC1: "grave", 0xC2: "acute", 0xC3: "circumflex",
	0xC4: "tilde", 0xC5: "macron", 0xC6: "breve", 0xC7: "dotaccent", 0xC8: "dieresis",
	0xCA: "ring", 0xCB: "cedilla", 0xCD: "hungarumlaut", 0xCE: "ogonek", 0xCF: "caron",
	0xD0: "emdash", 0xE1: "AE", 0xE3: "ordfeminine", 0xE8: "Lslash", 0xE9: "Oslash", 0xEA: "OE",
	0xEB: "ordmasculine", 0xF1: "ae", 0xF5: "dotlessi", 0xF8: "lslash", 0xF9: "oslash",
	0xFA: "oe", 0xFB: "germandbls",
}

func buildEncodings() {
	for c := 0; c < 256; c++ {
		winAnsi[c] = charmap.Windows1252.DecodeByte(byte(c))
		macRoman[c] = charmap.Macintosh.DecodeByte(byte(c))
		if c >= 0x20 && c < 0x7F {
			standard[c] = rune(c)
		}
	}
	for c := 0; c < 0x20; c++ { // control codes are not text in any of these
		winAnsi[c], macRoman[c] = 0, 0
	}
	for _, c := range []int{0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D} {
		winAnsi[c] = 0
	}
	macRoman[0x7F] = 0
	standard['\''] = '\u2019'
	standard['`'] = '\u2018'
	for c, n := range standardHigh {
		standard[c] = glyphRune(n)
	}
}

// glyphRune maps a glyph name to a single rune, or 0.
func glyphRune(name string) rune {
	s := glyphText(name)
	if len([]rune(s)) != 1 {
		return 0
	}
	return []rune(s)[0]
}

// glyphText maps a glyph name to text following the Adobe Glyph List specification:
// suffixes after '.' are dropped, '_' joins components, and uniXXXX[XXXX...] and
// uXXXX[XX] name code points directly. Unknown names give "".
func glyphText(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	if strings.IndexByte(name, '_') > 0 {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			s := glyphText(part)
			if s == "" {
				return ""
			}
			b.WriteString(s)
		}
		return b.String()
	}
	glyphOnce.Do(buildGlyphMap)
	if r, ok := glyphMap[name]; ok {
		return string(r)
	}
	return glyphCodeName(name)
}

// glyphCodeName decodes uniXXXX (any number of 4-digit groups) and uXXXX to uXXXXXX.
func glyphCodeName(name string) string {
	switch {
	case strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0:
		var b strings.Builder
		for i := 3; i < len(name); i += 4 {
			r, ok := hexRune(name[i : i+4])
			if !ok {
				return ""
			}
			b.WriteRune(r)
		}
		return b.String()
	case strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7:
		if r, ok := hexRune(name[1:]); ok {
			return string(r)
		}
	}
	return ""
}

// hexRune parses upper-case hexadecimal digits as a valid, non-surrogate code point.
func hexRune(s string) (rune, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, false
	}
	return rune(v), true
}

func buildGlyphMap() {
	f := strings.Fields(glyphNames)
	glyphMap = make(map[string]rune, len(f)/2+32)
	for i := 0; i+1 < len(f); i += 2 {
		v, err := strconv.ParseUint(f[i+1], 16, 32)
		if err == nil {
			glyphMap[f[i]] = rune(v)
		}
	}
	// Names that producers use outside the list.
	for n, r := range map[string]rune{
		"space": ' ', "nbspace": ' ', "nonbreakingspace": ' ', "hyphen": '-', "sfthyphen": '-',
		"softhyphen": '-', "ff": 'ﬀ', "fi": 'ﬁ', "fl": 'ﬂ', "ffi": 'ﬃ',
		"ffl": 'ﬄ', "st": 'ﬆ', "quotesingle": '\'', "grave": '`', "bullet": '•',
	} {
		glyphMap[n] = r
	}
}
