package pdftext

import (
	"bytes"
	"strconv"

	"github.com/ledongthuc/pdf"
)

// maxFontProgram bounds how much of an embedded font program is decoded to find its
// built-in encoding.
const maxFontProgram = 8 << 20

// builtinEncoding returns the glyph names of the built-in encoding of an embedded Type 1
// (FontFile) or CFF (FontFile3 /Type1C) font program, or nil when there is none or it is
// the standard encoding. TeX fonts rely on it: their /Encoding, if any, has no base.
func builtinEncoding(desc pdf.Value) *[256]string {
	if ff := desc.Key("FontFile"); ff.Kind() == pdf.Stream {
		limit := int(ff.Key("Length1").Int64())
		if limit <= 0 || limit > maxFontProgram {
			limit = maxFontProgram
		}
		data, _ := readStream(ff, limit)
		return type1Encoding(data)
	}
	if ff := desc.Key("FontFile3"); ff.Kind() == pdf.Stream && ff.Key("Subtype").Name() == "Type1C" {
		data, _ := readStream(ff, maxFontProgram)
		return cffEncoding(data)
	}
	return nil
}

// type1Encoding reads "dup code /name put" entries of a Type 1 font's clear-text part.
func type1Encoding(data []byte) *[256]string {
	if i := bytes.Index(data, []byte("eexec")); i >= 0 {
		data = data[:i]
	}
	i := bytes.Index(data, []byte("/Encoding"))
	if i < 0 || bytes.HasPrefix(bytes.TrimLeft(data[i+9:], " \t\r\n"), []byte("StandardEncoding")) {
		return nil
	}
	l := &lexer{data: data[i+9:]}
	var names [256]string
	found := false
	var prev [3]operand // the three tokens before the current one
	for n := 0; n < 1<<16; n++ {
		t := l.next()
		if t.kind == kEOF {
			break
		}
		if t.kind == kOp && string(t.b) == "put" && prev[0].kind == kOp && string(prev[0].b) == "dup" &&
			prev[1].kind == kNum && prev[2].kind == kName {
			if c := int(prev[1].num); c >= 0 && c < 256 {
				names[c], found = string(prev[2].b), true
			}
		}
		if t.kind == kOp && (string(t.b) == "readonly" || string(t.b) == "def") && found {
			break
		}
		prev[0], prev[1], prev[2] = prev[1], prev[2], t
	}
	if !found {
		return nil
	}
	return &names
}

// cffEncoding reads the encoding and charset of a CFF font program (the first font of
// its FontSet) and returns the glyph name of each code.
func cffEncoding(data []byte) *[256]string {
	c := &cff{data: data}
	if len(data) < 4 {
		return nil
	}
	pos := int(data[2])
	_, pos = c.index(pos) // Name INDEX
	top, pos := c.index(pos)
	strs, _ := c.index(pos)
	if len(top) == 0 {
		return nil
	}
	dict := c.dict(top[0])
	if _, cidKeyed := dict[12<<8|30]; cidKeyed {
		return nil
	}
	encOff, charsetOff := dict[16], dict[15]
	if len(encOff) == 0 || encOff[0] <= 1 || len(dict[17]) == 0 {
		return nil // standard or expert encoding
	}
	glyphs, _ := c.index(int(dict[17][0]))
	nGlyphs := len(glyphs)
	sids := c.charset(int(firstOr(charsetOff, 0)), nGlyphs)
	name := func(gid int) string {
		if gid <= 0 || gid >= len(sids) {
			return ""
		}
		sid := sids[gid]
		if sid < len(cffStandardStrings) {
			return cffStandardStrings[sid]
		}
		if i := sid - len(cffStandardStrings); i < len(strs) {
			return string(strs[i])
		}
		return ""
	}
	return c.encoding(int(encOff[0]), name)
}

func firstOr(xs []float64, d float64) float64 {
	if len(xs) == 0 {
		return d
	}
	return xs[0]
}

// cff reads the structures of a CFF font program. Reads outside the data give zero.
type cff struct{ data []byte }

func (c *cff) byte(i int) int {
	if i < 0 || i >= len(c.data) {
		return 0
	}
	return int(c.data[i])
}

func (c *cff) card(i, n int) int {
	v := 0
	for k := 0; k < n; k++ {
		v = v<<8 | c.byte(i+k)
	}
	return v
}

