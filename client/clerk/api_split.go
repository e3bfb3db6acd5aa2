package clerk

import (
	"encoding/json"
	"fmt"
	"io"
)

// splitArray splits a JSON array into its elements in one pass over the
// bytes. It checks the array's structure (brackets, strings, commas) but
// not the elements' contents: each is decoded, and so checked, on its
// own, so one bad user cannot spoil the page. encoding/json would scan
// the page twice (validation, then the split) before each user is
// decoded. A body that ends early yields io.ErrUnexpectedEOF.
func splitArray(b []byte) ([]json.RawMessage, error) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '[' {
		return nil, fmt.Errorf("expected a JSON array")
	}
	i = skipSpace(b, i+1)
	var elems []json.RawMessage
	if i < len(b) && b[i] == ']' {
		return elems, trailing(b, i+1)
	}
	for {
		end, err := skipValue(b, i)
		if err != nil {
			return nil, err
		}
		elems = append(elems, b[i:end:end])
		i = skipSpace(b, end)
		if i == len(b) {
			return nil, io.ErrUnexpectedEOF
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return elems, trailing(b, i+1)
		default:
			return nil, fmt.Errorf("unexpected %q after element %d at byte %d", b[i], len(elems), i)
		}
	}
}

// skipValue returns the end of the value starting at b[i]: a string, an
// object or array (brackets matched), or a literal up to a delimiter.
func skipValue(b []byte, i int) (int, error) {
	if i == len(b) {
		return 0, io.ErrUnexpectedEOF
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
	case ',', ']', '}', ':':
		return 0, fmt.Errorf("unexpected %q at byte %d", b[i], i)
	default:
		j := i
		for j < len(b) && !isDelim(b[j]) {
			j++
		}
		return j, nil
	}
	// stack holds the closing bracket each open one expects.
	var stack []byte
	for i < len(b) {
		// Most bytes change nothing (the scanner's table): skip them in a
		// tight loop before looking at one that may.
		for i < len(b) && plainOutside[b[i]] {
			i++
		}
		if i == len(b) {
			break
		}
		switch c := b[i]; c {
		case '"':
			end, err := skipString(b, i)
			if err != nil {
				return 0, err
			}
			i = end
			continue
		case '{':
			stack = append(stack, '}')
		case '[':
			stack = append(stack, ']')
		case '}', ']':
			if len(stack) == 0 || stack[len(stack)-1] != c {
				return 0, fmt.Errorf("unexpected %q at byte %d", c, i)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return i + 1, nil
			}
		}
		i++
	}
	return 0, io.ErrUnexpectedEOF
}

// skipString returns the end of the string starting at b[i] (a quote).
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		// To the next quote or backslash, as the file scanner does.
		j = skipInString(b, j)
		if j == len(b) {
			break
		}
		switch b[j] {
		case '\\':
			j++ // whatever is escaped cannot end the string
		case '"':
			return j + 1, nil
		}
	}
	return 0, io.ErrUnexpectedEOF
}

func isDelim(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// trailing rejects anything but whitespace after the array.
func trailing(b []byte, i int) error {
	if i = skipSpace(b, i); i != len(b) {
		return fmt.Errorf("unexpected %q after the array at byte %d", b[i], i)
	}
	return nil
}
