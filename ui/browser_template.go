package ui

// The browser's template view: a template rendered for an imported user.

import (
	"fmt"
	"maps"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

func (s *browserScreen) loadTemplate(t ascendkit.Template) tea.Cmd {
	env, ctx, seq := s.pc.env, s.pc.base, s.detailSeq
	return func() tea.Msg {
		msg := templateLoadedMsg{seq: seq, t: t}
		if full, err := env.GetTemplate(ctx, t.ID); err == nil {
			msg.t = full
		}
		users, err := env.ListUsers(ctx, ascendkit.UserFilter{Tag: importer.TagClerk, Limit: 1})
		if err != nil {
			msg.err = err
			return msg
		}
		if len(users) > 0 {
			u := users[0]
			msg.user = &u
		}
		// Node variables of the first journey step that sends this template.
		js, err := env.ListJourneys(ctx)
		if err == nil {
		found:
			for _, j := range js {
				for _, n := range j.Nodes {
					if n.TemplateSlug == t.Slug {
						msg.vars = maps.Clone(n.Variables)
						msg.source = j.Name + " / " + n.ID
						break found
					}
				}
			}
		}
		return msg
	}
}

func (s *browserScreen) renderedBody() string {
	// Wrapped at word boundaries (the viewport would cut words).
	return wrapText(termtext.CleanBlock(s.tmplRendered.Text), max(s.width-1, 20))
}

func (s *browserScreen) sampleUser() ascendkit.User {
	if s.tmplUser != nil {
		return *s.tmplUser
	}
	return ascendkit.User{}
}

func (s *browserScreen) templateView() string {
	st := s.pc.styles
	t, r := s.tmpl, s.tmplRendered
	var b strings.Builder
	b.WriteString(st.Title.Render(termtext.Clean(t.Name)) + st.Dim.Render(fmt.Sprintf("  %s · v%d", termtext.Clean(t.Slug), t.Version)) + "\n")
	who := st.Warning.Render("no imported user yet: rendered with empty user fields")
	if u := s.tmplUser; u != nil {
		who = termtext.Clean(u.Email)
		if u.Name != "" {
			who = termtext.Clean(u.Name) + " <" + who + ">"
		}
	}
	rows := [][2]string{{"For", who}, {"Subject", termtext.Clean(r.Subject)}}
	if s.tmplVarFrom != "" {
		rows = append(rows, [2]string{"Variables", "from " + termtext.Clean(s.tmplVarFrom)})
	}
	b.WriteString(kv(st.Label, rows) + "\n")
	if len(r.Missing) > 0 {
		miss := make([]string, len(r.Missing))
		for i, m := range r.Missing {
			miss[i] = "{{" + termtext.Clean(m) + "}}"
		}
		b.WriteString(st.Warning.Render("⚠ missing variables (rendered empty): "+strings.Join(miss, ", ")) + "\n")
	} else {
		b.WriteString(st.OK.Render("✓ every variable has a value") + "\n")
	}
	b.WriteString(st.Dim.Render(strings.Repeat("─", max(min(s.width, 80), 10))) + "\n")
	b.WriteString(s.body.View())
	return b.String()
}

func (s *browserScreen) templateKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.keys
	if key.Matches(msg, k.Back) {
		s.mode, s.tmpl = browseList, nil
		s.leaveDetail()
		return nil
	}
	var cmd tea.Cmd
	s.body, cmd = s.body.Update(msg)
	return cmd
}

func (s *browserScreen) templateKeys() (short []key.Binding, full [][]key.Binding) {
	k := s.keys
	k.Up.SetHelp("↑/↓", "scroll")
	short = []key.Binding{k.Up, k.Back}
	return short, full
}

// templateState is the template view's state.
type templateState struct {
	tmpl         *ascendkit.Template
	tmplUser     *ascendkit.User
	tmplVars     map[string]string
	tmplVarFrom  string
	tmplRendered importer.Rendered // tmpl rendered for tmplUser with tmplVars
	body         viewport.Model
}
