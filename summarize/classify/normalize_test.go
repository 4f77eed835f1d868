package classify

import (
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain ASCII", "Card 4111 1111 1111 1111\n\tend", "Card 4111 1111 1111 1111\n\tend"},
		{"full-width digits and letters", "\uff14\uff11\uff11\uff11 \uff33\uff33\uff2e", "4111 SSN"},
		{"ligatures", "con\ufb01dential \ufb02ow of\ufb01ce", "confidential flow office"},
		{"no-break spaces", "Privileged\u00a0&\u202fConfidential\u2007x", "Privileged & Confidential x"},
		{"other unicode spaces", "a\u2002b\u2009c\u3000d\u205fe", "a b c d e"},
		{"zero-width characters", "4111\u200b1111\u200c2222\u200d3333\u2060", "4111111122223333"},
		{"byte order mark and soft hyphen", "\ufeffprivi\u00adleged", "privileged"},
		{"bidirectional controls", "\u202aSSN\u202c \u200e536\u200f", "SSN 536"},
		{"variation selector and hangul filler", "A\ufe0fB\u3164C", "ABC"},
		{"line endings", "a\r\nb\rc\u2028d\u2029e", "a\nb\nc\nd\ne"},
		{"dashes and minus", "536\u201322\u20124879 \u2212 x\u2010y", "536-22-4879 - x-y"},
		{"accent kept apart by a joiner", "e\u200d\u0301", "\u00e9"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"other control characters", "a\x00b\x1bc\u0085d", "abcd"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("Normalize is not idempotent: %q then %q", got, again)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Normalize(%q) = %q is not valid UTF-8", tt.in, got)
			}
		})
	}
}

// TestNormalizeIdempotentOnExamples normalizes every labelled example twice.
func TestNormalizeIdempotentOnExamples(t *testing.T) {
	for name, f := range loadLabelled(t) {
		for _, c := range f.Cases {
			once := Normalize(c.Text)
			if twice := Normalize(once); twice != once {
				t.Errorf("%s %s: Normalize is not idempotent:\n%q\n%q", name, c.ID, once, twice)
			}
		}
	}
}
