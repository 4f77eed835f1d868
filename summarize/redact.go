package summarize

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"precis/summarize/classify"
)

// Span is a piece of personal data found in a text: Text[Start:End] is of the given Kind
// ("email", "card", ...). Offsets are bytes into the text the finder returns.
type Span struct {
	Start, End int
	Kind       string
}

// SpanFinder finds personal data in a text. It may normalize the text first (Unicode
// forms, invisible characters); it returns the text its offsets refer to.
type SpanFinder func(text string) (string, []Span)

// NewRedactor returns the redactor of one job: each distinct value found becomes a
// placeholder such as [EMAIL_1], the same one in every call of the job, and Restore puts
// the values back into what the model wrote. It is safe for concurrent use.
func NewRedactor(find SpanFinder) Redactor {
	return &placeholders{find: find, byValue: map[string]string{}, byHolder: map[string]string{}, count: map[string]int{}}
}

type placeholders struct {
	find SpanFinder

	mu       sync.Mutex
	byValue  map[string]string
	byHolder map[string]string
	count    map[string]int
}

// Redact implements Redactor.
func (r *placeholders) Redact(text string) string {
	text, spans := r.find(text)
	r.mu.Lock()
	defer r.mu.Unlock()
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	var b strings.Builder
	last := 0
	for _, s := range spans {
		if s.Start < last || s.End > len(text) || s.Start >= s.End {
			continue // overlapping or out of range: the earlier span already covers it
		}
		b.WriteString(text[last:s.Start])
		b.WriteString(r.holder(text[s.Start:s.End], s.Kind))
		last = s.End
	}
	b.WriteString(text[last:])
	out := b.String()
	// Values seen in earlier calls of the job are replaced wherever they appear again,
	// even where the finder would not see them now (a model may quote them without context).
	values := make([]string, 0, len(r.byValue))
	for v := range r.byValue {
		values = append(values, v)
	}
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, v := range values {
		out = strings.ReplaceAll(out, v, r.byValue[v])
	}
	return out
}

func (r *placeholders) holder(value, kind string) string {
	if h, ok := r.byValue[value]; ok {
		return h
	}
	kind = strings.ToUpper(kind)
	r.count[kind]++
	h := fmt.Sprintf("[%s_%d]", kind, r.count[kind])
	r.byValue[value], r.byHolder[h] = h, value
	return h
}

// Restore implements Redactor.
func (r *placeholders) Restore(text string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.byHolder) == 0 || !strings.Contains(text, "[") {
		return text
	}
	pairs := make([]string, 0, 2*len(r.byHolder))
	for h, v := range r.byHolder {
		pairs = append(pairs, h, v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// placeholderKinds name the placeholders of each personal-data detector.
var placeholderKinds = map[string]string{
	classify.DetectorEmail: "email", classify.DetectorPhone: "phone", classify.DetectorPaymentCard: "card",
	classify.DetectorIBAN: "iban", classify.DetectorSSN: "ssn",
}

// FindPersonalData is the SpanFinder of the classify detectors.
func FindPersonalData(text string) (string, []Span) {
	norm, spans := classify.PersonalData(text, classify.Options{})
	out := make([]Span, 0, len(spans))
	for _, s := range spans {
		kind := placeholderKinds[s.Detector]
		if kind == "" {
			kind = "personal"
		}
		out = append(out, Span{Start: s.Start, End: s.End, Kind: kind})
	}
	return norm, out
}
