package extract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// retryBelow is the score under which a page's text is worth comparing with poppler's. It
// is higher than QualityThreshold: text that is readable but poor (words run together
// without spaces, as in columns or pdfLaTeX output) is not garbage, yet poppler usually
// does better, and one pdftotext run serves every page.
const retryBelow = 0.9

// Document warnings (Result.Warnings), besides the page warnings they summarize
// (WarnHiddenText, WarnGarbled).
const (
	// WarnOCRUnavailable means pages needed OCR but pdftoppm or tesseract is not installed.
	WarnOCRUnavailable = "OCR not available"
	// WarnOCRLimit means OCR stopped at its page limit or at the time limit.
	WarnOCRLimit = "OCR limit reached"
)

// ocrOutcome records what OCR did for a document.
type ocrOutcome int

const (
	ocrNotNeeded ocrOutcome = iota
	ocrUnavailable
	ocrRan
)

// extraction holds what the fallbacks of one document need.
type extraction struct {
	ctx   context.Context
	opts  Options
	tools tools
	// path is the file the external programs read; "" means no fallbacks (unit tests of
	// extractBytes).
	path     string
	ocr      ocrOutcome
	warnings []string
}

func newExtraction(opts Options) *extraction {
	look := opts.LookPath
	if look == nil {
		look = lookPathFunc
	}
	return &extraction{ctx: context.Background(), opts: opts, path: opts.path,
		tools: tools{lookPath: look, password: opts.Password, deadline: opts.Deadline}}
}

// finish runs the fallbacks over the native pages and decides the document status.
// dpi gives the render resolution of page i (from 0).
func (x *extraction) finish(pass nativePass, dpi func(i int) int) Result {
	pages := pass.pages
	for i := range pages {
		pages[i].Quality = Quality(pages[i].Text)
	}
	hostile := pass.stuck > 0 || pass.tooBig > 0
	if x.path != "" && !hostile {
		x.poppler(pages, pass.hidden)
	}
	if x.path != "" {
		x.ocrPages(pages, dpi)
	}
	return x.decide(pages, pass.stuck, pass.tooBig)
}

// poppler replaces the text of pages that are empty or poor with pdftotext's when that
// scores better. Pages with hidden text keep ours: pdftotext would bring the hidden text
// back. pdftotext runs once, for the whole document, and only when some page needs it.
func (x *extraction) poppler(pages []Page, hidden []bool) {
	need := false
	for i, p := range pages {
		need = need || (p.Quality < retryBelow && !hidden[i])
	}
	if !need || !x.tools.available(pdftotextCmd) || x.timeUp() {
		return
	}
	texts, err := x.tools.popplerPages(x.ctx, x.path)
	if err != nil || len(texts) != len(pages) {
		return // our page list and poppler's disagree (a repaired page tree): keep ours
	}
	for i := range pages {
		if hidden[i] || pages[i].Quality >= retryBelow {
			continue
		}
		if q := Quality(texts[i]); q > pages[i].Quality && strings.TrimSpace(texts[i]) != "" {
			pages[i].Text, pages[i].Quality, pages[i].Extractor = texts[i], q, ExtractorPoppler
		}
	}
}

