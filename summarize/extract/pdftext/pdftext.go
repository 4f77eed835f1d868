// Package pdftext turns the pages of a PDF into reading-order text. It builds on the object
// model of github.com/ledongthuc/pdf (parser, values, streams) but interprets content
// streams itself: the full text state, Form XObjects, simple and composite fonts with
// ToUnicode maps and real glyph widths. Glyphs are placed on the page and text is built
// from their positions: lines by baseline, spaces from gaps, columns from gutters.
//
// Text a reader cannot see never enters Page.Text: invisible (render modes 3 and 7),
// filled in white, smaller than 1.5 points or outside the crop box. It is returned apart
// as Page.Hidden, so that it cannot steer what is made of the page unnoticed.
package pdftext

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/ledongthuc/pdf"
)

// Page is the text of one PDF page.
type Page struct {
	Text     string   // reading-order text
	Hidden   string   // unseen text (render mode 3/7, white, tiny, off the page), never part of Text
	Warnings []string // e.g. "hidden text found", "unsupported font encoding: X", "operator limit reached"
	Glyphs   int      // glyphs placed
	Unmapped int      // glyphs whose code had no Unicode mapping
}

// Options bounds the work done on one page. Zero fields take their defaults.
type Options struct {
	MaxOps            int  // content-stream operators per page, forms included (default 5,000,000)
	MaxGlyphs         int  // glyphs per page (default 1,000,000)
	MaxStreamBytes    int  // decoded bytes of one content stream (default 64 MiB)
	MaxFormDepth      int  // Form XObjects nested in each other (default 16)
	MaxCachedFonts    int  // fonts an Extractor keeps (default 4096)
	DisableColumns    bool // read lines top to bottom across the whole page
	DisableHyphenJoin bool // keep "agree-" and "ment" on their own lines
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxOps, 5_000_000)
	def(&o.MaxGlyphs, 1_000_000)
	def(&o.MaxStreamBytes, 64<<20)
	def(&o.MaxFormDepth, 16)
	def(&o.MaxCachedFonts, 4096)
	return o
}

// Extractor extracts pages with one set of options and keeps the fonts it has parsed,
// so that pages sharing fonts parse them once. It is safe for concurrent use; use one
// per document (or a few documents) to bound what it keeps.
type Extractor struct {
	opts    Options
	mu      sync.Mutex
	fonts   map[fontKey]*font
	parents map[parentKey]pageAttrs
}

type fontKey struct {
	reader uintptr // the pdf.Reader the font belongs to
	dict   string  // the font dictionary as printed; indirect references print as "n g R"
}

// NewExtractor returns an Extractor with the given limits.
func NewExtractor(opts Options) *Extractor {
	return &Extractor{opts: opts.withDefaults(), fonts: map[fontKey]*font{}, parents: map[parentKey]pageAttrs{}}
}

// ExtractPage extracts one page with default options and no font cache shared with
// other pages. It is safe to call concurrently for pages of one Reader.
func ExtractPage(p pdf.Page) (Page, error) {
	return NewExtractor(Options{}).ExtractPage(p)
}

// ErrPage means the page could not be interpreted at all; Page may still hold the text
// found before the failure.
var ErrPage = errors.New("pdftext: page could not be read")

// ExtractPage extracts the text of one page. A malformed or hostile page yields what
// could be read, warnings and, if it failed outright, an error wrapping ErrPage; it never
// panics.
func (e *Extractor) ExtractPage(p pdf.Page) (out Page, err error) {
	in := newInterp(e, p)
	defer func() {
		if r := recover(); r != nil {
			out = in.salvage()
			err = fmt.Errorf("%w: %v", ErrPage, r)
		}
	}()
	in.runPage()
	return in.finish(), nil
}

// salvage lays out what was read before a failure; if that fails too, the page keeps
// only its counts and warnings.
func (in *interp) salvage() (p Page) {
	defer func() {
		if recover() != nil {
			p = Page{Glyphs: len(in.b.glyphs), Unmapped: in.b.unmapped, Warnings: in.b.warnings}
		}
	}()
	return in.finish()
}

// cachedFont returns the parsed font for a font dictionary, parsing it on first use.
func (e *Extractor) cachedFont(v pdf.Value) *font {
	key := fontKey{reader: readerID(v), dict: v.String()}
	if key.reader == 0 {
		return loadFont(v)
	}
	return e.fontFor(key, func() *font { return loadFont(v) })
}

// fontFor returns the font cached under key, or loads and caches it.
func (e *Extractor) fontFor(key fontKey, load func() *font) *font {
	e.mu.Lock()
	f, ok := e.fonts[key]
	e.mu.Unlock()
	if ok {
		return f
	}
	f = load()
	e.mu.Lock()
	if len(e.fonts) >= e.opts.MaxCachedFonts {
		clear(e.fonts)
	}
	e.fonts[key] = f
	e.mu.Unlock()
	return f
}

// readerID returns the identity of the pdf.Reader behind a value, or 0 when it cannot
// be told. ledongthuc/pdf does not export it; a font cache keyed by printed dictionaries
// alone would mix up fonts of two documents whose dictionaries print alike.
func readerID(v pdf.Value) uintptr {
	f := reflect.ValueOf(v).FieldByName("r")
	if !f.IsValid() || f.Kind() != reflect.Pointer {
		return 0
	}
	return f.Pointer()
}

// errTooLarge means a stream decodes to more than the limit.
var errTooLarge = errors.New("stream too large")

// readStream decodes a stream, up to limit bytes. Unsupported filters and corrupt data
// give an error along with whatever was decoded before it.
func readStream(v pdf.Value, limit int) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("stream: %v", r)
		}
	}()
	rc := v.Reader()
	defer rc.Close()
	data, err = io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	if len(data) > limit {
		return data[:limit], errTooLarge
	}
	return data, err
}
