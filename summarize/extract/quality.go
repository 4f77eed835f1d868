package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QualityThreshold is the score below which a page's text is taken for garbage ("garbled"):
// mojibake from a font whose character map is wrong, "(cid:N)" placeholders, binary junk.
// Real text, in any script, scores above 0.8 (see quality_test.go for measured scores); the
// garbage samples score below 0.35. The threshold sits between the two with room on both
// sides.
const QualityThreshold = 0.5

// cidPattern matches the placeholders some extractors print for glyphs they cannot map.
var cidPattern = regexp.MustCompile(`\(cid:\d+\)`)

// Quality scores how much text looks like real text a person could read, from 0 (garbage)
// to 1. It combines the share of printable characters (U+FFFD, private-use and control
// characters count against it), the share of characters that are letters, digits or
// ordinary punctuation, and for Latin-script text the share of dictionary-like words and
// the average word length. Text in another script (Hebrew, Arabic, Japanese, ...) is not
// judged by Latin word shapes: it is scored by printable share and script consistency
// (letters mostly of one script, plus Latin). Empty text scores 0.
func Quality(text string) float64 {
	bad := 0
	text = cidPattern.ReplaceAllStringFunc(text, func(m string) string {
		bad += utf8.RuneCountInString(m)
		return " "
	})
	c := countChars(text)
	c.bad += bad
	total := c.bad + c.odd + c.letters + c.marks + c.digits + c.punct
	if total == 0 {
		return 0
	}
	printable := 1 - float64(c.bad)/float64(total)
	sane := 1 - float64(c.odd)/float64(total-c.bad+1)
	base := printable * sane * sane
	if c.letters == 0 {
		return round2(base)
	}
	// How much the letters say: little on a page of figures, everything on prose.
	weight := min(1, 2*float64(c.letters)/float64(total))
	dominant, n := c.dominantScript()
	var letterScore float64
	if dominant == "Latin" {
		letterScore = latinWords(text)
	} else {
		// Latin mixed into another script is normal (names, numbers, English terms).
		consistent := float64(n+c.scripts["Latin"]) / float64(c.letters)
		letterScore = consistent * consistent
	}
	return round2(base * (1 - weight + weight*letterScore))
}

// charCounts classifies the non-space characters of a text.
type charCounts struct {
	bad     int // U+FFFD, private use, control, unassigned
	odd     int // symbols rare in documents: ` \ ^ ~ { } | and the like
	letters int
	marks   int
	digits  int
	punct   int
	scripts map[string]int // letters per script
}

// scriptTables are the scripts Quality tells apart; Han, kana and Hangul count as one.
var scriptTables = []struct {
	name   string
	tables []*unicode.RangeTable
}{
	{"Latin", []*unicode.RangeTable{unicode.Latin}},
	{"CJK", []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo}},
	{"Hebrew", []*unicode.RangeTable{unicode.Hebrew}},
	{"Arabic", []*unicode.RangeTable{unicode.Arabic}},
	{"Cyrillic", []*unicode.RangeTable{unicode.Cyrillic}},
	{"Greek", []*unicode.RangeTable{unicode.Greek}},
	{"Devanagari", []*unicode.RangeTable{unicode.Devanagari}},
	{"Thai", []*unicode.RangeTable{unicode.Thai}},
	{"Armenian", []*unicode.RangeTable{unicode.Armenian}},
	{"Georgian", []*unicode.RangeTable{unicode.Georgian}},
}

// oddSymbols are ASCII symbols ordinary documents rarely hold but mojibake often does.
const oddSymbols = "`\\^~{}|"

// commonSymbols are the non-ASCII symbols ordinary documents do hold.
const commonSymbols = "§¶©®™°±×÷€£¥¢•·–—‘’“”…′″‰¼½¾²³¹µ←→↑↓✓✔☐☑☒■□▪●○◦"

func countChars(text string) charCounts {
	c := charCounts{scripts: map[string]int{}}
	for _, r := range text {
		switch {
		case r == '\n' || r == '\t' || unicode.IsSpace(r) || r == '_' || unicode.Is(unicode.Cf, r):
			// Space, form blanks (____) and format characters (bidi marks, soft hyphens,
			// zero-width joiners) say nothing either way.
		case r == utf8.RuneError || unicode.Is(unicode.Co, r) || unicode.IsControl(r) || !unicode.IsGraphic(r):
			c.bad++
		case unicode.IsLetter(r):
			c.letters++
			c.scripts[scriptOf(r)]++
		case unicode.IsMark(r):
			c.marks++
		case unicode.IsNumber(r):
			c.digits++
		case r < utf8.RuneSelf && strings.ContainsRune(oddSymbols, r):
			c.odd++
		case unicode.IsPunct(r) || r < utf8.RuneSelf || unicode.Is(unicode.Sm, r) || strings.ContainsRune(commonSymbols, r):
			// Maths (∈ ⇒ ≤) is rare in contracts but real text where it occurs.
			c.punct++
		default: // other symbols: box drawing, dingbats, maths, modifier letters
			c.odd++
		}
	}
	return c
}

