package pdftext

import (
	"bytes"
	"strconv"
)

// kind is the type of a content-stream token or operand.
type kind uint8

const (
	kEOF kind = iota
	kNum
	kName
	kStr
	kArr
	kDict
	kOp
	kOther // true, false, null and stray delimiters
)

// operand is one value on the operand stack of a content stream. Strings and names
// point into the stream buffer unless they needed unescaping.
type operand struct {
	kind kind
	num  float64
	b    []byte    // name (without '/'), string bytes or operator keyword
	arr  []operand // array elements; dict entries as key, value pairs
}

// lexer splits a decoded content stream or CMap into tokens. It never fails: malformed
// input yields some tokens and ends at the end of the data.
type lexer struct {
	data  []byte
	pos   int
	depth int // nesting of arrays and dictionaries being read
}

// maxNesting bounds arrays and dictionaries inside each other; deeper input is flattened.
const maxNesting = 32

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace moves past white space and comments.
func (l *lexer) skipSpace() {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		if isWhite(c) {
			l.pos++
			continue
		}
		if c != '%' {
			return
		}
		for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
			l.pos++
		}
	}
}

// next returns the next token. Arrays and dictionaries come back whole as one operand.
func (l *lexer) next() operand {
	l.skipSpace()
	if l.pos >= len(l.data) {
		return operand{kind: kEOF}
	}
	c := l.data[l.pos]
	switch {
	case c == '/':
		l.pos++
		return operand{kind: kName, b: l.word()}
	case c == '(':
		l.pos++
		return operand{kind: kStr, b: l.literal()}
	case c == '<':
		if l.pos+1 < len(l.data) && l.data[l.pos+1] == '<' {
			l.pos += 2
			return l.collect(kDict, '>')
		}
		l.pos++
		return operand{kind: kStr, b: l.hex()}
	case c == '[':
		l.pos++
		return l.collect(kArr, ']')
	case c == ']' || c == '>' || c == ')' || c == '{' || c == '}':
		l.pos++
		if c == '>' && l.pos < len(l.data) && l.data[l.pos] == '>' {
			l.pos++
		}
		return operand{kind: kOther, b: l.data[l.pos-1 : l.pos]}
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		w := l.word()
		if f, ok := parseNum(w); ok {
			return operand{kind: kNum, num: f}
		}
		return operand{kind: kOp, b: w}
	}
	w := l.word()
	if len(w) == 0 { // a byte that is neither delimiter nor regular: skip it
		l.pos++
		return operand{kind: kOther}
	}
	switch string(w) {
	case "true", "false", "null":
		return operand{kind: kOther, b: w}
	}
	return operand{kind: kOp, b: w}
}

// word reads regular characters.
func (l *lexer) word() []byte {
	start := l.pos
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		if isWhite(c) || isDelim(c) {
			break
		}
		l.pos++
	}
	return l.data[start:l.pos]
}

// parseNum parses a PDF number, tolerating forms like "--5" or "5." that producers emit.
func parseNum(w []byte) (float64, bool) {
	neg := false
	for len(w) > 0 && (w[0] == '-' || w[0] == '+') {
		neg = neg != (w[0] == '-')
		w = w[1:]
	}
	if len(w) == 0 {
		return 0, false
	}
	var n float64
	i := 0
	for ; i < len(w) && w[i] >= '0' && w[i] <= '9'; i++ {
		n = n*10 + float64(w[i]-'0')
	}
	if i < len(w) && w[i] == '.' {
		scale := 0.1
		for i++; i < len(w) && w[i] >= '0' && w[i] <= '9'; i++ {
			n += float64(w[i]-'0') * scale
			scale /= 10
		}
	}
	if i != len(w) {
		f, err := strconv.ParseFloat(string(w), 64)
		if err != nil {
			return 0, false
		}
		n = f
	}
	if neg {
		n = -n
	}
	return n, true
}

// collect reads the elements of an array or dictionary up to its closing delimiter.
func (l *lexer) collect(k kind, closer byte) operand {
	out := operand{kind: k}
	if l.depth >= maxNesting {
		return out
	}
	l.depth++
	defer func() { l.depth-- }()
	for {
		l.skipSpace()
		if l.pos >= len(l.data) {
			return out
		}
		if c := l.data[l.pos]; c == closer {
			l.pos++
			if closer == '>' && l.pos < len(l.data) && l.data[l.pos] == '>' {
				l.pos++
			}
			return out
		}
		t := l.next()
		if t.kind == kOp && k == kArr {
			// An operator inside an array means the array was never closed.
			l.pos -= len(t.b)
			return out
		}
		out.arr = append(out.arr, t)
	}
}

// literal reads a (string) after its opening parenthesis, with escapes and nesting.
func (l *lexer) literal() []byte {
	start := l.pos
	end := bytes.IndexAny(l.data[start:], "()\\")
	if end >= 0 && l.data[start+end] == ')' {
		l.pos = start + end + 1
		return l.data[start : start+end]
	}
	var out []byte
	depth := 1
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return out
			}
		case '\\':
			c, ok := l.escape()
			if !ok {
				continue
			}
			out = append(out, c)
			continue
		case '\r':
			if l.pos < len(l.data) && l.data[l.pos] == '\n' {
				l.pos++
			}
			c = '\n'
		}
		out = append(out, c)
	}
	return out
}

// escape decodes the escape after a backslash; ok is false for a line continuation.
func (l *lexer) escape() (byte, bool) {
	if l.pos >= len(l.data) {
		return 0, false
	}
	c := l.data[l.pos]
	l.pos++
	switch c {
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case '\r':
		if l.pos < len(l.data) && l.data[l.pos] == '\n' {
			l.pos++
		}
		return 0, false
	case '\n':
		return 0, false
	}
	if c < '0' || c > '7' {
		return c, true
	}
	v := int(c - '0')
	for i := 0; i < 2 && l.pos < len(l.data); i++ {
		d := l.data[l.pos]
		if d < '0' || d > '7' {
			break
		}
		v = v*8 + int(d-'0')
		l.pos++
	}
	return byte(v), true
}

// hex reads a <hex string> after its '<'. An odd last digit counts as followed by 0.
func (l *lexer) hex() []byte {
	var out []byte
	half, have := byte(0), false
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		v, ok := unhex(c)
		if !ok {
			continue
		}
		if have {
			out = append(out, half<<4|v)
			have = false
		} else {
			half, have = v, true
		}
	}
	if have {
		out = append(out, half<<4)
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
