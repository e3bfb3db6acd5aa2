package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// phaseChoices are the phase sets the confirmation cycles through.
var phaseChoices = []importer.Phases{
	{Users: true, Settings: true},
	{Users: true},
	{Settings: true},
}

// runOptions are the options the import will run with, from the session.
func (pc *programContext) runOptions(mode importer.Mode) importer.Options {
	s := pc.sess
	var dec map[string]importer.Policy
	if len(s.decisions) > 0 {
		dec = maps.Clone(s.decisions)
	}
	od := s.onDuplicate
	if od == "" {
		od = importer.PolicySkip
	}
	return importer.Options{
		Mode:        mode,
		Phases:      s.phases,
		OnDuplicate: od,
		Decisions:   dec,
		Providers:   s.providers,
		Now:         pc.now,
	}
}

// sameDuplicateChoices reports whether a preview ran with the same
// duplicate choices as opts. Providers are left out: they change the
// settings only, which withProviders recomputes without a new read.
func sameDuplicateChoices(a, b importer.Options) bool {
	pa, pb := a.OnDuplicate, b.OnDuplicate
	if pa == "" {
		pa = importer.PolicySkip
	}
	if pb == "" {
		pb = importer.PolicySkip
	}
	return pa == pb && maps.Equal(a.Decisions, b.Decisions)
}

// confirmScreen shows what the import will do and asks for a go.
type confirmScreen struct {
	pc   *programContext
	keys confirmKeys

	run      *importRun
	fetched  int
	total    int
	report   *importer.Report
	err      string
	phase    int
	input    textinput.Model
	bar      progress.Model
	width    int
	height   int
	mismatch string
	wait     waitBanner // a pause of the Clerk client
}

func newConfirmScreen(pc *programContext) *confirmScreen {
	s := &confirmScreen{pc: pc, keys: newConfirmKeys(), total: pc.sess.source.Total}
	for i, p := range phaseChoices {
		if p == pc.sess.phases {
			s.phase = i
		}
	}
	s.input = textinput.New()
	s.input.Prompt = "Type import to confirm › "
	s.input.CharLimit = 20
	s.bar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'), progress.WithColors(pc.styles.Barfill))
	s.restyle()
	s.SetSize(pc.width, pc.bodyHeight())
	return s
}

func (s *confirmScreen) restyle() {
	s.input.SetStyles(s.pc.styles.Input)
}

func (s *confirmScreen) production() bool { return s.pc.sess.source.production() }

func (s *confirmScreen) Init() tea.Cmd {
	want := s.pc.runOptions(importer.ModePreview)
	if s.pc.sess.preview != nil && sameDuplicateChoices(s.pc.sess.previewOpts, want) {
		r := *s.pc.sess.preview
		if !slices.Equal(want.Providers, s.pc.sess.previewOpts.Providers) || (want.Providers == nil) != (s.pc.sess.previewOpts.Providers == nil) {
			r = withProviders(r, s.pc.sess.analysis, want.Providers)
		}
		s.report = &r
		s.pc.sess.final = &r
		return s.focus()
	}
	// The duplicate choices change what will be written: preview again
	// with exactly the options the import will use.
	want.Phases = importer.Phases{Users: true, Settings: true}
	var cmd tea.Cmd
	s.run, cmd = startRun(s.pc.base, s.pc.opener(), s.pc.runner(), want)
	return cmd
}

func (s *confirmScreen) focus() tea.Cmd {
	if s.production() && s.report != nil {
		return s.input.Focus()
	}
	return nil
}

func (s *confirmScreen) close() {
	if s.run != nil {
		s.run.abandon()
	}
}

func (s *confirmScreen) InputFocused() bool { return s.input.Focused() }

func (s *confirmScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.bar.SetWidth(min(max(w-30, 10), 50))
	s.input.SetWidth(12)
}

