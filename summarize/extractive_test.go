package summarize

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"precis/storage"
)

func TestTopic(t *testing.T) {
	tests := []struct{ sentence, want string }{
		{"This Agreement shall be governed by the laws of the State of New York.", "Governing law and disputes"},
		{"The fees payable shall cease upon termination of this Agreement.", "Termination"},
		{"Distributor will indemnify Google against all liabilities and legal fees.", "Liability and indemnity"},
		{"Invoices are payable within thirty days.", "Payment"},
		{"This Agreement is entered into by and between Acme Inc. and Beta LLC.", "Parties"},
		{"The sky is blue over the warehouse.", "Other provisions"},
	}
	for _, tt := range tests {
		if got := topic(tt.sentence); got != tt.want {
			t.Errorf("topic(%q) = %q, want %q", tt.sentence, got, tt.want)
		}
	}
}

func TestExtractiveDeterministicAndCited(t *testing.T) {
	var pages []storage.Page
	for n := 1; n <= 12; n++ {
		pages = append(pages, storage.Page{Number: n, Text: strings.Repeat(
			"Either party may terminate this Agreement upon thirty days written notice to the other party. "+
				"The Distributor shall pay all fees within forty-five days of the invoice date. "+
				"Page filler sentence number that says very little of interest here. ", 5)})
	}
	chunks := Split(pages, 3000, 4)
	run := func() Result {
		res, err := (&Engine{Backend: Extractive{}}).Run(context.Background(), chunks, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(), run()
	if len(a.Sections) == 0 {
		t.Fatal("no sections")
	}
	if got, want := render(a.Sections), render(b.Sections); got != want {
		t.Errorf("two runs differ:\n%s\n---\n%s", got, want)
	}
	for _, s := range a.Sections {
		for _, p := range s.Points {
			if len(p.Pages) != 1 || p.Pages[0] < 1 || p.Pages[0] > 12 {
				t.Errorf("point %q cites %v", p.Text, p.Pages)
			}
			if !strings.Contains(pages[p.Pages[0]-1].Text, strings.TrimSuffix(p.Text, " …")) {
				t.Errorf("point %q is not a sentence of its cited page", p.Text)
			}
		}
	}
}

func render(secs []storage.Section) string {
	var sb strings.Builder
	for _, s := range secs {
		sb.WriteString(s.Title + "\n")
		for _, p := range s.Points {
			fmt.Fprintf(&sb, "%s %v\n", p.Text, p.Pages)
		}
	}
	return sb.String()
}
