package pdftext

import (
	"os/exec"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
)

// Benchmarks; run with -cpu 1 to measure one core:
//
//	go test -run '^$' -bench . -cpu 1 ./summarize/extract/pdftext/

// benchDocs opens the corpus contracts that ledongthuc/pdf can open.
func benchDocs(b *testing.B) (paths []string, docs [][]pdf.Page, pages int) {
	for _, path := range corpusFiles(b, "contracts") {
		pp, err := openPages(path)
		if err != nil {
			continue
		}
		paths = append(paths, path)
		docs = append(docs, pp)
		pages += len(pp)
	}
	if pages == 0 {
		b.Skip("no corpus contracts could be opened")
	}
	return paths, docs, pages
}

// BenchmarkExtract extracts every page of the corpus contracts, one Extractor per
// document as the extractor uses it, and reports pages per second.
func BenchmarkExtract(b *testing.B) {
	_, docs, pages := benchDocs(b)
	start := time.Now()
	n := 0
	for b.Loop() {
		for _, doc := range docs {
			e := NewExtractor(Options{})
			for _, p := range doc {
				if _, err := e.ExtractPage(p); err != nil {
					b.Log(err)
				}
			}
		}
		n++
	}
	b.ReportMetric(float64(n*pages)/time.Since(start).Seconds(), "pages/s")
}

// BenchmarkPdftotext runs poppler's pdftotext on the same files, for comparison.
func BenchmarkPdftotext(b *testing.B) {
	needPdftotext(b)
	paths, _, pages := benchDocs(b)
	start := time.Now()
	n := 0
	for b.Loop() {
		for _, path := range paths {
			if err := exec.Command("pdftotext", "-enc", "UTF-8", path, "/dev/null").Run(); err != nil {
				b.Log(err)
			}
		}
		n++
	}
	b.ReportMetric(float64(n*pages)/time.Since(start).Seconds(), "pages/s")
}

// BenchmarkGrowth extracts generated Word-like documents of 10 and 800 pages. The 800-page
// run reports its cost per page relative to the 10-page run (goal: at most 1.2).
func BenchmarkGrowth(b *testing.B) {
	var perPage10 float64
	for _, n := range []int{10, 800} {
		pages := pagesOf(b, wordLikeDoc(n))
		b.Run(itoa(n), func(b *testing.B) {
			start := time.Now()
			k := 0
			for b.Loop() {
				e := NewExtractor(Options{})
				for _, p := range pages {
					if _, err := e.ExtractPage(p); err != nil {
						b.Fatal(err)
					}
				}
				k++
			}
			perPage := time.Since(start).Seconds() / float64(k*n)
			b.ReportMetric(1/perPage, "pages/s")
			if n == 10 {
				perPage10 = perPage
			} else if perPage10 > 0 {
				b.ReportMetric(perPage/perPage10, "cost/page-vs-10")
			}
		})
	}
}

// wordLikeDoc generates a Word-like document of n pages sharing one font.
func wordLikeDoc(n int) []byte {
	b := &pdfBuilder{}
	font := b.helveticaFont()
	contents := make([][]byte, n)
	for i := range contents {
		contents[i] = wordLikeContent(i)
	}
	return b.document("<< /Font << /F1 "+itoa(font)+" 0 R >> >>", contents...)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}
