package extract

import (
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"precis/summarize/extract/corpus"
	"precis/summarize/extract/pdftext"

	"github.com/ledongthuc/pdf"
)

// without returns a LookPath that does not find the named programs.
func without(hidden ...string) func(string) (string, error) {
	return func(name string) (string, error) {
		if slices.Contains(hidden, name) {
			return "", exec.ErrNotFound
		}
		return exec.LookPath(name)
	}
}

var (
	noOCR   = without(pdftoppmCmd, tesseractCmd)
	noTools = without(pdftotextCmd, pdftoppmCmd, tesseractCmd)
)

// tempPDF writes a test PDF to a file and returns its path.
func tempPDF(t *testing.T, p *testPDF) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	write(t, path, p.bytes(t))
	return path
}

// readBadly makes the native engine return mojibake (its text read as Latin-1, as a broken
// font mapping would) for the rest of the test.
func readBadly(t *testing.T) {
	t.Helper()
	native = func(ex *pdftext.Extractor, p pdf.Page) (string, string, []string) {
		text, hidden, warnings := nativePage(ex, p)
		return latin1(text), hidden, warnings
	}
	t.Cleanup(func() { native = nativePage })
}

// latin1 reads UTF-8 bytes as Latin-1: classic mojibake.
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

func TestPopplerFallback(t *testing.T) {
	needTools(t)
	// When our text of jo.pdf (CID fonts, vertical Japanese) is mojibake, pdftotext's is used.
	readBadly(t)
	res := File(corpus.Path(t, "tricky", "jo.pdf"), Options{LookPath: noOCR})
	if res.Status != StatusOK || len(res.Pages) != 1 {
		t.Fatalf("status %q (%s), %d pages", res.Status, res.Message, len(res.Pages))
	}
	p := res.Pages[0]
	if p.Extractor != ExtractorPoppler || p.Quality < 0.8 || !strings.Contains(p.Text, "わたくしといふ現象は") {
		t.Errorf("page 1: extractor %q, quality %.2f, text %.80q; want poppler's Japanese text", p.Extractor, p.Quality, p.Text)
	}

	// A document we read well keeps our text: pdftotext is not even run.
	native = nativePage
	res = File(corpus.Path(t, "contracts", "Example-Mutual-Non-Disclosure-Agreement.pdf"), Options{LookPath: noOCR})
	if res.Status != StatusOK || extractors(res.Pages) != "native:2" {
		t.Errorf("NDA: status %q, pages from %s; want ok, native:2", res.Status, extractors(res.Pages))
	}
}

func TestGarbled(t *testing.T) {
	// Without poppler and OCR, a document read as mojibake is garbled.
	readBadly(t)
	res := File(corpus.Path(t, "tricky", "jo.pdf"), Options{LookPath: noTools})
	native = nativePage
	if res.Status != StatusGarbled || res.Message != StatusMessage(StatusGarbled) || len(res.Pages) != 0 {
		t.Fatalf("status %q, message %q, %d pages; want garbled without pages", res.Status, res.Message, len(res.Pages))
	}

	// One page of mojibake among good ones: the document is ok, the page is marked.
	mojibake := textContent("yy hX`qM~q xJ^h;v?ow{qmw hM pbKsw sqM`tdx`Xdx`X`sUMTth`TtqmnZLv?ow{qmw",
		"pb{Txhjfw?oxxyy x GUDwaqTcMTqmvbohX`q`ysUt QM`tdx`Xdx`X`sUMT")
	clause := textContent("The Recipient shall keep the Confidential Information secret and use it only",
		"for the Purpose, and shall not disclose it to any third party without consent.")
	path := tempPDF(t, pagesPDF(clause, mojibake, clause))
	res = File(path, Options{LookPath: noTools})
	if res.Status != StatusOK || len(res.Pages) != 3 {
		t.Fatalf("status %q (%s), %d pages", res.Status, res.Message, len(res.Pages))
	}
	if p := res.Pages[1]; !slices.Contains(p.Warnings, WarnGarbled) || p.Quality >= QualityThreshold {
		t.Errorf("page 2: quality %.2f, warnings %q; want garbled", p.Quality, p.Warnings)
	}
	if p := res.Pages[0]; len(p.Warnings) != 0 || p.Quality < 0.9 {
		t.Errorf("page 1: quality %.2f, warnings %q; want clean", p.Quality, p.Warnings)
	}
	if !slices.Contains(res.Warnings, WarnGarbled) {
		t.Errorf("document warnings %q lack %q", res.Warnings, WarnGarbled)
	}

	// Two garbage pages of three: most pages with text are garbage.
	res = File(tempPDF(t, pagesPDF(mojibake, clause, mojibake)), Options{LookPath: noTools})
	if res.Status != StatusGarbled {
		t.Errorf("two of three pages garbage: status %q, want garbled", res.Status)
	}
}