// ocrPages OCRs the pages that are still empty or garbage, up to opts.OCRMaxPages pages and
// while time is left, and keeps the OCR text where it scores better. Pages left behind as
// stuck or too big are not rendered.
func (x *extraction) ocrPages(pages []Page, dpi func(i int) int) {
	var todo []int
	for i, p := range pages {
		if p.Quality < QualityThreshold && !slices.Contains(p.Warnings, WarnStuck) && !slices.Contains(p.Warnings, WarnTooBig) {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return
	}
	if x.opts.OCRMaxPages < 0 || !x.tools.available(pdftoppmCmd, tesseractCmd) {
		x.ocr = ocrUnavailable
		x.warn(WarnOCRUnavailable)
		return
	}
	x.ocr = ocrRan
	for k, i := range todo {
		if k >= x.opts.OCRMaxPages || x.timeUp() {
			x.warn(WarnOCRLimit)
			for _, j := range todo[k:] {
				pages[j].Warnings = append(pages[j].Warnings, WarnOCRSkipped)
			}
			return
		}
		text, err := x.tools.ocrPage(x.ctx, x.path, i+1, dpi(i))
		if q := Quality(text); err == nil && q > pages[i].Quality {
			pages[i].Text, pages[i].Quality, pages[i].Extractor = text, q, ExtractorOCR
		} else if strings.TrimSpace(pages[i].Text) == "" {
			pages[i].Warnings = append(pages[i].Warnings, WarnOCRFoundNothing)
		}
		if errors.Is(err, errNotInstalled) {
			return
		}
	}
}

// timeUp reports whether too little time is left to start another external program.
func (x *extraction) timeUp() bool {
	return !x.opts.Deadline.IsZero() && time.Until(x.opts.Deadline) < ocrMinTimeLeft
}

func (x *extraction) warn(w string) {
	if !slices.Contains(x.warnings, w) {
		x.warnings = append(x.warnings, w)
	}
}

// decide sets page statuses and warnings and decides the document status: no text at all
// is no_text (or timeout, too_large when pages were left behind for that), garbage on most
// pages with text is garbled, anything else is ok.
func (x *extraction) decide(pages []Page, stuck, tooBig int) Result {
	withText, garbled, total := 0, 0, 0
	for i := range pages {
		p := &pages[i]
		p.Status = PageEmpty
		total += len(p.Text)
		if slices.Contains(p.Warnings, WarnHiddenText) {
			x.warn(WarnHiddenText)
		}
		if strings.TrimSpace(p.Text) == "" {
			p.Quality = 0
			continue
		}
		p.Status = PageOK
		withText++
		if p.Quality < QualityThreshold {
			garbled++
			p.Warnings = append(p.Warnings, WarnGarbled)
		}
	}
	switch {
	case total > x.opts.MaxTextBytes:
		return refusedWith(StatusTooLarge, msgTooMuchText)
	case withText == 0 && stuck > 0:
		return refused(StatusTimeout)
	case withText == 0 && tooBig > 0:
		return refused(StatusTooLarge)
	case withText == 0 && x.ocr == ocrUnavailable:
		return x.refusal(refusedWith(StatusNoText, MsgNoTextNoOCR))
	case withText == 0 && slices.Contains(x.warnings, WarnOCRLimit):
		return x.refusal(refusedWith(StatusNoText, MsgNoTextOCRLimit))
	case withText == 0 && x.ocr == ocrRan:
		return x.refusal(refusedWith(StatusNoText, MsgNoTextOCRFoundNothing))
	case withText == 0:
		return x.refusal(refused(StatusNoText))
	case garbled*2 > withText:
		return x.refusal(refused(StatusGarbled))
	}
	if garbled > 0 {
		x.warn(WarnGarbled)
	}
	for i := range pages {
		if pages[i].Warnings == nil {
			pages[i].Warnings = []string{}
		}
	}
	return Result{Status: StatusOK, Message: StatusMessage(StatusOK), Pages: pages, Warnings: x.docWarnings()}
}

// refusal adds the document warnings to a refused result.
func (x *extraction) refusal(res Result) Result {
	res.Warnings = x.docWarnings()
	return res
}

func (x *extraction) docWarnings() []string {
	if x.warnings == nil {
		return []string{}
	}
	return x.warnings
}

// popplerOnly reads a document our parser cannot open with pdftotext alone: one encrypted
// in a way the parser does not support (AES-256, for instance), using the password when
// one was given, or one too damaged for the parser (poppler repairs broken cross-reference
// tables). When poppler cannot read it either, or finds no text in a damaged file, the
// answer is otherwise. Only encrypted documents go on to OCR: a damaged file without text
// is better reported as damaged.
func (x *extraction) popplerOnly(otherwise Result) Result {
	if x.path == "" || !x.tools.available(pdftotextCmd) {
		return otherwise
	}
	texts, err := x.tools.popplerPages(x.ctx, x.path)
	encrypted := otherwise.Status == StatusEncrypted
	switch {
	case errors.Is(err, errBadPassword) && x.opts.Password != "":
		return refusedWith(StatusEncrypted, MsgWrongPassword)
	case errors.Is(err, errBadPassword):
		return refused(StatusEncrypted)
	case err != nil || len(texts) == 0:
		return otherwise
	case len(texts) > x.opts.MaxPages:
		return refusedWith(StatusTooLarge, tooManyPages(x.opts.MaxPages))
	}
	pass := nativePass{hidden: make([]bool, len(texts))}
	withText := 0
	for i, t := range texts {
		pass.pages = append(pass.pages, Page{Number: i + 1, Text: t, Extractor: ExtractorPoppler, Quality: Quality(t)})
		if strings.TrimSpace(t) != "" {
			withText++
		}
	}
	if !encrypted && withText == 0 {
		return otherwise
	}
	if encrypted {
		x.ocrPages(pass.pages, func(int) int { return ocrDPI })
	}
	return x.decide(pass.pages, 0, 0)
}

// tooManyPages is the too_large message for a document over the page limit.
func tooManyPages(limit int) string {
	return fmt.Sprintf("This PDF has more than %d pages, the most Precis reads. Split it into smaller parts and upload them separately.", limit)
}
