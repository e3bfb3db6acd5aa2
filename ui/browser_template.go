package ui

// The browser's template view: a template rendered for an imported user.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
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
		if msg.err = sampleUser(ctx, env, &msg); msg.err != nil {
			return msg
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

// loadNodeTemplate opens the template an email step of the journey sends,
// rendered with that step's variables.
func (s *browserScreen) loadNodeTemplate(j ascendkit.Journey, n ascendkit.Node) tea.Cmd {
	env, ctx, seq := s.pc.env, s.pc.base, s.detailSeq
	return func() tea.Msg {
		msg := templateLoadedMsg{seq: seq, fromJourney: true, vars: maps.Clone(n.Variables), source: j.Name + " / " + n.ID}
		t, err := env.GetTemplate(ctx, n.TemplateSlug)
		if err != nil {
			msg.err = fmt.Errorf("template %s: %w", n.TemplateSlug, err)
			return msg
		}
		msg.t = t
		msg.err = sampleUser(ctx, env, &msg)
		return msg
	}
}

// sampleUser picks the first imported user to render for.
func sampleUser(ctx context.Context, env ascendkit.Environment, msg *templateLoadedMsg) error {
	users, err := env.ListUsers(ctx, ascendkit.UserFilter{Tag: importer.TagClerk, Limit: 1})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		u := users[0]
		msg.user = &u
	}
	return nil
}

// templateUserMsg is the user picked to render the template for, and the
// journeys that user is enrolled in.
type templateUserMsg struct {
	seq         int
	email       string
	user        ascendkit.User
	enrollments []importer.UserEnrollment
	err         error
}

func (s *browserScreen) picking() bool { return s.mode == browseTemplate && s.pick.Focused() }

// startPick asks for the email of the user to render for.
func (s *browserScreen) startPick() tea.Cmd {
	s.pick = textinput.New()
	s.pick.Prompt = "Render for (email) › "
	s.pick.CharLimit = 320
	s.pick.SetWidth(max(min(s.width-24, 50), 10))
	s.pick.SetStyles(s.pc.styles.Input)
	s.pickErr = ""
	return s.pick.Focus()
}

// lookupPick finds the user by email and the journeys they are in.
func (s *browserScreen) lookupPick() tea.Cmd {
	email := strings.TrimSpace(s.pick.Value())
	if email == "" {
		return nil
	}
	s.pick.Blur()
	env, ctx, seq := s.pc.env, s.pc.base, s.detailSeq
	return func() tea.Msg {
		msg := templateUserMsg{seq: seq, email: email}
		if msg.user, msg.err = env.GetUser(ctx, email); msg.err != nil {
			return msg
		}
		msg.enrollments, msg.err = importer.UserEnrollments(ctx, env, msg.user.ID)
		return msg
	}
}

func (s *browserScreen) pickedUser(msg templateUserMsg) tea.Cmd {
	if msg.seq != s.detailSeq || s.mode != browseTemplate {
		return nil
	}
	if msg.err != nil {
		s.pickErr = fmt.Sprintf("%s: %s", termtext.Clean(msg.email), termtext.Clean(msg.err.Error()))
		if errors.Is(msg.err, ascendkit.ErrNotFound) {
			s.pickErr = "No user with the email " + termtext.Clean(msg.email) + "."
		}
		return nil
	}
	u := msg.user
	s.tmplUser, s.tmplEnrollments, s.pickErr = &u, msg.enrollments, ""
	if s.tmplEnrollments == nil {
		s.tmplEnrollments = []importer.UserEnrollment{}
	}
	s.renderTemplate()
	s.body.SetContent(s.renderedBody())
	s.body.GotoTop()
	return nil
}

