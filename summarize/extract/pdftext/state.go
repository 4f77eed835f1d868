package pdftext

import (
	"strings"

	"github.com/ledongthuc/pdf"
)

// saveStack is the q/Q stack. Saving is lazy: q only counts, and the state is copied
// when it is about to change (mut), since producers emit long runs of "q Q".
type saveStack struct {
	saved   []savedState
	pending int // q operators since the last change, not yet copied
	depth   int // saves in effect, pending ones included
	lost    int // q operators beyond maxSaveDepth not yet matched by Q
}

// savedState is a saved graphics state, saved n times in a row.
type savedState struct {
	gs gstate
	n  int
}

// saveRestore runs q (save) or Q (restore).
func (in *interp) saveRestore(save bool) {
	st := &in.stack
	switch {
	case save && st.depth >= maxSaveDepth:
		st.lost++
	case save:
		st.pending++
		st.depth++
	case st.lost > 0:
		st.lost--
	case st.pending > 0:
		st.pending--
		st.depth--
	case len(st.saved) > 0:
		top := &st.saved[len(st.saved)-1]
		in.gs = top.gs
		if top.n--; top.n == 0 {
			st.saved = st.saved[:len(st.saved)-1]
		}
		st.depth--
	}
}

// mut returns the graphics state for changing it, first saving it for pending q's.
func (in *interp) mut() *gstate {
	if st := &in.stack; st.pending > 0 {
		st.saved = append(st.saved, savedState{gs: in.gs, n: st.pending})
		st.pending = 0
	}
	return &in.gs
}

// pageAttrs are the attributes a page may inherit from its ancestors in the page tree.
type pageAttrs struct {
	resources, cropBox, mediaBox pdf.Value
}

// maxParentCache bounds the inherited attributes an Extractor keeps.
const maxParentCache = 1024

// attrs returns the page's resources and boxes, its own or inherited. What is inherited is
// kept per parent node: ledongthuc/pdf parses a parent again on every lookup, and the
// parent of many pages lists them all, which made the cost of a page grow with the
// document.
func (in *interp) attrs() pageAttrs {
	v := in.page.V
	a := pageAttrs{resources: v.Key("Resources"), cropBox: v.Key("CropBox"), mediaBox: v.Key("MediaBox")}
	if !a.resources.IsNull() && (!a.cropBox.IsNull() || !a.mediaBox.IsNull()) {
		return a
	}
	key := parentRef(v.String())
	e := in.e
	e.mu.Lock()
	up, ok := e.parents[parentKey{readerID(v), key}]
	e.mu.Unlock()
	if !ok || key == "" {
		up = pageAttrs{}
		p := v.Key("Parent")
		for i := 0; i < 32 && p.Kind() == pdf.Dict; i++ {
			fill(&up.resources, p.Key("Resources"))
			fill(&up.cropBox, p.Key("CropBox"))
			fill(&up.mediaBox, p.Key("MediaBox"))
			p = p.Key("Parent")
		}
		if key != "" {
			e.mu.Lock()
			if len(e.parents) >= maxParentCache {
				clear(e.parents)
			}
			e.parents[parentKey{readerID(v), key}] = up
			e.mu.Unlock()
		}
	}
	fill(&a.resources, up.resources)
	if a.cropBox.IsNull() && a.mediaBox.IsNull() {
		a.cropBox, a.mediaBox = up.cropBox, up.mediaBox
	}
	return a
}

type parentKey struct {
	reader uintptr
	ref    string
}

// fill sets *dst to v when *dst is still null.
func fill(dst *pdf.Value, v pdf.Value) {
	if dst.IsNull() {
		*dst = v
	}
}

// parentRef finds the reference "n g R" of /Parent in a printed page dictionary.
func parentRef(dict string) string {
	i := strings.Index(dict, "/Parent ")
	if i < 0 {
		return ""
	}
	rest := dict[i+len("/Parent "):]
	j := strings.IndexByte(rest, 'R')
	if j < 0 || j > 24 {
		return ""
	}
	return rest[:j+1]
}

// pageBox returns the crop box (or media box) of a page, normalised; a missing or
// degenerate box counts as unbounded.
func pageBox(a pageAttrs) [4]float64 {
	unbounded := [4]float64{-1e9, -1e9, 1e9, 1e9}
	b := a.cropBox
	if b.Len() != 4 {
		b = a.mediaBox
	}
	if b.Len() != 4 {
		return unbounded
	}
	x0, y0, x1, y1 := b.Index(0).Float64(), b.Index(1).Float64(), b.Index(2).Float64(), b.Index(3).Float64()
	if x1 < x0 {
		x0, x1 = x1, x0
	}
	if y1 < y0 {
		y0, y1 = y1, y0
	}
	if x1-x0 < 1 || y1-y0 < 1 {
		return unbounded
	}
	return [4]float64{x0, y0, x1, y1}
}
