package pdftext

import (
	"bytes"
	"testing"
)

func TestCMapLookup(t *testing.T) {
	two := "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
	tests := []struct {
		name string
		cmap string
		code uint32
		n    int
		want string // "" for no mapping
	}{
		{"bfchar", two + "1 beginbfchar <0003> <0041> endbfchar", 3, 2, "A"},
		{"bfrange over the whole code, not the last byte",
			two + "1 beginbfrange <0000> <FFFF> <0000> endbfrange", 0x2013, 2, "\u2013"},
		{"bfrange into CJK", two + "1 beginbfrange <0100> <01FF> <4E00> endbfrange", 0x0105, 2, "\u4E05"},
		{"bfrange with an array", two + "1 beginbfrange <0010> <0012> [<0061> <0062> <0063>] endbfrange", 0x12, 2, "c"},
		{"surrogate pair destination", two + "1 beginbfchar <0001> <D835DC00> endbfchar", 1, 2, "\U0001D400"},
		{"bfrange from a surrogate pair increments the code point",
			two + "1 beginbfrange <0001> <0005> <D83DDE00> endbfrange", 3, 2, "\U0001F602"},
		{"multi-character destination (ligature)", two + "1 beginbfchar <0009> <006600660069> endbfchar", 9, 2, "ffi"},
		{"glyph name destination", two + "1 beginbfchar <0007> /endash endbfchar", 7, 2, "\u2013"},
		{"one-byte code is not the two-byte code", two + "1 beginbfchar <41> <0042> endbfchar", 0x41, 2, ""},
		{"nested ranges: the innermost wins",
			two + "2 beginbfrange <0000> <00FF> <0000> <0020> <0020> <00A0> endbfrange", 0x20, 2, "\u00a0"},
		{"outside every range", two + "1 beginbfrange <0010> <0012> <0061> endbfrange", 0x13, 2, ""},
		{"unpaired surrogate is dropped", two + "1 beginbfchar <0001> <D800> endbfchar", 1, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := parseCMap([]byte(tc.cmap))
			got, ok := m.lookup(tc.code, tc.n, nil)
			if string(got) != tc.want || ok != (tc.want != "") {
				t.Errorf("lookup(%#x) = %q, %v; want %q", tc.code, string(got), ok, tc.want)
			}
		})
	}
}

func TestCMapCodeSpace(t *testing.T) {
	m := parseCMap([]byte("3 begincodespacerange <00> <80> <8140> <9FFC> <E0000000> <E0FFFFFF> endcodespacerange"))
	tests := []struct {
		in    []byte
		code  uint32
		width int
	}{
		{[]byte{0x41, 0x81}, 0x41, 1},
		{[]byte{0x81, 0x41, 0x00}, 0x8141, 2},
		{[]byte{0xE0, 0x01, 0x02, 0x03}, 0xE0010203, 4},
		{[]byte{0xFF, 0x00}, 0xFF, 1}, // in no range: the shortest length
		{[]byte{0x81}, 0x81, 1},       // truncated
	}
	for _, tc := range tests {
		code, n := m.next(tc.in)
		if code != tc.code || n != tc.width {
			t.Errorf("next(% x) = %#x, %d; want %#x, %d", tc.in, code, n, tc.code, tc.width)
		}
	}
}

func TestCMapCIDs(t *testing.T) {
	m := parseCMap([]byte("1 begincodespacerange <0000> <FFFF> endcodespacerange " +
		"1 begincidrange <0100> <01FF> 1000 endcidrange 1 begincidchar <0005> 77 endcidchar"))
	for _, tc := range []struct {
		code uint32
		cid  uint32
		ok   bool
	}{{0x0105, 1005, true}, {5, 77, true}, {6, 0, false}} {
		cid, ok := m.cid(tc.code, 2)
		if cid != tc.cid || ok != tc.ok {
			t.Errorf("cid(%#x) = %d, %v; want %d, %v", tc.code, cid, ok, tc.cid, tc.ok)
		}
	}
}

func TestCollectionUnicode(t *testing.T) {
	m := collectionUnicode("Adobe", "Japan1")
	if m == nil {
		t.Fatal("Adobe-Japan1 map missing")
	}
	// CID 843 is HIRAGANA LETTER A (U+3042) in Adobe-Japan1.
	if got, _ := m.lookup(843, 2, nil); string(got) != "あ" {
		t.Errorf("CID 843 = %q, want あ", string(got))
	}
	if collectionUnicode("Adobe", "Identity") != nil {
		t.Error("Identity ordering should have no map")
	}
}

func TestLexerStrings(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{`(plain)`, []byte("plain")},
		{`(a\(b\)c)`, []byte("a(b)c")},
		{`(nested (parens) ok)`, []byte("nested (parens) ok")},
		{`(\101\60\7)`, []byte{'A', '0', 7}},
		{"(line\\\ncontinued)", []byte("linecontinued")},
		{`<48 65 6C6C 6F>`, []byte("Hello")},
		{`<4>`, []byte{0x40}},
		{`(unterminated`, []byte("unterminated")},
	}
	for _, tc := range tests {
		l := &lexer{data: []byte(tc.in)}
		if got := l.next(); !bytes.Equal(got.b, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.in, got.b, tc.want)
		}
	}
}
