package classify

import (
	"slices"
	"testing"
)

func TestSSNValid(t *testing.T) {
	for _, tt := range []struct {
		digits string
		want   bool
	}{
		{"536224879", true}, {"001010001", true}, {"899999999", true}, {"665999999", true}, {"667010001", true},
		{"000224879", false}, {"666224879", false}, {"900224879", false}, {"999224879", false},
		{"536004879", false}, {"536220000", false}, {"078051120", false}, {"219099999", false},
		{"123456789", false}, {"53622487", false},
	} {
		if got := ssnValid([]byte(tt.digits)); got != tt.want {
			t.Errorf("ssnValid(%s) = %v, want %v", tt.digits, got, tt.want)
		}
	}
}

func TestSSNForms(t *testing.T) {
	const want = DetectorSSN + "|SSN ***-**-4879"
	for _, tt := range []struct {
		text  string
		found bool
	}{
		{"SSN 536-22-4879", true},
		{"SSN 536 22 4879", true},
		{"SSN 536224879", true},
		{"SSN 536-22 4879", false},             // mixed separators
		{"DOB 1/2/1980, 536-22-4879", true},    // weak context, dashed
		{"DOB 1/2/1980, 536 22 4879", false},   // weak context, not dashed
		{"social security: 536 22 4879", true}, // strong context, spaced
		{"The SSN field is described in the annex to the handbook on page four of the manual; reference number 536-22-4879", false}, // too far
	} {
		if got := slices.Contains(keys(tt.text, Options{}), want); got != tt.found {
			t.Errorf("%q: found = %v, want %v", tt.text, got, tt.found)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	for _, tt := range []struct {
		domain string
		want   bool
	}{
		{"acme.com", true}, {"mail.acme.co.uk", true}, {"acme-legal.de", true}, {"acme.consulting", true},
		{"acme", false}, {"acme.c", false}, {"acme.123", false}, {"-acme.com", false}, {"acme-.com", false},
		{"acme..com", false}, {"2x.png", false}, {"example.com", false}, {"mail.example.org", false},
		{"site.test", false}, {"localhost", false},
	} {
		if got := emailDomain(tt.domain); got != tt.want {
			t.Errorf("emailDomain(%s) = %v, want %v", tt.domain, got, tt.want)
		}
	}
}

func TestPhoneRegions(t *testing.T) {
	const text = "Tel. 030 901820"
	const want = DetectorPhone + "|phone +49 ending 1820"
	if got := keys(text, Options{}); slices.Contains(got, want) {
		t.Errorf("default regions (US, GB) read %q as a German number: %q", text, got)
	}
	if got := keys(text, Options{PhoneRegions: []string{"de"}}); !slices.Contains(got, want) {
		t.Errorf("with region DE: %q, want %s", got, want)
	}
	if got := keys(text, Options{PhoneRegions: []string{}}); slices.Contains(got, want) {
		t.Errorf("with no regions: %q, want no national reading", got)
	}
	if got := keys("Tel. +49 30 901820", Options{PhoneRegions: []string{}}); !slices.Contains(got, want) {
		t.Errorf("an international number needs no region: %q", got)
	}
}

func TestPhoneNeedsLabelOrShape(t *testing.T) {
	for _, tt := range []struct {
		text  string
		found bool
	}{
		{"(415) 555-0132", true},     // North American shape
		{"1-415-555-0132", true},     // North American shape
		{"+1 415 555 0132", true},    // country code
		{"415-555-0132", false},      // could be any code
		{"Phone 415-555-0132", true}, // label
		{"Phone: the number is 415-555-0132", true},
		{"Our phone lines are open Monday to Friday from nine to five; reference 415-555-0132", false}, // label too far
		{"Phone: 415-555-013", false}, // too short to be valid
	} {
		got := slices.ContainsFunc(keys(tt.text, Options{}), func(k string) bool { return k == DetectorPhone+"|phone +1 ending 0132" })
		if got != tt.found {
			t.Errorf("%q: found = %v, want %v", tt.text, got, tt.found)
		}
	}
}
