package importer

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func TestBraceProblems(t *testing.T) {
	for _, c := range []struct {
		in    string
		names []string
		want  []string
	}{
		{"Hi {{userName}}, {{ appName }}", nil, nil},
		// CSS and JSON braces, and braces next to names no variable has.
		{"<style>p{color:red} a { color: blue }</style>", nil, nil},
		{`data {"id": 1} {x} {{a-b}}`, nil, nil},
		{"{{{appName}}}", nil, []string{"{{{appName}}}"}},
		{"{{appName}}}", nil, []string{"{{appName}}}"}},
		{"at {{loginUrl} now", nil, []string{"at {{loginUrl} now"}},
		{"at {loginUrl}} now", nil, []string{"at {loginUrl}} now"}},
		{"{appName}", nil, []string{"{appName}"}},
		{"{ promo }", []string{"promo"}, []string{"{ promo }"}},
		{"{promo}", nil, nil},
		{"a }} b", nil, []string{"a }} b"}},
		{"a {{{{ b", nil, []string{"a {{{{ b"}},
		// Places far apart are quoted apart, cut with ….
		{"{appName}" + strings.Repeat(" word", 20) + " {{userName}", nil,
			[]string{"{appName} word word word word…", "…word word word word {{userName}"}},
	} {
		if got := BraceProblems(c.in, c.names); !reflect.DeepEqual(got, c.want) {
			t.Errorf("BraceProblems(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestValidateTemplateText(t *testing.T) {
	for _, ok := range []string{"Welcome 👨‍👩‍👧 to Acme", "میخواهم", "Café"} {
		if err := ValidateTemplateLine(ok); err != nil {
			t.Errorf("ValidateTemplateLine(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"a\u200db", "\u200dstart", "soft\u00adhyphen", "x\u2062y", "rlo\u202e", "tab\there"} {
		if err := ValidateTemplateLine(bad); err == nil || !strings.Contains(err.Error(), errHiddenText.Error()) {
			t.Errorf("ValidateTemplateLine(%q): %v", bad, err)
		}
	}
	for _, ok := range []string{"line\r\n\ttab", "soft\u00adhyphen zero\u200bwidth \u200fmark\u200f \u2067iso\u2069"} {
		if err := ValidateTemplateBody(ok); err != nil {
			t.Errorf("ValidateTemplateBody(%q): %v", ok, err)
		}
	}
	for bad, where := range map[string]string{"a\n\n  \x1b[2J": "U+001B at line 3, column 3", "ok\x07": `U+0007 after "ok"`, "\u0085": "U+0085 at the start", "x\u202dy": "U+202D"} {
		if err := ValidateTemplateBody(bad); err == nil || !strings.Contains(err.Error(), where) {
			t.Errorf("ValidateTemplateBody(%q): %v, want %q", bad, err, where)
		}
	}
}

// A name of invisible characters only renders as nothing: Render lists
// userName as missing, as activation counts such a user as unnamed.
func TestRenderBlankNameIsMissing(t *testing.T) {
	tpl := ascendkit.Template{Subject: "Hi {{userName}}", BodyText: "Hi {{userName}},", BodyHTML: "<p>Hi {{userName}},</p>"}
	for _, name := range []string{"", "\u200b", "\ufeff\u200d", " \u3164 "} {
		r := Render(tpl, ascendkit.User{Name: name, Email: "a@example.com"}, nil)
		if !slices.Contains(r.Missing, "userName") || r.Text != "Hi ," {
			t.Errorf("name %+q: missing %v, text %q", name, r.Missing, r.Text)
		}
	}
	if r := Render(tpl, ascendkit.User{Name: "Ana"}, nil); len(r.Missing) != 0 || r.Text != "Hi Ana," {
		t.Errorf("a real name: missing %v, text %q", r.Missing, r.Text)
	}
}
