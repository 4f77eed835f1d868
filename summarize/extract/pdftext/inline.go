package pdftext

import "bytes"

// skipInlineImage moves the lexer past an inline image (BI ... ID data EI), whose
// operator BI has just been read. The data is binary: it ends at the first "EI" that
// stands alone (white space before, white space, a delimiter or the end after) and is
// followed by something that looks like content-stream syntax again. When the image is
// unfiltered and its size is known, the data length is used instead.
func (l *lexer) skipInlineImage() {
	var params []operand
	for {
		t := l.next()
		if t.kind == kEOF {
			return
		}
		if t.kind == kOp && string(t.b) == "ID" {
			break
		}
		if len(params) < 64 {
			params = append(params, t)
		}
	}
	if l.pos < len(l.data) && isWhite(l.data[l.pos]) {
		l.pos++
	}
	if n := inlineImageSize(params); n > 0 && l.pos+n <= len(l.data) && endsImage(l.data, l.pos+n) {
		l.pos += n
		l.skipSpace()
		if bytes.HasPrefix(l.data[l.pos:], []byte("EI")) {
			l.pos += 2
			return
		}
	}
	for from := l.pos; ; {
		i := bytes.Index(l.data[from:], []byte("EI"))
		if i < 0 {
			l.pos = len(l.data)
			return
		}
		at := from + i
		if at > 0 && isWhite(l.data[at-1]) && endsImage(l.data, at) {
			l.pos = at + 2
			return
		}
		from = at + 2
	}
}

// endsImage tells whether data[at:] can be where the image data ends: optional white
// space, "EI", then the end or white space or a delimiter.
func endsImage(data []byte, at int) bool {
	for at < len(data) && isWhite(data[at]) {
		at++
	}
	if !bytes.HasPrefix(data[at:], []byte("EI")) {
		return false
	}
	at += 2
	return at >= len(data) || isWhite(data[at]) || isDelim(data[at])
}

// inlineImageSize returns the byte size of an unfiltered inline image's data, or 0 when
// it cannot be told (a filter, or an unknown colour space).
func inlineImageSize(params []operand) int {
	var w, h, bpc, comps float64 = 0, 0, 8, 1
	for i := 0; i+1 < len(params); i += 2 {
		if params[i].kind != kName {
			continue
		}
		v := params[i+1]
		switch string(params[i].b) {
		case "W", "Width":
			w = v.num
		case "H", "Height":
			h = v.num
		case "BPC", "BitsPerComponent":
			bpc = v.num
		case "IM", "ImageMask":
			if string(v.b) == "true" {
				bpc = 1
			}
		case "F", "Filter":
			return 0
		case "CS", "ColorSpace":
			switch string(v.b) {
			case "G", "DeviceGray", "I", "Indexed":
				comps = 1
			case "RGB", "DeviceRGB":
				comps = 3
			case "CMYK", "DeviceCMYK":
				comps = 4
			default:
				return 0
			}
		}
	}
	if w <= 0 || h <= 0 || bpc <= 0 || w*h > 1<<28 {
		return 0
	}
	return int((w*comps*bpc+7)/8) * int(h)
}
