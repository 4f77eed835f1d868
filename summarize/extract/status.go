// Package extract turns an uploaded PDF into page-by-page text without ever letting the
// PDF parser take the server down.
//
// The parser (github.com/ledongthuc/pdf) can overflow its stack (a fatal error that recover
// cannot catch), loop forever or allocate gigabytes on hostile input. So the server never
// parses a PDF itself: a Runner starts `precis extract FILE` as a child process under a
// wall-clock timeout, a CPU-time limit and a memory limit, and turns every way the child can
// end into one of the Status values below. File is the in-process extraction; only the child
// (Main) calls it.
package extract

// Status values of a document extraction. They are stable strings: they are stored in SQLite
// and each one has a message for users (StatusMessage).
const (
	// StatusOK means text was extracted from at least one page.
	StatusOK = "ok"
	// StatusNotPDF means the file does not start like a PDF.
	StatusNotPDF = "not_pdf"
	// StatusEmpty means the file has zero bytes or the PDF has no pages.
	StatusEmpty = "empty_file"
	// StatusEncrypted means the PDF is password-protected or encrypted in a way we cannot open.
	StatusEncrypted = "encrypted"
	// StatusNoText means the PDF has pages but none of them has a text layer (a scan).
	StatusNoText = "no_text"
	// StatusDamaged means the PDF is malformed, or the parser crashed on it.
	StatusDamaged = "damaged"
	// StatusTooLarge means too many pages, too much text, or the memory limit was hit.
	StatusTooLarge = "too_large"
	// StatusTimeout means extraction took too long (wall clock or CPU time).
	StatusTimeout = "timeout"
	// StatusInternal means our own failure: the extractor could not be started, was
	// cancelled, or answered something we could not read.
	StatusInternal = "internal"
)

// Page status values.
const (
	// PageOK means the page has text.
	PageOK = "ok"
	// PageEmpty means no text was found on the page (an image, a blank page, or a page the
	// parser could not read).
	PageEmpty = "empty"
)

// Page is the text of one page. Number starts at 1.
type Page struct {
	Number int    `json:"number"`
	Text   string `json:"text"`
	Status string `json:"status"`
}

// Result is the outcome of extracting one document; it is also the JSON the child prints.
// Pages is set only when Status is StatusOK (and may hold empty pages between text pages).
type Result struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Pages   []Page `json:"pages"`
}

var statusMessages = map[string]string{
	StatusOK:        "The text of this document was extracted.",
	StatusNotPDF:    "This file is not a PDF. Save or export the document as PDF and upload it again.",
	StatusEmpty:     "This file is empty or has no pages. Check that you picked the right file and upload it again.",
	StatusEncrypted: "This PDF is password-protected. Open it with its password, save an unprotected copy (for example with Print to PDF) and upload that copy.",
	StatusNoText:    "This looks like a scanned document with no text layer; it needs OCR. Run it through OCR (for example in Acrobat) and upload the result.",
	StatusDamaged:   "This PDF is damaged and could not be read. Open it in a PDF viewer, save a fresh copy (for example with Print to PDF) and upload that copy.",
	StatusTooLarge:  "This PDF is too large to process (too many pages or too much content). Split it into smaller parts and upload them separately.",
	StatusTimeout:   "Reading this PDF took too long, so it was stopped. Save a fresh copy (for example with Print to PDF) or split it into smaller parts, and upload again.",
	StatusInternal:  "Something went wrong on our side while reading this PDF. Try again later; if it keeps failing, contact support.",
}

// StatusMessage returns a sentence a user understands for a document status, saying what to
// do next. Unknown statuses get the StatusInternal message.
func StatusMessage(status string) string {
	if m, ok := statusMessages[status]; ok {
		return m
	}
	return statusMessages[StatusInternal]
}

// knownStatus reports whether s is one of the document Status values.
func knownStatus(s string) bool {
	_, ok := statusMessages[s]
	return ok
}

// refused builds a Result without pages for a status, with its standard message.
func refused(status string) Result {
	return Result{Status: status, Message: StatusMessage(status)}
}

// refusedWith builds a Result without pages for a status with a more specific message.
func refusedWith(status, message string) Result {
	return Result{Status: status, Message: message}
}
