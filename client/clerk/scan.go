package clerk

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
)

// Limits on one record. They bound what a hostile or broken export can make
// the reader hold: a record past maxRecordBytes is skipped while it is read,
// never buffered whole.
const (
	maxRecordBytes   = 1 << 20   // one user, as JSON or as a CSV row
	maxMetadataBytes = 256 << 10 // one of public/private/unsafe metadata
	maxExternal      = 100       // external accounts on one user
	maxNesting       = 10000     // same cap as encoding/json
	maxQuote         = 200       // bytes of input an error message may quote
)

// syntaxError is a structural fault in the JSON at byte Off of the file.
type syntaxError struct {
	Off int64
	Msg string
}

func (e *syntaxError) Error() string { return e.Msg }

// scanner walks JSON bytes straight off a bufio.Reader. It finds where each
// value ends (string- and escape-aware bracket matching) without building
// it, so a value of any size costs at most the bytes the caller asks it to
// keep. The values it keeps are decoded (and so fully validated) later.
type scanner struct {
	br  *bufio.Reader
	off int64 // bytes consumed so far, from the start of the file
	// nl counts the line ends consumed, in values too once countLines is
	// set (JSON Lines, whose errors name lines); between values always.
	nl         int64
	countLines bool
}

// peek skips whitespace and returns the next byte without consuming it.
// io.EOF means the input ended.
func (s *scanner) peek() (byte, error) {
	for {
		b, err := s.br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case '\n':
			s.nl++
			s.off++
			continue
		case ' ', '\t', '\r':
			s.off++
			continue
		}
		if err := s.br.UnreadByte(); err != nil {
			return 0, err
		}
		return b, nil
	}
}

// next skips whitespace and consumes one byte.
func (s *scanner) next() (byte, error) {
	b, err := s.peek()
	if err != nil {
		return 0, err
	}
	s.br.ReadByte() //nolint:errcheck // peek just unread it
	s.off++
	return b, nil
}

// expect consumes the next significant byte, which must be one of want.
func (s *scanner) expect(want string, what string) (byte, error) {
	b, err := s.next()
	if err != nil {
		return 0, err
	}
	if strings.IndexByte(want, b) >= 0 {
		return b, nil
	}
	return 0, &syntaxError{Off: s.off - 1, Msg: fmt.Sprintf("invalid character %s, expected %s", quoteByte(b), what)}
}

// value reads one JSON value. Its first keep bytes are appended to *dst
// (dst may be nil to keep nothing); the rest is read and dropped. It
// returns the value's full size in bytes.
func (s *scanner) value(dst *[]byte, keep int) (int64, error) {
	first, err := s.peek()
	if err != nil {
		return 0, err
	}
	start := s.off
	switch {
	case first == '{' || first == '[' || first == '"':
	case first == '-' || (first >= '0' && first <= '9') || first == 't' || first == 'f' || first == 'n':
		return s.scalar(dst, keep)
	default:
		return 0, &syntaxError{Off: start, Msg: fmt.Sprintf("invalid character %s looking for the beginning of a value", quoteByte(first))}
	}
	var (
		stack    []byte // the closers still expected
		inString bool
		escape   bool
	)
	for {
		chunk, err := s.br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return s.off - start, io.ErrUnexpectedEOF
			}
			return s.off - start, err
		}
		chunk, _ = s.br.Peek(s.br.Buffered())
		n := 0
		done := false
		for n < len(chunk) && !done {
			// Most bytes change nothing: skip them in a tight loop before
			// the state machine looks at the next one that may.
			if !escape {
				if inString {
					n = skipInString(chunk, n)
				} else {
					for n < len(chunk) && plainOutside[chunk[n]] {
						n++
					}
				}
				if n == len(chunk) {
					break
				}
			}
			c := chunk[n]
			n++
			switch {
			case escape:
				escape = false
			case inString:
				switch c {
				case '\\':
					escape = true
				case '"':
					inString = false
					done = len(stack) == 0
				}
			default:
				switch c {
				case '"':
					inString = true
				case '{':
					stack = append(stack, '}')
				case '[':
					stack = append(stack, ']')
				case '}', ']':
					if len(stack) == 0 || stack[len(stack)-1] != c {
						s.take(dst, keep, start, chunk[:n-1])
						return s.off - start, &syntaxError{Off: s.off, Msg: fmt.Sprintf("invalid character %s: brackets do not match", quoteByte(c))}
					}
					stack = stack[:len(stack)-1]
					done = len(stack) == 0
				}
				if len(stack) > maxNesting {
					return s.off - start, &syntaxError{Off: s.off + int64(n-1), Msg: fmt.Sprintf("nested deeper than %d levels", maxNesting)}
				}
			}
		}
		s.take(dst, keep, start, chunk[:n])
		if done {
			return s.off - start, nil
		}
	}
}

