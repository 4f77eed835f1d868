package handlers

import (
	"precis/storage"
	"precis/summarize/extract"
)

// refusedStatuses are extraction results that no retry will change: the file
// itself has to be fixed.
var refusedStatuses = map[string]bool{
	storage.ExtractNotPDF:    true,
	storage.ExtractEmptyFile: true,
	storage.ExtractEncrypted: true,
	storage.ExtractNoText:    true,
	storage.ExtractDamaged:   true,
	storage.ExtractTooLarge:  true,
}

// extractFailure says what went wrong reading a document and what to do next:
// the extractor's own message, which is written for users and may be more
// specific ("This PDF has 4000 pages ..."), or else the standard sentence
// for its status.
func extractFailure(d *storage.Document) string {
	if d.ExtractMessage != "" {
		return d.ExtractMessage
	}
	return extract.StatusMessage(d.ExtractStatus)
}