func scriptOf(r rune) string {
	for _, s := range scriptTables {
		for _, t := range s.tables {
			if unicode.Is(t, r) {
				return s.name
			}
		}
	}
	return "other"
}

// dominantScript returns the script with the most letters and their number.
func (c charCounts) dominantScript() (string, int) {
	best, n := "", 0
	for s, k := range c.scripts {
		if k > n || (k == n && s < best) {
			best, n = s, k
		}
	}
	return best, n
}

// latinWords scores the words of Latin-script text from 0 to 1: the share of letters in
// words of plausible shape (or in the word list), times a factor for the average word
// length, which is short in mojibake ("hX`qM~q" is words of one or two letters).
func latinWords(text string) float64 {
	var good, judged, letters, words int
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) }) {
		n := utf8.RuneCountInString(w)
		letters += n
		words++
		if n < 2 {
			continue // "a", "I", list markers, the s of "party's"
		}
		judged += n
		if plausibleWord(w) {
			good += n
		}
	}
	if words == 0 {
		return 1
	}
	share := 1.0
	if judged > 0 {
		share = float64(good) / float64(judged)
	}
	avg := float64(letters) / float64(words)
	length := 1.0
	switch {
	case avg < 3:
		length = max(0, (avg-1.5)/1.5)
	case avg > 12:
		length = max(0, 1-(avg-12)/12)
	}
	return share * (0.4 + 0.6*length)
}

// plausibleWord reports whether a word of at least two letters is in the word list or has
// the shape of a word: one case pattern (lower, Capitalized, UPPER; one inner capital as
// in McDonald), a vowel (or a short acronym), no long consonant or vowel runs, no letter
// three times in a row, not absurdly long.
func plausibleWord(w string) bool {
	lower := strings.ToLower(w)
	if commonWords[lower] {
		return true
	}
	n := utf8.RuneCountInString(w)
	if n > 30 {
		return false
	}
	var prev, prev2 rune
	upperAfterLower, uppers := 0, 0
	vowels, consRun, vowelRun, maxCons, maxVowels := 0, 0, 0, 0, 0
	for i, r := range w {
		if unicode.IsUpper(r) {
			uppers++
			if i > 0 && unicode.IsLower(prev) {
				upperAfterLower++
			}
		}
		lr := unicode.ToLower(r)
		if lr == unicode.ToLower(prev) && lr == unicode.ToLower(prev2) {
			return false
		}
		if isVowel(lr) {
			vowels++
			vowelRun++
			consRun = 0
		} else if unicode.IsLetter(r) {
			consRun++
			vowelRun = 0
		}
		maxCons, maxVowels = max(maxCons, consRun), max(maxVowels, vowelRun)
		prev2, prev = prev, r
	}
	allUpper := uppers == n
	switch {
	case upperAfterLower > 1 || (upperAfterLower == 1 && n < 5):
		return false
	case !allUpper && uppers > 1 && upperAfterLower == 0 && !unicode.IsUpper(firstRune(w)):
		return false // "aBC": capitals after a lower-case start
	case vowels == 0:
		return allUpper && n <= 4 // acronyms: LLC, NY, PCT
	case maxCons > 5 || maxVowels > 4:
		return false
	}
	return true
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// isVowel reports whether a lower-case letter is a vowel, accents included.
func isVowel(r rune) bool {
	if r < utf8.RuneSelf {
		return strings.ContainsRune("aeiouy", r)
	}
	return strings.ContainsRune("àáâãäåæèéêëěìíîïòóôõöøœùúûüůűýÿāăąēėęīįıōőūų", r)
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// commonWords helps words whose shape alone looks odd (by, my, Mr, LLC, nth, roman
// numerals) and holds the most common words of English contracts, with a few function
// words of other languages written in Latin script.
var commonWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		the of and to in a is that for it as was with be by on not he this are or his from at
		which but have an they you were her she there been has their one all we will would
		can if more no so what up out them into my than its only other any such shall may
		must each per upon under said herein hereof hereto hereby thereof therein thereto
		whereas party parties agreement contract clause section article schedule exhibit
		annex term terms termination terminate notice law laws court state states county
		confidential information disclosure recipient discloser licensor licensee lessor
		lessee tenant landlord employer employee company corporation llc inc ltd plc co corp
		gmbh ag sa bv nv lp llp pc mr mrs ms dr st nd rd th vs pp no nos etc ie eg
		mm cm kg lb hr hrs min sec tel fax www http https com org gov
		i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx
		by my nth why fly try dry sky shy ply gym rhythm
		der die das und ist nicht mit von zu den dem des ein eine im auf für
		le la les et de des du un une est dans pour par sur au aux
		el los las y que en del por con para una es al
		il lo gli di che non per con nel della
	`) {
		m[w] = true
	}
	return m
}()
