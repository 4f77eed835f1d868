package pdftext

import "unicode"

// isRTL tells whether r is a strong right-to-left letter (Hebrew, Arabic, Syriac, Thaana,
// NKo and their presentation forms).
func isRTL(r rune) bool {
	return (r >= 0x0590 && r <= 0x08FF) || (r >= 0xFB1D && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFF)
}

// isLTR tells whether r is a strong left-to-right character or a digit: what keeps its
// own order inside right-to-left text.
func isLTR(r rune) bool {
	return !isRTL(r) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// bidiLine turns the visual (left-to-right on the page) order of dst[start:] into logical
// order when the line is mostly right-to-left: the line is reversed, then each run of
// left-to-right text (with the neutral characters inside it) is turned back. Brackets are
// not swapped: their codes are the logical characters, which a viewer mirrors itself.
func bidiLine(dst []rune, start int) []rune {
	s := dst[start:]
	rtl, ltr := 0, 0
	for _, r := range s {
		if isRTL(r) {
			rtl++
		} else if isLTR(r) {
			ltr++
		}
	}
	if rtl == 0 || rtl < ltr {
		return dst
	}
	reverse(s)
	for i := 0; i < len(s); {
		if !isLTR(s[i]) {
			i++
			continue
		}
		j, end := i, i+1
		for j < len(s) && !isRTL(s[j]) {
			if isLTR(s[j]) {
				end = j + 1
			}
			j++
		}
		reverse(s[i:end])
		i = end
	}
	return dst
}

func reverse(s []rune) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}
