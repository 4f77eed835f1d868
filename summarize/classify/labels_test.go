package classify

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// labelledFile is one file of testdata/labelled: cases scanned with the file's watchlist.
type labelledFile struct {
	About     string         `json:"about"`
	Watchlist []string       `json:"watchlist"`
	Cases     []labelledCase `json:"cases"`
}

// labelledCase is one text and every finding it should give, as "detector|match"; an
// empty Want is a negative example for every detector.
type labelledCase struct {
	ID   string   `json:"id"`
	Text string   `json:"text"`
	Want []string `json:"want"`
	Note string   `json:"note"`
}

// loadLabelled reads every file of testdata/labelled, keyed by file name.
func loadLabelled(t testing.TB) map[string]labelledFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "labelled", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no labelled examples in testdata/labelled: %v", err)
	}
	out := map[string]labelledFile{}
	for _, p := range paths {
		var f labelledFile
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		seen := map[string]bool{}
		for _, c := range f.Cases {
			if c.ID == "" || seen[c.ID] || c.Want == nil {
				t.Fatalf("%s: case %q: every case needs a unique id and a want list", p, c.ID)
			}
			seen[c.ID] = true
			for _, w := range c.Want {
				if _, _, ok := strings.Cut(w, "|"); !ok {
					t.Fatalf("%s: case %s: want %q is not \"detector|match\"", p, c.ID, w)
				}
			}
		}
		out[filepath.Base(p)] = f
	}
	return out
}

// findingKeys returns the distinct "detector|match" of findings.
func findingKeys(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		k := f.Detector + "|" + f.Match
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// tally counts true positives, false positives and false negatives of one detector.
type tally struct{ tp, fp, fn int }

func (t tally) precision() float64 {
	if t.tp+t.fp == 0 {
		return 0
	}
	return float64(t.tp) / float64(t.tp+t.fp)
}

func (t tally) recall() float64 {
	if t.tp+t.fn == 0 {
		return 0
	}
	return float64(t.tp) / float64(t.tp+t.fn)
}

// tallies holds one tally per detector name.
type tallies map[string]*tally

func (ts tallies) get(detector string) *tally {
	if ts[detector] == nil {
		ts[detector] = &tally{}
	}
	return ts[detector]
}

// compare scores the findings of one text against what it should give and returns the
// false positives and false negatives as "detector|match".
func (ts tallies) compare(got, want []string) (fps, fns []string) {
	for _, g := range got {
		det, _, _ := strings.Cut(g, "|")
		if slices.Contains(want, g) {
			ts.get(det).tp++
		} else {
			ts.get(det).fp++
			fps = append(fps, g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			det, _, _ := strings.Cut(w, "|")
			ts.get(det).fn++
			fns = append(fns, w)
		}
	}
	return fps, fns
}

// scoreLabelled scans every labelled case and adds it to ts; misses are logged.
func scoreLabelled(t *testing.T, ts tallies) (cases int) {
	t.Helper()
	files := loadLabelled(t)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f := files[n]
		for _, c := range f.Cases {
			got := findingKeys(Scan([]Page{{Number: 1, Text: c.Text}}, Options{Watchlist: f.Watchlist}))
			fps, fns := ts.compare(got, c.Want)
			if len(fps)+len(fns) > 0 {
				t.Logf("%s %s: false positives %q, missed %q", n, c.ID, fps, fns)
			}
			cases++
		}
	}
	return cases
}

// rateTable formats precision and recall per detector, in the order of Detectors.
func rateTable(ts tallies) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| detector | TP | FP | FN | precision | recall |\n|---|---:|---:|---:|---:|---:|\n")
	rate := func(num, den int) string {
		if den == 0 {
			return "-"
		}
		return fmt.Sprintf("%.3f", float64(num)/float64(den))
	}
	for _, d := range Detectors() {
		c := ts.get(d.Name)
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %s |\n", d.Name, c.tp, c.fp, c.fn, rate(c.tp, c.tp+c.fp), rate(c.tp, c.tp+c.fn))
	}
	return b.String()
}
