package pdftext

import (
	"strings"

	"github.com/ledongthuc/pdf"
)

// maxWEntries bounds the number of CIDs read from one /W array.
const maxWEntries = 1 << 17

// loadType0 reads a composite font: its encoding CMap, descendant CID font widths and,
// for vertical writing, the vertical advance.
func (f *font) loadType0(v pdf.Value) {
	f.cid = true
	enc := v.Key("Encoding")
	name := enc.Name()
	switch {
	case enc.Kind() == pdf.Stream:
		data, err := readStream(enc, maxFontStream)
		if err != nil {
			f.warn("unreadable encoding CMap")
			break
		}
		f.enc = parseCMap(data)
		f.encoding = encEmbedded
		f.vertical = enc.Key("WMode").Int64() == 1
		if u := f.enc.useCMap; len(f.enc.space) == 0 && strings.HasPrefix(u, "Identity") {
			f.encoding, f.enc = encIdentity, nil
		}
	case name == "Identity-H" || name == "Identity-V":
		f.encoding = encIdentity
	case strings.Contains(name, "UCS2"):
		f.encoding = encUCS2
	case strings.Contains(name, "UTF16"):
		f.encoding = encUTF16
	default:
		f.encoding = encOther
		if f.toUni == nil {
			f.warn("unsupported font encoding: " + sanitizeName(name))
		}
	}
	if strings.HasSuffix(name, "-V") {
		f.vertical = true
	}
	desc := v.Key("DescendantFonts").Index(0)
	if f.toUni == nil && (f.encoding == encIdentity || f.encoding == encEmbedded) {
		info := desc.Key("CIDSystemInfo")
		f.cidUni = collectionUnicode(info.Key("Registry").Text(), info.Key("Ordering").Text())
		if f.cidUni == nil {
			f.warn("unsupported font encoding: " + sanitizeName(name) + " without ToUnicode")
		}
	}
	f.dw = 1
	if dw := desc.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
		f.dw = sane(dw.Float64() / 1000)
	}
	f.widths = readW(desc.Key("W"))
	f.vAdvance = 1
	if dw2 := desc.Key("DW2"); dw2.Len() == 2 {
		if a := -dw2.Index(1).Float64() / 1000; a > 0 && a < 100 {
			f.vAdvance = a
		}
	}
}

// readW reads a CID width array in both of its forms: "c [w1 w2 ...]" and "first last w".
func readW(w pdf.Value) map[uint32]float64 {
	out := map[uint32]float64{}
	n := w.Len()
	for i := 0; i < n && len(out) < maxWEntries; {
		first := w.Index(i)
		if first.Kind() != pdf.Integer && first.Kind() != pdf.Real {
			i++
			continue
		}
		c := uint32(first.Float64())
		next := w.Index(i + 1)
		if next.Kind() == pdf.Array {
			for j := 0; j < next.Len() && len(out) < maxWEntries; j++ {
				out[c+uint32(j)] = sane(next.Index(j).Float64() / 1000)
			}
			i += 2
			continue
		}
		if i+2 >= n {
			break
		}
		last := uint32(next.Float64())
		wd := sane(w.Index(i+2).Float64() / 1000)
		for x := c; x <= last && len(out) < maxWEntries; x++ {
			out[x] = wd
		}
		i += 3
	}
	return out
}

// nextCode splits the first code off s: one byte for simple fonts, by the encoding
// CMap's code space (or the ToUnicode map's, or two bytes) for Type0 fonts.
func (f *font) nextCode(s []byte) (uint32, int) {
	if !f.cid {
		return uint32(s[0]), 1
	}
	switch f.encoding {
	case encEmbedded:
		return f.enc.next(s)
	case encUTF16:
		if len(s) >= 4 && s[0]&0xFC == 0xD8 {
			return bigEndian(s[:4]), 4
		}
	case encOther:
		if f.toUni != nil && len(f.toUni.space) > 0 {
			return f.toUni.next(s)
		}
		if s[0] < 0x80 {
			return uint32(s[0]), 1
		}
	}
	if len(s) < 2 {
		return uint32(s[0]), 1
	}
	return uint32(s[0])<<8 | uint32(s[1]), 2
}

// advance returns the width of a code in text space for font size 1.
func (f *font) advance(code uint32, n int) float64 {
	if !f.cid {
		return f.width[code&0xFF]
	}
	cid, ok := code, true
	switch f.encoding {
	case encEmbedded:
		cid, ok = f.enc.cid(code, n)
	case encUCS2, encUTF16, encOther:
		ok = false
	}
	if ok {
		if w, found := f.widths[cid]; found {
			return w
		}
	}
	return f.dw
}

// appendText appends the Unicode text of a code to dst; ok is false when it has none.
func (f *font) appendText(code uint32, n int, dst []rune) ([]rune, bool) {
	if !f.cid {
		s := f.text[code&0xFF]
		for _, r := range s {
			dst = append(dst, r)
		}
		return dst, s != ""
	}
	if f.toUni != nil {
		if out, ok := f.toUni.lookup(code, n, dst); ok {
			return out, true
		}
	}
	if f.cidUni != nil {
		cid, ok := code, true
		if f.encoding == encEmbedded {
			cid, ok = f.enc.cid(code, n)
		}
		if ok {
			return f.cidUni.lookup(cid, 2, dst)
		}
	}
	switch f.encoding {
	case encUCS2:
		if code < 0xD800 || code > 0xDFFF {
			return append(dst, rune(code)), true
		}
	case encUTF16:
		if rs := utf16Runes([]byte{byte(code >> 24), byte(code >> 16), byte(code >> 8), byte(code)}[4-n:]); len(rs) > 0 {
			return append(dst, rs...), true
		}
	}
	return dst, false
}

// isWordSpace tells whether Tw applies to a code: a single-byte code 32.
func (f *font) isWordSpace(code uint32, n int) bool {
	return n == 1 && code == 32
}
