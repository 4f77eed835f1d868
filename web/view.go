// Package web holds the HTML of Precis: templ components and layouts, and the
// static assets (htmx, CSS, the upload script) embedded in the binary.
//
// Components are functions of the plain view data defined in this file; the
// handlers package turns storage records into these views, so that web does
// not depend on storage.
package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// htmxConfig is read by htmx from <meta name="htmx-config">. It keeps htmx
// within the Content-Security-Policy (no inline indicator styles, no eval,
// no inline scripts in swapped HTML), keeps confidential pages out of the
// browser's localStorage history cache, and swaps 4xx/5xx responses, which
// the server retargets to a message area with HX-Retarget.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"historyEnabled":false,"historyCacheSize":0,"historyRestoreAsHxRequest":false,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"[45]..","swap":true,"error":true}]}`

// Status kinds, used as CSS modifiers and by tests (data-status).
const (
	KindIdle      = "idle"      // no job yet
	KindQueued    = "queued"    // waiting for a worker
	KindRunning   = "running"   // a worker is on it
	KindDone      = "done"      // the summary is ready
	KindFailed    = "failed"    // the job gave up, with a reason
	KindRefused   = "refused"   // the file cannot be summarized (not a PDF, encrypted, ...)
	KindCancelled = "cancelled" // the user cancelled it
)

// Status is what the user is told about a document or its job.
type Status struct {
	// Kind is one of the Kind* constants.
	Kind string
	// Label is a short phrase, e.g. "Summarizing 3 of 7 chunks".
	Label string
	// Detail explains a failure or refusal and says what to do next.
	Detail string
}

// Active reports whether the status may still change on its own, so the page
// should keep polling.
func (s Status) Active() bool { return s.Kind == KindQueued || s.Kind == KindRunning }

// DocumentItem is one row of the documents list.
type DocumentItem struct {
	ID        int64
	Filename  string
	Size      int64
	Pages     int
	Status    Status
	CreatedAt time.Time
	// Label is the name of the document's classification label; "" when it has none.
	Label string
	// Matter is the title of the document's matter.
	Matter string
}

// UploadMessage is the message shown under the upload field: an error after a
// refused upload, or a notice after an accepted one. The zero value shows nothing.
type UploadMessage struct {
	// Error is true for a refused upload.
	Error bool
	// Text is the message; empty means none.
	Text string
}

func (m UploadMessage) kind() string {
	if m.Error {
		return "error"
	}
	return "notice"
}

func (m UploadMessage) class() string {
	if m.Text == "" {
		return "upload-message"
	}
	return "upload-message alert alert-" + m.kind()
}

func (m UploadMessage) role() string {
	if m.Error {
		return "alert"
	}
	return "status"
}

// DocumentsView is the data of the documents page and of its list fragment.
type DocumentsView struct {
	Items []DocumentItem
	// MaxUploadBytes is the largest file the server accepts, for the hint and
	// the browser-side check.
	MaxUploadBytes int64
	// Message is shown next to the upload field.
	Message UploadMessage
	// Labels is the label an upload gets; no options when no policy is stored.
	Labels LabelChoice
	// Matters are the matters the user may upload into: those they are a member of.
	Matters []MatterItem
}

// Polling reports whether any document is still in progress, so the list
// should refresh itself.
func (v DocumentsView) Polling() bool {
	for _, it := range v.Items {
		if it.Status.Active() {
			return true
		}
	}
	return false
}

// ProgressView is the state of a document's latest job, rendered by Progress.
type ProgressView struct {
	DocumentID int64
	// JobID is 0 when the document has no job.
	JobID       int64
	Status      Status
	ChunksDone  int
	ChunksTotal int
	CanCancel   bool
	CanRetry    bool
	// Notice explains why a button did nothing, e.g. the job finished meanwhile.
	Notice string
	// NeedsPassword shows the password form: the document is encrypted and a password
	// would open it.
	NeedsPassword bool
	// PasswordError is shown next to the password field after a refused submission.
	PasswordError string
	// Notes say how the text was read, when the user should know (hidden text left out,
	// pages that could not be read).
	Notes []Note
	// Summary is shown when the job is done; nil otherwise.
	Summary *SummaryView
	// Provenance says where the summary was produced; nil without a summary.
	Provenance *ProvenanceView
}

