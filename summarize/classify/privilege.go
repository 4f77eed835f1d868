package classify

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// privilegeKeys are substrings one of which every privilege phrase holds. The phrase
// expression runs only around them (see phraseWindows): scanning whole pages with it would
// cost a quarter of a second on an 800-page document.
var privilegeKeys = []string{"privilege", "prejudice", "work product", "workproduct", "work-product", "prepared", "client communication", "clientcommunication"}

// Window around a key: a phrase starts at most keyBefore bytes before its key and ends at
// most keyAfter bytes after the key's start.
const (
	keyBefore = 60
	keyAfter  = 90
)

// privilegePhrase matches the phrases that can mark a document privileged, in the folded
// page text (see foldPage). Longer phrases come first: at one position the first
// alternative that matches wins.
var privilegePhrase = regexp.MustCompile(`\b(?:` +
	`(?:subject to )?legal(?:ly)? professional privilege` +
	`|without prejudice,? save as to costs` +
	`|without prejudice` +
	`|privileged ?(?:and|&|/) ?confidential` +
	`|confidential ?(?:and|&|/) ?privileged` +
	`|attorney ?[-/]? ?client (?:privileged? )?communications?` +
	`|(?:(?:protected by|subject to) (?:the )?)?attorney ?[-/]? ?client privileged?` +
	`|attorney ?-? ?work ?-? ?product` +
	`|legally privileged` +
	`|(?:subject to |protected by )?legal privilege` +
	`|litigation privilege` +
	`|common interest privilege` +
	`|prepared (?:at|under) the (?:direction|request|instruction|supervision) of (?:legal |outside |in-house )?(?:counsel|attorneys?|lawyers?)` +
	`|prepared in anticipation of litigation` +
	`|privileged` +
	`)\b`)

// privilegeName gives the name a finding reports for a matched phrase.
func privilegeName(phrase string) string {
	switch {
	case strings.Contains(phrase, "professional privilege"):
		return "legal professional privilege"
	case strings.HasPrefix(phrase, "without prejudice") && strings.HasSuffix(phrase, "costs"):
		return "without prejudice save as to costs"
	case strings.HasPrefix(phrase, "without prejudice"):
		return "without prejudice"
	case strings.Contains(phrase, "confidential"):
		return "privileged and confidential"
	case strings.HasPrefix(phrase, "attorney") && strings.HasSuffix(phrase, "product"):
		return "attorney work product"
	case strings.HasPrefix(phrase, "attorney") && strings.Contains(phrase, "communication"):
		return "attorney-client communication"
	case strings.Contains(phrase, "client privilege"):
		return "attorney-client privileged"
	case strings.HasSuffix(phrase, "legal privilege"):
		return "legal privilege"
	case strings.HasPrefix(phrase, "prepared in"):
		return "prepared in anticipation of litigation"
	case strings.HasPrefix(phrase, "prepared"):
		return "prepared at the direction of counsel"
	}
	return phrase // legally privileged, litigation privilege, common interest privilege, privileged
}

// findPrivilege reports privilege markings. A phrase of privilegePhrase is a marking when
// it is set as a legend (isLegend) or stands in a sentence that labels the document itself
// (isSelfLabel). "without prejudice to" is ordinary drafting and never a marking, and bare
// "privileged" counts in a self-labelling sentence or as a legend in capitals only.
func findPrivilege(p *pageText, emit emitter) {
	f := foldPage(p.s)
	for _, w := range phraseWindows(f.text) {
		for _, m := range privilegePhrase.FindAllStringIndex(f.text[w.start:w.end], -1) {
			m0, m1 := w.start+m[0], w.start+m[1]
			name := privilegeName(f.text[m0:m1])
			start, end := int(f.pos[m0]), int(f.pos[m1-1])+1
			if name == "without prejudice" && prejudiceTo(p.s, end) {
				continue
			}
			if isLegend(p.s, start, end, name == "privileged") || isSelfLabel(f, m0, m1) {
				emit(name, start, end)
			}
		}
	}
}

// phraseWindows returns the parts of the folded text around privilege keys, merged where
// they overlap and widened to word boundaries, in order.
func phraseWindows(text string) []span {
	var ws []span
	for _, k := range privilegeKeys {
		for off := 0; ; {
			i := strings.Index(text[off:], k)
			if i < 0 {
				break
			}
			i += off
			off = i + len(k)
			w := span{max(0, i-keyBefore), min(len(text), i+keyAfter)}
			for w.start > 0 && text[w.start-1] != ' ' {
				w.start--
			}
			for w.end < len(text) && text[w.end] != ' ' {
				w.end++
			}
			ws = append(ws, w)
		}
	}
	slices.SortFunc(ws, func(a, b span) int { return a.start - b.start })
	var out []span
	for _, w := range ws {
		if n := len(out); n > 0 && w.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, w.end)
			continue
		}
		out = append(out, w)
	}
	return out
}

// prejudiceTo tells whether "without prejudice" ending at s[i] goes on with "to" as a
// preposition ("without prejudice to any other right"), not with a "To:" address line.
func prejudiceTo(s string, i int) bool {
	j := i
	for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == ',') {
		j++
	}
	if j+2 > len(s) || !strings.EqualFold(s[j:j+2], "to") || isAlnumAt(s, j+2, false) {
		return false
	}
	return j+2 >= len(s) || s[j+2] != ':'
}

// folded is a page folded for phrase matching: lower case, every run of whitespace one
// space, words hyphenated across a line break joined ("privi-\nleged"), typographic quotes
// plain. pos[k] is the offset in the page text of the character text[k] comes from.
type folded struct {
	text string
	pos  []int32
}

// foldPage folds the normalized page text s.
func foldPage(s string) folded {
	b := make([]byte, 0, len(s))
	pos := make([]int32, 0, len(s))
	lower := asciiLower(s)
	for i := 0; i < len(s); {
		c := lower[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n') {
				j++
			}
			if len(b) > 0 {
				b = append(b, ' ')
				pos = append(pos, int32(i))
			}
			i = j
			continue
		case c == '-' && hyphenBreak(s, i):
			i++
			for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
				i++
			}
			continue
		case c < 0x80:
			b = append(b, c)
			pos = append(pos, int32(i))
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		var out string
		switch r {
		case '\u2018', '\u2019', '\u02BC':
			out = "'"
		case '\u201C', '\u201D':
			out = `"`
		default:
			out = strings.ToLower(s[i : i+n])
		}
		for k := 0; k < len(out); k++ {
			b = append(b, out[k])
			pos = append(pos, int32(i))
		}
		i += n
	}
	return folded{text: string(b), pos: pos}
}

// hyphenBreak tells whether the hyphen at s[i] splits a word across a line break: a
// letter before it, whitespace holding a newline after it, then a letter. Compounds broken
// there ("attorney-\nclient") lose their hyphen too, which the phrases allow for.
func hyphenBreak(s string, i int) bool {
	if i == 0 || !isLetterByte(s[i-1]) {
		return false
	}
	j, nl := i+1, false
	for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n') {
		nl = nl || s[j] == '\n'
		j++
	}
	return nl && j < len(s) && isLetterByte(s[j])
}

func isLetterByte(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