// enrollmentsLine lists the journeys the user is in, with their status
// and the step they are at.
func enrollmentsLine(es []importer.UserEnrollment) string {
	if len(es) == 0 {
		return "no journey"
	}
	parts := make([]string, len(es))
	for i, e := range es {
		status := e.Status
		if status == "active" && e.JourneyStatus == ascendkit.StatusPaused {
			status = "journey paused"
		}
		parts[i] = fmt.Sprintf("%s (%s, at %s)", termtext.Clean(e.Journey), termtext.Clean(status), termtext.Clean(e.CurrentNode))
	}
	return strings.Join(parts, "; ")
}

func (s *browserScreen) renderedBody() string {
	// Wrapped at word boundaries (the viewport would cut words).
	return wrapText(termtext.CleanBlock(s.tmplRendered.Text), max(s.width-1, 20))
}

// renderTemplate renders the template for the screen (sampleUser), with
// the variables the email lacks counted from the user as stored.
func (s *browserScreen) renderTemplate() {
	s.tmplRendered = s.pc.render(*s.tmpl, s.sampleUser(), s.tmplVars)
	if s.tmplUser != nil {
		s.tmplRendered.Missing = s.pc.render(*s.tmpl, *s.tmplUser, s.tmplVars).Missing
	}
}

// sampleUser is the user the template is rendered for, its text cleaned
// for the screen first: cleaned after rendering, an escape in the name
// took the template's text after it along ("Hi \x1b,<p>" lost ",<"). The
// view says when the name held such characters.
func (s *browserScreen) sampleUser() ascendkit.User {
	if s.tmplUser == nil {
		return ascendkit.User{}
	}
	u := *s.tmplUser
	u.Name, u.Email = termtext.Clean(u.Name), termtext.Clean(u.Email)
	return u
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
	rows := [][2]string{{"For", who}}
	if u := s.tmplUser; u != nil && termtext.Clean(u.Name) != u.Name {
		// Shown without them (as all user text is here), but the email
		// carries the name as it is stored.
		rows = append(rows, [2]string{"", st.Warning.Render("⚠ the name holds control or invisible characters, not shown here; {{userName}} sends them as stored")})
	}
	if s.tmplEnrollments != nil {
		rows = append(rows, [2]string{"Enrolled", enrollmentsLine(s.tmplEnrollments)})
	}
	rows = append(rows, [2]string{"Subject", termtext.Clean(r.Subject)})
	if s.tmplVarFrom != "" {
		rows = append(rows, [2]string{"Variables", "from " + termtext.Clean(s.tmplVarFrom)})
	}
	b.WriteString(kv(st.Label, rows) + "\n")
	if s.picking() {
		b.WriteString(s.pick.View() + "\n")
	}
	if s.pickErr != "" {
		b.WriteString(errorText(st, s.pickErr, s.width) + "\n")
	}
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
	if s.picking() {
		switch msg.String() {
		case "enter":
			return s.lookupPick()
		case "esc":
			s.pick.Blur()
			return nil
		}
		var cmd tea.Cmd
		s.pick, cmd = s.pick.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Back):
		s.mode, s.tmpl = browseList, nil
		if s.tmplFromJourney && s.journey != nil {
			s.mode = browseJourney // back to the journey it was opened from
			return nil
		}
		s.leaveDetail()
		return nil
	case key.Matches(msg, k.PickUser):
		return s.startPick()
	}
	var cmd tea.Cmd
	s.body, cmd = s.body.Update(msg)
	return cmd
}

func (s *browserScreen) templateKeys() (short []key.Binding, full [][]key.Binding) {
	k := s.keys
	if s.picking() {
		return []key.Binding{bind([]string{"enter"}, "enter", "render"), bind([]string{"esc"}, "esc", "cancel")}, nil
	}
	k.Up.SetHelp("↑/↓", "scroll")
	short = []key.Binding{k.PickUser, k.Up, k.Back}
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
	// tmplFromJourney: opened from a journey's step; esc goes back there.
	tmplFromJourney bool
	// tmplEnrollments are the picked user's journeys (nil: not asked).
	tmplEnrollments []importer.UserEnrollment
	pick            textinput.Model // the email of the user to render for
	pickErr         string
}
