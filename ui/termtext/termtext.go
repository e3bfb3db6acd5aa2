// Package termtext makes user-controlled text safe to print on a terminal.
// Names, emails and metadata come from the source system and may carry
// escape sequences that would move the cursor, change colours or set the
// window title; they are stripped before anything is printed or rendered.
package termtext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Clean removes ANSI escape sequences and control characters (tabs and
// newlines become spaces) so that s renders as plain, single-line text.
func Clean(s string) string {
	if s == "" {
		return s
	}
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', unicode.Is(unicode.Bidi_Control, r):
			// C0/C1 controls and bidi overrides can disguise text; drop them.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CleanBlock is Clean for multi-line text: newlines are kept, other
// control characters and escape sequences are removed.
func CleanBlock(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = Clean(l)
	}
	return strings.Join(lines, "\n")
}

// Hidden reports a character that changes how text around it reads
// without showing itself: C0/C1 controls, bidi controls, zero-width
// characters and the line and paragraph separators.
func Hidden(r rune) bool {
	switch {
	case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
		return true
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF, r == '\u2028', r == '\u2029':
		return true
	}
	return false
}

// HasHidden reports whether s holds a Hidden character other than a
// joiner that joins (see hiddenAt).
func HasHidden(s string) bool { return hiddenAt(s, Hidden) >= 0 }

// hiddenAt is the index of the first character of s for which hidden
// holds, except a zero-width joiner or non-joiner between two visible
// non-ASCII characters: that builds emoji (👨‍👩‍👧, 🏳️‍🌈) and Persian and
// Indic words. (importer.HiddenAt applies the same rule to what it
// stores.)
func hiddenAt(s string, hidden func(rune) bool) int {
	prev := rune(0)
	for i, r := range s {
		if hidden(r) && !((r == '\u200C' || r == '\u200D') && joins(prev, s[i+utf8.RuneLen(r):])) {
			return i
		}
		prev = r
	}
	return -1
}

func joins(prev rune, rest string) bool {
	next, size := utf8.DecodeRuneInString(rest)
	return size > 0 && next != utf8.RuneError && joinable(prev) && joinable(next)
}

func joinable(r rune) bool {
	return r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsSymbol(r) || unicode.IsNumber(r))
}

// Marker is what MarkHidden shows in place of a hidden character.
const Marker = '\uFFFD'

// MarkHidden shows each hidden character of already styled output (an
// input's view) as Marker, so that what is typed into a field never acts
// on the terminal and can be seen. C0/C1 controls are left alone: the
// styling's escape sequences are made of them, and text inputs drop
// typed controls before they reach a view.
func MarkHidden(s string) string {
	var b strings.Builder
	for {
		i := hiddenAt(s, markable)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[:i])
		b.WriteRune(Marker)
		s = s[i+size:]
	}
}

func markable(r rune) bool { return Hidden(r) && !unicode.IsControl(r) }
