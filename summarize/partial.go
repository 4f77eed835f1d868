package summarize

import (
	"strings"

	"precis/storage"
)

// size is how many characters a partial takes when written out for a reduce prompt.
func (p Partial) size() int {
	n := 0
	for _, pt := range p.Points {
		n += len(pt.Topic) + len(pt.Text) + 16 + 4*len(pt.Pages)
	}
	return n
}

func totalSize(parts []Partial) int {
	n := 0
	for _, p := range parts {
		n += p.size()
	}
	return n
}

// group packs consecutive partials into groups whose total size fits budget, keeping document
// order. A partial larger than the budget on its own is first split into halves by points.
func group(parts []Partial, budget int) [][]Partial {
	var fitted []Partial
	for _, p := range parts {
		fitted = append(fitted, halve(p, budget)...)
	}
	var (
		groups [][]Partial
		cur    []Partial
		size   int
	)
	for _, p := range fitted {
		if len(cur) > 0 && size+p.size() > budget {
			groups = append(groups, cur)
			cur, size = nil, 0
		}
		cur = append(cur, p)
		size += p.size()
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// halve splits p by points until every piece fits budget (a single point always stands alone).
func halve(p Partial, budget int) []Partial {
	if p.size() <= budget || len(p.Points) < 2 {
		return []Partial{p}
	}
	mid := len(p.Points) / 2
	a := Partial{Points: p.Points[:mid], Dropped: p.Dropped}
	b := Partial{Points: p.Points[mid:]}
	return append(halve(a, budget), halve(b, budget)...)
}

// sections groups points by topic, in the order topics first appear.
func sections(points []Point) []storage.Section {
	var out []storage.Section
	index := map[string]int{}
	for _, pt := range points {
		title := pt.Topic
		if title == "" {
			title = "Key points"
		}
		key := strings.ToLower(title)
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, storage.Section{Title: title})
		}
		out[i].Points = append(out[i].Points, storage.Point{Text: pt.Text, Pages: pt.Pages})
	}
	return out
}
