package web

import (
	"slices"
	"strconv"
	"strings"
)

// CitationPart is one piece of a rendered citation: either plain text
// ("[pp. ", "-", ", ", "]") or a page number that links to that page.
type CitationPart struct {
	Text string
	// Page is the page a number links to; 0 for plain text.
	Page int
}

// CitationParts turns the pages a point cites into the pieces of its citation.
// Pages are sorted and deduplicated, and numbers below 1 are ignored. One page
// gives "[p. 3]"; consecutive pages collapse into a range, "[pp. 7-8]", whose
// two ends are links; separate pages and ranges are listed, "[pp. 3, 7-9]".
// No valid page gives no parts.
func CitationParts(pages []int) []CitationPart {
	ps := make([]int, 0, len(pages))
	for _, p := range pages {
		if p > 0 {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	ps = slices.Compact(ps)
	if len(ps) == 0 {
		return nil
	}
	if len(ps) == 1 {
		return []CitationPart{{Text: "[p. "}, pagePart(ps[0]), {Text: "]"}}
	}
	parts := []CitationPart{{Text: "[pp. "}}
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1] == ps[j]+1 {
			j++
		}
		if i > 0 {
			parts = append(parts, CitationPart{Text: ", "})
		}
		parts = append(parts, pagePart(ps[i]))
		if j > i {
			parts = append(parts, CitationPart{Text: "-"}, pagePart(ps[j]))
		}
		i = j + 1
	}
	return append(parts, CitationPart{Text: "]"})
}

// FormatCitation returns the citation of pages as plain text, e.g. "[pp. 3, 7-8]",
// or "" when no page is valid.
func FormatCitation(pages []int) string {
	var b strings.Builder
	for _, p := range CitationParts(pages) {
		b.WriteString(p.Text)
	}
	return b.String()
}

func pagePart(n int) CitationPart { return CitationPart{Text: strconv.Itoa(n), Page: n} }