func (s *confirmScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case importUpdateMsg:
		if s.run == nil || msg.RunID != s.run.id {
			return nil
		}
		if msg.Page != nil {
			s.fetched = msg.Page.Fetched
			if msg.Page.Total >= 0 {
				s.total = msg.Page.Total
			}
		}
		tick := s.wait.update(msg, s.pc.now())
		if !msg.Done {
			return tea.Batch(s.run.wait(), tick)
		}
		if msg.Err != nil {
			s.err = termtext.Clean(msg.Err.Error())
			return nil
		}
		r := msg.Report
		s.report = &r
		s.pc.sess.final = &r
		return s.focus()
	case waitTickMsg:
		return s.wait.tick(msg, s.pc.now())
	case tea.KeyPressMsg:
		if key.Matches(msg, s.keys.Back) {
			return back
		}
		if s.report == nil {
			if s.err != "" && key.Matches(msg, s.keys.Submit) {
				s.err = ""
				return s.Init()
			}
			return nil
		}
		if msg.String() == "tab" || (!s.input.Focused() && key.Matches(msg, s.keys.Phases)) {
			s.phase = (s.phase + 1) % len(phaseChoices)
			s.pc.sess.phases = phaseChoices[s.phase]
			return nil
		}
		if s.production() {
			if key.Matches(msg, s.keys.Submit) {
				if strings.TrimSpace(s.input.Value()) == "import" {
					return s.start()
				}
				s.mismatch = "Type the word import to start, or esc to go back."
				return nil
			}
			var cmd tea.Cmd
			s.input, cmd = s.input.Update(msg)
			s.mismatch = ""
			return cmd
		}
		switch {
		case key.Matches(msg, s.keys.Yes):
			return s.start()
		case key.Matches(msg, s.keys.No):
			return back
		}
	case tea.PasteMsg:
		if s.input.Focused() {
			var cmd tea.Cmd
			s.input, cmd = s.input.Update(msg)
			return cmd
		}
	}
	return nil
}

func (s *confirmScreen) start() tea.Cmd {
	s.input.Blur()
	s.pc.sess.phases = phaseChoices[s.phase]
	return nav(stateProgress)
}

