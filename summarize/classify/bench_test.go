package classify

import (
	"fmt"
	"testing"
)

// contractPages returns n pages of real contract text: the pages of the corpus contracts
// one after the other, repeated as needed, numbered 1 to n.
func contractPages(b *testing.B, n int) ([]Page, int) {
	b.Helper()
	var all []Page
	for _, d := range corpusContracts(b) {
		all = append(all, d.pages...)
	}
	pages := make([]Page, n)
	bytes := 0
	for i := range pages {
		pages[i] = Page{Number: i + 1, Text: all[i%len(all)].Text}
		bytes += len(pages[i].Text)
	}
	return pages, bytes
}

// BenchmarkScan scans an 800-page document made of the corpus contracts' pages, with a
// watchlist of 1,000 names.
func BenchmarkScan(b *testing.B) {
	pages, size := contractPages(b, 800)
	watch := make([]string, 1000)
	for i := range watch {
		watch[i] = fmt.Sprintf("Client Number %d Holdings", i)
	}
	watch[0], watch[1] = "Monsanto", "Western Copper"
	opts := Options{Watchlist: watch}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		Scan(pages, opts)
	}
}
