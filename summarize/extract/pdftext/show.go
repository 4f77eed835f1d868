package pdftext

import (
	"math"

	"github.com/ledongthuc/pdf"
)

// resources resolves the named fonts and XObjects of a page or form, remembering what it
// has looked up.
type resources struct {
	fontDict pdf.Value
	fontKey  string // fontDict as printed, to share fonts by name between pages
	xobjDict pdf.Value
	fonts    map[string]*font
}

func newResources(v pdf.Value) *resources {
	return &resources{fontDict: v.Key("Font"), xobjDict: v.Key("XObject"), fonts: map[string]*font{}}
}

// fallbackFont stands in for a missing or broken font: Standard encoding, Helvetica widths.
var fallbackFont = func() *font {
	f := &font{sizeScale: 1}
	f.loadWidths(pdf.Value{}, 0.001)
	base, _ := baseEncoding("StandardEncoding")
	for c := range f.text {
		if base[c] != 0 {
			f.text[c] = string(base[c])
		}
	}
	return f
}()

// font returns the font of a resource name.
func (r *resources) font(in *interp, name string) *font {
	if f, ok := r.fonts[name]; ok {
		return f
	}
	// Pages that share a font dictionary (most do) find the font by name without
	// resolving its dictionary again; its warnings show when one of its codes has no text.
	if r.fontKey == "" {
		r.fontKey = r.fontDict.String()
	}
	key := fontKey{reader: readerID(r.fontDict), dict: r.fontKey + "\x00" + name}
	load := func() *font {
		if v := r.fontDict.Key(name); v.Kind() == pdf.Dict {
			return in.e.cachedFont(v)
		}
		return nil
	}
	var f *font
	if key.reader != 0 && r.fontDict.Kind() == pdf.Dict {
		f = in.e.fontFor(key, load)
	} else {
		f = load()
	}
	if f == nil {
		in.b.warn("missing font resource")
		f = fallbackFont
	}
	r.fonts[name] = f
	return f
}

// show places the glyphs of a string (Tj) and advances the text matrix.
func (in *interp) show(s []byte) {
	gs := &in.gs
	f := in.font()
	if f == nil {
		f = fallbackFont
		gs = in.mut()
		gs.font = in.fontIndex(f)
		in.b.warn("text shown without a font")
	}
	m := in.tm.mul(gs.ctm)
	size := gs.fontSize
	// Unseen text: invisible render modes, white fill (modes that fill), and, per glyph
	// below, text too small to read or outside the page.
	hidden := gs.mode == 3 || gs.mode == 7 || gs.white && (gs.mode == 0 || gs.mode == 4)
	// The direction of writing in user space, and the glyphs' em size there.
	dx, dy := m[0]*size*gs.th, m[1]*size*gs.th
	em := math.Hypot(m[2], m[3]) * math.Abs(size) * f.sizeScale
	if f.vertical {
		dx, dy = -m[2]*size, -m[3]*size
		em = math.Hypot(m[0], m[1]) * math.Abs(size) * f.sizeScale
	}
	fr := in.b.frameFor(dx, dy)
	var pos float64 // offset along the writing direction in text space
	for len(s) > 0 && !in.halted {
		code, n := f.nextCode(s)
		s = s[n:]
		w := f.advance(code, n)
		var x0, y0, x1, y1 float64
		if f.vertical {
			// Vertical writing advances downwards by the vertical width (w1 = -vAdvance).
			x0, y0 = m.apply(0, pos)
			x1, y1 = m.apply(0, pos-f.vAdvance*size)
			pos += -f.vAdvance*size + gs.tc
			if f.isWordSpace(code, n) {
				pos += gs.tw
			}
		} else {
			x0, y0 = m.apply(pos, 0)
			x1, y1 = m.apply(pos+w*size*gs.th, 0)
			adv := w*size + gs.tc
			if f.isWordSpace(code, n) {
				adv += gs.tw
			}
			pos += adv * gs.th
		}
		off := x0 < in.box[0]-1 || x0 > in.box[2]+1 || y0 < in.box[1]-1 || y0 > in.box[3]+1
		in.b.place(f, code, n, fr, x0, y0, x1, y1, em, hidden || off)
		if in.b.full(in.opts.MaxGlyphs) {
			in.b.warn("glyph limit reached")
			in.halted = true
		}
	}
	if f.vertical {
		in.tm = matrix{1, 0, 0, 1, 0, pos}.mul(in.tm)
	} else {
		in.tm = matrix{1, 0, 0, 1, pos, 0}.mul(in.tm)
	}
}

// doXObject draws a Form XObject with its own resources and matrix. Images are ignored;
// forms that draw themselves and forms nested too deep are skipped with a warning.
func (in *interp) doXObject(name string, res *resources) {
	xo := res.xobjDict.Key(name)
	if xo.Kind() != pdf.Stream || xo.Key("Subtype").Name() != "Form" {
		return
	}
	if len(in.forms) >= in.opts.MaxFormDepth {
		in.b.warn("form XObjects nested too deep")
		return
	}
	key := xo.String()
	for _, k := range in.forms {
		if k == key {
			in.b.warn("form XObject draws itself")
			return
		}
	}
	data, err := readStream(xo, in.opts.MaxStreamBytes)
	if err != nil {
		in.b.warn("form XObject damaged or too large; text may be missing")
	}
	formRes := res
	if r := xo.Key("Resources"); r.Kind() == pdf.Dict {
		formRes = newResources(r)
	}
	// The form runs on a save stack of its own, so that unbalanced Q operators in it
	// cannot restore states saved outside it.
	saved, stack, tm, tlm := in.gs, in.stack, in.tm, in.tlm
	in.stack = saveStack{}
	if mv := xo.Key("Matrix"); mv.Len() == 6 {
		var fm matrix
		for i := range fm {
			fm[i] = mv.Index(i).Float64()
		}
		in.gs.ctm = fm.mul(in.gs.ctm)
	}
	in.forms = append(in.forms, key)
	in.run(data, formRes)
	in.forms = in.forms[:len(in.forms)-1]
	in.gs, in.stack, in.tm, in.tlm = saved, stack, tm, tlm
}
