package classify

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestLuhn(t *testing.T) {
	for _, tt := range []struct {
		digits string
		want   bool
	}{
		{"4111111111111111", true}, {"4111111111111112", false}, {"79927398713", true},
		{"79927398710", false}, {"378282246310005", true}, {"0", true}, {"18", true}, {"19", false},
	} {
		if got := luhn([]byte(tt.digits)); got != tt.want {
			t.Errorf("luhn(%s) = %v, want %v", tt.digits, got, tt.want)
		}
	}
}

func TestCardBrand(t *testing.T) {
	for _, tt := range []struct{ digits, want string }{
		{"4111111111111111", "Visa"},
		{"4222222222222", "Visa"},
		{"41111111111111111", ""}, // 17 digits: no Visa length
		{"5555555555554444", "Mastercard"},
		{"2221000000000009", "Mastercard"},
		{"2720990000000007", "Mastercard"},
		{"2721000000000004", ""}, // past the 2-series range
		{"378282246310005", "American Express"},
		{"3782822463100050", ""}, // American Express has 15 digits
		{"6011111111111117", "Discover"},
		{"6221260000000000", "Discover"},
		{"6200000000000005", "UnionPay"},
		{"30569309025904", "Diners Club"},
		{"3530111333300000", "JCB"},
		{"6759649826438453", "Maestro"},
		{"2200000000000004", "Mir"},
		{"9000123456789012", ""},
		{"1234567812345670", ""},
	} {
		if got := cardBrandOf([]byte(tt.digits)); got != tt.want {
			t.Errorf("cardBrandOf(%s) = %q, want %q", tt.digits, got, tt.want)
		}
	}
}

func TestCardRules(t *testing.T) {
	const visa = "Visa card ending 1111"
	for _, tt := range []struct {
		name, text string
		found      bool
	}{
		{"context before", "Card: 4111 1111 1111 1111", true},
		{"context after", "4111 1111 1111 1111 is my Visa", true},
		{"context too far before", "Card details are held by the bank; see the schedule of fees for this account which follows " + "4111 1111 1111 1111", false},
		{"credit alone is no context", "Credit reference 4111 1111 1111 1111", false},
		{"credit card", "Credit card 4111 1111 1111 1111", true},
		{"odd grouping", "Card 4111 11 11 1111 1111", false},
		{"longer code", "Card 4111 1111 1111 1111 2222", false},
		{"expiry and cvv beside", "Card 4111 1111 1111 1111 12 26 123", true},
		{"decimal before", "Card 1.4111111111111111", false},
		{"part of a dashed code", "Card X-4111-1111-1111-1111", false},
		{"word boundary in context", "Cardiff office 4111 1111 1111 1111", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Contains(keys(tt.text, Options{}), DetectorPaymentCard+"|"+visa)
			if got != tt.found {
				t.Errorf("%q: found = %v, want %v (findings %q)", tt.text, got, tt.found, keys(tt.text, Options{}))
			}
		})
	}
}

// luhnNumber returns a random Luhn-valid number of n digits.
func luhnNumber(rng *rand.Rand, n int) []byte {
	d := make([]byte, n)
	for i := range n - 1 {
		d[i] = byte('0' + rng.IntN(10))
	}
	for c := byte('0'); c <= '9'; c++ {
		if d[n-1] = c; luhn(d) {
			break
		}
	}
	return d
}

// TestCardRandomLuhnNumbers measures the card detector on random Luhn-valid 16-digit
// numbers (fixed seed). Without a context word none may be reported; with "Card number:"
// before them, the share reported is the share that fits an issuer's prefix and length,
// which the context requirement guards against. Luhn-invalid numbers are never reported.
func TestCardRandomLuhnNumbers(t *testing.T) {
	rng := rand.New(rand.NewPCG(7812, 2024))
	templates := []string{
		"Order number %s was shipped on 4 May.", "Tracking: %s", "Policy reference %s applies to the fleet.",
		"Account %s", "Invoice %s dated 2024-01-01", "Serial no. %s", "Reference %s, see Schedule 2.",
		"Credit facility %s", "Debit note %s", "The parcel %s was delivered.",
	}
	const n = 20000
	var noContext, withContext, invalid int
	for i := range n {
		d := luhnNumber(rng, 16)
		s := string(d)
		if i%2 == 1 {
			s = fmt.Sprintf("%s %s %s %s", d[:4], d[4:8], d[8:12], d[12:])
		}
		if len(Scan([]Page{{Number: 1, Text: fmt.Sprintf(templates[i%len(templates)], s)}}, Options{})) > 0 {
			noContext++
		}
		if len(keys("Card number: "+s, Options{})) > 0 {
			withContext++
		}
		bad := slices.Clone(d)
		bad[15] = '0' + (bad[15]-'0'+1)%10
		if len(keys("Card number: "+string(bad), Options{})) > 0 {
			invalid++
		}
	}
	t.Logf("random Luhn-valid 16-digit numbers: %d of %d reported without context (%.3f%%); %d (%.1f%%) with \"Card number:\" before them; %d Luhn-invalid ones reported",
		noContext, n, 100*float64(noContext)/n, withContext, 100*float64(withContext)/n, invalid)
	if noContext != 0 {
		t.Errorf("%d of %d context-free random Luhn-valid numbers were reported as cards, want 0", noContext, n)
	}
	if invalid != 0 {
		t.Errorf("%d Luhn-invalid numbers were reported as cards, want 0", invalid)
	}
	// About a quarter of random 16-digit prefixes belong to an issuer (4, 51-55, 2221-2720,
	// 6011, 62, 65, ...); far off means the prefix rules broke.
	if share := float64(withContext) / n; share < 0.15 || share > 0.40 {
		t.Errorf("%.3f of random Luhn-valid numbers fit an issuer with context; want between 0.15 and 0.40", share)
	}
}

// TestCardLongRun checks that a page-long run of digit groups, as a table of numbers gives,
// is scanned in linear time and still yields the card inside it.
func TestCardLongRun(t *testing.T) {
	var b []byte
	for i := range 20000 {
		b = fmt.Appendf(b, "%d ", i%997)
	}
	text := string(b) + "4111 1111 1111 1111 12 (Visa card)"
	start := time.Now()
	got := keys(text, Options{})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a run of 20,000 groups took %v", d)
	}
	if !slices.Contains(got, DetectorPaymentCard+"|Visa card ending 1111") {
		t.Errorf("findings %q, want the Visa card at the end of the run", got)
	}
}
