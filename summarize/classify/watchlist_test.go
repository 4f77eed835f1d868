package classify

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestValidateWatchlist(t *testing.T) {
	many := make([]string, MaxWatchlistEntries+1)
	for i := range many {
		many[i] = fmt.Sprintf("Client %d", i)
	}
	for _, tt := range []struct {
		name    string
		entries []string
		want    string // part of the message; "" means valid
	}{
		{"valid", []string{"Acme Holdings", "BP", "Müller & Söhne", "3M"}, ""},
		{"none", nil, ""},
		{"empty entry", []string{"Acme", "  "}, "watchlist entry 2 is empty"},
		{"too short", []string{"A."}, `watchlist entry 1 ("A.") needs at least two letters or digits`},
		{"punctuation only", []string{"&&"}, "needs at least two letters or digits"},
		{"too long", []string{strings.Repeat("x", MaxWatchlistEntryLen+1)}, "watchlist entry 1 is 201 characters long; at most 200"},
		{"repeated", []string{"Acme Holdings", "ACME  holdings"}, `watchlist entry 2 ("ACME  holdings") repeats entry 1`},
		{"repeated with accents", []string{"Société Générale", "Societe Generale"}, "repeats entry 1"},
		{"too many", many, "the watchlist has 10001 entries; at most 10000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateWatchlist(tt.entries)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (Options{Watchlist: []string{"Acme"}, PhoneRegions: []string{"US", "de"}}).Validate(); err != nil {
		t.Errorf("valid options: %v", err)
	}
	if err := (Options{PhoneRegions: []string{"UK"}}).Validate(); err == nil || !strings.Contains(err.Error(), `phone region "UK" is not a known two-letter region code`) {
		t.Errorf("region UK: %v", err)
	}
	if err := (Options{Watchlist: []string{""}}).Validate(); err == nil {
		t.Error("an empty watchlist entry passed")
	}
}

// TestScanSkipsBadEntries checks that Scan ignores entries Validate rejects instead of
// matching everything or nothing.
func TestScanSkipsBadEntries(t *testing.T) {
	got := keys("A B C and Acme Holdings", Options{Watchlist: []string{"", "A", "-", "Acme Holdings", "acme holdings"}})
	if want := []string{DetectorWatchlist + "|Acme Holdings"}; !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	if got := keys("A B C", Options{Watchlist: []string{"A", ""}}); got != nil {
		t.Errorf("only bad entries: findings %q, want none", got)
	}
}

func TestWatchlistOverlappingEntries(t *testing.T) {
	got := Scan([]Page{{Number: 4, Text: "Acme and Acme Holdings and ACME HOLDINGS GROUP"}},
		Options{Watchlist: []string{"Acme", "Acme Holdings", "Acme Holdings Group"}})
	want := []Finding{
		{DetectorWatchlist, CategoryWatchlist, 4, "Acme", 3},
		{DetectorWatchlist, CategoryWatchlist, 4, "Acme Holdings", 2},
		{DetectorWatchlist, CategoryWatchlist, 4, "Acme Holdings Group", 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Scan = %v, want %v", got, want)
	}
}
