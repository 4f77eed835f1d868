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
	storage.ExtractGarbled:   true,
	storage.ExtractDamaged:   true,
	storage.ExtractTooLarge:  true,
}

// refusedLabels are the short status labels of refused documents; others are "Refused".
var refusedLabels = map[string]string{
	storage.ExtractEncrypted: "Needs a password",
	storage.ExtractNoText:    "No text",
	storage.ExtractGarbled:   "Unreadable text",
}

// refusedLabel is the status label of a document refused with status.
func refusedLabel(status string) string {
	if l, ok := refusedLabels[status]; ok {
		return l
	}
	return "Refused"
}

// needsPassword reports whether a password could open the document: it is encrypted, and
// not in a way nothing here can read.
func needsPassword(d *storage.Document) bool {
	return d.ExtractStatus == storage.ExtractEncrypted && d.ExtractMessage != extract.MsgUnsupportedEncryption
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
