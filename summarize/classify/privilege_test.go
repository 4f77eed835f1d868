package classify

import (
	"slices"
	"testing"
)

func TestPrivilegeRules(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       []string // marker names
	}{
		{"legend in capitals", "ATTORNEY WORK PRODUCT\n\nNotes", []string{"attorney work product"}},
		{"legend in lower case is not one", "attorney work product\n\nNotes", nil},
		{"bare privileged in Title Case is not a legend", "Privileged\n\nNotes", nil},
		{"bare privileged in capitals", "PRIVILEGED\n\nNotes", []string{"privileged"}},
		{"lead word makes a sentence", "waive the Attorney-Client Privilege\n", nil},
		{"non-legend word beside", "DISMISSED WITHOUT PREJUDICE", nil},
		{"punctuation separates", "DRAFT \u2013 WITHOUT PREJUDICE", []string{"without prejudice"}},
		{"too many other words", "Privileged and Confidential notes of the meeting held with the regulator on Tuesday last week\n", nil},
		{"continues from the line before", "all documents that are\nPrivileged and Confidential\n", nil},
		{"continues into the next line", "Privileged and Confidential\ninformation shall be returned", nil},
		{"heading above does not continue", "MEMORANDUM\nPrivileged and Confidential\n", []string{"privileged and confidential"}},
		{"clause heading", "12.3 Attorney Work Product\n", nil},
		{"without prejudice to", "WITHOUT PREJUDICE TO CLAUSE 4", nil},
		{"without prejudice, to a To: line", "WITHOUT PREJUDICE\nTo: the Claimant", []string{"without prejudice"}},
		{"self label", "This letter is sent without prejudice.", []string{"without prejudice"}},
		{"self label negated", "This letter does not waive any privilege and is not privileged.", nil},
		{"self label after the phrase", "Privileged and confidential material may be contained in this e-mail.", []string{"privileged and confidential"}},
		{"self label in another sentence", "This letter sets out our position. The documents were privileged.", nil},
		{"hyphenated across lines", "ATTORNEY-\nCLIENT PRIVILEGED\n", []string{"attorney-client privileged"}},
		{"unprivileged is not privileged", "This memo is unprivileged.", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			findPrivilege(newPageText(tt.text), func(m string, _, _ int) { got = append(got, m) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("%q: markers %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFoldPage(t *testing.T) {
	s := Normalize("Attor-\nney  Work\n\nPro-\n  duct \u2019x\u2019")
	f := foldPage(s)
	if want := "attorney work product 'x'"; f.text != want {
		t.Errorf("foldPage = %q, want %q", f.text, want)
	}
	if len(f.pos) != len(f.text) {
		t.Fatalf("%d positions for %d bytes", len(f.pos), len(f.text))
	}
	for k := range f.text {
		if c := s[f.pos[k]]; f.text[k] != ' ' && f.text[k] != '\'' && asciiLower(string(c))[0] != f.text[k] {
			t.Errorf("position %d of %q maps to %q", k, f.text[k], c)
		}
	}
}
