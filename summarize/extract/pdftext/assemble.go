package pdftext

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// writer turns sequences of lines into text.
type writer struct {
	b    *builder
	join bool // join words hyphenated at line ends
	out  []rune
	buf  []rune
}

// Paragraph detection: a gap between baselines wider than paraFactor times the usual
// line pitch and by at least paraExtra em starts a new paragraph.
const (
	paraFactor = 1.3
	paraExtra  = 0.25
)

// frame writes the sequences of one writing direction, separated by blank lines.
func (w *writer) frame(seqs [][]line) {
	pitch := linePitch(seqs)
	for _, seq := range seqs {
		var prev *line
		for k := range seq {
			ln := &seq[k]
			w.buf = w.lineRunes(*ln, w.buf[:0])
			if len(w.buf) == 0 {
				continue
			}
			switch {
			case len(w.out) == 0:
			case prev == nil:
				w.separate(2)
			case w.paragraphGap(prev, ln, pitch):
				w.separate(2)
			case w.join && w.hyphenJoin():
			default:
				w.separate(1)
			}
			w.out = append(w.out, w.buf...)
			prev = ln
		}
	}
}

// paragraphGap tells whether the space between two consecutive lines is clearly larger
// than the page's usual line pitch.
func (w *writer) paragraphGap(prev, ln *line, pitch float64) bool {
	d := prev.v - ln.v
	return pitch > 0 && d > pitch*paraFactor && d-pitch > paraExtra*ln.size
}

// separate ends the text so far with n newlines (not adding to those already there).
func (w *writer) separate(n int) {
	for len(w.out) > 0 && w.out[len(w.out)-1] == ' ' {
		w.out = w.out[:len(w.out)-1]
	}
	have := 0
	for i := len(w.out) - 1; i >= 0 && w.out[i] == '\n'; i-- {
		have++
	}
	for ; have < n; have++ {
		w.out = append(w.out, '\n')
	}
}

// hyphenJoin removes a hyphen ending the text so far when it follows a letter and the
// next line (in w.buf) starts with a lower-case letter, and reports whether it did.
func (w *writer) hyphenJoin() bool {
	o := w.out
	for len(o) > 0 && o[len(o)-1] == ' ' {
		o = o[:len(o)-1]
	}
	if len(o) < 2 || !isHyphen(o[len(o)-1]) || !unicode.IsLetter(o[len(o)-2]) {
		return false
	}
	if !unicode.IsLower(w.buf[0]) {
		return false
	}
	w.out = o[:len(o)-1]
	return true
}

func isHyphen(r rune) bool { return r == '-' || r == '\u00AD' || r == '\u2010' }

// linePitch returns the usual distance between consecutive baselines: the median of
// those between half and three times the line's size.
func linePitch(seqs [][]line) float64 {
	var ds []float64
	for _, seq := range seqs {
		for k := 1; k < len(seq); k++ {
			d := seq[k-1].v - seq[k].v
			if d > 0.5*seq[k].size && d < 3*seq[k].size {
				ds = append(ds, d)
			}
		}
	}
	return median(ds)
}

// lineRunes appends the text of a line to dst: glyphs in order along the line, a space
// where an explicit space or a gap wider than wordGap em separates them. Glyphs drawn
// twice on top of each other (fake bold) count once.
func (w *writer) lineRunes(ln line, dst []rune) []rune {
	gl, runes := w.b.glyphs, w.b.runes
	start := len(dst)
	prevEnd := math.Inf(-1)
	var prev *glyph
	space := math.NaN() // middle of an explicit space glyph since the last glyph
	for _, i := range ln.g {
		g := &gl[i]
		if g.space {
			// A space counts where it lies between glyphs, not drawn over one.
			if mid := (g.u0 + g.u1) / 2; mid > prevEnd-0.1*g.size {
				space = mid
			}
			continue
		}
		if g.r0 == g.r1 { // unmapped: takes room but has no text
			prevEnd = math.Max(prevEnd, g.u1)
			continue
		}
		text := runes[g.r0:g.r1]
		if prev != nil {
			if math.Abs(g.u0-prev.u0) < 0.1*g.size && slices.Equal(text, runes[prev.r0:prev.r1]) {
				continue
			}
			explicit := !math.IsNaN(space) && g.u0 > space-0.1*g.size
			if explicit || g.u0-prevEnd > wordGap*math.Max(g.size, prev.size) {
				if len(dst) > start && dst[len(dst)-1] != ' ' && !unicode.IsSpace(text[0]) {
					dst = append(dst, ' ')
				}
			}
		}
		dst = append(dst, text...)
		prev, space = g, math.NaN()
		prevEnd = math.Max(prevEnd, g.u1)
	}
	return bidiLine(dst, start)
}

// zeroWidth lists characters that take no room and carry no text.
func zeroWidth(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u200E', '\u200F':
		return true
	}
	return false
}

// normalize applies NFKC (ligatures become their letters), removes zero-width and control
// characters, folds runs of spaces and trims spaces at line ends.
func normalize(rs []rune) string {
	s := norm.NFKC.String(string(rs))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\n':
			space = false
			b.WriteByte('\n')
		case r == '\t' || unicode.IsSpace(r):
			space = true
		case zeroWidth(r) || unicode.IsControl(r) || r == unicode.ReplacementChar:
		default:
			if space && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}
