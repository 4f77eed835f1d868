package classify

// ssnStrong are words that name a social security number outright.
var ssnStrong = []string{
	"ssn", "ssns", "ssn#", "ss#", "ss #", "ss no", "ss no.", "soc sec", "soc. sec.",
	"social security", "social-security",
}

// ssnWeak are words that, next to a number in the dashed form 123-45-6789, make it an
// SSN: the other places a US person's SSN is asked for.
var ssnWeak = []string{
	"taxpayer", "tin", "tax id", "tax identification", "date of birth", "dob", "d.o.b.",
	"born", "employee", "employee id", "itin", "social",
}

// Context windows: how far before and after an SSN a context word may stand.
const (
	ssnContextBefore = 60
	ssnContextAfter  = 30
)

// ssnNeverIssued are numbers that pass the area, group and serial rules but were never
// issued to a person: the Woolworth wallet card, a 1960s advertisement and the common
// placeholder.
var ssnNeverIssued = map[string]bool{"078051120": true, "219099999": true, "123456789": true}

// findSSNs reports US social security numbers: three, two and four digits, written
// 123-45-6789, 123 45 6789 (the same separator twice) or 123456789. The area must not be
// 000, 666 or 900-999, the group not 00, the serial not 0000, and the number must not be
// one that was never issued. Context is always required: "SSN" or "social security" within
// the window, or, for the dashed form, one of the weaker words in ssnWeak.
func findSSNs(p *pageText, emit emitter) {
	digitGroups(p.s, func(groups []span) {
		for i := range groups {
			if digits, end, ok := ssnAt(p, groups, i); ok {
				emit("SSN ***-**-"+string(digits[5:]), groups[i].start, end)
			}
		}
	})
}

// ssnAt tells whether an SSN starts at groups[i] and returns its digits and end offset.
func ssnAt(p *pageText, groups []span, i int) ([]byte, int, bool) {
	var g []span
	dashed := false
	switch {
	case groups[i].end-groups[i].start == 9:
		g = groups[i : i+1]
	case i+2 < len(groups) && groups[i].end-groups[i].start == 3 &&
		groups[i+1].end-groups[i+1].start == 2 && groups[i+2].end-groups[i+2].start == 4:
		g = groups[i : i+3]
		sep1, sep2 := sepOf(p.s, g[0], g[1]), sepOf(p.s, g[1], g[2])
		if sep1 != sep2 {
			return nil, 0, false
		}
		dashed = sep1 == "-"
	default:
		return nil, 0, false
	}
	start, end := g[0].start, g[len(g)-1].end
	// Inside a longer run the neighbouring groups must not continue the same code.
	if i > 0 && sepOf(p.s, groups[i-1], groups[i]) == "-" {
		return nil, 0, false
	}
	if last := i + len(g); last < len(groups) && sepOf(p.s, groups[last-1], groups[last]) == "-" {
		return nil, 0, false
	}
	digits := digitsOf(p.s, g)
	if !ssnValid(digits) || !numberBoundary(p.s, start, end) {
		return nil, 0, false
	}
	if hasWordNear(p.lower, start, end, ssnContextBefore, ssnContextAfter, ssnStrong) ||
		(dashed && hasWordNear(p.lower, start, end, ssnContextBefore, ssnContextAfter, ssnWeak)) {
		return digits, end, true
	}
	return nil, 0, false
}

// ssnValid applies the area, group and serial rules to nine digits.
func ssnValid(d []byte) bool {
	if len(d) != 9 || ssnNeverIssued[string(d)] {
		return false
	}
	area := string(d[:3])
	return area != "000" && area != "666" && d[0] != '9' && string(d[3:5]) != "00" && string(d[5:]) != "0000"
}