func (s *confirmScreen) View() string {
	st := s.pc.styles
	var b strings.Builder
	src := s.pc.sess.source
	target := "(none)"
	if s.pc.env != nil {
		target = termtext.Clean(s.pc.env.Describe())
	}
	b.WriteString(kv(st.Label, [][2]string{{"From", src.describe()}, {"To", target}}) + "\n\n")
	if s.report == nil {
		if s.err != "" {
			b.WriteString(st.Error.Render("✗ "+s.err) + "\n" + st.Dim.Render("enter to try again, esc to go back") + "\n")
			return b.String()
		}
		count := fmtInt(s.fetched)
		if s.total > 0 {
			count += " / " + fmtInt(s.total)
		}
		b.WriteString(st.Dim.Render("Previewing with your duplicate choices…") + "\n")
		b.WriteString(s.bar.ViewAs(pct(s.fetched, s.total)) + " " + count + "\n")
		if w := s.wait.view(st, s.pc.now(), "the preview", s.width); w != "" {
			b.WriteString(w + "\n")
		}
		return b.String()
	}
	r := s.report
	ph := phaseChoices[s.phase]
	u := r.Users
	rows := [][2]string{
		{"to create", rightAlign(st.Number.Render(fmtInt(u.ToImport)), 7)},
		{"to merge", rightAlign(fmtInt(u.Merged), 7)},
		{"duplicates", rightAlign(fmtInt(u.Duplicates), 7)},
		{"skipped", rightAlign(fmtInt(u.Skipped), 7)},
		{"OAuth links", rightAlign(fmtInt(r.OAuthLinks), 7)},
	}
	if r.OAuthLinkConflicts > 0 {
		// Links not made: another user owns that OAuth account (the
		// review's "flagged" tab lists them).
		rows = append(rows, [2]string{"link conflicts", st.Warning.Render(rightAlign(fmtInt(r.OAuthLinkConflicts), 7))})
	}
	users := st.Heading.Render("Users") + "\n" + kv(st.Label, rows)
	if !ph.Users {
		users = st.Dim.Render(ansiStrip(users) + "\n(not in this run)")
	}
	before := orNone(r.Settings.Before)
	after := orNone(r.Settings.After)
	settings := st.Heading.Render("Auth settings") + "\n" +
		st.Label.Render("now   ") + before + "\n" +
		st.Label.Render("after ") + st.OK.Render(after)
	if len(r.Settings.Unsupported) > 0 {
		settings += "\n" + st.Warning.Render("unsupported "+countList(r.Settings.Unsupported))
	}
	if r.Settings.StrandedUsers > 0 {
		settings += "\n" + st.Warning.Render(plural(r.Settings.StrandedUsers, "stranded user", "stranded users"))
	}
	if r.Settings.PasswordlessUsers > 0 {
		settings += "\n" + st.Warning.Render(fmt.Sprintf("%s need magic-link", fmtInt(r.Settings.PasswordlessUsers)))
	}
	if !ph.Settings {
		settings = st.Dim.Render(ansiStrip(settings) + "\n(not in this run)")
	}
	b.WriteString(sideBySide(s.width, users, settings) + "\n\n")
	if ph.Users {
		b.WriteString(st.Label.Render("Tags   ") + shortCounts(r.Tags, "") + "\n")
		b.WriteString(st.Label.Render("Events ") + shortCounts(r.Events, "") + "\n")
	}
	var tail strings.Builder
	var phases []string
	for i, p := range phaseChoices {
		label := phaseLabel(p)
		if i == s.phase {
			phases = append(phases, st.Selected.Render("(•) "+label))
		} else {
			phases = append(phases, st.Dim.Render("( ) "+label))
		}
	}
	tail.WriteString(st.Label.Render("Phases ") + strings.Join(phases, "  ") + "\n\n")
	if s.production() {
		tail.WriteString(st.ProdBadge.Render("PRODUCTION INSTANCE") + " " + st.Warning.Render("this writes your live users into the environment") + "\n")
		tail.WriteString(s.input.View() + "\n")
		if s.mismatch != "" {
			tail.WriteString(st.Error.Render(s.mismatch) + "\n")
		}
	} else {
		tail.WriteString(st.Heading.Render("Start the import? ") + st.Selected.Render("y") + st.Dim.Render(" / ") + "n" + "\n")
	}
	// The warnings get the lines the rest leaves, so the prompt stays on screen.
	if len(r.Warnings) > 0 {
		room := s.height - strings.Count(b.String(), "\n") - strings.Count(tail.String(), "\n")
		b.WriteString(warningsView(st, r.Warnings, s.width, room, "`import clerk preview` lists them all") + "\n")
	}
	b.WriteString(tail.String())
	return b.String()
}

func phaseLabel(p importer.Phases) string {
	switch {
	case p.Users && p.Settings:
		return "users + settings"
	case p.Users:
		return "users only"
	default:
		return "settings only"
	}
}

// shortCounts renders a count map on one line, trimming a common prefix.
func shortCounts(m map[string]int, trim string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = termtext.Clean(strings.TrimPrefix(k, trim)) + " " + fmtInt(m[k])
	}
	return strings.Join(parts, " · ")
}

func (s *confirmScreen) Keys() keyMap {
	k := s.keys
	var short []key.Binding
	switch {
	case s.report == nil:
		if s.err != "" {
			k.Submit.SetHelp("enter", "retry")
			short = []key.Binding{k.Submit, k.Back}
		} else {
			short = []key.Binding{k.Back}
		}
	case s.production():
		k.Phases.SetHelp("tab", "change phases")
		short = []key.Binding{k.Submit, k.Phases, k.Back}
	default:
		short = []key.Binding{k.Yes, k.No, k.Phases, k.Back}
	}
	return keyMap{short: short, full: [][]key.Binding{short}}
}
