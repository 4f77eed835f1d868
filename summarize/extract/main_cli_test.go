package extract

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"precis/summarize/extract/corpus"
)

func TestMainArguments(t *testing.T) {
	dir := t.TempDir()
	twoPages := filepath.Join(dir, "two.pdf")
	write(t, twoPages, pagesPDF(textContent("Confidential clause"), textContent("Governing law")).bytes(t))
	dashed := filepath.Join(dir, "-dashed.pdf")
	write(t, dashed, pagesPDF(textContent("Dashed")).bytes(t))
	notPDF := filepath.Join(dir, "notes.pdf")
	write(t, notPDF, []byte("just some notes"))

	tests := []struct {
		name   string
		args   []string
		code   int
		status string
		pages  int
	}{
		{"file only", []string{twoPages}, ExitOK, StatusOK, 2},
		{"file then flags", []string{twoPages, "--json", "--max-pages", "5"}, ExitOK, StatusOK, 2},
		{"flags then file", []string{"--max-pages=5", "--json", twoPages}, ExitOK, StatusOK, 2},
		{"too many pages", []string{twoPages, "--json", "--max-pages", "1"}, ExitRefused, StatusTooLarge, 0},
		{"file name starting with a dash", []string{"--json", "--", dashed}, ExitOK, StatusOK, 1},
		{"not a PDF", []string{notPDF, "--json"}, ExitRefused, StatusNotPDF, 0},
		{"no file", []string{"--json"}, ExitInternal, StatusInternal, 0},
		{"two files", []string{twoPages, dashed}, ExitInternal, StatusInternal, 0},
		{"unknown flag", []string{"--ocr", twoPages}, ExitInternal, StatusInternal, 0},
		{"zero max pages", []string{"--max-pages", "0", twoPages}, ExitInternal, StatusInternal, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, nil, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			var res Result
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatalf("stdout is not one JSON result: %v: %q", err, stdout.String())
			}
			if res.Status != tt.status || len(res.Pages) != tt.pages || res.Message == "" {
				t.Errorf("got status %q, %d pages, message %q; want %q, %d pages", res.Status, len(res.Pages), res.Message, tt.status, tt.pages)
			}
			if res.Pages == nil {
				t.Error(`"pages" is null, want []`)
			}
		})
	}
}

// TestMainKeepsTextOffStderr checks that document text goes to stdout only: the server logs
// the child's stderr.
func TestMainKeepsTextOffStderr(t *testing.T) {
	path := filepath.Join(corpusDir(t, "hostile"), "hidden_injection.pdf")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{path, "--json"}, nil, &stdout, &stderr); code != ExitOK {
		t.Fatalf("exit code %d, stdout %q", code, stdout.String())
	}
	if !strings.Contains(stdout.String(), "Lease agreement between A and B") {
		t.Errorf("stdout lacks the page text: %q", stdout.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr is not empty: %q", stderr.String())
	}
	if !json.Valid(stdout.Bytes()) || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("stdout is not exactly one JSON line: %q", stdout.String())
	}
}

func TestStatusMessage(t *testing.T) {
	all := []string{StatusOK, StatusNotPDF, StatusEmpty, StatusEncrypted, StatusNoText, StatusGarbled, StatusDamaged, StatusTooLarge, StatusTimeout, StatusInternal}
	seen := map[string]string{}
	for _, s := range all {
		m := StatusMessage(s)
		if m == "" || !strings.HasSuffix(m, ".") {
			t.Errorf("StatusMessage(%q) = %q, want a sentence", s, m)
		}
		if other, dup := seen[m]; dup {
			t.Errorf("%q and %q share the message %q", s, other, m)
		}
		seen[m] = s
	}
	if StatusMessage("bogus") != StatusMessage(StatusInternal) {
		t.Error("an unknown status should get the internal message")
	}
	if !strings.Contains(StatusMessage(StatusNoText), "OCR") || !strings.Contains(StatusMessage(StatusEncrypted), "password") {
		t.Error("no_text must mention OCR and encrypted must mention the password")
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMainJSON checks the fields of the answer: each page's extractor, quality and
// warnings, and the document's warnings.
func TestMainJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.pdf")
	write(t, path, pagesPDF(textContent("The Recipient shall keep the Confidential Information secret."), "0 0 m 9 9 l S").bytes(t))
	var stdout, stderr bytes.Buffer
	if code := Main([]string{path, "--json", "--ocr-max-pages", "0"}, nil, &stdout, &stderr); code != ExitOK {
		t.Fatalf("exit code %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	var raw struct {
		Status   string           `json:"status"`
		Message  string           `json:"message"`
		Warnings []string         `json:"warnings"`
		Pages    []map[string]any `json:"pages"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Status != StatusOK || raw.Warnings == nil || len(raw.Pages) != 2 {
		t.Fatalf("answer %s", stdout.String())
	}
	for _, p := range raw.Pages {
		for _, key := range []string{"number", "text", "status", "extractor", "quality", "warnings"} {
			if _, ok := p[key]; !ok {
				t.Errorf("page %v lacks %q: %v", p["number"], key, p)
			}
		}
	}
	first, second := raw.Pages[0], raw.Pages[1]
	if first["extractor"] != ExtractorNative || first["quality"].(float64) < 0.9 || first["status"] != PageOK {
		t.Errorf("page 1: %v", first)
	}
	if second["status"] != PageEmpty || second["quality"].(float64) != 0 {
		t.Errorf("page 2: %v", second)
	}
	// With --ocr-max-pages 0 the empty page could not be OCRed.
	if !slices.Contains(raw.Warnings, WarnOCRUnavailable) {
		t.Errorf("document warnings %q lack %q", raw.Warnings, WarnOCRUnavailable)
	}
}

// TestMainWithoutOCRTools runs the child with a PATH that holds no OCR programs: a scan is
// no_text, saying OCR is not available.
func TestMainWithoutOCRTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := Main([]string{corpus.Path(t, "hostile", "scanned.pdf")}, nil, &stdout, &stderr)
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if code != ExitRefused || res.Status != StatusNoText || res.Message != MsgNoTextNoOCR {
		t.Errorf("exit %d, %q %q; want no_text saying OCR is not available", code, res.Status, res.Message)
	}
}

func TestMainPasswordStdin(t *testing.T) {
	needTools(t)
	const password = "openpassword"
	path := corpus.Path(t, "tricky", "libreoffice-writer-password.pdf")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"--password-stdin", path}, strings.NewReader(password), &stdout, &stderr)
	if code != ExitOK || !strings.Contains(stdout.String(), "Lorem ipsum") {
		t.Fatalf("exit %d, stdout %.200q", code, stdout.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), password) {
		t.Error("the password shows in the output")
	}
	// The password is read as is: a trailing newline would be part of it.
	stdout.Reset()
	Main([]string{"--password-stdin", path}, strings.NewReader(password+"\n"), &stdout, &stderr)
	if !strings.Contains(stdout.String(), MsgWrongPassword) {
		t.Errorf("password with a newline: %.200q", stdout.String())
	}
}
