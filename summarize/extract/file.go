package extract

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ledongthuc/pdf"
)

// Options bound an in-process extraction. Zero fields take defaults: DefaultLimits().MaxPages,
// 32 MiB of text, 10 seconds per page.
type Options struct {
	// MaxPages is the largest page count accepted; a longer document is StatusTooLarge.
	MaxPages int
	// MaxTextBytes caps the text of the whole document; more is StatusTooLarge.
	MaxTextBytes int
	// PageTimeout is how long one page may take. A page that takes longer (the parser
	// loops on it) is left behind as an empty page; see pagesText.
	PageTimeout time.Duration
}

// Defaults for Options.
const (
	defaultMaxTextBytes = 32 << 20
	defaultPageTimeout  = 10 * time.Second
	// maxStuckPages is how many pages may be left behind before the document times out.
	maxStuckPages = 2
	// maxContentBytes caps the decoded content streams of one page. Dense text pages hold
	// tens of kilobytes; detailed vector drawings a few megabytes.
	maxContentBytes = 64 << 20
	// headerWindow is how far into the file the %PDF- header may start (poppler allows 1024).
	headerWindow = 1024
	// eofWindow is how far from the end of the file the last %%EOF may be.
	eofWindow = 1024
)

// File extracts the text of the PDF at path, page by page, in this process. It must only run
// in a process that can afford to die (the child started by Runner): the parser can crash the
// process in ways recover cannot catch. Panics that can be caught become StatusDamaged.
func File(path string, opts Options) Result {
	data, err := os.ReadFile(path)
	if err != nil {
		return refusedWith(StatusInternal, "The uploaded file could not be opened for reading.")
	}
	return extractBytes(data, opts.withDefaults())
}

func (o Options) withDefaults() Options {
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultLimits().MaxPages
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = defaultMaxTextBytes
	}
	if o.PageTimeout <= 0 {
		o.PageTimeout = defaultPageTimeout
	}
	return o
}

// extractBytes runs the whole extraction on the file contents. data is modified in place
// (see normalize).
func extractBytes(data []byte, opts Options) (res Result) {
	defer func() {
		if recover() != nil {
			res = refused(StatusDamaged)
		}
	}()
	if len(data) == 0 {
		return refused(StatusEmpty)
	}
	data, ok := normalize(data)
	if !ok {
		return refused(StatusNotPDF)
	}
	budget := newBudgetReader(data)
	r, err := pdf.NewReader(budget, int64(len(data)))
	if err != nil {
		return openFailure(data, budget, err)
	}
	pages, err := walkPages(r, opts.MaxPages)
	switch {
	case budget.exceeded():
		return refused(StatusDamaged)
	case errors.Is(err, errTooManyPages):
		return refusedWith(StatusTooLarge, fmt.Sprintf(
			"This PDF has more than %d pages, the most Precis reads. Split it into smaller parts and upload them separately.",
			opts.MaxPages))
	case err != nil:
		return refused(StatusDamaged)
	case len(pages) == 0:
		return refusedWith(StatusEmpty, "This PDF has no pages. Check that you picked the right file and upload it again.")
	}
	return pagesText(pages, budget, opts)
}

// normalize finds the PDF inside data and returns the part the parser should see, patched so
// that ledongthuc/pdf accepts what poppler accepts: junk before the %PDF- header (the header
// must start within headerWindow bytes), a header it does not know (%PDF-2.0, no newline
// after the version) and junk after the last %%EOF. ok is false when there is no header.
func normalize(data []byte) (out []byte, ok bool) {
	start := bytes.Index(data[:min(len(data), headerWindow)], []byte("%PDF-"))
	if start < 0 {
		return nil, false
	}
	data = data[start:]
	if !headerAccepted(data) && len(data) >= 9 {
		// The header line is a comment the parser never reads again; only its first nine
		// bytes are checked. Same length, so no offset moves.
		copy(data, "%PDF-1.7\n")
	}
	tail := data[max(0, len(data)-eofWindow):]
	trimmed := bytes.TrimRight(tail, "\x00\r\n\t\f ")
	if !bytes.HasSuffix(trimmed, []byte("%%EOF")) {
		if i := bytes.LastIndex(tail, []byte("%%EOF")); i >= 0 {
			data = data[:len(data)-len(tail)+i+len("%%EOF")]
		}
	}
	return data, true
}

// headerAccepted mirrors the header check of ledongthuc/pdf's NewReader.
func headerAccepted(data []byte) bool {
	return len(data) >= 9 && bytes.HasPrefix(data, []byte("%PDF-1.")) &&
		data[7] >= '0' && data[7] <= '7' && (data[8] == '\r' || data[8] == '\n')
}

// openFailure maps an error from pdf.NewReader to a status.
func openFailure(data []byte, budget *budgetReader, err error) Result {
	switch {
	case budget.exceeded():
		return refused(StatusDamaged)
	case errors.Is(err, pdf.ErrInvalidPassword):
		return refused(StatusEncrypted)
	case hasEncryptDict(data):
		// The parser supports only some encryption schemes (not AES-256, for instance) and
		// fails on others with various errors. Either way the fix for the user is the same.
		return refusedWith(StatusEncrypted, "This PDF is encrypted in a way Precis cannot open. Open it in a PDF viewer, save an unprotected copy (for example with Print to PDF) and upload that copy.")
	}
	return refused(StatusDamaged)
}

// hasEncryptDict reports whether a trailer of the file names an /Encrypt dictionary.
func hasEncryptDict(data []byte) bool {
	i := bytes.LastIndex(data, []byte("trailer"))
	if i >= 0 && bytes.Contains(data[i:], []byte("/Encrypt")) {
		return true
	}
	// Cross-reference streams carry the trailer keys in the stream dictionary.
	return bytes.Contains(data, []byte("/Encrypt")) && bytes.Contains(data, []byte("/XRef"))
}
