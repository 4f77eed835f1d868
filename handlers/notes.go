package handlers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"precis/storage"
	"precis/summarize/extract"
	"precis/web"
)

// extractNotes says how a document's text was read, when the user should know: invisible
// text left out, pages that read as garbage or were not OCRed, scans with no OCR on this
// server.
func (h *Handler) extractNotes(ctx context.Context, d *storage.Document) ([]web.Note, error) {
	switch {
	case d.ExtractStatus == storage.ExtractNoText && d.ExtractMessage == extract.MsgNoTextNoOCR:
		return []web.Note{{Kind: web.NoteNoOCR, Text: "This server has no OCR, so it cannot read scanned pages: " +
			"the PDF has to be run through OCR elsewhere before Precis can summarize it."}}, nil
	case d.ExtractStatus == storage.ExtractGarbled:
		return []web.Note{{Kind: web.NoteGarbled, Text: "Most pages of this PDF read as garbage: its fonts map " +
			"letters to the wrong characters. Precis does not summarize text it cannot read reliably."}}, nil
	case d.ExtractStatus != storage.ExtractOK:
		return nil, nil
	}
	pages, err := h.store.PageInfo(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	var hidden, garbled, skipped []int
	for _, p := range pages {
		w := p.Warnings
		if slices.Contains(w, extract.WarnHiddenText) {
			hidden = append(hidden, p.Number)
		}
		if slices.Contains(w, extract.WarnGarbled) {
			garbled = append(garbled, p.Number)
		}
		if slices.Contains(w, extract.WarnOCRSkipped) {
			skipped = append(skipped, p.Number)
		}
	}
	var notes []web.Note
	if len(hidden) > 0 {
		notes = append(notes, web.Note{Kind: web.NoteHiddenText,
			Text: "This PDF contains invisible text; it was left out of the summary. Found on " + pageList(hidden) + "."})
	}
	if len(garbled) > 0 {
		notes = append(notes, web.Note{Kind: web.NoteGarbled,
			Text: "The text of " + pageList(garbled) + " could not be read reliably, so it was left out of the summary."})
	}
	if len(skipped) > 0 {
		notes = append(notes, web.Note{Kind: web.NoteOCRSkipped,
			Text: "No text was read from " + pageList(skipped) + ": OCR stopped at this server's limits."})
	}
	return notes, nil
}

// pageList names pages for people: "page 3", "pages 2, 5 and 9", "12 pages (2, 3, 4, ...)".
func pageList(numbers []int) string {
	const show = 8
	parts := make([]string, 0, min(len(numbers), show))
	for _, n := range numbers[:min(len(numbers), show)] {
		parts = append(parts, strconv.Itoa(n))
	}
	switch {
	case len(numbers) == 1:
		return "page " + parts[0]
	case len(numbers) > show:
		return fmt.Sprintf("%d pages (%s, ...)", len(numbers), strings.Join(parts, ", "))
	}
	return "pages " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
