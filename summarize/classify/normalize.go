package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize prepares extracted text for the detectors:
//   - Unicode NFKC: full-width digits and letters become ASCII, ligatures (ﬁ, ﬂ) are split,
//     compatibility spaces become plain spaces;
//   - invisible characters are removed: zero-width space, joiners and non-joiners, word
//     joiner, byte order mark, soft hyphen, bidirectional controls and every other Unicode
//     format character (category Cf), variation selectors, the combining grapheme joiner
//     and the Hangul fillers;
//   - every Unicode space (category Zs, including no-break spaces) becomes " ", the line
//     and paragraph separators and "\r\n" or "\r" become "\n";
//   - the Unicode hyphens and dashes U+2010-U+2015 and the minus sign U+2212 become "-".
//
// Tabs and newlines are kept: line structure matters to the privilege detector.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	removed := false
	done := 0 // s[:done] is written to b or needs no change
	for i := 0; i < len(s); {
		c := s[i]
		if c >= ' ' && c < 0x7f || c == '\n' || c == '\t' {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		var repl string
		switch {
		case r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			repl = "" // "\r\n": the "\n" follows
		case r == '\r', r == '\u2028', r == '\u2029':
			repl = "\n"
		case r == utf8.RuneError && n == 1:
			repl = "\uFFFD"
		case invisible(r):
			repl, removed = "", true
		case r != ' ' && unicode.Is(unicode.Zs, r):
			repl = " "
		case (r >= '\u2010' && r <= '\u2015') || r == '\u2212':
			repl = "-"
		default:
			i += n
			continue
		}
		if b.Cap() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[done:i])
		b.WriteString(repl)
		i += n
		done = i
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	if removed {
		// Removing characters can leave sequences that are no longer in NFKC (a base
		// letter and a combining mark that a joiner kept apart).
		return norm.NFKC.String(b.String())
	}
	return b.String()
}

// invisible tells whether r is a character that takes no room on the page.
func invisible(r rune) bool {
	switch {
	case unicode.Is(unicode.Cf, r): // U+00AD, U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+FEFF, ...
		return true
	case r >= '\uFE00' && r <= '\uFE0F', r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r == '\u034F', r == '\u115F', r == '\u1160', r == '\u3164', r == '\uFFA0', r == '\u180E':
		return true
	case r < ' ' && r != '\n' && r != '\t' && r != '\r', r >= 0x7f && r < 0xa0: // other controls
		return true
	}
	return false
}

// pageText is the normalized text of one page with an ASCII-lowered copy of the same
// length, so that offsets into one are offsets into the other.
type pageText struct {
	s     string // Normalize(raw)
	lower string // s with A-Z lowered; other bytes unchanged
}

func newPageText(raw string) *pageText {
	s := Normalize(raw)
	return &pageText{s: s, lower: asciiLower(s)}
}

// asciiLower lowers A-Z and keeps every other byte, so offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// isDigit tells whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isAlnumByte tells whether c is an ASCII letter or digit.
func isAlnumByte(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// isAlnumAt tells whether the rune starting or ending at byte i of s (see before) is a
// letter or digit.
func isAlnumAt(s string, i int, before bool) bool {
	var r rune
	if before {
		if i <= 0 {
			return false
		}
		r, _ = utf8.DecodeLastRuneInString(s[:i])
	} else {
		if i >= len(s) {
			return false
		}
		r, _ = utf8.DecodeRuneInString(s[i:])
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// hasWordNear tells whether one of words (lower case; a word may hold spaces, which match
// any run of whitespace) occurs as a whole word in lower within before bytes ahead of
// start or after bytes behind end.
func hasWordNear(lower string, start, end, before, after int, words []string) bool {
	from := max(0, start-before)
	to := min(len(lower), end+after)
	return hasWord(lower, from, start, words) || hasWord(lower, end, to, words)
}

// hasWord tells whether one of words occurs as a whole word within lower[from:to]. A word
// that starts or ends with punctuation ("ss#") needs no boundary on that side.
func hasWord(lower string, from, to int, words []string) bool {
	window := lower[from:to]
	for _, w := range words {
		for off := 0; ; {
			i := strings.Index(window[off:], w[:wordHead(w)])
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			n, ok := matchWord(window, i, w)
			if !ok || (isAlnumByte(w[0]) && isAlnumAt(lower, from+i, true)) ||
				(isAlnumByte(w[len(w)-1]) && isAlnumAt(lower, from+i+n, false)) {
				continue
			}
			return true
		}
	}
	return false
}

// wordHead is the length of w up to its first space.
func wordHead(w string) int {
	if i := strings.IndexByte(w, ' '); i > 0 {
		return i
	}
	return len(w)
}

// matchWord matches w at s[i:], a space in w matching a run of spaces, tabs and newlines,
// and returns the length matched.
func matchWord(s string, i int, w string) (int, bool) {
	j := i
	for k := 0; k < len(w); k++ {
		if w[k] == ' ' {
			n := 0
			for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t') {
				j++
				n++
			}
			if n == 0 {
				return 0, false
			}
			continue
		}
		if j >= len(s) || s[j] != w[k] {
			return 0, false
		}
		j++
	}
	return j - i, true
}
