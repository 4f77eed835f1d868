package extract

import (
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// pagesText extracts the text of each page and decides the document status. A page that
// gets stuck or is too big is kept as an empty page; only when no page has text does it
// decide the status of the document.
func pagesText(pages []pdf.Page, budget *budgetReader, opts Options) Result {
	res := Result{Status: StatusOK, Pages: make([]Page, 0, len(pages))}
	total, withText, stuck, tooBig := 0, 0, 0, 0
	for i, p := range pages {
		out, done := pageTextWithin(p, opts.PageTimeout)
		if budget.exceeded() {
			return refused(StatusDamaged)
		}
		if !done {
			if stuck++; stuck > maxStuckPages {
				return refused(StatusTimeout)
			}
		}
		if out.tooBig {
			tooBig++
		}
		total += len(out.text)
		if total > opts.MaxTextBytes {
			return refusedWith(StatusTooLarge, "This PDF holds more text than Precis reads in one document. Split it into smaller parts and upload them separately.")
		}
		page := Page{Number: i + 1, Text: out.text, Status: PageEmpty}
		if strings.TrimSpace(out.text) != "" {
			page.Status = PageOK
			withText++
		}
		res.Pages = append(res.Pages, page)
	}
	switch {
	case withText == 0 && stuck > 0:
		return refused(StatusTimeout)
	case withText == 0 && tooBig > 0:
		return refused(StatusTooLarge)
	case withText == 0:
		return refused(StatusNoText)
	}
	res.Message = StatusMessage(StatusOK)
	return res
}

// pageOutput is what one page yields.
type pageOutput struct {
	text   string
	tooBig bool // the page's content is over maxContentBytes; it was not parsed
}

// pageTextWithin returns the text of a page, or done=false if it took longer than d. The
// parser can loop forever on a page (an unterminated hex string reads endless newlines at
// the end of the stream) and a goroutine cannot be stopped, so a stuck page is left running
// and counts against the CPU limit; the process exits once the answer is written.
func pageTextWithin(p pdf.Page, d time.Duration) (out pageOutput, done bool) {
	ch := make(chan pageOutput, 1)
	go func() { ch <- pageText(p) }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case out = <-ch:
		return out, true
	case <-timer.C:
		return pageOutput{}, false
	}
}

// pageText returns the cleaned text of one page; a page the parser fails or panics on is
// empty, so one bad page does not lose the document.
func pageText(p pdf.Page) (out pageOutput) {
	defer func() {
		if recover() != nil {
			out = pageOutput{}
		}
	}()
	if contentSize(p.V.Key("Contents")) > maxContentBytes {
		return pageOutput{tooBig: true}
	}
	raw, err := p.GetPlainText(nil)
	if err != nil {
		return pageOutput{}
	}
	return pageOutput{text: cleanText(raw)}
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