func TestOCR(t *testing.T) {
	needTools(t)
	// hostile/scanned.pdf is two pages of images of text. (TestRunnerCorpus OCRs both.)
	scanned := corpus.Path(t, "hostile", "scanned.pdf")
	res := File(scanned, Options{OCRMaxPages: 1})
	if res.Status != StatusOK || len(res.Pages) != 2 {
		t.Fatalf("status %q (%s), %d pages", res.Status, res.Message, len(res.Pages))
	}
	p := res.Pages[0]
	if p.Extractor != ExtractorOCR || p.Status != PageOK || p.Quality < QualityThreshold || !strings.Contains(p.Text, "MEMORANDUM") {
		t.Errorf("page 1: extractor %q, status %q, quality %.2f, text %.80q; want OCR text", p.Extractor, p.Status, p.Quality, p.Text)
	}
	// At most OCRMaxPages pages are OCRed; the rest say why they are empty.
	if p := res.Pages[1]; p.Status != PageEmpty || !slices.Contains(p.Warnings, WarnOCRSkipped) || !slices.Contains(res.Warnings, WarnOCRLimit) {
		t.Errorf("page 2: %+v, document warnings %q; want empty, not OCRed for the limit", p, res.Warnings)
	}

	// No OCR starts when the deadline is near.
	res = File(scanned, Options{Deadline: time.Now().Add(time.Second)})
	if res.Status != StatusNoText || res.Message != MsgNoTextOCRLimit {
		t.Errorf("past the deadline: %q %q, want no_text saying OCR hit its limits", res.Status, res.Message)
	}
}

func TestNoTextMessages(t *testing.T) {
	needTools(t)
	scanned := corpus.Path(t, "hostile", "scanned.pdf")
	drawings := tempPDF(t, pagesPDF("0 0 m 100 100 l S"))
	tests := []struct {
		name    string
		path    string
		look    func(string) (string, error)
		message string
		warning string
	}{
		{"scan, OCR not installed", scanned, noOCR, MsgNoTextNoOCR, WarnOCRUnavailable},
		{"scan, no tools at all", scanned, noTools, MsgNoTextNoOCR, WarnOCRUnavailable},
		{"OCR ran and found nothing", drawings, nil, MsgNoTextOCRFoundNothing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := File(tt.path, Options{LookPath: tt.look})
			if res.Status != StatusNoText || res.Message != tt.message {
				t.Errorf("got %q %q, want no_text %q", res.Status, res.Message, tt.message)
			}
			if tt.warning != "" && !slices.Contains(res.Warnings, tt.warning) {
				t.Errorf("warnings %q lack %q", res.Warnings, tt.warning)
			}
		})
	}
	if !strings.Contains(MsgNoTextNoOCR, "OCR is not available on this server") || MsgNoTextNoOCR == MsgNoTextOCRFoundNothing {
		t.Error("the two no_text messages must tell the cases apart")
	}
}

