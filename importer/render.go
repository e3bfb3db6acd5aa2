package importer

import (
	"fmt"
	"html"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// Rendered is a template rendered for one user.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
	// Missing lists variables that had no value (rendered empty), sorted;
	// empty, not nil, when none.
	Missing []string
}

// varPattern matches AscendKit's {{name}} variables. The syntax has no
// logic, loops or partials, so a pattern replacement renders it exactly;
// a template engine would need the templates rewritten into its syntax.
var varPattern = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}`)

// Render fills a template's {{variables}} for a user: the user fields
// userName and userEmail, then the journey node's variables vars (which
// win). Missing variables render empty and are listed in Missing. Values
// are HTML-escaped in the HTML body.
func Render(t ascendkit.Template, u ascendkit.User, vars map[string]string) Rendered {
	name := u.Name
	if ascendkit.BlankName(name) {
		// Invisible characters only: it renders as nothing, as the
		// activation check counts it (UnnamedInAudience).
		name = ""
	}
	values := map[string]string{"userName": name, "userEmail": u.Email}
	for k, v := range vars {
		values[k] = v
	}
	missing := map[string]bool{}
	fill := func(s string, escape bool) string {
		return varPattern.ReplaceAllStringFunc(s, func(m string) string {
			name := varPattern.FindStringSubmatch(m)[1]
			v := values[name]
			if v == "" {
				missing[name] = true
				return ""
			}
			if escape {
				return html.EscapeString(v)
			}
			return v
		})
	}
	r := Rendered{Subject: fill(t.Subject, false), Text: fill(t.BodyText, false), HTML: fill(t.BodyHTML, true)}
	r.Missing = slices.AppendSeq(make([]string, 0, len(missing)), maps.Keys(missing)) // never nil: [] in JSON
	slices.Sort(r.Missing)
	return r
}

// Bounds on a template's one-line fields. A subject is one header line,
// and RFC 5322 limits a line to 998 bytes; a name is what lists show.
const (
	MaxSubjectBytes      = 998
	MaxTemplateNameRunes = 200
)

// ValidateTemplateLine checks a template's subject or name: none of the
// characters that make text look other than it is (those HiddenAt finds,
// and the invisible format characters a subject line has no use for:
// the soft hyphen, the invisible operators U+2061–U+2064, the Mongolian
// vowel separator). A joiner between visible characters (emoji) is kept.
func ValidateTemplateLine(s string) error {
	if i := HiddenIndex(s, hiddenInLine); i >= 0 {
		return fmt.Errorf("%w (%s)", errHiddenText, hiddenWhere(s, i))
	}
	return nil
}

func hiddenInLine(r rune) bool {
	return HiddenRune(r) || r == '\u00AD' || (r >= 0x2061 && r <= 0x2064) || r == 0x180E
}

// ValidateTemplateBody checks an email body: no control characters but
// line breaks and tabs (an ESC, OSC or BEL would be stored and sent), and
// no bidi overrides (U+202D, U+202E), which make text read other than it
// is. Bidi marks, embeddings and isolates, joiners, zero-width spaces and
// soft hyphens stay: right-to-left copy, emoji and hyphenation use them.
func ValidateTemplateBody(s string) error {
	for i, r := range s {
		if (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') || r == '\u202D' || r == '\u202E' {
			return fmt.Errorf("%w (%s)", errHiddenText, hiddenWhere(s, i))
		}
	}
	return nil
}

// hiddenWhere names the character at byte i of s and where it is: its
// code point, and the line and column in a text of several lines or the
// text before it in one line.
func hiddenWhere(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	line := strings.Count(s[:i], "\n") + 1
	if line > 1 || strings.Contains(s[i:], "\n") {
		col := utf8.RuneCountInString(s[strings.LastIndexByte(s[:i], '\n')+1:i]) + 1
		return fmt.Sprintf("U+%04X at line %d, column %d", r, line, col)
	}
	if i == 0 {
		return fmt.Sprintf("U+%04X at the start", r)
	}
	return fmt.Sprintf("U+%04X after %q", r, snippetBefore(s, i, 20))
}

// snippetBefore is at most n characters of s before byte i.
func snippetBefore(s string, i, n int) string {
	start := i
	for k := 0; k < n && start > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	return s[start:i]
}

// BraceProblems finds braces in s that the renderer does not take for a
// {{variable}}, so they are sent as written: a {{ or }} without its
// other half, a third brace around a variable ({{{name}}} renders as
// {value}), and a single brace next to the name of a variable: {appName},
// {{loginUrl}. The names are the user fields, the migration journeys'
// variables and names (the template's others, those set on the nodes
// that send it); CSS such as a{color:red} is not taken for one. A {{…}}
// holding no variable name is not one of them (it is reported on its
// own). It returns the text around each place, places close together in one.
func BraceProblems(s string, names []string) []string {
	known := func(n string) bool { return userVariables[n] || setupVariables[n] != "" || slices.Contains(names, n) }
	covered := make([]bool, len(s))
	var at []int
	for _, m := range varPattern.FindAllStringIndex(s, -1) {
		for k := m[0]; k < m[1]; k++ {
			covered[k] = true
		}
		if (m[0] > 0 && s[m[0]-1] == '{') || (m[1] < len(s) && s[m[1]] == '}') {
			at = append(at, m[0])
		}
	}
	for _, m := range bracedPattern.FindAllStringIndex(s, -1) {
		for k := m[0]; k < m[1]; k++ {
			covered[k] = true
		}
	}
	free := func(k int) bool { return k >= 0 && k < len(s) && !covered[k] }
	for k := 0; k < len(s); k++ {
		c := s[k]
		if !free(k) || (c != '{' && c != '}') {
			continue
		}
		switch {
		case free(k+1) && s[k+1] == c:
			at = append(at, k)
			for k+1 < len(s) && free(k+1) && s[k+1] == c {
				k++
			}
		case c == '{':
			if m := nameAfter.FindStringSubmatch(s[k+1:]); m != nil && known(m[1]) {
				at = append(at, k)
			}
		case c == '}':
			if name := nameEndingAt(s[:k]); name != "" && known(name) {
				at = append(at, k)
			}
		}
	}
	if len(at) == 0 {
		return nil
	}
	slices.Sort(at)
	const around = 20
	var out []string
	for g := 0; g < len(at); {
		end := g
		for end+1 < len(at) && at[end+1]-at[g] <= 2*around { // bounded: one quote stays short
			end++
		}
		out = append(out, snippetAround(s, at[g], at[end], around))
		g = end + 1
	}
	return out
}

var (
	// bracedPattern is anything written as {{…}} without inner braces.
	bracedPattern = regexp.MustCompile(`\{\{[^{}]*\}\}`)
	nameAfter     = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_.]*)`)
)

// nameEndingAt is the variable name s ends with (spaces after it
// allowed), or "". It reads backwards from the end only, so a body with
// many braces is scanned once.
func nameEndingAt(s string) string {
	end := len(strings.TrimRight(s, " \t\r\n"))
	start := end
	for start > 0 && nameByte(s[start-1]) {
		start--
	}
	name := strings.TrimLeft(s[start:end], "0123456789.")
	if name == "" || !varName.MatchString(name) {
		return ""
	}
	return name
}

func nameByte(c byte) bool {
	return c == '_' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// snippetAround is the text of s from n characters before byte from to
// n characters after byte to, on one line, with … where it is cut.
func snippetAround(s string, from, to, n int) string {
	start := from - len(snippetBefore(s, from, n))
	stop := to + 1
	for k := 0; k < n && stop < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[stop:])
		stop += size
	}
	out := strings.Join(strings.Fields(s[start:stop]), " ")
	if start > 0 {
		out = "…" + out
	}
	if stop < len(s) {
		out += "…"
	}
	return out
}
