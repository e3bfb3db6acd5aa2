package clerk

import (
	"bufio"
	"unicode/utf8"
)

// firstInvalidUTF8 is the offset of the first byte of b that does not
// start a valid UTF-8 sequence, or -1 when b is valid.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// notUTF8Hint tells how to fix a record that is not UTF-8 (its callers
// have found it so). Clerk writes UTF-8, so such bytes almost always come
// from re-saving the export in a spreadsheet, which on Windows writes the
// legacy code page (Windows-1252 in Western locales, where "é" is the
// lone byte 0xE9). The bytes are not decoded by guess: the same byte is a
// different letter in each code page.
const notUTF8Hint = "; the file is probably in a legacy encoding such as Windows-1252 (a spreadsheet's plain CSV save): convert it to UTF-8 (iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8) and import that"

// notUTF8MacHint is notUTF8Hint for a CSV whose lines end in a CR alone:
// Excel for Mac's "CSV (Macintosh)" save, which writes Mac Roman, where
// Windows-1252's conversion would turn "José" into "JosŽ" unsaid.
const notUTF8MacHint = "; the file is probably Excel for Mac's \"CSV (Macintosh)\" save (its lines end in a CR alone), in the Mac Roman encoding: convert it to UTF-8 (iconv -f MACINTOSH -t UTF-8 FILE > FILE.utf8) and import that"

// detectUTF32 recognises a file saved as UTF-32, by its byte-order mark
// or, without one, by an ASCII first character padded with three zero
// bytes. It is checked before UTF-16, whose little-endian mark is the
// first half of UTF-32's.
func detectUTF32(br *bufio.Reader) bool {
	b, _ := br.Peek(4)
	if len(b) < 4 {
		return false
	}
	ascii := func(c byte) bool { return c != 0 && c < 0x80 }
	switch {
	case b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0:
		return true
	case b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF:
		return true
	case ascii(b[0]) && b[1] == 0 && b[2] == 0 && b[3] == 0:
		return true
	case b[0] == 0 && b[1] == 0 && b[2] == 0 && ascii(b[3]):
		return true
	}
	return false
}
