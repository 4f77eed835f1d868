package pdftext

import (
	"sort"
	"unicode/utf16"
)

// cmap is a parsed CMap stream: a ToUnicode map (bfchar, bfrange) or an encoding CMap of a
// Type0 font (cidchar, cidrange), with its code space. Codes are integers over all their
// bytes, keyed together with their length, so <00> and <0000> stay apart. A cmap is not
// changed after parsing and may be shared between goroutines.
type cmap struct {
	space     []codeRange
	chars     map[uint64]string // bfchar: code key -> text
	ranges    []uniRange        // bfrange, sorted by key
	maxHi     []uint64          // maxHi[i]: the highest hi of ranges[:i+1]
	cidChars  map[uint64]uint32
	cidRanges []cidRange
	useCMap   string // name given to usecmap, if any
}

// codeRange is one codespace range: n-byte codes whose every byte lies between the bytes
// of lo and hi at the same position.
type codeRange struct {
	n      int
	lo, hi [4]byte
}

// uniRange maps codes lo..hi (same length) to Unicode: either each to one entry of list,
// or to base with its last rune increased by the code's offset from lo.
type uniRange struct {
	lo, hi uint64
	base   []rune
	list   []string
}

type cidRange struct {
	lo, hi uint64
	cid    uint32
}

// maxRangeList bounds the destination array of one bfrange.
const maxRangeList = 1 << 16

// codeKey combines a code and its length in bytes.
func codeKey(code uint32, n int) uint64 { return uint64(n)<<32 | uint64(code) }

// bytesKey reads up to 4 big-endian bytes as a code key; ok is false for other lengths.
func bytesKey(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 4 {
		return 0, false
	}
	var c uint32
	for _, x := range b {
		c = c<<8 | uint32(x)
	}
	return codeKey(c, len(b)), true
}

// parseCMap parses CMap data. It accepts what it can and ignores the rest; it never fails.
func parseCMap(data []byte) *cmap {
	m := &cmap{chars: map[uint64]string{}, cidChars: map[uint64]uint32{}}
	l := &lexer{data: data}
	var args []operand
	for {
		t := l.next()
		switch t.kind {
		case kEOF:
			sort.SliceStable(m.ranges, func(i, j int) bool { return m.ranges[i].lo < m.ranges[j].lo })
			m.maxHi = make([]uint64, len(m.ranges))
			for i, r := range m.ranges {
				m.maxHi[i] = r.hi
				if i > 0 && m.maxHi[i-1] > r.hi {
					m.maxHi[i] = m.maxHi[i-1]
				}
			}
			sort.Slice(m.cidRanges, func(i, j int) bool { return m.cidRanges[i].lo < m.cidRanges[j].lo })
			return m
		case kOp:
			m.apply(string(t.b), args)
			args = args[:0]
		default:
			args = append(args, t)
		}
	}
}

// apply runs one CMap operator on the operands before it.
func (m *cmap) apply(op string, args []operand) {
	switch op {
	case "endcodespacerange":
		for i := 0; i+1 < len(args); i += 2 {
			lo, hi := args[i].b, args[i+1].b
			if len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) {
				continue
			}
			r := codeRange{n: len(lo)}
			copy(r.lo[:], lo)
			copy(r.hi[:], hi)
			m.space = append(m.space, r)
		}
	case "endbfchar":
		for i := 0; i+1 < len(args); i += 2 {
			if k, ok := bytesKey(args[i].b); ok {
				m.chars[k] = destText(args[i+1])
			}
		}
	case "endbfrange":
		for i := 0; i+2 < len(args); i += 3 {
			m.addRange(args[i].b, args[i+1].b, args[i+2])
		}
	case "endcidchar":
		for i := 0; i+1 < len(args); i += 2 {
			if k, ok := bytesKey(args[i].b); ok && args[i+1].kind == kNum {
				m.cidChars[k] = uint32(args[i+1].num)
			}
		}
	case "endcidrange":
		for i := 0; i+2 < len(args); i += 3 {
			lo, ok1 := bytesKey(args[i].b)
			hi, ok2 := bytesKey(args[i+1].b)
			if ok1 && ok2 && hi >= lo && hi>>32 == lo>>32 && args[i+2].kind == kNum {
				m.cidRanges = append(m.cidRanges, cidRange{lo, hi, uint32(args[i+2].num)})
			}
		}
	case "usecmap":
		if len(args) > 0 && args[len(args)-1].kind == kName {
			m.useCMap = string(args[len(args)-1].b)
		}
	}
}

