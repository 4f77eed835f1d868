package extract

import (
	"context"
	"strconv"
	"time"

	"github.com/ledongthuc/pdf"
)

// OCR settings.
const (
	// DefaultOCRMaxPages is how many pages of one document are OCRed at most.
	DefaultOCRMaxPages = 50
	// ocrDPI is the resolution pages are rendered at for tesseract.
	ocrDPI = 300
	// maxOCRPixels bounds the longer side of a rendered page (20 inches at 300 dpi), so a
	// page with an absurd MediaBox is rendered at a lower resolution instead of gigapixels.
	maxOCRPixels = 6000
	// ocrStepTimeout bounds rendering one page, and OCRing it.
	ocrStepTimeout = 60 * time.Second
	// ocrMinTimeLeft is the time that must be left before the deadline to start a page.
	ocrMinTimeLeft = 5 * time.Second
)

// ocrPage renders page n (from 1) of the PDF at path at dpi and returns the text tesseract
// reads on it. The image goes from pdftoppm to tesseract through memory, never to disk.
func (t tools) ocrPage(ctx context.Context, path string, n, dpi int) (string, error) {
	args := []string{"-r", strconv.Itoa(dpi), "-f", strconv.Itoa(n), "-l", strconv.Itoa(n),
		"-png", "-gray", "-singlefile"}
	args = append(append(args, t.passwordArgs()...), "--", path)
	img, err := t.run(ctx, ocrStepTimeout, nil, pdftoppmCmd, args...)
	if err != nil || len(img) == 0 {
		return "", err
	}
	// --psm 1: page segmentation with orientation detection, so rotated pages read right.
	out, err := t.run(ctx, ocrStepTimeout, img, tesseractCmd, "-", "-", "-l", "eng", "--psm", "1")
	if err != nil {
		return "", err
	}
	return cleanText(string(out)), nil
}

// pageDPI returns the resolution at which page p renders within maxOCRPixels: ocrDPI for
// ordinary pages, less for huge ones.
func pageDPI(p pdf.Page) (dpi int) {
	defer func() {
		if recover() != nil {
			dpi = ocrDPI
		}
	}()
	box := p.V
	for i := 0; i < maxTreeDepth && box.Key("MediaBox").IsNull() && !box.Key("Parent").IsNull(); i++ {
		box = box.Key("Parent") // MediaBox is inheritable
	}
	mb := box.Key("MediaBox")
	if mb.Len() != 4 {
		return ocrDPI
	}
	w := abs(mb.Index(2).Float64() - mb.Index(0).Float64())
	h := abs(mb.Index(3).Float64() - mb.Index(1).Float64())
	longest := max(w, h) / 72 // inches
	if longest <= 0 {
		return ocrDPI
	}
	return max(36, min(ocrDPI, int(maxOCRPixels/longest)))
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
