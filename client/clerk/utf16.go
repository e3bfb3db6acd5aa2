package clerk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Window is how many of the latest UTF-8 bytes a utf16Reader can map
// back to file offsets: twice the readers' buffer above it, so every
// offset the scanner reports (at most a buffer behind the transcoder) is
// still known.
const utf16Window = 2 * (64 << 10)

// detectUTF16 recognises a file saved as UTF-16, as Windows PowerShell 5's
// `>` and Out-File and Excel's "Unicode text" write it: by its byte-order
// mark, or without one by two ASCII characters each paired with a zero
// byte (JSON and CSV exports start with ASCII, and no UTF-8 text does so;
// RFC 4627 §3 tells JSON's encoding the same way). bom is the mark's
// length, 0 when there is none. The bytes are only peeked.
func detectUTF16(br *bufio.Reader) (big bool, bom int, ok bool) {
	b, _ := br.Peek(4)
	ascii := func(c byte) bool { return c != 0 && c < 0x80 }
	switch {
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return false, 2, true
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return true, 2, true
	case len(b) == 4 && ascii(b[0]) && b[1] == 0 && ascii(b[2]) && b[3] == 0:
		return false, 0, true
	case len(b) == 4 && b[0] == 0 && ascii(b[1]) && b[2] == 0 && ascii(b[3]):
		return true, 0, true
	}
	return false, 0, false
}

// utf16Error is input that is not UTF-16 at byte Off of the file.
type utf16Error struct {
	Off int64
	Msg string
}

func (e *utf16Error) Error() string {
	return fmt.Sprintf("invalid UTF-16 at byte %d: %s", e.Off, e.Msg)
}

// utf16Reader transcodes UTF-16 to UTF-8 as a stream, holding a fixed
// amount whatever the file's size, so both export readers read it as the
// UTF-8 it encodes. Unlike golang.org/x/text's decoder it refuses
// malformed input (an odd byte count, a lone surrogate) instead of
// writing U+FFFD into users' data, and it maps the latest output offsets
// back to file offsets for error messages.
type utf16Reader struct {
	r    io.Reader
	big  bool
	bom  bool // the file starts with a byte-order mark
	in   []byte
	i, n int   // in[i:n] is read and not yet decoded
	src  int64 // file offset of in[i]
	out  int64 // UTF-8 bytes returned so far
	// pend holds the rest of a character that did not fit the caller's
	// buffer; pendSrc is its file offset.
	pend         [utf8.UTFMax]byte
	pendI, pendN int
	pendSrc      int64
	rerr         error // the reader's error, returned once in[i:n] is used
	bad          error // malformed input: sticky
	// at[o%utf16Window] is the file offset of the character that output
	// byte o belongs to.
	at []int64
}

func newUTF16Reader(r io.Reader, big bool, base int64) *utf16Reader {
	return &utf16Reader{r: r, big: big, bom: base > 0, in: make([]byte, 32<<10), src: base, at: make([]int64, utf16Window)}
}

// fileOffset maps an offset in the UTF-8 output to the file offset of
// the character there; ok is false when it is older than the window.
func (t *utf16Reader) fileOffset(o int64) (at int64, ok bool) {
	switch {
	case o == t.out && t.pendI < t.pendN:
		return t.pendSrc, true
	case o == t.out:
		return t.src, true
	case o >= 0 && o < t.out && t.out-o <= utf16Window:
		return t.at[o%utf16Window], true
	}
	return 0, false
}

// charset names the file's encoding as iconv does: "UTF-16" finds the
// byte order from the mark, which a file without one lacks.
func (t *utf16Reader) charset() string {
	switch {
	case t.bom:
		return "UTF-16"
	case t.big:
		return "UTF-16BE"
	}
	return "UTF-16LE"
}

func (t *utf16Reader) unit(i int) uint16 {
	if t.big {
		return uint16(t.in[i])<<8 | uint16(t.in[i+1])
	}
	return uint16(t.in[i+1])<<8 | uint16(t.in[i])
}

// fill reads until a surrogate pair's four bytes are buffered or the
// reader fails.
func (t *utf16Reader) fill() {
	t.n = copy(t.in, t.in[t.i:t.n])
	t.i = 0
	for tries := 0; t.n < 4 && t.rerr == nil; tries++ {
		k, err := t.r.Read(t.in[t.n:])
		t.n += k
		switch {
		case err != nil:
			t.rerr = err
		case k == 0 && tries >= 100:
			t.rerr = io.ErrNoProgress
		}
	}
}

// Read implements io.Reader.
func (t *utf16Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	k := 0
	for k < len(p) {
		if t.pendI < t.pendN {
			p[k] = t.pend[t.pendI]
			t.at[t.out%utf16Window] = t.pendSrc
			t.pendI++
			t.out++
			k++
			continue
		}
		if t.bad != nil {
			break
		}
		if t.n-t.i < 4 && t.rerr == nil {
			t.fill()
		}
		avail := t.n - t.i
		if avail < 2 {
			if !errors.Is(t.rerr, io.EOF) {
				break // nothing, or a partial read before an error
			}
			if avail == 1 {
				t.bad = &utf16Error{Off: t.src, Msg: "the file has an odd number of bytes, so its last byte is half a character (truncated?)"}
			}
			break
		}
		u := t.unit(t.i)
		if u < utf8.RuneSelf {
			p[k] = byte(u)
			t.at[t.out%utf16Window] = t.src
			t.out++
			k++
			t.i += 2
			t.src += 2
			continue
		}
		r, size := rune(u), 2
		switch {
		case utf16.IsSurrogate(r) && u < 0xDC00:
			size = 4
			if avail < 4 {
				if errors.Is(t.rerr, io.EOF) {
					t.bad = &utf16Error{Off: t.src, Msg: "the file ends inside a character: the first half of a surrogate pair has no second (truncated?)"}
				}
				break
			}
			if r = utf16.DecodeRune(r, rune(t.unit(t.i+2))); r == utf8.RuneError {
				t.bad = &utf16Error{Off: t.src, Msg: fmt.Sprintf("lone surrogate 0x%04X (half of a character: the file is damaged or not UTF-16)", u)}
			}
		case utf16.IsSurrogate(r):
			t.bad = &utf16Error{Off: t.src, Msg: fmt.Sprintf("lone surrogate 0x%04X (half of a character: the file is damaged or not UTF-16)", u)}
		}
		if t.bad != nil || size > avail {
			break // size > avail: a pair cut short by a read error
		}
		t.pendN = utf8.EncodeRune(t.pend[:], r)
		t.pendI = 0
		t.pendSrc = t.src
		t.i += size
		t.src += int64(size)
	}
	if k > 0 {
		return k, nil
	}
	if t.bad != nil {
		return 0, t.bad
	}
	err := t.rerr
	if !errors.Is(err, io.EOF) {
		t.rerr = nil // a cancelled read may be retried
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return 0, err
}