// addRange adds one bfrange entry.
func (m *cmap) addRange(loB, hiB []byte, dst operand) {
	lo, ok1 := bytesKey(loB)
	hi, ok2 := bytesKey(hiB)
	if !ok1 || !ok2 || hi < lo || hi>>32 != lo>>32 {
		return
	}
	r := uniRange{lo: lo, hi: hi}
	switch dst.kind {
	case kArr:
		n := len(dst.arr)
		if n == 0 {
			return
		}
		if n > maxRangeList {
			n = maxRangeList
		}
		for _, d := range dst.arr[:n] {
			r.list = append(r.list, destText(d))
		}
	case kStr:
		r.base = utf16Runes(dst.b)
		if len(r.base) == 0 {
			return
		}
	default:
		return
	}
	m.ranges = append(m.ranges, r)
}

// destText decodes a bfchar destination: UTF-16BE bytes, or a glyph name.
func destText(d operand) string {
	switch d.kind {
	case kStr:
		return string(utf16Runes(d.b))
	case kName:
		return glyphText(string(d.b))
	}
	return ""
}

// utf16Runes decodes UTF-16BE, with surrogate pairs; a lone byte is read as a code point.
// Unpaired surrogates are dropped.
func utf16Runes(b []byte) []rune {
	if len(b) == 1 {
		return []rune{rune(b[0])}
	}
	out := make([]rune, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u := rune(b[i])<<8 | rune(b[i+1])
		switch {
		case utf16.IsSurrogate(u) && u < 0xDC00 && i+3 < len(b):
			u2 := rune(b[i+2])<<8 | rune(b[i+3])
			if r := utf16.DecodeRune(u, u2); r != 0xFFFD {
				out = append(out, r)
				i += 2
			}
		case utf16.IsSurrogate(u):
		default:
			out = append(out, u)
		}
	}
	return out
}

// lookup appends the text of a code of n bytes to dst; ok is false when the map has none.
func (m *cmap) lookup(code uint32, n int, dst []rune) ([]rune, bool) {
	k := codeKey(code, n)
	if s, ok := m.chars[k]; ok {
		for _, r := range s {
			dst = append(dst, r)
		}
		return dst, s != ""
	}
	i := sort.Search(len(m.ranges), func(i int) bool { return m.ranges[i].lo > k }) - 1
	// Ranges may overlap: take the nearest that holds k, looking back a bounded distance
	// so that a hostile map cannot make every lookup linear.
	for j := i; j >= 0 && j > i-512 && m.maxHi[j] >= k; j-- {
		r := &m.ranges[j]
		if k < r.lo || k > r.hi {
			continue
		}
		off := k - r.lo
		if r.list != nil {
			if off >= uint64(len(r.list)) || r.list[off] == "" {
				return dst, false
			}
			for _, c := range r.list[off] {
				dst = append(dst, c)
			}
			return dst, true
		}
		if len(r.base) == 0 {
			return dst, false
		}
		last := uint64(r.base[len(r.base)-1]) + off
		if last > 0x10FFFF || (last >= 0xD800 && last <= 0xDFFF) {
			return dst, false
		}
		dst = append(dst, r.base[:len(r.base)-1]...)
		return append(dst, rune(last)), true
	}
	return dst, false
}

// cid maps a code of an encoding CMap to a CID.
func (m *cmap) cid(code uint32, n int) (uint32, bool) {
	k := codeKey(code, n)
	if c, ok := m.cidChars[k]; ok {
		return c, true
	}
	i := sort.Search(len(m.cidRanges), func(i int) bool { return m.cidRanges[i].lo > k }) - 1
	if i >= 0 && k <= m.cidRanges[i].hi {
		return m.cidRanges[i].cid + uint32(k-m.cidRanges[i].lo), true
	}
	return 0, false
}

// next splits the first code off s by the code space, returning the code and its length.
// Bytes matching no range are taken as a code of the shortest length in the code space
// (one byte if there is none), as PDF readers do.
func (m *cmap) next(s []byte) (uint32, int) {
	for n := 1; n <= 4 && n <= len(s); n++ {
		for i := range m.space {
			r := &m.space[i]
			if r.n == n && inRange(r, s[:n]) {
				return bigEndian(s[:n]), n
			}
		}
	}
	short := 4
	for i := range m.space {
		short = min(short, m.space[i].n)
	}
	if len(m.space) == 0 {
		short = 1
	}
	if short > len(s) {
		short = len(s)
	}
	return bigEndian(s[:short]), short
}

func inRange(r *codeRange, b []byte) bool {
	for i, x := range b {
		if x < r.lo[i] || x > r.hi[i] {
			return false
		}
	}
	return true
}

func bigEndian(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c = c<<8 | uint32(x)
	}
	return c
}
