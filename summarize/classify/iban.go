package classify

import "strings"

// ibanFormats holds, per country of the SWIFT IBAN registry, the structure of the basic
// bank account number (BBAN) that follows the country code and the two check digits: runs
// of n (digits), a (upper-case letters) or c (either), as in "4a14n" for GB. The IBAN's
// length is 4 plus the BBAN's. French overseas territories use the French format; Åland
// (AX) the Finnish one.
var ibanFormats = map[string]string{
	"AD": "8n12c", "AE": "19n", "AL": "8n16c", "AT": "16n", "AZ": "4a20c", "BA": "16n",
	"BE": "12n", "BG": "4a6n8c", "BH": "4a14c", "BI": "23n", "BR": "23n1a1c", "BY": "4c4n16c",
	"CH": "5n12c", "CR": "18n", "CY": "8n16c", "CZ": "20n", "DE": "18n", "DJ": "23n",
	"DK": "14n", "DO": "4c20n", "EE": "16n", "EG": "25n", "ES": "20n", "FI": "14n",
	"FK": "2a12n", "FO": "14n", "FR": "10n11c2n", "GB": "4a14n", "GE": "2a16n", "GI": "4a15c",
	"GL": "14n", "GR": "7n16c", "GT": "24c", "HN": "4a20n", "HR": "17n", "HU": "24n",
	"IE": "4a14n", "IL": "19n", "IQ": "4a15n", "IS": "22n", "IT": "1a10n12c", "JO": "4a4n18c",
	"KW": "4a22c", "KZ": "3n13c", "LB": "4n20c", "LC": "4a24c", "LI": "5n12c", "LT": "16n",
	"LU": "3n13c", "LV": "4a13c", "LY": "21n", "MC": "10n11c2n", "MD": "20c", "ME": "18n",
	"MK": "3n10c2n", "MN": "16n", "MR": "23n", "MT": "4a5n18c", "MU": "4a19n3a", "NI": "4a20n",
	"NL": "4a10n", "NO": "11n", "OM": "3n16c", "PK": "4a16c", "PL": "24n", "PS": "4a21c",
	"PT": "21n", "QA": "4a21c", "RO": "4a16c", "RS": "18n", "RU": "14n15c", "SA": "2n18c",
	"SC": "4a20n3a", "SD": "14n", "SE": "20n", "SI": "15n", "SK": "20n", "SM": "1a10n12c",
	"SO": "19n", "ST": "21n", "SV": "4a20n", "TL": "19n", "TN": "20n", "TR": "5n17c",
	"UA": "6n19c", "VA": "18n", "VG": "4a16n", "XK": "16n", "YE": "4a4n18c",
	"AX": "14n",
	"BL": "10n11c2n", "GF": "10n11c2n", "GP": "10n11c2n", "MF": "10n11c2n", "MQ": "10n11c2n",
	"NC": "10n11c2n", "PF": "10n11c2n", "PM": "10n11c2n", "RE": "10n11c2n", "TF": "10n11c2n",
	"WF": "10n11c2n", "YT": "10n11c2n",
}

// bbanLen returns the length of a BBAN format.
func bbanLen(format string) int {
	n, total := 0, 0
	for i := 0; i < len(format); i++ {
		if c := format[i]; isDigit(c) {
			n = n*10 + int(c-'0')
		} else {
			total += n
			n = 0
		}
	}
	return total
}

// bbanFits tells whether bban has the structure of format.
func bbanFits(bban, format string) bool {
	k, n := 0, 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if isDigit(c) {
			n = n*10 + int(c-'0')
			continue
		}
		for ; n > 0; n-- {
			if k >= len(bban) {
				return false
			}
			b := bban[k]
			switch {
			case c == 'n' && !isDigit(b), c == 'a' && !isUpper(b), c == 'c' && !isDigit(b) && !isUpper(b):
				return false
			}
			k++
		}
	}
	return k == len(bban)
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// ibanValid checks an IBAN written without spaces: a registry country, that country's
// length and BBAN format, check digits 02-98 and the ISO 7064 mod-97 check.
func ibanValid(iban string) bool {
	if len(iban) < 5 {
		return false
	}
	format, ok := ibanFormats[iban[:2]]
	if !ok || len(iban) != 4+bbanLen(format) || !bbanFits(iban[4:], format) {
		return false
	}
	if check := iban[2:4]; !isDigit(check[0]) || !isDigit(check[1]) || check == "00" || check == "01" || check == "99" {
		return false
	}
	rem := 0
	for _, c := range []byte(iban[4:] + iban[:4]) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	return rem == 1
}

// findIBANs reports IBANs: two upper-case letters and two digits at the start of a word,
// then the country's number of upper-case letters and digits, which may be grouped with
// single spaces or a line break (as printed: "DE89 3704 0044 0532 0130 00"). The IBAN must
// end at the end of a word and pass ibanValid.
func findIBANs(p *pageText, emit emitter) {
	s := p.s
	for i := 0; i+4 <= len(s); i++ {
		if !isUpper(s[i]) || !isUpper(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) || isAlnumAt(s, i, true) {
			continue
		}
		format, ok := ibanFormats[s[i:i+2]]
		if !ok {
			continue
		}
		iban, end, ok := collectIBAN(s, i, 4+bbanLen(format))
		if !ok || !ibanValid(iban) {
			continue
		}
		emit("IBAN "+iban[:4]+" ... "+iban[len(iban)-4:], i, end)
		i = end - 1
	}
}

// collectIBAN reads n letters and digits from s[i:], skipping single group separators, and
// returns them with the end offset; ok is false when the text ends first, a lower-case
// letter or other character interrupts, or more letters or digits follow directly.
func collectIBAN(s string, i, n int) (string, int, bool) {
	var b strings.Builder
	for b.Len() < n {
		if i >= len(s) {
			return "", 0, false
		}
		c := s[i]
		switch {
		case isDigit(c) || isUpper(c):
			b.WriteByte(c)
			i++
		case b.Len() >= 4 && (c == ' ' || c == '\n'):
			j := i + 1
			if j < len(s) && c == ' ' && s[j] == '\n' {
				j++ // "0044 \n0532": a space before the line break
			}
			if j >= len(s) || !(isDigit(s[j]) || isUpper(s[j])) {
				return "", 0, false
			}
			i = j
		default:
			return "", 0, false
		}
	}
	if isAlnumAt(s, i, false) {
		return "", 0, false
	}
	return b.String(), i, true
}
