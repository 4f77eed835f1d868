package classify

import "strings"

// emailNotTLD are endings that look like a top-level domain but name a file ("logo@2x.png").
var emailNotTLD = map[string]bool{
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true, "bmp": true,
	"tif": true, "tiff": true, "pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true,
	"txt": true, "htm": true, "html": true, "js": true, "css": true,
}

// emailReserved are the domains reserved for documentation and testing (RFC 2606, RFC
// 6761): addresses there belong to nobody.
var emailReserved = []string{"example.com", "example.net", "example.org", "example", "test", "invalid", "localhost"}

// findEmails reports e-mail addresses: a local part of letters, digits and . _ % + -, an
// "@", and a domain of at least two labels whose last label (the top-level domain) is 2-24
// letters. Addresses at reserved domains and file names such as "logo@2x.png" are not
// reported. The match keeps the first character of the local part and the domain:
// "j***@acme-corp.com".
func findEmails(p *pageText, emit emitter) {
	s := p.s
	for off := 0; ; {
		k := strings.IndexByte(s[off:], '@')
		if k < 0 {
			return
		}
		at := off + k
		off = at + 1
		start := at
		for start > 0 && emailLocalByte(s[start-1]) {
			start--
		}
		for start < at && s[start] == '.' {
			start++
		}
		end := at + 1
		for end < len(s) && (isAlnumByte(s[end]) || s[end] == '.' || s[end] == '-') {
			end++
		}
		for end > at+1 && (s[end-1] == '.' || s[end-1] == '-') {
			end--
		}
		if start == at || at-start > 64 || isAlnumAt(s, start, true) || isAlnumAt(s, end, false) {
			continue
		}
		domain := strings.ToLower(s[at+1 : end])
		if !emailDomain(domain) {
			continue
		}
		emit(s[start:start+1]+"***@"+domain, start, end)
		off = end
	}
}

// emailLocalByte tells whether c may appear in the local part of an address.
func emailLocalByte(c byte) bool {
	return isAlnumByte(c) || strings.IndexByte("._%+-", c) >= 0
}

// emailDomain checks a lower-case domain: labels of letters, digits and inner hyphens, at
// least two of them, a top-level domain of 2-24 letters that is not a file extension, and
// not a reserved domain.
func emailDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || len(tld) > 24 || emailNotTLD[tld] {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	for _, r := range emailReserved {
		if d == r || strings.HasSuffix(d, "."+r) {
			return false
		}
	}
	return true
}
