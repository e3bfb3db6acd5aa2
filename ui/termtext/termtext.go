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
	prev := rune(0) // the last rune kept
	for i, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
			prev = ' '
		case r == '\u200c' || r == '\u200d':
			// A joiner stays where it joins two visible non-ASCII
			// characters (emoji sequences, Persian and Indic words);
			// between Latin letters it only hides ("Ann\u200dMarie").
			if next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):]); joinable(prev) && joinable(next) {
				b.WriteRune(r)
				prev = r
			}
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', unicode.Is(unicode.Bidi_Control, r), unicode.Is(unicode.Cf, r):
			// C0/C1 controls, bidi overrides and invisible characters can
			// disguise text (two names that print alike); drop them.
		default:
			b.WriteRune(r)
			prev = r
		}
	}
	return b.String()
}

// joinable is a character a zero width joiner or non-joiner may join: a
// visible non-ASCII one (the importer's rule for names it checks).
func joinable(r rune) bool {
	return r > unicode.MaxASCII && r != utf8.RuneError &&
		(unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsSymbol(r) || unicode.IsNumber(r))
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
