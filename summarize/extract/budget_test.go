package extract

import (
	"os"
	"path/filepath"
	"precis/summarize/extract/pdftext"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
)

// TestReadBudgetHeadroom measures how many times over real documents read their file (the
// read amplification, each read counted as at least minReadCost) and checks the budget leaves
// at least 4x headroom. Measured with ledongthuc/pdf 2026-09: at most ~37x (small files with
// object streams), CERES (1.5 MB, 154 pages) ~13x.
func TestReadBudgetHeadroom(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir(t, "contracts"), "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no contracts: %v", err)
	}
	for _, name := range []string{"GeoTopo-komprimiert.pdf", "xref-compressed-in-compressed.pdf", "V4-aes.pdf"} {
		files = append(files, filepath.Join(corpusDir(t, "tricky"), name))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data, ok := normalize(data)
		if !ok {
			t.Fatalf("%s: no header", path)
		}
		b := newBudgetReader(data)
		r, err := pdf.NewReader(b, int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		pages, err := walkPages(r, 5000)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		for _, p := range pages {
			pageText(pdftext.NewExtractor(pdftext.Options{}), p)
		}
		budget := budgetBase + budgetFactor*int64(len(data))
		t.Logf("%-50.50s %8d bytes, read %5.1fx, budget used %4.1f%%", filepath.Base(path), len(data),
			float64(b.used())/float64(len(data)), 100*float64(b.used())/float64(budget))
		if b.exceeded() || b.used()*4 > budget {
			t.Errorf("%s: read %d of a %d budget, want under a quarter", filepath.Base(path), b.used(), budget)
		}
	}
}

// TestReadBudgetStopsLoops checks that files the parser would loop on forever end quickly as
// damaged, in this process, without relying on the CPU limit.
func TestReadBudgetStopsLoops(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpusDir(t, "hostile"), "xref_prev_loop.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := extractBytes(data, Options{}.withDefaults())
	if res.Status != StatusDamaged {
		t.Errorf("xref /Prev loop: status %q, want %q", res.Status, StatusDamaged)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("xref /Prev loop took %v", d)
	}

	b := newBudgetReader(make([]byte, 100))
	func() {
		defer func() {
			if r := recover(); r != errReadBudget {
				t.Errorf("recovered %v, want errReadBudget", r)
			}
		}()
		buf := make([]byte, 10)
		for range (budgetBase+budgetFactor*100)/minReadCost + 2 {
			b.ReadAt(buf, 50)
		}
	}()
	if !b.exceeded() {
		t.Error("exceeded() = false after the budget ran out")
	}
}
