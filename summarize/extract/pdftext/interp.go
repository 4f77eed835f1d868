package pdftext

import (
	"github.com/ledongthuc/pdf"
)

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m×n: the transformation m followed by n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// apply transforms the point (x, y).
func (m matrix) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

// gstate is the part of the graphics state that text extraction needs; the text state
// parameters are part of it and are saved and restored by q and Q.
type gstate struct {
	ctm      matrix
	font     int32 // index into interp.fonts plus one; 0 is none. No pointers: q copies it.
	fontSize float64
	tc, tw   float64 // character and word spacing
	th       float64 // horizontal scaling, 1 = 100%
	tl       float64 // leading
	rise     float64
	mode     int  // text render mode
	white    bool // the fill colour is white (or nearly): text drawn with it is unseen
}

// maxSaveDepth bounds the q/Q stack; deeper saves are counted but not kept.
const maxSaveDepth = 1024

// interp interprets the content streams of one page.
type interp struct {
	e      *Extractor
	opts   Options
	page   pdf.Page
	gs     gstate
	stack  saveStack
	tm     matrix
	tlm    matrix
	box    [4]float64 // the visible page area (crop box) in user space: x0 y0 x1 y1
	forms  []string   // forms being drawn, innermost last
	fonts  []*font    // fonts selected on this page, for gstate.font
	ops    int
	halted bool
	b      builder
}

func newInterp(e *Extractor, p pdf.Page) *interp {
	in := &interp{e: e, opts: e.opts, page: p}
	in.gs = gstate{ctm: identity, th: 1}
	in.tm, in.tlm = identity, identity
	in.box = [4]float64{-1e9, -1e9, 1e9, 1e9}
	in.b.init()
	return in
}

// runPage runs the page's content streams, which count as one stream, with the page's
// resources.
func (in *interp) runPage() {
	contents := in.page.V.Key("Contents")
	var data []byte
	add := func(s pdf.Value) {
		d, err := readStream(s, in.opts.MaxStreamBytes-len(data))
		if err != nil {
			in.b.warn("content stream damaged or too large; text may be missing")
		}
		data = append(data, d...)
		data = append(data, '\n')
	}
	switch contents.Kind() {
	case pdf.Stream:
		add(contents)
	case pdf.Array:
		for i := 0; i < contents.Len() && len(data) < in.opts.MaxStreamBytes; i++ {
			if s := contents.Index(i); s.Kind() == pdf.Stream {
				add(s)
			}
		}
	}
	a := in.attrs()
	in.box = pageBox(a)
	in.run(data, newResources(a.resources))
}

// run interprets one content stream.
func (in *interp) run(data []byte, res *resources) {
	l := &lexer{data: data}
	var args []operand
	for !in.halted {
		l.skipSpace()
		if l.pos >= len(l.data) {
			return
		}
		var op []byte
		if c := l.data[l.pos]; isOpStart(c) { // the common case, kept cheap
			op = l.word()
			switch string(op) {
			case "true", "false", "null":
				args = pushArg(args, operand{kind: kOther, b: op})
				continue
			}
		} else {
			t := l.next()
			if t.kind != kOp {
				args = pushArg(args, t)
				continue
			}
			op = t.b
		}
		if len(op) == 0 {
			l.pos++
			continue
		}
		if in.ops++; in.ops > in.opts.MaxOps {
			in.b.warn("operator limit reached")
			in.halted = true
			return
		}
		if string(op) == "BI" {
			l.skipInlineImage()
		} else {
			in.do(op, args, res)
		}
		args = args[:0]
	}
}

// isOpStart tells whether c can start an operator: a letter or one of ' " *.
func isOpStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '\'' || c == '"' || c == '*'
}

// pushArg adds an operand, keeping at most 64: no operator takes more.
func pushArg(args []operand, t operand) []operand {
	if len(args) < 64 {
		return append(args, t)
	}
	return args
}

// num returns operand i as a number, 0 when it is missing or not a number.
func num(args []operand, i int) float64 {
	if i < 0 || i >= len(args) || args[i].kind != kNum {
		return 0
	}
	return args[i].num
}

// last returns the last n operands, padded at the front when fewer were given.
func last(args []operand, n int) []operand {
	if len(args) >= n {
		return args[len(args)-n:]
	}
	pad := make([]operand, n-len(args), n)
	return append(pad, args...)
}

// font returns the current font, or nil.
func (in *interp) font() *font {
	if in.gs.font <= 0 || int(in.gs.font) > len(in.fonts) {
		return nil
	}
	return in.fonts[in.gs.font-1]
}

