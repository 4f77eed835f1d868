package auth

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestHashVerifyRoundTrip(t *testing.T) {
	const pw = "correct horse battery staple"
	h, err := Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(h) {
		t.Fatalf("Hash = %q, not the PHC form", h)
	}
	if strings.Contains(h, pw) {
		t.Fatal("hash contains the password")
	}
	ok, rehash, err := Verify(pw, h)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	for _, wrong := range []string{"correct horse battery stapl", "Correct horse battery staple", "", pw + " "} {
		if ok, _, err := Verify(wrong, h); ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}
	h2, _ := Hash(pw)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyTampered(t *testing.T) {
	const pw = "a long enough passphrase"
	h, err := Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	flip := func(s string) string { // change one base64 character in the middle
		b := []byte(s)
		i := len(b) / 2
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	mismatch := map[string]string{
		"hash changed": strings.Join(append(parts[:5:5], flip(parts[5])), "$"),
		"salt changed": strings.Join(append(parts[:4:4], flip(parts[4]), parts[5]), "$"),
		"t changed":    strings.Replace(h, "t=2", "t=3", 1),
		"m changed":    strings.Replace(h, "m=19456", "m=19457", 1),
	}
	for name, bad := range mismatch {
		if ok, _, err := Verify(pw, bad); ok || err != nil {
			t.Errorf("%s: Verify = %v, %v; want false, nil", name, ok, err)
		}
	}
	malformed := map[string]string{
		"empty":          "",
		"plain text":     pw,
		"argon2i":        strings.Replace(h, "argon2id", "argon2i", 1),
		"bcrypt":         "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"old version":    strings.Replace(h, "v=19", "v=16", 1),
		"no version":     strings.Replace(h, "$v=19", "", 1),
		"zero time":      strings.Replace(h, "t=2", "t=0", 1),
		"huge memory":    strings.Replace(h, "m=19456", "m=4194304", 1),
		"huge time":      strings.Replace(h, "t=2", "t=1000", 1),
		"negative":       strings.Replace(h, "p=1", "p=-1", 1),
		"params order":   strings.Replace(h, "m=19456,t=2", "t=2,m=19456", 1),
		"short hash":     strings.Join(append(parts[:5:5], "AAAA"), "$"),
		"bad base64":     strings.Join(append(parts[:5:5], "!!"+parts[5][2:]), "$"),
		"padded base64":  h + "=",
		"extra field":    h + "$x",
		"missing salt":   strings.Join(append(parts[:4:4], parts[5]), "$"),
		"trailing space": h + " ",
	}
	for name, bad := range malformed {
		ok, rehash, err := Verify(pw, bad)
		if ok || rehash || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: Verify = %v, %v, %v; want false, false, ErrMalformedHash", name, ok, rehash, err)
		}
	}
}

func TestDecodeParameters(t *testing.T) {
	// A hash made with other parameters verifies with those parameters.
	h := encode(Params{Memory: 4096, Time: 3, Threads: 2}, []byte("0123456789abcdef"), make([]byte, 32))
	p, salt, key, err := Decode(h)
	if err != nil {
		t.Fatal(err)
	}
	if p != (Params{Memory: 4096, Time: 3, Threads: 2}) || string(salt) != "0123456789abcdef" || len(key) != 32 {
		t.Fatalf("Decode = %+v, %q, %d bytes", p, salt, len(key))
	}
}

func TestNeedsRehash(t *testing.T) {
	const pw = "rehash me when the defaults rise"
	old := Current
	t.Cleanup(func() { Current = old })

	Current = Params{Memory: 8192, Time: 1, Threads: 1}
	weak, err := Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	Current = old
	ok, rehash, err := Verify(pw, weak)
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify(weak hash) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	if ok, rehash, _ := Verify("not the password", weak); ok || rehash {
		t.Fatalf("Verify(wrong, weak hash) = %v, %v; a wrong password must not ask for a rehash", ok, rehash)
	}
	strong, _ := Hash(pw)
	if ok, rehash, _ := Verify(pw, strong); !ok || rehash {
		t.Fatalf("Verify(current hash) = %v, %v; want true, false", ok, rehash)
	}
	for _, c := range []struct {
		p    Params
		weak bool
	}{
		{Params{19456, 2, 1}, false},
		{Params{65536, 3, 4}, false},
		{Params{19455, 2, 1}, true},
		{Params{65536, 1, 4}, true},
	} {
		if got := c.p.Weaker(Current); got != c.weak {
			t.Errorf("%+v.Weaker(Current) = %v, want %v", c.p, got, c.weak)
		}
	}
}

// TestVerifyConstantTime checks the code path: the comparison of derived keys
// goes through subtle.ConstantTimeCompare and nothing returns early on a
// length mismatch or a first differing byte.
func TestVerifyConstantTime(t *testing.T) {
	src, err := os.ReadFile("password.go")
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	i := strings.Index(body, "func Verify(")
	j := strings.Index(body[i:], "\n}\n")
	verify := body[i : i+j]
	if !strings.Contains(verify, "subtle.ConstantTimeCompare(got, want)") {
		t.Fatal("Verify does not compare with subtle.ConstantTimeCompare")
	}
	for _, banned := range []string{"bytes.Equal", "len(got) != len(want)", "== want", "got[", "want["} {
		if strings.Contains(verify, banned) {
			t.Errorf("Verify contains %q: a comparison whose time depends on the data", banned)
		}
	}
	// A stored key of another length is simply no match (the derived key
	// takes the stored length, so argon2 does the same work either way).
	h := encode(Current, []byte("0123456789abcdef"), make([]byte, 16))
	if ok, _, err := Verify("whatever password", h); ok || err != nil {
		t.Fatalf("Verify(16-byte key) = %v, %v", ok, err)
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		pw   string
		want string // part of the message; "" for accepted
	}{
		{"", "empty"},
		{"short", "has 5 characters; use at least 12"},
		{"elevenchars", "has 11 characters"},
		{"twelve chars", ""},
		{"ééééééééééé", "has 11 characters"},
		{"aaaaaaaaaaaaaaaa", "repeats one character"},
		{"ßßßßßßßßßßßßß", "repeats one character"},
		{"aaaaaaaaaaaaaaab", ""},
		{"lowercase only words are fine", ""},
		{strings.Repeat("ab", 128), ""},
		{strings.Repeat("ab", 128) + "c", "257 bytes long; the most allowed is 256"},
		{"bad utf8 \xff\xfe 12345", "not valid UTF-8"},
	} {
		err := CheckPasswordPolicy(c.pw)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckPasswordPolicy(%q) = %v, want nil", c.pw, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckPasswordPolicy(%q) = %v, want a message containing %q", c.pw, err, c.want)
		}
	}
}

// BenchmarkHash reports the time of one Hash with the Current parameters.
func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
