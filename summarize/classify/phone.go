package classify

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// phoneContext are labels that make a digit run a phone number. A one-letter label counts
// with a colon only ("T: 020 7946 0018").
var phoneContext = []string{
	"tel", "tel.", "tel:", "tele", "telephone", "telephone no", "phone", "phones", "ph", "ph.",
	"fax", "fax no", "facsimile", "telefax", "telecopier", "telecopy", "mobile", "mob", "mob.",
	"cell", "cellphone", "cell phone", "hotline", "helpline", "toll free", "toll-free",
	"tollfree", "call", "dial", "sms", "whatsapp", "t:", "f:", "m:", "p:", "tel/fax",
}

// Context windows: how far before and after a phone number a label may stand.
const (
	phoneContextBefore = 40
	phoneContextAfter  = 15
)

// nanpShape matches the North American formats that need no label: "(212) 555-0123",
// "1-800-555-0123", "+1 (212) 555-0123".
var nanpShape = regexp.MustCompile(`^(?:(?:\+?1[ .-]?)?\(\d{3}\) ?\d{3}[ .-]\d{4}|1-\d{3}-\d{3}-\d{4})$`)

// newPhoneFinder returns the phone detector for the given default regions (nil means
// DefaultPhoneRegions; regions the numbering-plan data does not know are dropped).
//
// A candidate is a run of digits, spaces, hyphens, dots, slashes and parentheses (one line
// break allowed) that starts with "+", "(" or a digit on a word boundary and holds 7-15
// digits. It is reported when the numbering plan (github.com/nyaruka/phonenumbers, a port
// of Google's libphonenumber) says the number is valid and one of these holds:
//   - it is written with "+" and a country code;
//   - it has a North American shape that nothing else has (see nanpShape);
//   - a label such as Tel, Phone or Fax (phoneContext) stands within the window around it;
//     it is then read in each default region in turn, and, failing that, as an
//     international number whose "+" was left out ("(852) 3526 0355").
func newPhoneFinder(regions []string) finder {
	if regions == nil {
		regions = DefaultPhoneRegions
	}
	supported := phonenumbers.GetSupportedRegions()
	var use []string
	for _, r := range regions {
		if r = strings.ToUpper(strings.TrimSpace(r)); supported[r] {
			use = append(use, r)
		}
	}
	return func(p *pageText, emit emitter) {
		phoneCandidates(p.s, func(start, end int) {
			if num := phoneAt(p, start, end, use); num != nil {
				nsn := phonenumbers.GetNationalSignificantNumber(num)
				emit(fmt.Sprintf("phone +%d ending %s", num.GetCountryCode(), nsn[max(0, len(nsn)-4):]), start, end)
			}
		})
	}
}

// phoneAt returns the number written at s[start:end] if it is to be reported, else nil.
func phoneAt(p *pageText, start, end int, regions []string) *phonenumbers.PhoneNumber {
	c := strings.ReplaceAll(p.s[start:end], "\n", "")
	if c[0] == '+' {
		return validPhone(c, "ZZ")
	}
	if nanpShape.MatchString(c) {
		if num := validPhone(c, "US"); num != nil {
			return num
		}
	}
	if !hasWordNear(p.lower, start, end, phoneContextBefore, phoneContextAfter, phoneContext) {
		return nil
	}
	for _, r := range regions {
		if num := validNational(c, r); num != nil {
			return num
		}
	}
	if digits := phonenumbers.NormalizeDigitsOnly(c); len(digits) >= 10 {
		return validPhone("+"+digits, "ZZ")
	}
	return nil
}

// validNational reads a number written without a country code in a region. Outside North
// America, national numbers start with the region's trunk prefix ("0" in the UK), so one
// without it is not read there: "123-456-7890" is not 01234 567890.
func validNational(s, region string) *phonenumbers.PhoneNumber {
	if ndd := phonenumbers.GetNddPrefixForRegion(region, true); ndd != "" && !phonenumbers.IsNANPACountry(region) &&
		!strings.HasPrefix(phonenumbers.NormalizeDigitsOnly(s), ndd) {
		return nil
	}
	return validPhone(s, region)
}

// validPhone parses a number in a region and returns it if the numbering plan knows it.
func validPhone(s, region string) *phonenumbers.PhoneNumber {
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return nil
	}
	return num
}

// phoneCandidates calls fn with the byte range of each phone number candidate in s.
func phoneCandidates(s string, fn func(start, end int)) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		startsHere := isDigit(c) ||
			((c == '+' || c == '(') && i+1 < len(s) && isDigit(s[i+1]))
		if !startsHere || isAlnumAt(s, i, true) {
			continue
		}
		if i > 0 && isDigit(c) && strings.IndexByte(".,/-$+(", s[i-1]) >= 0 {
			continue
		}
		end, digits := phoneRun(s, i)
		if digits >= 7 && digits <= 15 && !isAlnumAt(s, end, false) {
			fn(i, end)
		}
		i = max(i, end-1)
	}
}

// phoneRun reads a candidate from s[i:] and returns its end (after the last digit, or
// after a closing parenthesis directly behind it) and its digit count; 0 digits when the
// run is too long to be a phone number.
func phoneRun(s string, i int) (end, digits int) {
	newlines, gap := 0, 0
	end = i
	for j := i; j < len(s) && j-i < 32; j++ {
		c := s[j]
		switch {
		case isDigit(c):
			digits++
			gap = 0
			end = j + 1
			if digits > 15 {
				return end, 0
			}
			continue
		case c == '\n':
			if newlines++; newlines > 1 {
				return end, digits
			}
		case c == '(' && digits > 3:
			// A country code has at most three digits: "(" after more starts another
			// number ("1-888-768-6387 (1-888-ROUNDUP)").
			return end, digits
		case c == '+' && j == i, c == ' ', c == '-', c == '.', c == '(', c == ')', c == '/':
		default:
			return end, digits
		}
		if gap++; gap > 3 {
			return end, digits
		}
	}
	// A run that goes on past 32 bytes with digits is a table or a code, not a number.
	if j := i + 32; j < len(s) && isDigit(s[j]) {
		return end, 0
	}
	return end, digits
}
