package pdftext

import (
	"math"
	"sync"
	"unicode"
)

// glyph is one placed glyph. Positions are in the frame of its writing direction: u runs
// along the direction of writing, v across it (up for horizontal text), in user space
// units. v is the baseline, without text rise, so raised glyphs stay on their line.
type glyph struct {
	u0, u1 float64 // start and end along the writing direction, u0 <= u1
	v      float64 // baseline
	size   float64 // em size in user space
	r0, r1 int32   // text: runes[r0:r1] of the builder
	frame  int16   // index into builder.frames
	hidden bool    // drawn invisibly (render mode 3 or 7, or too small to see)
	space  bool    // the text is white space only
}

// minVisibleSize is the smallest em size (user space units, 1/72 inch) of text a reader
// can see; smaller text counts as hidden.
const minVisibleSize = 1.5

// frame is a writing direction, in whole degrees counterclockwise from the x axis.
type frame struct {
	deg      int
	cos, sin float64
}

// builder collects the glyphs and warnings of one page.
type builder struct {
	glyphs   []glyph
	runes    []rune
	frames   []frame
	warnings []string
	seen     map[string]bool
	unmapped int
}

// bufPool keeps the glyph and text buffers of finished pages for the next ones.
var bufPool sync.Pool

type pageBufs struct {
	glyphs []glyph
	runes  []rune
}

func (b *builder) init() {
	b.seen = map[string]bool{}
	b.frames = []frame{{deg: 0, cos: 1, sin: 0}}
	if pb, ok := bufPool.Get().(*pageBufs); ok {
		b.glyphs, b.runes = pb.glyphs[:0], pb.runes[:0]
	} else {
		b.glyphs, b.runes = make([]glyph, 0, 4096), make([]rune, 0, 8192)
	}
}

// release hands the buffers back for reuse; the builder must not be used after.
func (b *builder) release() {
	if cap(b.glyphs) <= 1<<20 {
		bufPool.Put(&pageBufs{glyphs: b.glyphs[:0], runes: b.runes[:0]})
	}
	b.glyphs, b.runes = nil, nil
}

// warn records a warning once per page.
func (b *builder) warn(s string) {
	if !b.seen[s] {
		b.seen[s] = true
		b.warnings = append(b.warnings, s)
	}
}

// frameFor returns the frame of the writing direction (dx, dy), adding it if new.
func (b *builder) frameFor(dx, dy float64) int16 {
	deg := 0
	if dx != 0 || dy != 0 {
		deg = int(math.Round(math.Atan2(dy, dx) * 180 / math.Pi))
		deg = ((deg % 360) + 360) % 360
	}
	for i, f := range b.frames {
		if f.deg == deg {
			return int16(i)
		}
	}
	if len(b.frames) >= 360 {
		return 0
	}
	rad := float64(deg) * math.Pi / 180
	b.frames = append(b.frames, frame{deg: deg, cos: math.Cos(rad), sin: math.Sin(rad)})
	return int16(len(b.frames) - 1)
}

// full tells whether the page holds the most glyphs allowed.
func (b *builder) full(max int) bool { return len(b.glyphs) >= max }

// place adds one glyph drawn from (x0, y0) to (x1, y1) in user space.
func (b *builder) place(f *font, code uint32, n int, fr int16, x0, y0, x1, y1, em float64, hidden bool) {
	if !finite(x0) || !finite(y0) || !finite(x1) || !finite(y1) || !finite(em) {
		return
	}
	r0 := len(b.runes)
	var ok bool
	b.runes, ok = f.appendText(code, n, b.runes)
	if !ok {
		b.unmapped++
		for _, w := range f.warnings {
			b.warn(w)
		}
	}
	fm := b.frames[fr]
	u0 := x0*fm.cos + y0*fm.sin
	u1 := x1*fm.cos + y1*fm.sin
	if u1 < u0 {
		u0, u1 = u1, u0
	}
	g := glyph{
		u0: u0, u1: u1, v: -x0*fm.sin + y0*fm.cos, size: em,
		r0: int32(r0), r1: int32(len(b.runes)), frame: fr,
		hidden: hidden || em < minVisibleSize,
	}
	g.space = g.r1 > g.r0
	for _, r := range b.runes[r0:] {
		if !unicode.IsSpace(r) {
			g.space = false
			break
		}
	}
	b.glyphs = append(b.glyphs, g)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) && math.Abs(x) < 1e9 }

// finish lays out the glyphs into the page's text.
func (in *interp) finish() Page {
	b := &in.b
	var vis, hid []int32
	for i := range b.glyphs {
		if b.glyphs[i].hidden {
			hid = append(hid, int32(i))
		} else {
			vis = append(vis, int32(i))
		}
	}
	p := Page{Glyphs: len(b.glyphs), Unmapped: b.unmapped}
	p.Text = in.layout(vis)
	p.Hidden = in.layout(hid)
	if p.Hidden != "" {
		if p.Text == "" {
			b.warn("hidden text found: only invisible text on this page (an OCR layer over a scan?)")
		} else {
			b.warn("hidden text found")
		}
	}
	p.Warnings = b.warnings
	b.release()
	return p
}