func TestHiddenTextKeepsOurText(t *testing.T) {
	needTools(t)
	// A page where our engine found hidden text never takes pdftotext's text, which would
	// bring the hidden text back; the document reports it.
	x := newExtraction(Options{path: corpus.Path(t, "tricky", "jo.pdf"), LookPath: noOCR}.withDefaults())
	pages := []Page{{Number: 1, Text: "hX`qM~q xJ^h;v?ow{qmw", Extractor: ExtractorNative, Warnings: []string{WarnHiddenText}}}
	pages[0].Quality = Quality(pages[0].Text)
	x.poppler(pages, []bool{true})
	if pages[0].Extractor != ExtractorNative {
		t.Errorf("a page with hidden text took %s text", pages[0].Extractor)
	}
	res := x.decide([]Page{{Number: 1, Text: "Lease agreement between A and B.", Quality: 1, Extractor: ExtractorNative,
		Warnings: []string{WarnHiddenText}}}, 0, 0)
	if res.Status != StatusOK || !slices.Contains(res.Warnings, WarnHiddenText) {
		t.Errorf("status %q, warnings %q; want ok with %q", res.Status, res.Warnings, WarnHiddenText)
	}
}

func TestPasswords(t *testing.T) {
	needTools(t)
	tests := []struct {
		file, password string
		status         string
		message        string
		extractor      string
	}{
		{"hostile/aes128_userpw.pdf", "", StatusEncrypted, StatusMessage(StatusEncrypted), ""},
		{"hostile/aes128_userpw.pdf", "wrong", StatusEncrypted, MsgWrongPassword, ""},
		{"hostile/aes128_userpw.pdf", "user", StatusOK, "", ExtractorNative},
		{"tricky/libreoffice-writer-password.pdf", "openpassword", StatusOK, "", ExtractorNative},
		{"tricky/libreoffice-writer-password.pdf", "permission", StatusEncrypted, MsgWrongPassword, ""},
		{"tricky/encrypted-40-bit-R3.pdf", "623", StatusOK, "", ExtractorPoppler}, // our parser opens it but reads no text
		{"tricky/V4-aes.pdf", "", StatusOK, "", ExtractorNative},                  // empty user password
		{"hostile/aes256_emptyuser.pdf", "", StatusOK, "", ExtractorPoppler},      // AES-256: poppler only
		{"hostile/aes256_emptyuser.pdf", "wrong", StatusEncrypted, MsgWrongPassword, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.password, func(t *testing.T) {
			res := File(corpus.Path(t, tt.file), Options{Password: tt.password, LookPath: noOCR})
			if res.Status != tt.status || (tt.message != "" && res.Message != tt.message) {
				t.Fatalf("got %q %q, want %q %q", res.Status, res.Message, tt.status, tt.message)
			}
			if tt.extractor != "" && !strings.Contains(extractors(res.Pages), tt.extractor) {
				t.Errorf("pages from %s, want %s", extractors(res.Pages), tt.extractor)
			}
			if tt.password != "" && strings.Contains(joinText(res.Pages)+res.Message, tt.password) {
				t.Errorf("the password shows in the result")
			}
		})
	}
	// Without pdftotext an AES-256 file cannot be read at all.
	res := File(corpus.Path(t, "hostile", "aes256_emptyuser.pdf"), Options{LookPath: noTools})
	if res.Status != StatusEncrypted || res.Message != MsgUnsupportedEncryption {
		t.Errorf("AES-256 without poppler: %q %q", res.Status, res.Message)
	}
}

func TestToolsTimeoutAndMissing(t *testing.T) {
	tl := tools{lookPath: noTools}
	if _, err := tl.popplerPages(t.Context(), "x.pdf"); !errors.Is(err, errNotInstalled) {
		t.Errorf("missing pdftotext: %v, want errNotInstalled", err)
	}
	tl = tools{lookPath: exec.LookPath, deadline: time.Now().Add(200 * time.Millisecond)}
	start := time.Now()
	if _, err := tl.run(t.Context(), time.Minute, nil, "sleep", "10"); err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("a program past the deadline: err %v after %v", err, time.Since(start))
	}
}
