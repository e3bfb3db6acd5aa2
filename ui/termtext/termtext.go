// Package termtext makes user-controlled text safe to print on a terminal.
// Names, emails and metadata come from the source system and may carry
// escape sequences that would move the cursor, change colours or set the
// window title; they are stripped before anything is printed or rendered.
package termtext

import (
	"strings"
	"unicode"

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
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', unicode.Is(unicode.Bidi_Control, r), invisible(r):
			// C0/C1 controls, bidi overrides and invisible characters can
			// disguise text (two names that print alike); drop them.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// invisible reports the format characters (Unicode's Cf: zero width
// space, soft hyphen, word joiner, tag characters, the byte order mark…),
// which print as nothing, so that "Admin" and "Admin" with tag characters
// after it would print alike. The zero width joiner and non-joiner stay:
// emoji sequences and Persian or Indic names need them.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d'
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