// index reads an INDEX at pos and returns its items and the position after it.
func (c *cff) index(pos int) ([][]byte, int) {
	count := c.card(pos, 2)
	if count == 0 {
		return nil, pos + 2
	}
	offSize := c.byte(pos + 2)
	if offSize < 1 || offSize > 4 || count > len(c.data) {
		return nil, len(c.data)
	}
	offs := pos + 3
	base := offs + (count+1)*offSize - 1
	items := make([][]byte, 0, count)
	for i := 0; i < count; i++ {
		a, b := base+c.card(offs+i*offSize, offSize), base+c.card(offs+(i+1)*offSize, offSize)
		if a < 0 || b < a || b > len(c.data) {
			return items, len(c.data)
		}
		items = append(items, c.data[a:b])
	}
	return items, base + c.card(offs+count*offSize, offSize)
}

// dict reads a Top DICT into operator -> operands (two-byte operators as 12<<8|op).
func (c *cff) dict(d []byte) map[int][]float64 {
	out := map[int][]float64{}
	var ops []float64
	for i := 0; i < len(d); {
		b := int(d[i])
		switch {
		case b <= 21:
			op := b
			i++
			if b == 12 && i < len(d) {
				op, i = 12<<8|int(d[i]), i+1
			}
			out[op], ops = ops, nil
		case b == 28 && i+2 < len(d):
			ops = append(ops, float64(int16(uint16(d[i+1])<<8|uint16(d[i+2]))))
			i += 3
		case b == 29 && i+4 < len(d):
			ops = append(ops, float64(int32(uint32(d[i+1])<<24|uint32(d[i+2])<<16|uint32(d[i+3])<<8|uint32(d[i+4]))))
			i += 5
		case b == 30:
			var v float64
			v, i = cffReal(d, i+1)
			ops = append(ops, v)
		case b >= 32 && b <= 246:
			ops = append(ops, float64(b-139))
			i++
		case b >= 247 && b <= 250 && i+1 < len(d):
			ops = append(ops, float64((b-247)*256+int(d[i+1])+108))
			i += 2
		case b >= 251 && b <= 254 && i+1 < len(d):
			ops = append(ops, float64(-(b-251)*256-int(d[i+1])-108))
			i += 2
		default:
			i++
		}
	}
	return out
}

// cffReal reads a packed BCD real number starting at i.
func cffReal(d []byte, i int) (float64, int) {
	var s []byte
	for ; i < len(d); i++ {
		for _, nib := range [2]byte{d[i] >> 4, d[i] & 15} {
			switch {
			case nib <= 9:
				s = append(s, '0'+nib)
			case nib == 0xa:
				s = append(s, '.')
			case nib == 0xb:
				s = append(s, 'E')
			case nib == 0xc:
				s = append(s, 'E', '-')
			case nib == 0xe:
				s = append(s, '-')
			case nib == 0xf:
				v, _ := strconv.ParseFloat(string(s), 64)
				return v, i + 1
			}
		}
	}
	return 0, i
}

// charset returns the SID of each glyph.
func (c *cff) charset(off, n int) []int {
	sids := make([]int, n)
	if off <= 2 { // ISOAdobe (expert charsets are rare in text fonts)
		for i := range sids {
			sids[i] = i
		}
		return sids
	}
	format, pos := c.byte(off), off+1
	for gid := 1; gid < n && pos < len(c.data); {
		switch format {
		case 0:
			sids[gid], pos, gid = c.card(pos, 2), pos+2, gid+1
		case 1, 2:
			first, left := c.card(pos, 2), c.card(pos+2, format)
			pos += 2 + format
			for k := 0; k <= left && gid < n; k++ {
				sids[gid], gid = first+k, gid+1
			}
		default:
			return sids
		}
	}
	return sids
}

// encoding reads a custom CFF encoding at off, naming glyphs with name(gid).
func (c *cff) encoding(off int, name func(int) string) *[256]string {
	var names [256]string
	format, pos := c.byte(off), off+1
	switch format & 0x7f {
	case 0:
		n := c.byte(pos)
		for gid := 1; gid <= n; gid++ {
			names[c.byte(pos+gid)] = name(gid)
		}
		pos += 1 + n
	case 1:
		n, gid := c.byte(pos), 1
		for r := 0; r < n; r++ {
			first, left := c.byte(pos+1+2*r), c.byte(pos+2+2*r)
			for k := 0; k <= left && first+k < 256; k++ {
				names[first+k], gid = name(gid), gid+1
			}
		}
		pos += 1 + 2*n
	default:
		return nil
	}
	if format&0x80 != 0 {
		n := c.byte(pos)
		for s := 0; s < n; s++ {
			code, sid := c.byte(pos+1+3*s), c.card(pos+2+3*s, 2)
			if sid < len(cffStandardStrings) {
				names[code] = cffStandardStrings[sid]
			}
		}
	}
	return &names
}
