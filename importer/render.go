package importer

import (
	"html"
	"maps"
	"regexp"
	"slices"

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
	values := map[string]string{"userName": u.Name, "userEmail": u.Email}
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
