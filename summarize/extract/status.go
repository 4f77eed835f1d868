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
	// StatusNoText means the PDF has pages but none of them has a text layer (a scan), and
	// OCR found none either (or is not available).
	StatusNoText = "no_text"
	// StatusGarbled means the PDF has text, but most of its pages read as garbage (fonts
	// whose character maps are wrong): a summary of it would be nonsense.
	StatusGarbled = "garbled"
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

// Extractors: what produced the text of a page.
const (
	// ExtractorNative is our own PDF text extraction (see nativePage).
	ExtractorNative = "native"
	// ExtractorPoppler is poppler's pdftotext, used where our text was empty or poor.
	ExtractorPoppler = "poppler"
	// ExtractorOCR is tesseract on the rendered page, for pages without usable text.
	ExtractorOCR = "ocr"
)

// Page warnings.
const (
	// WarnHiddenText means the page holds text a reader cannot see (invisible, white,
	// clipped or off the page); it was left out of the page text.
	WarnHiddenText = "hidden text found"
	// WarnOCRLayer means the page's only text was an invisible OCR layer over a scan, used as
	// the page's text.
	WarnOCRLayer = "text from an invisible OCR layer"
	// WarnGarbled means the page's text scores below QualityThreshold.
	WarnGarbled = "garbled"
	// WarnStuck means reading the page took too long; it was left behind.
	WarnStuck = "page took too long"
	// WarnTooBig means the page's content is too large to read.
	WarnTooBig = "page content too large"
	// WarnOCRFoundNothing means OCR ran on the page and found no text.
	WarnOCRFoundNothing = "OCR found no text"
	// WarnOCRSkipped means the page needed OCR but the OCR limits (page count or time)
	// were reached first.
	WarnOCRSkipped = "not OCRed: limit reached"
)

// Page is the text of one page. Number starts at 1.
type Page struct {
	Number int    `json:"number"`
	Text   string `json:"text"`
	Status string `json:"status"`
	// Extractor is ExtractorNative, ExtractorPoppler or ExtractorOCR.
	Extractor string `json:"extractor"`
	// Quality is the Quality score of Text, rounded to two decimals.
	Quality float64 `json:"quality"`
	// Warnings are the Warn* values that apply to the page; never null in JSON.
	Warnings []string `json:"warnings"`
}

// Result is the outcome of extracting one document; it is also the JSON the child prints.
// Pages is set only when Status is StatusOK (and may hold empty pages between text pages).
// Warnings are about the whole document ("OCR is not available", ...); never null in JSON.
type Result struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	Pages    []Page   `json:"pages"`
	Warnings []string `json:"warnings"`
}

var statusMessages = map[string]string{
	StatusOK:        "The text of this document was extracted.",
	StatusNotPDF:    "This file is not a PDF. Save or export the document as PDF and upload it again.",
	StatusEmpty:     "This file is empty or has no pages. Check that you picked the right file and upload it again.",
	StatusEncrypted: "This PDF is password-protected. Enter its password on the document's page, or open it with its password, save an unprotected copy (for example with Print to PDF) and upload that copy.",
	StatusNoText:    "This looks like a scanned document with no text layer; it needs OCR. Run it through OCR (for example in Acrobat) and upload the result.",
	StatusGarbled:   "The text of this PDF could not be read reliably: its fonts map letters to the wrong characters, so a summary would be nonsense. Open it in a PDF viewer and save a copy with Print to PDF, or run it through OCR (for example in Acrobat), and upload the result.",
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

// Messages more specific than StatusMessage.
const (
	// MsgNoTextNoOCR is the no_text message when OCR tools are not installed.
	MsgNoTextNoOCR = "This looks like a scanned document with no text layer, and OCR is not available on this server. Run it through OCR (for example in Acrobat) and upload the result."
	// MsgNoTextOCRFoundNothing is the no_text message when OCR ran and found nothing.
	MsgNoTextOCRFoundNothing = "This PDF has no text layer, and OCR found no readable text on its pages. If it is a scan, check that the scan is legible (or run it through OCR, for example in Acrobat) and upload it again."
	// MsgNoTextOCRLimit is the no_text message when OCR stopped at its limits before
	// finding text.
	MsgNoTextOCRLimit = "This looks like a scanned document with no text layer, and it is too long to OCR on this server within its limits. Run it through OCR (for example in Acrobat) and upload the result."
	// MsgWrongPassword is the encrypted message when the password given was not accepted.
	MsgWrongPassword = "The password was not accepted."
	// MsgUnsupportedEncryption is the encrypted message for a scheme nothing here can open.
	MsgUnsupportedEncryption = "This PDF is encrypted in a way Precis cannot open. Open it in a PDF viewer, save an unprotected copy (for example with Print to PDF) and upload that copy."
)

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
