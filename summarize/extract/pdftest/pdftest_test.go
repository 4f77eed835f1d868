package pdftest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"precis/summarize/extract"
	"precis/summarize/extract/pdftest"
)

// TestTextReadsBack writes a two-page file and reads it with Precis's own extraction.
func TestTextReadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(path, pdftest.Text([]string{"First page, first line.", "Second line."}, []string{"Page two."}), 0o600); err != nil {
		t.Fatal(err)
	}
	res := extract.File(path, extract.Options{})
	if res.Status != extract.StatusOK || len(res.Pages) != 2 {
		t.Fatalf("status %s, %d pages: %s", res.Status, len(res.Pages), res.Message)
	}
	if !strings.Contains(res.Pages[0].Text, "Second line.") || !strings.Contains(res.Pages[1].Text, "Page two.") {
		t.Fatalf("text %q / %q", res.Pages[0].Text, res.Pages[1].Text)
	}
}
