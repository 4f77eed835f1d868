package classify

import "strings"

// watchlist matches entries in the folded letters and digits of a page (see foldRunes).
// An entry matches where its folded form starts at the start of a word and ends at the end
// of a word; spaces, punctuation, line breaks and hyphenation between its words do not
// matter ("Acme Holdings" matches "ACME\nHOLD-\nINGS", "acme-holdings" and "Acme
// Holdings's"), but it never matches inside a word ("Acme" does not match "Acmeco").
type watchlist struct {
	nodes []watchNode  // a trie over folded runes; nodes[0] is the root
	buf   []foldedRune // scratch for find: a watchlist serves one Scan at a time
}

// foldedRune is a folded letter or digit of a page and where its word starts and ends.
type foldedRune struct {
	r          rune
	start, end bool
}

type watchNode struct {
	next  map[rune]int32
	entry string // the entry as the admin wrote it (spaces collapsed), "" if none ends here
}

// newWatchlist builds the matcher for the entries ValidateWatchlist accepts on their own
// (empty, too short and too long entries are skipped; a repeated entry keeps its first
// spelling). It returns nil when no entry is left.
func newWatchlist(entries []string) *watchlist {
	w := &watchlist{nodes: []watchNode{{}}}
	added := 0
	for _, e := range entries {
		e = strings.Join(strings.Fields(e), " ")
		key := watchKey(e)
		if len(key) < 2 || len([]rune(e)) > MaxWatchlistEntryLen {
			continue
		}
		n := int32(0)
		for _, r := range key {
			nx, ok := w.nodes[n].next[r]
			if !ok {
				if w.nodes[n].next == nil {
					w.nodes[n].next = map[rune]int32{}
				}
				nx = int32(len(w.nodes))
				w.nodes[n].next[r] = nx
				w.nodes = append(w.nodes, watchNode{})
			}
			n = nx
		}
		if w.nodes[n].entry == "" {
			w.nodes[n].entry = e
			added++
		}
	}
	if added == 0 {
		return nil
	}
	return w
}

// find reports each entry found on the page, once per occurrence.
func (w *watchlist) find(p *pageText, emit emitter) {
	text := w.buf[:0]
	foldRunes(p.s, func(_ int, r rune, wordStart bool) {
		if r < 0 {
			if k := len(text); k > 0 {
				text[k-1].end = true
			}
			return
		}
		text = append(text, foldedRune{r: r, start: wordStart})
	})
	w.buf = text
	for k := range text {
		if !text[k].start {
			continue
		}
		n := int32(0)
		for j := k; j < len(text); j++ {
			nx, ok := w.nodes[n].next[text[j].r]
			if !ok {
				break
			}
			n = nx
			if text[j].end && w.nodes[n].entry != "" {
				emit(w.nodes[n].entry, -1, -1)
			}
		}
	}
}