// Note kinds (data-kind of a note).
const (
	NoteHiddenText = "hidden-text" // the PDF holds invisible text, left out of the summary
	NoteGarbled    = "garbled"     // pages (or the whole PDF) read as garbage
	NoteNoOCR      = "no-ocr"      // scanned pages, and no OCR on this server
	NoteOCRSkipped = "ocr-skipped" // pages not OCRed because of the limits
)

// Note is one remark about how a document's text was read.
type Note struct {
	Kind string
	Text string
}

// DocumentView is the data of a document's page.
type DocumentView struct {
	ID        int64
	Filename  string
	Size      int64
	Pages     int
	SHA256    string
	CreatedAt time.Time
	Progress  ProgressView
	// Classification is the document's label and why.
	Classification ClassificationView
	// Matter is the title of the document's matter; LegalHold and HoldReason
	// say whether it is on legal hold, which blocks deleting the document.
	Matter     string
	LegalHold  bool
	HoldReason string
}

// SummaryView is a summary with its provenance.
type SummaryView struct {
	DocumentID       int64
	Filename         string
	Provider         string
	Model            string
	Engine           string
	CreatedAt        time.Time
	DroppedCitations int
	Sections         []SectionView
}

// Extractive reports whether the built-in engine wrote the summary by
// selecting sentences, without a language model.
func (s SummaryView) Extractive() bool { return s.Engine == "extractive" }

// SectionView is one titled section of a summary.
type SectionView struct {
	Title  string
	Points []PointView
}

// PointView is one bullet point and the pages it cites.
type PointView struct {
	Text  string
	Pages []int
}

// PageView is the data of the page text view.
type PageView struct {
	DocumentID int64
	Filename   string
	Number     int
	// Total is the document's page count; 0 when unknown.
	Total int
	Text  string
	// Extractor is what produced the text: "native", "poppler" or "ocr".
	Extractor string
	// Quality is the 0..1 text-quality score of the page.
	Quality float64
	// Garbled and Hidden are set when the page's text reads as garbage, and when the page
	// holds invisible text (left out of Text).
	Garbled, Hidden bool
}

// ExtractorLabel names what produced a page's text, for people.
func ExtractorLabel(extractor string) string {
	switch extractor {
	case "poppler":
		return "poppler (pdftotext)"
	case "ocr":
		return "OCR (tesseract) of the page image"
	}
	return "Precis's own PDF reader"
}

// QualityLabel formats a page's quality score: "0.97 (good)".
func QualityLabel(q float64) string {
	word := "good"
	switch {
	case q < 0.5:
		word = "unreadable"
	case q < 0.9:
		word = "fair"
	}
	return fmt.Sprintf("%.2f (%s)", q, word)
}

// ErrorView is an error shown to the user: a full page, or a message in the
// flash area for htmx requests.
type ErrorView struct {
	Status  int
	Title   string
	Message string
}

// ShortSHA returns the first 12 hex digits of a SHA-256, enough to tell files apart.
func ShortSHA(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}

// FormatBytes formats a size for people: "512 B", "34.2 KB", "1.5 MB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGT"[exp])
}

// formatTime formats a timestamp for display, in the server's time zone.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// isoTime formats a timestamp for the datetime attribute of <time>.
func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func pageCount(n int) string {
	if n <= 0 {
		return "—"
	}
	return strconv.Itoa(n)
}

func itoa(n int) string { return strconv.Itoa(n) }

func documentURL(id int64) string { return "/documents/" + strconv.FormatInt(id, 10) }

// PageURL returns the address of the text view of page n of a document.
func PageURL(docID int64, n int) string { return fmt.Sprintf("/documents/%d/pages/%d", docID, n) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

func droppedCitations(n int) string {
	if n == 1 {
		return "1 citation was dropped because it did not point to a page of this document."
	}
	return strconv.Itoa(n) + " citations were dropped because they did not point to pages of this document."
}
