package classify

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"precis/summarize/extract"
	"precis/summarize/extract/corpus"
)

// corpusLabels is testdata/corpus_labels.json: the watchlist the real contracts are
// scanned with and a hand-made label for every finding the detectors made there, plus the
// real instances they missed.
type corpusLabels struct {
	About     string        `json:"about"`
	Watchlist []string      `json:"watchlist"`
	Labels    []corpusLabel `json:"labels"`
}

// corpusLabel says whether a finding on a page of a contract is real. Real labels the
// detectors do not produce are false negatives; produced findings labelled not real are
// false positives.
type corpusLabel struct {
	File    string `json:"file"`
	Page    int    `json:"page"`
	Finding string `json:"finding"` // "detector|match"
	Real    bool   `json:"real"`
	Note    string `json:"note"`
}

func (l corpusLabel) key() string { return fmt.Sprintf("%s|p%d|%s", l.File, l.Page, l.Finding) }

func loadCorpusLabels(t testing.TB) corpusLabels {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "corpus_labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cl corpusLabels
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cl); err != nil {
		t.Fatalf("testdata/corpus_labels.json: %v", err)
	}
	return cl
}

// corpusDoc is the extracted text of one contract.
type corpusDoc struct {
	name  string
	pages []Page
}

var (
	corpusOnce sync.Once
	corpusDocs []corpusDoc
	corpusErr  error
)

// corpusContracts extracts every PDF of ../shared/corpus/contracts once per test binary,
// in this process, with the server's extraction code (package extract) and our own text
// engine only: no OCR and no poppler, so that the text, and with it the labels, does not
// depend on the versions of tools installed on the machine.
func corpusContracts(t testing.TB) []corpusDoc {
	t.Helper()
	dir := corpus.Path(t, "contracts")
	corpusOnce.Do(func() {
		paths, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil || len(paths) == 0 {
			corpusErr = fmt.Errorf("no contracts in %s: %v", dir, err)
			return
		}
		slices.Sort(paths)
		opts := extract.Options{
			OCRMaxPages: -1,
			LookPath:    func(string) (string, error) { return "", exec.ErrNotFound },
		}
		for _, p := range paths {
			res := extract.File(p, opts)
			if res.Status != extract.StatusOK {
				corpusErr = fmt.Errorf("%s: extraction ended %q: %s", filepath.Base(p), res.Status, res.Message)
				return
			}
			doc := corpusDoc{name: filepath.Base(p)}
			for _, pg := range res.Pages {
				doc.pages = append(doc.pages, Page{Number: pg.Number, Text: pg.Text})
			}
			corpusDocs = append(corpusDocs, doc)
		}
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusDocs
}

// scoreCorpus scans the contracts, adds the labelled findings to ts and returns the
// findings no label covers, as labels to fill in, and the labels of files not in the corpus.
func scoreCorpus(t *testing.T, ts tallies) (unlabelled []corpusLabel, stale []string) {
	t.Helper()
	cl := loadCorpusLabels(t)
	labels := map[string]corpusLabel{}
	for _, l := range cl.Labels {
		if _, dup := labels[l.key()]; dup {
			t.Fatalf("corpus label %s is listed twice", l.key())
		}
		labels[l.key()] = l
	}
	seenFiles := map[string]bool{}
	found := map[string]bool{}
	for _, doc := range corpusContracts(t) {
		seenFiles[doc.name] = true
		for _, f := range Scan(doc.pages, Options{Watchlist: cl.Watchlist}) {
			l := corpusLabel{File: doc.name, Page: f.Page, Finding: f.Detector + "|" + f.Match}
			if found[l.key()] {
				continue
			}
			found[l.key()] = true
			lab, ok := labels[l.key()]
			switch {
			case !ok:
				unlabelled = append(unlabelled, l)
			case lab.Real:
				ts.get(f.Detector).tp++
			default:
				ts.get(f.Detector).fp++
			}
		}
	}
	for _, l := range cl.Labels {
		det, _, _ := strings.Cut(l.Finding, "|")
		switch {
		case !seenFiles[l.File]:
			stale = append(stale, l.key())
		case !found[l.key()] && l.Real:
			ts.get(det).fn++
			t.Logf("corpus: missed %s (%s)", l.key(), l.Note)
		case !found[l.key()]:
			t.Logf("corpus: false positive %s is no longer reported; its label can go", l.key())
		}
	}
	return unlabelled, stale
}

// TestCorpusFindingsLabelled runs the detectors over the real contracts and requires a
// hand-made label for every finding, so that a change in what they find there is seen.
func TestCorpusFindingsLabelled(t *testing.T) {
	ts := tallies{}
	unlabelled, stale := scoreCorpus(t, ts)
	for _, k := range stale {
		t.Errorf("corpus label %s names a file that is not in the corpus", k)
	}
	if len(unlabelled) > 0 {
		out, _ := json.MarshalIndent(unlabelled, "", "  ")
		t.Errorf("%d findings in the contracts have no label: check each against the page text and add it to testdata/corpus_labels.json with \"real\" and a note:\n%s", len(unlabelled), out)
	}
	t.Logf("contracts:\n%s", rateTable(ts))
}
