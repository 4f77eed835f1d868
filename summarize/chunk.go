// Package summarize turns a document's pages into a cited summary: chunking, the map-reduce
// engine, the backends that write partial summaries, and the job runner that keeps it all in
// SQLite so a restart resumes where it stopped.
package summarize

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"precis/storage"
)

// pageMarker is the line put before each page's text inside a chunk. The model is told what it
// means; the built-in summarizer and the citation check read it back.
func pageMarker(n int) string { return "--- page " + strconv.Itoa(n) + " ---" }

var pageMarkerRE = regexp.MustCompile(`(?m)^--- page (\d+) ---$`)

// unit is a piece of one page's text that is never split further unless it alone is too big.
type unit struct {
	page int
	text string
}

// Split cuts pages into chunks of at most maxChars characters (page markers included), breaking
// at paragraph, then sentence, then word boundaries. Each chunk knows its first and last page;
// pages without text are skipped. No text is dropped: the chunks together hold every word.
func Split(pages []storage.Page, maxChars int, charsPerToken float64) []storage.Chunk {
	if maxChars < 200 {
		maxChars = 200
	}
	var units []unit
	budget := maxChars - len(pageMarker(1_000_000)) - 2
	for _, p := range pages {
		for _, para := range paragraphs(p.Text) {
			for _, piece := range fit(para, budget) {
				units = append(units, unit{page: p.Number, text: piece})
			}
		}
	}
	var (
		chunks []storage.Chunk
		cur    strings.Builder
		first  = 0
		last   = 0
	)
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		text := cur.String()
		chunks = append(chunks, storage.Chunk{Seq: len(chunks), FirstPage: first, LastPage: last,
			Text: text, Tokens: EstimateTokens(text, charsPerToken)})
		cur.Reset()
	}
	for _, u := range units {
		add := len(u.text) + 2
		if u.page != last || cur.Len() == 0 {
			add += len(pageMarker(u.page)) + 1
		}
		if cur.Len() > 0 && cur.Len()+add > maxChars {
			flush()
		}
		if cur.Len() == 0 {
			first = u.page
			fmt.Fprintf(&cur, "%s\n%s", pageMarker(u.page), u.text)
		} else if u.page != last {
			fmt.Fprintf(&cur, "\n\n%s\n%s", pageMarker(u.page), u.text)
		} else {
			fmt.Fprintf(&cur, "\n\n%s", u.text)
		}
		last = u.page
	}
	flush()
	return chunks
}

// EstimateTokens is a conservative token count for text at the measured characters per token.
func EstimateTokens(text string, charsPerToken float64) int {
	if charsPerToken <= 0 {
		charsPerToken = 3
	}
	return int(math.Ceil(float64(len(text)) / charsPerToken))
}

// paragraphs splits page text at blank lines, trimming each paragraph and joining its lines.
func paragraphs(text string) []string {
	var out []string
	for _, block := range blankLine.Split(text, -1) {
		block = strings.TrimSpace(block)
		if block != "" {
			out = append(out, block)
		}
	}
	return out
}

var blankLine = regexp.MustCompile(`\n\s*\n`)

var sentenceEnd = regexp.MustCompile(`[.!?;:]["'”’)]*\s+`)

// fit returns text as pieces of at most max bytes: whole if it fits, else at sentence ends,
// else at spaces, else at rune boundaries.
func fit(text string, max int) []string {
	if len(text) <= max {
		return []string{text}
	}
	var pieces []string
	for _, s := range splitAfter(text, sentenceEnd) {
		if len(s) <= max {
			pieces = appendPacked(pieces, s, max)
			continue
		}
		for _, w := range strings.SplitAfter(s, " ") {
			for len(w) > max {
				cut := max
				for cut > 0 && !utf8.RuneStart(w[cut]) {
					cut--
				}
				pieces = append(pieces, w[:cut])
				w = w[cut:]
			}
			pieces = appendPacked(pieces, w, max)
		}
	}
	for i := range pieces {
		pieces[i] = strings.TrimSpace(pieces[i])
	}
	return pieces
}

// appendPacked adds s to the last piece while it fits, or starts a new piece.
func appendPacked(pieces []string, s string, max int) []string {
	if n := len(pieces); n > 0 && len(pieces[n-1])+len(s) <= max {
		pieces[n-1] += s
		return pieces
	}
	return append(pieces, s)
}

// splitAfter splits text after each match of re, keeping the separators.
func splitAfter(text string, re *regexp.Regexp) []string {
	var out []string
	start := 0
	for _, m := range re.FindAllStringIndex(text, -1) {
		out = append(out, text[start:m[1]])
		start = m[1]
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// chunkPages returns each page's text inside a chunk, keyed by page number, from its markers.
func chunkPages(c storage.Chunk) []unit {
	locs := pageMarkerRE.FindAllStringSubmatchIndex(c.Text, -1)
	var out []unit
	for i, l := range locs {
		n, _ := strconv.Atoi(c.Text[l[2]:l[3]])
		end := len(c.Text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out = append(out, unit{page: n, text: strings.TrimSpace(c.Text[l[1]:end])})
	}
	return out
}
