package classify

// Span is one occurrence of personal data: Text[Start:End] of the normalized text, found
// by the named detector.
type Span struct {
	Start, End int
	Detector   string
}

// PersonalData normalizes text (see Normalize) and returns it with the spans of every
// personal-data finding in it (cards, IBANs, SSNs, e-mail addresses, phone numbers), in the
// order found. Redaction replaces these spans before text leaves for an external model.
func PersonalData(text string, opts Options) (string, []Span) {
	p := newPageText(text)
	var out []Span
	for _, d := range detectors {
		if d.Category != CategoryPersonalData {
			continue
		}
		f := d.newFinder(opts)
		if f == nil {
			continue
		}
		f(p, func(_ string, start, end int) {
			if 0 <= start && start < end && end <= len(p.s) {
				out = append(out, Span{Start: start, End: end, Detector: d.Name})
			}
		})
	}
	return p.s, out
}
