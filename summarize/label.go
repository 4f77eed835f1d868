package summarize

import (
	"context"
	"fmt"
	"strings"

	"precis/storage"
	"precis/summarize/classify"
	"precis/summarize/policy"
)

// Scanner runs the detectors over a document's pages; the watchlist is the policy's.
type Scanner func(pages []storage.Page, watchlist []string) []storage.Finding

// Labeler runs the detectors once on a document's extracted text and raises its label to
// the most sensitive label its findings imply. It never lowers a label.
type Labeler struct {
	Store    *storage.Store
	Policies PolicySource
	Scan     Scanner
}

// Classify scans the document and saves the findings with any label change, in one
// transaction. A document with no label yet (stored before labels existed) gets the
// policy's default label first.
func (l *Labeler) Classify(ctx context.Context, docID int64) error {
	pol, err := l.Policies.Current(ctx)
	if err != nil {
		return err
	}
	pages, err := l.Store.Pages(ctx, docID)
	if err != nil {
		return err
	}
	findings := l.Scan(ReadablePages(pages), pol.Watchlist)
	for attempt := 0; ; attempt++ {
		doc, err := l.Store.Document(ctx, docID)
		if err != nil {
			return err
		}
		raise := Raise(pol, doc.LabelID, findings)
		if raise != nil {
			raise.DocumentID = docID
		}
		err = l.Store.SaveFindings(ctx, docID, findings, raise)
		if storage.ErrorCode(err) != storage.ECONFLICT || attempt == 2 {
			return err
		}
	}
}

// Raise returns the label change the findings call for on a document labelled from, or
// nil when the label stays. A document without a label (0) gets at least the default one.
func Raise(pol *policy.Policy, from int, findings []storage.Finding) *storage.LabelChange {
	to, source := from, storage.LabelByDetector
	if _, ok := pol.LabelByID(from); !ok {
		def, _ := pol.Label(pol.DefaultLabel)
		to, source = def.ID, storage.LabelByBacklog
	}
	base := to
	var why []string
	seen := map[string]bool{}
	for _, f := range findings {
		l, ok := pol.LabelFor(f.Detector, f.Category)
		if !ok || pol.Rank(l.ID) <= pol.Rank(base) {
			continue
		}
		to = pol.Raise(to, l.ID)
		if key := f.Detector + "/" + l.Name; !seen[key] {
			seen[key] = true
			why = append(why, fmt.Sprintf("%s on p. %d (implies %s)", f.Detector, f.Page, l.Name))
		}
	}
	if to == from {
		return nil
	}
	reason := "detectors: " + strings.Join(why, ", ")
	if len(why) == 0 {
		reason = "the default label " + pol.DefaultLabel + ", given to a document stored before labels existed"
	} else if source == storage.LabelByBacklog {
		source = storage.LabelByDetector
	}
	fromL, _ := pol.LabelByID(from)
	toL, _ := pol.LabelByID(to)
	return &storage.LabelChange{From: from, To: to, FromName: fromL.Name, ToName: toL.Name,
		Actor: storage.SystemActor, Source: source, Reason: reason}
}

// Detect is the Scanner of the classify detectors.
func Detect(pages []storage.Page, watchlist []string) []storage.Finding {
	in := make([]classify.Page, len(pages))
	for i, p := range pages {
		in[i] = classify.Page{Number: p.Number, Text: p.Text}
	}
	var out []storage.Finding
	for _, f := range classify.Scan(in, classify.Options{Watchlist: watchlist}) {
		out = append(out, storage.Finding{Detector: f.Detector, Category: f.Category, Page: f.Page, Match: f.Match, Count: f.Count})
	}
	return out
}
