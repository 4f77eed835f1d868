package pdftext

import (
	"math"
	"slices"
)

// maxBlockRows bounds how far a column block is grown from one line, which keeps column
// detection linear in practice on hostile pages with many lines.
const maxBlockRows = 400

// columns splits lines (top to bottom) into sequences read one after the other. Runs of
// at least three lines that share a vertical band of white space with text on both sides
// (a gutter) become one sequence per column, left to right; other lines stay in order.
func columns(gl []glyph, lines []line) [][]line {
	n := len(lines)
	if n == 0 {
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	sizes := make([]float64, 0, n)
	for _, ln := range lines {
		lo, hi = math.Min(lo, ln.u0), math.Max(hi, ln.u1)
		sizes = append(sizes, ln.size)
	}
	minW := gutterGap * median(sizes)
	empty := make([][]interval, n)
	for k, ln := range lines {
		empty[k] = gaps(gl, ln, lo, hi, gutterGap*ln.size)
	}
	var seqs [][]line
	var plain []line
	flush := func() {
		if len(plain) > 0 {
			seqs = append(seqs, plain)
			plain = nil
		}
	}
	for i := 0; i < n; {
		cand, j := empty[i], i+1
		blo, bhi := lines[i].u0, lines[i].u1
		for j < n && j-i < maxBlockRows {
			next := intersect(cand, empty[j], minW)
			lo, hi := math.Min(blo, lines[j].u0), math.Max(bhi, lines[j].u1)
			if !hasInterior(next, lo, hi) {
				break
			}
			cand, j, blo, bhi = next, j+1, lo, hi
		}
		if j-i >= 3 {
			if cols := splitColumns(gl, lines[i:j], cand); cols != nil {
				flush()
				seqs = append(seqs, cols...)
				i = j
				continue
			}
		}
		plain = append(plain, lines[i])
		i++
	}
	flush()
	return seqs
}

// hasInterior tells whether one of the intervals lies strictly inside (lo, hi): a band
// with text on both sides rather than a margin.
func hasInterior(ivs []interval, lo, hi float64) bool {
	for _, iv := range ivs {
		if iv.lo > lo && iv.hi < hi {
			return true
		}
	}
	return false
}

// splitColumns splits a block of lines at the gutters among cand that have text on each
// side in at least two lines and leave no column narrower than minColumn of the block.
// It returns nil when no such gutter remains.
func splitColumns(gl []glyph, block []line, cand []interval) [][]line {
	blo, bhi := math.Inf(1), math.Inf(-1)
	for _, ln := range block {
		blo, bhi = math.Min(blo, ln.u0), math.Max(bhi, ln.u1)
	}
	var cuts []float64
	for _, c := range cand {
		left, right := 0, 0
		for _, ln := range block {
			if ln.u0 < c.lo {
				left++
			}
			if ln.u1 > c.hi {
				right++
			}
		}
		if left >= 2 && right >= 2 {
			cuts = append(cuts, (c.lo+c.hi)/2)
		}
	}
	slices.Sort(cuts)
	for len(cuts) > 0 {
		narrow := narrowColumn(gl, block, cuts, (bhi-blo)*minColumn)
		if narrow < 0 {
			break
		}
		// Drop the cut on the narrow column's side that leaves the wider neighbour.
		if narrow == len(cuts) {
			narrow--
		}
		cuts = slices.Delete(cuts, narrow, narrow+1)
	}
	if len(cuts) == 0 {
		return nil
	}
	cols := make([][]line, len(cuts)+1)
	for _, ln := range block {
		parts := make([]line, len(cuts)+1)
		for _, i := range ln.g {
			g := &gl[i]
			c, _ := slices.BinarySearch(cuts, (g.u0+g.u1)/2)
			p := &parts[c]
			if len(p.g) == 0 {
				p.v, p.size, p.u0, p.u1 = ln.v, ln.size, g.u0, g.u1
			}
			p.g = append(p.g, i)
			p.u0, p.u1 = math.Min(p.u0, g.u0), math.Max(p.u1, g.u1)
		}
		for c, p := range parts {
			if len(p.g) > 0 {
				cols[c] = append(cols[c], p)
			}
		}
	}
	return cols
}

// narrowColumn returns the index of the first column (between cuts) whose text is
// narrower than minW, or -1.
func narrowColumn(gl []glyph, block []line, cuts []float64, minW float64) int {
	for c := 0; c <= len(cuts); c++ {
		left, right := math.Inf(-1), math.Inf(1)
		if c > 0 {
			left = cuts[c-1]
		}
		if c < len(cuts) {
			right = cuts[c]
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, ln := range block {
			for _, i := range ln.g {
				g := &gl[i]
				if m := (g.u0 + g.u1) / 2; m > left && m < right && !g.space {
					lo, hi = math.Min(lo, g.u0), math.Max(hi, g.u1)
				}
			}
		}
		if hi-lo < minW {
			return c
		}
	}
	return -1
}

// median returns the median of xs (which it sorts), or 0.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}
