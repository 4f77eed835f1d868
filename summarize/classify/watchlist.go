package classify

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// Limits on the watchlist, so that a pasted document does not become a list.
const (
	MaxWatchlistEntries  = 10000
	MaxWatchlistEntryLen = 200
)

// Validate reports the first problem with the options in words an admin can act on: an
// empty, too short, too long or repeated watchlist entry, too many entries, or an unknown
// phone region.
func (o Options) Validate() error {
	if err := ValidateWatchlist(o.Watchlist); err != nil {
		return err
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, r := range o.PhoneRegions {
		if !supported[strings.ToUpper(strings.TrimSpace(r))] {
			return fmt.Errorf("phone region %q is not a known two-letter region code such as US or GB", r)
		}
	}
	return nil
}

// ValidateWatchlist checks watchlist entries: at most MaxWatchlistEntries, each with at
// least two letters or digits, at most MaxWatchlistEntryLen characters, and none repeating
// another (compared as the detector compares them: case, accents, spaces and punctuation
// ignored). Entries are numbered from 1 in the messages.
func ValidateWatchlist(entries []string) error {
	if len(entries) > MaxWatchlistEntries {
		return fmt.Errorf("the watchlist has %d entries; at most %d are allowed", len(entries), MaxWatchlistEntries)
	}
	seen := map[string]int{}
	for i, e := range entries {
		e = strings.TrimSpace(e)
		key := watchKey(e)
		switch {
		case e == "":
			return fmt.Errorf("watchlist entry %d is empty: remove it or type a client or matter name", i+1)
		case utf8.RuneCountInString(e) > MaxWatchlistEntryLen:
			return fmt.Errorf("watchlist entry %d is %d characters long; at most %d are allowed", i+1, utf8.RuneCountInString(e), MaxWatchlistEntryLen)
		case len(key) < 2:
			return fmt.Errorf("watchlist entry %d (%q) needs at least two letters or digits to be matched", i+1, e)
		}
		if j, ok := seen[key]; ok {
			return fmt.Errorf("watchlist entry %d (%q) repeats entry %d", i+1, e, j)
		}
		seen[key] = i + 1
	}
	return nil
}

// watchKey folds an entry or text to what the watchlist compares: letters and digits only,
// lower case, accents removed, ß as ss.
func watchKey(s string) string {
	var b []byte
	foldRunes(Normalize(s), func(_ int, r rune, _ bool) {
		if r >= 0 {
			b = utf8.AppendRune(b, r)
		}
	})
	return string(b)
}

// foldRunes walks s and calls fn for each folded letter or digit with the byte offset of
// the character it comes from and whether it starts a word; r is -1 at each word end.
func foldRunes(s string, fn func(off int, r rune, wordStart bool)) {
	inWord := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		off := i
		i += n
		if r < utf8.RuneSelf {
			switch {
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			default:
				if inWord {
					fn(off, -1, false)
					inWord = false
				}
				continue
			}
			fn(off, r, !inWord)
			inWord = true
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a combining accent: part of the word, dropped
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if inWord {
				fn(off, -1, false)
				inWord = false
			}
			continue
		}
		for _, d := range foldLetter(r) {
			fn(off, d, !inWord)
			inWord = true
		}
	}
	if inWord {
		fn(len(s), -1, false)
	}
}

// foldLetter lowers a non-ASCII letter or digit and strips its accents.
func foldLetter(r rune) []rune {
	switch r {
	case 'ß', 'ẞ':
		return []rune{'s', 's'}
	}
	var out []rune
	for _, d := range norm.NFD.String(string(r)) {
		if !unicode.Is(unicode.Mn, d) {
			out = append(out, unicode.ToLower(d))
		}
	}
	return out
}