// skipInString returns the index of the first quote or backslash in
// b[n:], or len(b) when there is none. It looks eight bytes at a time
// while eight remain: most of a record's bytes are in strings, and a byte
// loop took a quarter of a file read.
func skipInString(b []byte, n int) int {
	for n+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[n:])
		if m := hasZeroByte(x^0x2222222222222222) | hasZeroByte(x^0x5c5c5c5c5c5c5c5c); m != 0 {
			return n + bits.TrailingZeros64(m)>>3
		}
		n += 8
	}
	for n < len(b) && plainInString[b[n]] {
		n++
	}
	return n
}

// hasZeroByte sets the high bit of the zero bytes of x. A borrow can also
// flag a byte above a zero one, so only the lowest flag is exact.
func hasZeroByte(x uint64) uint64 {
	return (x - 0x0101010101010101) & ^x & 0x8080808080808080
}

// plainInString and plainOutside are the bytes value's state machine
// passes over unchanged inside and outside a string.
var plainInString, plainOutside = func() (in, out [256]bool) {
	for i := range 256 {
		in[i], out[i] = true, true
	}
	for _, c := range `"\` {
		in[c] = false
	}
	for _, c := range `"{}[]` {
		out[c] = false
	}
	return in, out
}()

// take consumes b from the reader, keeping what still fits in *dst.
func (s *scanner) take(dst *[]byte, keep int, start int64, b []byte) {
	if dst != nil {
		if room := keep - int(s.off-start); room > 0 {
			*dst = appendGrow(*dst, b[:min(room, len(b))])
		}
	}
	if s.countLines {
		s.nl += int64(bytes.Count(b, newline))
	}
	s.br.Discard(len(b)) //nolint:errcheck // b was peeked
	s.off += int64(len(b))
}

var newline = []byte{'\n'}

// appendGrow is append that doubles the capacity when it must grow
// (append grows large slices by 1.25×, which allocates ~5× a 1 MiB record
// on the way there; doubling allocates ~2×).
func appendGrow(dst, b []byte) []byte {
	if need := len(dst) + len(b); need > cap(dst) {
		grown := make([]byte, len(dst), max(need, 2*cap(dst), 4096))
		copy(grown, dst)
		dst = grown
	}
	return append(dst, b...)
}

// scalar reads a number or literal: its bytes run to the next delimiter.
// Validity is left to the decoder, like the rest of the value.
func (s *scanner) scalar(dst *[]byte, keep int) (int64, error) {
	start := s.off
	for {
		chunk, err := s.br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return s.off - start, nil
			}
			return s.off - start, err
		}
		chunk, _ = s.br.Peek(s.br.Buffered())
		n := 0
		for n < len(chunk) && isScalarByte(chunk[n]) {
			n++
		}
		s.take(dst, keep, start, chunk[:n])
		if n < len(chunk) {
			return s.off - start, nil
		}
	}
}

func isScalarByte(c byte) bool {
	return c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// key reads an object key (a string) and the colon after it. Keys longer
// than maxQuote are cut: every key this reader looks for is short.
func (s *scanner) key() (string, error) {
	b, err := s.peek()
	if err != nil {
		return "", err
	}
	if b != '"' {
		return "", &syntaxError{Off: s.off, Msg: fmt.Sprintf("invalid character %s looking for an object key", quoteByte(b))}
	}
	var raw []byte
	if _, err := s.value(&raw, maxQuote); err != nil {
		return "", err
	}
	if _, err := s.expect(":", "':' after an object key"); err != nil {
		return "", err
	}
	var k string
	if json.Unmarshal(raw, &k) != nil {
		// Cut at maxQuote, or a bad escape: not a key this reader wants.
		return string(raw[1:]), nil
	}
	return k, nil
}

// quoteByte shows one input byte in an error message.
func quoteByte(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return fmt.Sprintf("'%c'", b)
	}
	return fmt.Sprintf("0x%02x", b)
}

// quote renders at most maxQuote bytes of user input as a Go-quoted
// string: cut before quoting (so a huge value is never copied whole) and
// after (escapes can quadruple the length).
func quote(s string) string {
	return clip(strconv.Quote(clip(s)))
}

// clip cuts s to at most maxQuote bytes for an error message, on a rune
// boundary, so a huge bad value cannot make a huge message.
func clip(s string) string {
	if len(s) <= maxQuote {
		return s
	}
	cut := maxQuote
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
