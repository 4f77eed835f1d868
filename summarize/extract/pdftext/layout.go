package pdftext

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// Layout parameters, in em of the glyphs concerned.
const (
	lineTolerance = 0.4  // baselines closer than this are one line (superscripts join theirs)
	wordGap       = 0.15 // a gap wider than this between glyphs is a space
	gutterGap     = 0.8  // the least width of a column gutter
	minColumn     = 0.15 // the least width of a column, as a fraction of its block
	maxLayoutRows = 4000 // pages with more lines skip column detection
)

// line is a run of glyphs on one baseline, sorted along the writing direction.
type line struct {
	g      []int32
	v      float64 // baseline of its largest glyph
	size   float64 // size of its largest glyph
	u0, u1 float64 // extent of its glyphs
}

// layout builds reading-order text from the glyphs idx: per writing direction (the most
// used first), lines by baseline, blocks and columns, then words and paragraphs.
func (in *interp) layout(idx []int32) string {
	if len(idx) == 0 {
		return ""
	}
	gl := in.b.glyphs
	groups := map[int16][]int32{}
	var frames []int16
	for _, i := range idx {
		f := gl[i].frame
		if _, ok := groups[f]; !ok {
			frames = append(frames, f)
		}
		groups[f] = append(groups[f], i)
	}
	sort.SliceStable(frames, func(a, b int) bool { return len(groups[frames[a]]) > len(groups[frames[b]]) })
	w := &writer{b: &in.b, join: !in.opts.DisableHyphenJoin}
	for _, f := range frames {
		lines := buildLines(gl, groups[f])
		var seqs [][]line
		if in.opts.DisableColumns || len(lines) > maxLayoutRows {
			seqs = [][]line{lines}
		} else {
			seqs = columns(gl, lines)
		}
		w.frame(seqs)
	}
	return normalize(w.out)
}

// buildLines groups glyphs into lines by baseline, top to bottom, each sorted by u.
func buildLines(gl []glyph, idx []int32) []line {
	order := slices.Clone(idx)
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(gl[b].v, gl[a].v); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var lines []line
	start := 0
	for k, i := range order {
		g := &gl[i]
		if n := len(lines); n > 0 {
			cur := &lines[n-1]
			if math.Abs(g.v-cur.v) <= lineTolerance*math.Max(cur.size, g.size) {
				cur.g = order[start : k+1] // lines are runs of order: no copies
				if g.size > cur.size && !g.space {
					cur.v, cur.size = g.v, g.size
				}
				continue
			}
		}
		start = k
		lines = append(lines, line{g: order[k : k+1], v: g.v, size: g.size})
	}
	for k := range lines {
		ln := &lines[k]
		slices.SortFunc(ln.g, func(a, b int32) int {
			if c := cmp.Compare(gl[a].u0, gl[b].u0); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		ln.u0, ln.u1 = math.Inf(1), math.Inf(-1)
		for _, i := range ln.g {
			ln.u0 = min(ln.u0, gl[i].u0)
			ln.u1 = max(ln.u1, gl[i].u1)
		}
	}
	return lines
}

// interval is a stretch [lo, hi] along the writing direction.
type interval struct{ lo, hi float64 }

// gaps returns the empty stretches of a line within [lo, hi] at least minW wide.
func gaps(gl []glyph, ln line, lo, hi, minW float64) []interval {
	var out []interval
	prev := lo
	for _, i := range ln.g {
		g := &gl[i]
		if g.space {
			continue
		}
		if g.u0-prev >= minW {
			out = append(out, interval{prev, g.u0})
		}
		prev = math.Max(prev, g.u1)
	}
	if hi-prev >= minW {
		out = append(out, interval{prev, hi})
	}
	return out
}

// intersect returns the parts common to a and b at least minW wide.
func intersect(a, b []interval, minW float64) []interval {
	var out []interval
	for _, x := range a {
		for _, y := range b {
			lo, hi := math.Max(x.lo, y.lo), math.Min(x.hi, y.hi)
			if hi-lo >= minW {
				out = append(out, interval{lo, hi})
			}
		}
	}
	return out
}
