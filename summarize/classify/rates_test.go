package classify

import "testing"

// Thresholds every detector must meet on the labelled examples and the real contracts
// together; docs/DETECTORS.md explains the choice.
const (
	minPrecision = 0.95
	minRecall    = 0.90
)

// TestDetectorRates measures precision and recall per detector over the labelled examples
// (testdata/labelled) and the labelled findings in the real contracts
// (testdata/corpus_labels.json), logs the table and fails below the thresholds.
func TestDetectorRates(t *testing.T) {
	ts := tallies{}
	cases := scoreLabelled(t, ts)
	unlabelled, _ := scoreCorpus(t, ts)
	if len(unlabelled) > 0 {
		t.Errorf("%d findings in the contracts have no label: run TestCorpusFindingsLabelled", len(unlabelled))
	}
	t.Logf("%d labelled examples and the labelled contracts:\n%s", cases, rateTable(ts))
	for _, d := range Detectors() {
		c := ts.get(d.Name)
		if c.tp+c.fn < 10 {
			t.Errorf("%s: only %d real instances labelled; at least 10 are needed to measure recall", d.Name, c.tp+c.fn)
		}
		if p := c.precision(); p < minPrecision {
			t.Errorf("%s: precision %.3f is below %.2f (%d false positives)", d.Name, p, minPrecision, c.fp)
		}
		if r := c.recall(); r < minRecall {
			t.Errorf("%s: recall %.3f is below %.2f (%d missed)", d.Name, r, minRecall, c.fn)
		}
	}
}
