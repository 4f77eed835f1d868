package classify

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// keys scans one page of text and returns its findings as "detector|match".
func keys(text string, opts Options) []string {
	return findingKeys(Scan([]Page{{Number: 1, Text: text}}, opts))
}

func TestScanGroupsAndOrders(t *testing.T) {
	pages := []Page{
		{Number: 3, Text: "Tel: 020 7946 0018. Mail bob@globex.com or bob@globex.com, Acme Holdings."},
		{Number: 1, Text: "PRIVILEGED & CONFIDENTIAL\n\nCard 4111 1111 1111 1111 and card 4242 4242 4242 4242."},
		{Number: 2},
	}
	got := Scan(pages, Options{Watchlist: []string{"Acme Holdings"}})
	want := []Finding{
		{DetectorPrivilege, CategoryPrivilege, 1, "privileged and confidential", 1},
		{DetectorPaymentCard, CategoryPersonalData, 1, "Visa card ending 1111", 1},
		{DetectorPaymentCard, CategoryPersonalData, 1, "Visa card ending 4242", 1},
		{DetectorEmail, CategoryPersonalData, 3, "b***@globex.com", 2},
		{DetectorPhone, CategoryPersonalData, 3, "phone +44 ending 0018", 1},
		{DetectorWatchlist, CategoryWatchlist, 3, "Acme Holdings", 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Scan =\n%v\nwant\n%v", got, want)
	}
	for range 5 {
		if again := Scan(pages, Options{Watchlist: []string{"Acme Holdings"}}); !slices.Equal(again, got) {
			t.Fatalf("Scan is not deterministic:\n%v\n%v", again, got)
		}
	}
}

func TestScanMergesPagesWithOneNumber(t *testing.T) {
	got := Scan([]Page{{Number: 2, Text: "bob@globex.com"}, {Number: 1, Text: "x"}, {Number: 2, Text: "BOB@GLOBEX.COM"}}, Options{})
	want := []Finding{{DetectorEmail, CategoryPersonalData, 2, "b***@globex.com", 1}, {DetectorEmail, CategoryPersonalData, 2, "B***@globex.com", 1}}
	slices.SortFunc(want, func(a, b Finding) int { return strings.Compare(a.Match, b.Match) })
	if !slices.Equal(got, want) {
		t.Errorf("Scan = %v, want %v", got, want)
	}
	got = Scan([]Page{{Number: 5, Text: "bob@globex.com"}, {Number: 5, Text: "bob@globex.com"}}, Options{})
	if want := []Finding{{DetectorEmail, CategoryPersonalData, 5, "b***@globex.com", 2}}; !slices.Equal(got, want) {
		t.Errorf("Scan = %v, want %v", got, want)
	}
}

func TestScanNothing(t *testing.T) {
	if got := Scan(nil, Options{}); got != nil {
		t.Errorf("Scan(nil) = %v, want nil", got)
	}
	if got := Scan([]Page{{Number: 1, Text: "   \n\n"}, {Number: 2, Text: "The Supplier shall deliver the Goods."}}, Options{}); got != nil {
		t.Errorf("Scan of plain text = %v, want nil", got)
	}
}

func TestDetectorsList(t *testing.T) {
	ds := Detectors()
	names := map[string]bool{}
	categories := map[string]bool{CategoryPrivilege: true, CategoryPersonalData: true, CategoryWatchlist: true}
	for _, d := range ds {
		if names[d.Name] || d.Name == "" || !categories[d.Category] || len(d.Description) < 20 {
			t.Errorf("bad detector info %+v", d)
		}
		names[d.Name] = true
	}
	for _, n := range []string{DetectorPrivilege, DetectorPaymentCard, DetectorIBAN, DetectorSSN, DetectorEmail, DetectorPhone, DetectorWatchlist} {
		if !names[n] {
			t.Errorf("Detectors() lacks %s", n)
		}
	}
	// Every labelled finding names a listed detector with its listed category.
	cat := map[string]string{}
	for _, d := range ds {
		cat[d.Name] = d.Category
	}
	for _, f := range loadLabelled(t) {
		for _, c := range f.Cases {
			for _, fd := range Scan([]Page{{Number: 1, Text: c.Text}}, Options{Watchlist: f.Watchlist}) {
				if cat[fd.Detector] != fd.Category {
					t.Errorf("%s: finding %+v has a detector or category Detectors() does not list", c.ID, fd)
				}
			}
		}
	}
}

// maxShownDigits is how many digits a masked match may show: the last four, plus an
// IBAN's two check digits or a phone number's country code (at most three digits).
var maxShownDigits = map[string]int{DetectorPaymentCard: 4, DetectorSSN: 4, DetectorIBAN: 6, DetectorPhone: 7}

// TestMatchesAreMasked checks, over every labelled example, that no finding shows more
// digits than maxShownDigits or the local part of an e-mail address.
func TestMatchesAreMasked(t *testing.T) {
	for name, f := range loadLabelled(t) {
		for _, c := range f.Cases {
			for _, fd := range Scan([]Page{{Number: 1, Text: c.Text}}, Options{Watchlist: f.Watchlist}) {
				if n, ok := maxShownDigits[fd.Detector]; ok && len(digitsOnly(fd.Match)) > n {
					t.Errorf("%s %s: %q shows more than %d digits", name, c.ID, fd.Match, n)
				}
				if fd.Detector == DetectorEmail {
					local, _, _ := strings.Cut(fd.Match, "@")
					if !strings.HasSuffix(local, "***") || len(local) != 4 {
						t.Errorf("%s %s: e-mail match %q does not mask the local part", name, c.ID, fd.Match)
					}
				}
			}
		}
	}
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// TestScanConcurrent runs Scans side by side; with -race it shows they share no state.
func TestScanConcurrent(t *testing.T) {
	files := loadLabelled(t)
	want := map[string][]Finding{}
	for n, f := range files {
		for _, c := range f.Cases {
			want[n+c.ID] = Scan([]Page{{Number: 1, Text: c.Text}}, Options{Watchlist: f.Watchlist})
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for n, f := range files {
				for _, c := range f.Cases {
					if got := Scan([]Page{{Number: 1, Text: c.Text}}, Options{Watchlist: f.Watchlist}); !slices.Equal(got, want[n+c.ID]) {
						t.Errorf("%s %s: concurrent Scan = %v, want %v", n, c.ID, got, want[n+c.ID])
					}
				}
			}
		})
	}
	wg.Wait()
}
