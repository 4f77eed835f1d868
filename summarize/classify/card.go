package classify

import (
	"fmt"
	"strconv"
)

// cardBrand is one issuer's prefix range and the lengths its numbers have.
type cardBrand struct {
	name       string
	prefixLen  int // digits of the number compared with lo..hi
	lo, hi     int
	minL, maxL int
}

// cardBrands lists the issuer identification number (IIN) ranges and number lengths of
// the major card networks, more specific ranges first. Numbers outside every range are
// not reported.
var cardBrands = []cardBrand{
	{name: "Discover", prefixLen: 6, lo: 622126, hi: 622925, minL: 16, maxL: 19},
	{name: "Mir", prefixLen: 4, lo: 2200, hi: 2204, minL: 16, maxL: 19},
	{name: "Mastercard", prefixLen: 4, lo: 2221, hi: 2720, minL: 16, maxL: 16},
	{name: "Diners Club", prefixLen: 3, lo: 300, hi: 305, minL: 14, maxL: 19},
	{name: "Diners Club", prefixLen: 4, lo: 3095, hi: 3095, minL: 14, maxL: 19},
	{name: "JCB", prefixLen: 4, lo: 3528, hi: 3589, minL: 16, maxL: 19},
	{name: "American Express", prefixLen: 2, lo: 34, hi: 34, minL: 15, maxL: 15},
	{name: "American Express", prefixLen: 2, lo: 37, hi: 37, minL: 15, maxL: 15},
	{name: "Diners Club", prefixLen: 2, lo: 36, hi: 36, minL: 14, maxL: 19},
	{name: "Diners Club", prefixLen: 2, lo: 38, hi: 39, minL: 16, maxL: 19},
	{name: "Visa", prefixLen: 1, lo: 4, hi: 4, minL: 13, maxL: 19},
	{name: "Mastercard", prefixLen: 2, lo: 51, hi: 55, minL: 16, maxL: 16},
	{name: "Maestro", prefixLen: 4, lo: 5018, hi: 5018, minL: 13, maxL: 19},
	{name: "Maestro", prefixLen: 4, lo: 5020, hi: 5020, minL: 13, maxL: 19},
	{name: "Maestro", prefixLen: 4, lo: 5038, hi: 5038, minL: 13, maxL: 19},
	{name: "Maestro", prefixLen: 4, lo: 5893, hi: 5893, minL: 13, maxL: 19},
	{name: "Maestro", prefixLen: 4, lo: 6304, hi: 6304, minL: 13, maxL: 19},
	{name: "Maestro", prefixLen: 4, lo: 6759, hi: 6759, minL: 13, maxL: 19},
	{name: "Maestro", prefixLen: 4, lo: 6761, hi: 6763, minL: 13, maxL: 19},
	{name: "Discover", prefixLen: 4, lo: 6011, hi: 6011, minL: 16, maxL: 19},
	{name: "Discover", prefixLen: 3, lo: 644, hi: 649, minL: 16, maxL: 19},
	{name: "Discover", prefixLen: 2, lo: 65, hi: 65, minL: 16, maxL: 19},
	{name: "UnionPay", prefixLen: 2, lo: 62, hi: 62, minL: 16, maxL: 19},
}

// cardBrandOf returns the brand whose prefix range and lengths fit the digits, or "".
// Visa numbers are 13, 16 or 19 digits long.
func cardBrandOf(digits []byte) string {
	for _, b := range cardBrands {
		if len(digits) < b.minL || len(digits) > b.maxL {
			continue
		}
		p, err := strconv.Atoi(string(digits[:b.prefixLen]))
		if err != nil || p < b.lo || p > b.hi {
			continue
		}
		if b.name == "Visa" && len(digits) != 13 && len(digits) != 16 && len(digits) != 19 {
			return ""
		}
		return b.name
	}
	return ""
}

// cardContext are the words one of which must stand near a card number. "Credit" and
// "debit" alone are not among them: contracts are full of credit facilities, credit notes
// and letters of credit; "credit card" holds "card".
var cardContext = []string{
	"card", "cards", "visa", "mastercard", "master card", "amex", "american express",
	"discover", "diners", "jcb", "unionpay", "maestro", "expiry",
	"expiration", "exp", "exp.", "expires", "valid thru", "valid through", "cvv", "cvv2",
	"cvc", "cvc2", "security code", "cardholder", "card holder", "ccn",
}

// Context windows: how far before and after a card number a context word may stand.
const (
	cardContextBefore = 80
	cardContextAfter  = 60
)

// findCards reports payment card numbers. A candidate is a run of digit groups (see
// digitGroups) written either as one block of 13-19 digits or as groups of 4-6 digits
// (the last group may be shorter); within a longer run every such window of groups is a
// candidate, unless a group of four or more digits stands beside it. It must pass the
// Luhn check, fit an issuer's prefix and length, stand on its own (numberBoundary) and
// have a context word within the window around it.
func findCards(p *pageText, emit emitter) {
	digitGroups(p.s, func(groups []span) {
		for i := 0; i < len(groups); {
			j, brand := cardAt(p, groups, i)
			if j < 0 {
				i++
				continue
			}
			digits := digitsOf(p.s, groups[i:j])
			emit(fmt.Sprintf("%s card ending %s", brand, digits[len(digits)-4:]), groups[i].start, groups[j-1].end)
			i = j
		}
	})
}

// cardAt returns the end (exclusive) of the longest card number starting at groups[i], or
// -1 when none starts there. A number has at most 19 digits, so at most 19 groups: long
// runs of numbers (tables) cost linear time.
func cardAt(p *pageText, groups []span, i int) (int, string) {
	for j := min(len(groups), i+19); j > i; j-- {
		n := 0
		for _, g := range groups[i:j] {
			n += g.end - g.start
		}
		if n < 13 || n > 19 || !cardGrouping(groups[i:j]) {
			continue
		}
		// Inside a longer run, only short groups (an expiry date, a CVV) may stand beside
		// the number; a group of four or more digits means a longer code.
		if (i > 0 && groups[i-1].end-groups[i-1].start >= 4) || (j < len(groups) && groups[j].end-groups[j].start >= 4) {
			continue
		}
		start, end := groups[i].start, groups[j-1].end
		digits := digitsOf(p.s, groups[i:j])
		brand := cardBrandOf(digits)
		if brand == "" || !luhn(digits) || !numberBoundary(p.s, start, end) ||
			!hasWordNear(p.lower, start, end, cardContextBefore, cardContextAfter, cardContext) {
			continue
		}
		return j, brand
	}
	return -1, ""
}

// cardGrouping tells whether the groups are written as card numbers are: one block, or
// groups of 4 to 6 digits of which only the last may be shorter.
func cardGrouping(groups []span) bool {
	if len(groups) == 1 {
		return true
	}
	for k, g := range groups {
		n := g.end - g.start
		if n > 6 || (n < 4 && k < len(groups)-1) {
			return false
		}
	}
	return true
}
