package classify

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// legendWords may stand on a legend line beside the marker without making it a sentence:
// "PRIVILEGED & CONFIDENTIAL - ATTORNEY WORK PRODUCT - DRAFT - DO NOT FORWARD".
var legendWords = wordSet(`privileged privilege confidential confidentiality strictly highly private
	and or attorney attorneys client work product communication communications legal advice subject to
	contract without prejudice save as costs draft do not forward copy distribute disclose internal only
	for settlement purposes memorandum memo notice prepared at the direction request of counsel in
	anticipation litigation page re privacy professional common interest joint defense defence`)

// leadWords right before a phrase make it part of a sentence ("waive the attorney-client
// privilege", "is Privileged and Confidential"), though some of them are legend words too.
var leadWords = wordSet(`the a an of by to any such its their our your his her under with in that which
	is are was were be been being no waive waiver waives constitute constitutes protected
	subject other all as may might shall will remain deemed`)

// smallWords need no capital in a Title Case legend.
var smallWords = wordSet(`and as at of the to in &`)

// clauseStart is a clause number opening a line: the line is a clause heading.
var clauseStart = regexp.MustCompile(`^\s*(?:(?:section|article|clause)\s+)?(?:\d+(?:\.\d+)*\.?|\([a-z0-9]{1,4}\)|[a-z]\.)\s`)

// maxLegendExtra is how many words that are not legend words a legend line may hold
// (a date, a name, "To John Smith").
const maxLegendExtra = 6

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// isLegend tells whether the phrase at s[start:end] is set as a legend: written in
// capitals or Title Case (capitals only for a bare "privileged"), on a line that holds
// few other words, not a clause heading, with only legend words or punctuation right
// beside it ("DISMISSED WITHOUT PREJUDICE" and "Privileged and Confidential Information"
// are not legends), and not the continuation of a sentence from the line before or into
// the line after.
func isLegend(s string, start, end int, capsOnly bool) bool {
	phrase := s[start:end]
	upper := strings.ToUpper(phrase) == phrase
	if !upper && (capsOnly || !titleCase(phrase)) {
		return false
	}
	ls := strings.LastIndexByte(s[:start], '\n') + 1
	le := strings.IndexByte(s[end:], '\n')
	if le < 0 {
		le = len(s)
	} else {
		le += end
	}
	before, after := s[ls:start], s[end:le]
	if clauseStart.MatchString(strings.ToLower(before + phrase)) {
		return false
	}
	extra := 0
	for _, w := range append(words(before), words(after)...) {
		if !legendWords[strings.ToLower(w)] {
			extra++
		}
	}
	if extra > maxLegendExtra {
		return false
	}
	// A word right beside the phrase, with only spaces between, must belong to the legend;
	// punctuation ("CONFIDENTIAL - ATTORNEY WORK PRODUCT") separates legend parts.
	if lead := strings.TrimRight(before, " \t"); lead != "" && endsWithLetter(lead) {
		if w := strings.ToLower(lastWord(lead)); leadWords[w] || !legendWords[w] {
			return false
		}
	}
	if next := strings.TrimLeft(after, " \t"); next != "" && startsWithLetter(next) && !legendWords[strings.ToLower(words(next)[0])] {
		return false
	}
	if strings.TrimSpace(before) == "" && continuesFrom(s[:ls]) {
		return false
	}
	if strings.TrimSpace(after) == "" && continuesInto(s[le:]) {
		return false
	}
	return true
}

// titleCase tells whether every word of the phrase but the small ones starts with a capital.
func titleCase(phrase string) bool {
	for _, w := range words(phrase) {
		if smallWords[strings.ToLower(w)] {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// continuesFrom tells whether the text before a line ends in the middle of a sentence: its
// last non-blank line ends with a comma or a word in lower case ("information that is").
// A heading above ("Privileged and Confidential") does not continue into the line.
func continuesFrom(prev string) bool {
	prev = strings.TrimRight(prev, " \t\n")
	if prev == "" {
		return false
	}
	if strings.HasSuffix(prev, ",") {
		return true
	}
	if !endsWithLetter(prev) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(lastWord(prev))
	return unicode.IsLower(r)
}

// continuesInto tells whether the next non-blank line after a phrase goes on with its
// sentence: it starts with a lower-case letter. Only the very next line counts; a blank
// line between ends the sentence.
func continuesInto(next string) bool {
	next = strings.TrimLeft(strings.TrimPrefix(next, "\n"), " \t")
	r, _ := utf8.DecodeRuneInString(next)
	return unicode.IsLower(r)
}

// words splits s into words of letters (hyphenated words split too).
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// startsWithLetter tells whether s starts with a letter.
func startsWithLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// endsWithLetter tells whether s ends with a letter.
func endsWithLetter(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r)
}

// lastWord returns the last word of s, or "".
func lastWord(s string) string {
	ws := words(s)
	if len(ws) == 0 {
		return ""
	}
	return ws[len(ws)-1]
}

// selfRef is a phrase by which a text refers to itself: "this memorandum", "the attached
// report", "this e-mail and any attachments".
var selfRef = regexp.MustCompile(`\b(?:this|these|the attached|the enclosed|the following|attached|enclosed)\s(?:[a-z'-]+\s){0,3}?(?:document|documents|memo|memorandum|e-?mail|e-?mails|message|messages|communication|communications|letter|report|analysis|advice|presentation|transmission|transmittal|attachments?|materials?|notes?|draft|file|files|fax|facsimile|page|pages|opinion|correspondence|offer|proposal|minutes|summary|record|records)\b`)

// selfNegation between the self-reference and the phrase turns the sentence around ("this
// letter does not waive any privilege").
var selfNegation = regexp.MustCompile(`\b(?:not|no|waive|waives|waiver|waiving|nothing|neither|nor)\b`)

// maxSentence is how far back a sentence is searched for its start.
const maxSentence = 300

// isSelfLabel tells whether the phrase at f.text[m0:m1] stands in a sentence that labels
// the text itself, before or after the phrase: "This memorandum is privileged and
// confidential", "The information in this e-mail may be legally privileged",
// "Privileged/Confidential Information may be contained in this message". A negation
// between a self-reference before the phrase and the phrase turns the sentence around.
func isSelfLabel(f folded, m0, m1 int) bool {
	before := f.text[max(0, m0-maxSentence):m0]
	for _, end := range sentenceEnds {
		if k := strings.LastIndex(before, end); k >= 0 {
			before = before[k+len(end):]
		}
	}
	if loc := selfRef.FindStringIndex(before); loc != nil {
		return !selfNegation.MatchString(before[loc[1]:])
	}
	after := f.text[m1:min(len(f.text), m1+maxSentence)]
	for _, end := range sentenceEnds {
		if k := strings.Index(after, end); k >= 0 {
			after = after[:k]
		}
	}
	return selfRef.MatchString(after)
}

// sentenceEnds end a sentence in folded text.
var sentenceEnds = []string{". ", "? ", "! ", "; "}
