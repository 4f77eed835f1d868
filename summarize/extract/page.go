package extract

import (
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"precis/summarize/extract/pdftext"
)

// nativePass is what our own extraction found: one Page per page, in order.
type nativePass struct {
	pages         []Page
	hidden        []bool // the page holds hidden text (never part of its Text)
	stuck, tooBig int    // pages left behind, pages too large to read
}

// pagesText extracts the text of each page with nativePage. A page that gets stuck or is too
// big is kept as an empty page with a warning. It returns a refusal instead when the
// document as a whole cannot be read (read budget spent, too many stuck pages, too much
// text).
func pagesText(pages []pdf.Page, budget *budgetReader, opts Options) (nativePass, *Result) {
	pass := nativePass{pages: make([]Page, 0, len(pages)), hidden: make([]bool, len(pages))}
	total := 0
	ex := pdftext.NewExtractor(pdftext.Options{}) // one per document: fonts are parsed once
	for i, p := range pages {
		out, done := pageTextWithin(ex, p, opts.PageTimeout)
		if budget.exceeded() {
			return pass, ptr(refused(StatusDamaged))
		}
		page := Page{Number: i + 1, Text: out.text, Extractor: ExtractorNative, Warnings: out.warnings}
		if !done {
			if pass.stuck++; pass.stuck > maxStuckPages {
				return pass, ptr(refused(StatusTimeout))
			}
			page.Warnings = append(page.Warnings, WarnStuck)
		}
		if out.tooBig {
			pass.tooBig++
			page.Warnings = append(page.Warnings, WarnTooBig)
		}
		if out.hidden != "" {
			pass.hidden[i] = true
			page.Warnings = append(page.Warnings, WarnHiddenText)
		}
		total += len(out.text)
		if total > opts.MaxTextBytes {
			return pass, ptr(refusedWith(StatusTooLarge, msgTooMuchText))
		}
		pass.pages = append(pass.pages, page)
	}
	return pass, nil
}

// msgTooMuchText is the too_large message for a document over Options.MaxTextBytes.
const msgTooMuchText = "This PDF holds more text than Precis reads in one document. Split it into smaller parts and upload them separately."

func ptr[T any](v T) *T { return &v }

// native is the page text engine; tests of the fallbacks swap in one that reads badly.
var native = nativePage

// pageOutput is what one page yields.
type pageOutput struct {
	text     string
	hidden   string // text a reader cannot see; reported, never used as page text
	warnings []string
	tooBig   bool // the page's content is over maxContentBytes; it was not parsed
}

// pageTextWithin returns the text of a page, or done=false if it took longer than d. The
// parser can loop forever on a page (an unterminated hex string reads endless newlines at
// the end of the stream) and a goroutine cannot be stopped, so a stuck page is left running
// and counts against the CPU limit; the process exits once the answer is written.
func pageTextWithin(ex *pdftext.Extractor, p pdf.Page, d time.Duration) (out pageOutput, done bool) {
	ch := make(chan pageOutput, 1)
	go func() { ch <- pageText(ex, p) }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case out = <-ch:
		return out, true
	case <-timer.C:
		return pageOutput{}, false
	}
}

// pageText guards nativePage: a page whose content is too big is not parsed, and a page the
// parser panics on is empty, so one bad page does not lose the document.
func pageText(ex *pdftext.Extractor, p pdf.Page) (out pageOutput) {
	defer func() {
		if recover() != nil {
			out = pageOutput{}
		}
	}()
	if contentSize(p.V.Key("Contents")) > maxContentBytes {
		return pageOutput{tooBig: true}
	}
	text, hidden, warnings := native(ex, p)
	return pageOutput{text: text, hidden: hidden, warnings: warnings}
}

// contentSize returns the decoded size of a page's content streams, counting no further
// than just past maxContentBytes. The parser keeps a whole string operand in memory, so a
// small compressed stream holding one gigabyte-long string (a flate bomb) would otherwise
// run into the memory limit after seconds of work.
func contentSize(contents pdf.Value) int64 {
	streams := []pdf.Value{contents}
	if contents.Kind() == pdf.Array {
		streams = streams[:0]
		for i := 0; i < contents.Len(); i++ {
			streams = append(streams, contents.Index(i))
		}
	}
	var n int64
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			continue
		}
		rc := s.Reader()
		m, _ := io.Copy(io.Discard, io.LimitReader(rc, maxContentBytes+1-n))
		rc.Close()
		if n += m; n > maxContentBytes {
			break
		}
	}
	return n
}

// cleanText makes parser output safe to store and send as JSON: valid UTF-8, no control
// characters other than newline and tab.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r == utf8.RuneError || unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}
