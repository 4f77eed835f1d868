package classify

// span is a byte range [start, end) of the page text.
type span struct{ start, end int }

// digitGroups returns the runs of digit groups in s. Groups of one run are separated by
// at most three spaces, tabs, newlines and hyphens, with at most one newline and one
// hyphen: "4111 1111\n1111 1111" and "123-45-\n6789" are one run each, as PDF
// extraction breaks numbers across lines. Any other character ends a run.
func digitGroups(s string, fn func(groups []span)) {
	var groups []span
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		groups = groups[:0]
		for {
			g := span{start: i}
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			g.end = i
			groups = append(groups, g)
			j, ok := separator(s, i)
			if !ok || j >= len(s) || !isDigit(s[j]) {
				break
			}
			i = j
		}
		fn(groups)
	}
}

// separator reports where the separator starting at s[i] ends, if one starts there.
func separator(s string, i int) (int, bool) {
	j, newlines, hyphens := i, 0, 0
	for j < len(s) && j-i < 3 {
		switch s[j] {
		case ' ', '\t':
		case '\n':
			newlines++
		case '-':
			hyphens++
		default:
			return j, j > i && newlines <= 1 && hyphens <= 1
		}
		j++
	}
	return j, j > i && newlines <= 1 && hyphens <= 1
}

// digitsOf returns the digits of s[g.start:g.end] for the groups given, in order.
func digitsOf(s string, groups []span) []byte {
	var out []byte
	for _, g := range groups {
		out = append(out, s[g.start:g.end]...)
	}
	return out
}

// sepOf returns the separator between two consecutive groups with whitespace removed:
// "-" for a hyphen, "" for whitespace only.
func sepOf(s string, a, b span) string {
	for i := a.end; i < b.start; i++ {
		if s[i] == '-' {
			return "-"
		}
	}
	return ""
}

// numberBoundary tells whether a number spanning s[start:end] stands on its own: not glued
// to a letter or digit, and not part of a longer dashed, dotted or slashed code
// ("ORD-4111...", "1.4111...", "4111.../2").
func numberBoundary(s string, start, end int) bool {
	if isAlnumAt(s, start, true) || isAlnumAt(s, end, false) {
		return false
	}
	if start > 0 {
		switch s[start-1] {
		case '-', '/', '_', '$':
			return false
		case '.', ',':
			if start > 1 && isDigit(s[start-2]) {
				return false
			}
		}
	}
	if end < len(s) {
		switch s[end] {
		case '-', '/', '_':
			return false
		case '.', ',':
			if end+1 < len(s) && isDigit(s[end+1]) {
				return false
			}
		}
	}
	return true
}

// luhn tells whether the digits pass the Luhn (mod 10) check.
func luhn(digits []byte) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