// fontIndex returns the gstate.font value of f.
func (in *interp) fontIndex(f *font) int32 {
	for i, x := range in.fonts {
		if x == f {
			return int32(i + 1)
		}
	}
	in.fonts = append(in.fonts, f)
	return int32(len(in.fonts))
}

// do runs one operator.
func (in *interp) do(op []byte, args []operand, res *resources) {
	if len(op) == 1 && (op[0] == 'q' || op[0] == 'Q') {
		in.saveRestore(op[0] == 'q')
		return
	}
	gs := &in.gs
	switch string(op) {
	case "cm", "Tf", "Tc", "Tw", "Tz", "TL", "Ts", "Tr", "TD", "\"", "g", "rg", "k", "sc", "scn", "cs":
		gs = in.mut()
	}
	switch string(op) {
	case "cm":
		a := last(args, 6)
		gs.ctm = matrix{num(a, 0), num(a, 1), num(a, 2), num(a, 3), num(a, 4), num(a, 5)}.mul(gs.ctm)
	case "g", "rg", "k", "sc", "scn":
		gs.white = isWhiteFill(args)
	case "cs":
		gs.white = false // a new colour space starts black
	case "Do":
		if a := last(args, 1); a[0].kind == kName {
			in.doXObject(string(a[0].b), res)
		}
	default:
		in.textOp(op, args, res, gs)
	}
}

// textOp runs a text operator; gs is the graphics state, made ready for change.
func (in *interp) textOp(op []byte, args []operand, res *resources, gs *gstate) {
	switch string(op) {
	case "BT":
		in.tm, in.tlm = identity, identity
	case "Tf":
		a := last(args, 2)
		gs.fontSize = num(a, 1)
		if a[0].kind == kName {
			gs.font = in.fontIndex(res.font(in, string(a[0].b)))
		}
	case "Tc":
		gs.tc = num(last(args, 1), 0)
	case "Tw":
		gs.tw = num(last(args, 1), 0)
	case "Tz":
		gs.th = num(last(args, 1), 0) / 100
	case "TL":
		gs.tl = num(last(args, 1), 0)
	case "Ts":
		gs.rise = num(last(args, 1), 0)
	case "Tr":
		gs.mode = int(num(last(args, 1), 0))
	case "Td":
		a := last(args, 2)
		in.moveLine(num(a, 0), num(a, 1))
	case "TD":
		a := last(args, 2)
		gs.tl = -num(a, 1)
		in.moveLine(num(a, 0), num(a, 1))
	case "Tm":
		a := last(args, 6)
		in.tm = matrix{num(a, 0), num(a, 1), num(a, 2), num(a, 3), num(a, 4), num(a, 5)}
		in.tlm = in.tm
	case "T*":
		in.moveLine(0, -gs.tl)
	case "Tj":
		in.show(last(args, 1)[0].b)
	case "'":
		in.moveLine(0, -gs.tl)
		in.show(last(args, 1)[0].b)
	case "\"":
		a := last(args, 3)
		gs.tw, gs.tc = num(a, 0), num(a, 1)
		in.moveLine(0, -gs.tl)
		in.show(a[2].b)
	case "TJ":
		for _, el := range last(args, 1)[0].arr {
			if in.halted {
				return
			}
			if el.kind == kNum {
				in.adjust(el.num)
			} else if el.kind == kStr {
				in.show(el.b)
			}
		}
	}
}

// isWhiteFill tells whether colour operands (1 gray, 3 RGB or 4 CMYK components) are
// white or nearly so.
func isWhiteFill(args []operand) bool {
	var c []float64
	for _, a := range args {
		if a.kind == kNum {
			c = append(c, a.num)
		}
	}
	switch len(c) {
	case 1:
		return c[0] >= 0.95
	case 3:
		return c[0] >= 0.95 && c[1] >= 0.95 && c[2] >= 0.95
	case 4:
		return c[0] <= 0.05 && c[1] <= 0.05 && c[2] <= 0.05 && c[3] <= 0.05
	}
	return false
}

// moveLine starts a new line offset from the start of the current one (Td).
func (in *interp) moveLine(tx, ty float64) {
	in.tlm = matrix{1, 0, 0, 1, tx, ty}.mul(in.tlm)
	in.tm = in.tlm
}

// adjust applies a TJ number: a move against the writing direction in 1/1000 em.
func (in *interp) adjust(n float64) {
	gs := &in.gs
	if f := in.font(); f != nil && f.vertical {
		in.tm = matrix{1, 0, 0, 1, 0, -n / 1000 * gs.fontSize}.mul(in.tm)
		return
	}
	in.tm = matrix{1, 0, 0, 1, -n / 1000 * gs.fontSize * gs.th, 0}.mul(in.tm)
}
