package extract

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"precis/summarize/extract/pdftext"
	"strings"
	"time"

	"github.com/ledongthuc/pdf"
)

// Options bound an in-process extraction. Zero fields take defaults: DefaultLimits().MaxPages,
// 32 MiB of text, 10 seconds per page, DefaultOCRMaxPages, programs found on the PATH.
type Options struct {
	// MaxPages is the largest page count accepted; a longer document is StatusTooLarge.
	MaxPages int
	// MaxTextBytes caps the text of the whole document; more is StatusTooLarge.
	MaxTextBytes int
	// PageTimeout is how long one page may take. A page that takes longer (the parser
	// loops on it) is left behind as an empty page; see pagesText.
	PageTimeout time.Duration
	// Password is the user password of an encrypted PDF; "" tries the empty password only.
	Password string
	// OCRMaxPages is how many pages are OCRed at most; 0 means DefaultOCRMaxPages, negative
	// means none (OCR counts as not available).
	OCRMaxPages int
	// Deadline is when the external programs (pdftotext, pdftoppm, tesseract) must be done;
	// no new one starts within a few seconds of it. Zero means no deadline beyond their own
	// timeouts.
	Deadline time.Time
	// LookPath finds an external program; nil means exec.LookPath. A program it does not
	// find is not used (tests hide OCR this way).
	LookPath func(file string) (string, error)

	path string // the file, for the external programs (set by File)
}

// lookPathFunc finds external programs when Options.LookPath is nil.
var lookPathFunc = exec.LookPath

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
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // a relative name could start with a dash and pass for a flag
	}
	opts.path = path
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
	if o.OCRMaxPages == 0 {
		o.OCRMaxPages = DefaultOCRMaxPages
	}
	return o
}

// extractBytes runs the whole extraction on the file contents: our own text of each page,
// then the fallbacks (pdftotext, OCR) where it is empty or poor. data is modified in place
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
	x := newExtraction(opts)
	budget := newBudgetReader(data)
	r, err := pdf.NewReaderEncrypted(budget, int64(len(data)), passwordOnce(opts.Password))
	if err != nil {
		return x.openFailure(data, budget, err)
	}
	pages, err := walkPages(r, opts.MaxPages)
	switch {
	case budget.exceeded():
		return refused(StatusDamaged)
	case errors.Is(err, errTooManyPages):
		return refusedWith(StatusTooLarge, tooManyPages(opts.MaxPages))
	case err != nil:
		return refused(StatusDamaged)
	case len(pages) == 0:
		return refusedWith(StatusEmpty, "This PDF has no pages. Check that you picked the right file and upload it again.")
	}
	pass, refusal := pagesText(pages, budget, opts)
	if refusal != nil {
		return *refusal
	}
	return x.finish(pass, func(i int) int { return pageDPI(pages[i]) })
}

// passwordOnce gives the parser the password once (it tries the empty one itself first).
func passwordOnce(password string) func() string {
	return func() string {
		pw := password
		password = ""
		return pw
	}
}

// nativePage is our own text extraction of one page, the one place that calls the text
// engine (package pdftext): the visible text, the hidden text (invisible, white, clipped or
// off the page; never part of the text) and the engine's warnings. It may panic; pageText
// recovers.
//
// One exception: a page whose only text is invisible is a scan with an OCR text layer (what
// scanners and Acrobat write: the image shows, the invisible text makes it searchable), and
// that layer is the page's text. Invisible text beside visible text stays hidden.
func nativePage(ex *pdftext.Extractor, p pdf.Page) (text, hidden string, warnings []string) {
	pg, err := ex.ExtractPage(p)
	warnings = pg.Warnings
	if err != nil {
		warnings = append(warnings, err.Error())
	}
	if strings.TrimSpace(pg.Text) == "" && len(strings.TrimSpace(pg.Hidden)) >= minOCRLayer {
		return cleanText(pg.Hidden), "", append(warnings, WarnOCRLayer)
	}
	return cleanText(pg.Text), cleanText(pg.Hidden), warnings
}

// minOCRLayer is the least invisible text that makes a page without visible text count as a
// scan with an OCR layer rather than a page hiding a few words.
const minOCRLayer = 100

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

// openFailure maps an error from pdf.NewReaderEncrypted to a status.
func (x *extraction) openFailure(data []byte, budget *budgetReader, err error) Result {
	switch {
	case budget.exceeded():
		return refused(StatusDamaged)
	case errors.Is(err, pdf.ErrInvalidPassword) && x.opts.Password != "":
		return refusedWith(StatusEncrypted, MsgWrongPassword)
	case errors.Is(err, pdf.ErrInvalidPassword):
		return refused(StatusEncrypted)
	case hasEncryptDict(data):
		// The parser supports only some encryption schemes (not AES-256, for instance) and
		// fails on others with various errors; poppler may read them.
		return x.popplerOnly(refusedWith(StatusEncrypted, MsgUnsupportedEncryption))
	}
	return x.popplerOnly(refused(StatusDamaged))
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
