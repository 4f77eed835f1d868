package classify

import (
	"testing"
	"unicode/utf8"
)

// FuzzScan feeds arbitrary text to Scan: it must not panic, and its findings must name a
// listed detector, the page, a non-empty match and a positive count.
func FuzzScan(f *testing.F) {
	for _, lf := range loadLabelled(f) {
		for _, c := range lf.Cases {
			f.Add(c.Text)
		}
	}
	f.Add("ATTORNEY-\n\n-\nWITHOUT PREJUDICE\r\n\u200b+(\n1-")
	cat := map[string]string{}
	for _, d := range Detectors() {
		cat[d.Name] = d.Category
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, fd := range Scan([]Page{{Number: 9, Text: text}}, Options{Watchlist: []string{"Acme Holdings", "Ito"}}) {
			if cat[fd.Detector] != fd.Category || fd.Page != 9 || fd.Match == "" || fd.Count < 1 {
				t.Errorf("bad finding %+v", fd)
			}
		}
		n := Normalize(text)
		if !utf8.ValidString(n) || Normalize(n) != n {
			t.Errorf("Normalize(%q) = %q: invalid or not idempotent", text, n)
		}
	})
}
