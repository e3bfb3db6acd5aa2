package ui

// The browser's runs tab: the import runs recorded in the environment
// (canary runs included), one run's detail, and its undo with the plan
// shown first and a typed confirmation, as `import runs` and
// `import undo` do.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// runsState is the run detail and the undo dialog.
type runsState struct {
	run     *importer.RunInfo
	undo    *ascendkit.UndoPlan // the plan shown in the undo dialog
	undoing bool                // the undo is under way
	confirm textinput.Model     // "undo", or "force" for a blocked run
	typo    string              // the typed word was not the one asked
}

// Messages of the runs tab.
type (
	runLoadedMsg struct {
		seq int
		run importer.RunInfo
		err error
	}
	undoPlanMsg struct {
		seq  int
		plan ascendkit.UndoPlan
		err  error
	}
	undoneMsg struct {
		plan ascendkit.UndoPlan
		err  error
	}
)

// runUndone records an undo in the session: the environment changed, so
// a preview made before it is out of date.
type runUndone struct{ id string }

func (r runUndone) apply(s *session) {
	s.undone = append(s.undone, r.id)
	s.previewStale = true
}

type runItem struct{ r importer.RunInfo }

func (i runItem) Title() string {
	return termtext.Clean(i.r.ID) + " · " + termtext.Clean(i.r.Status)
}

func (i runItem) Description() string {
	parts := []string{i.r.StartedAt.Local().Format("2006-01-02 15:04"), termtext.Clean(i.r.SourceKind + " " + i.r.SourceFormat)}
	if rep := i.r.Report; rep != nil {
		parts = append(parts, fmt.Sprintf("%s imported · %s merged", fmtInt(rep.Users.Imported), fmtInt(rep.Users.Merged)))
	} else if w := i.r.Written; w != nil {
		// A killed run left no report: what its import records name.
		parts = append(parts, fmt.Sprintf("%s imported · %s merged", fmtInt(w.Imported), fmtInt(w.Merged)))
	}
	if n := runNote(i.r); n != "" {
		parts = append(parts, n)
	}
	return strings.Join(parts, " · ")
}

func (i runItem) FilterValue() string {
	return i.r.ID + " " + i.r.Status + " " + i.r.SourceFormat + " " + strings.Join(i.r.Options.Only, " ")
}

// runNote says what sets a run apart: a canary, or a process that ended
// mid-run (cleaned).
func runNote(r importer.RunInfo) string {
	var notes []string
	if len(r.Options.Only) > 0 {
		notes = append(notes, "canary: "+termtext.Clean(strings.Join(r.Options.Only, ",")))
	}
	if r.Options.Passwords {
		notes = append(notes, "with passwords file")
	}
	if r.Status == ascendkit.RunInterrupted && r.Report == nil {
		notes = append(notes, "process ended mid-run")
	}
	return strings.Join(notes, " · ")
}

func (s *browserScreen) loadRun(id string) tea.Cmd {
	env, ctx, seq := s.pc.env, s.pc.base, s.detailSeq
	return func() tea.Msg {
		r, err := importer.GetRun(ctx, env, id)
		return runLoadedMsg{seq: seq, run: r, err: err}
	}
}

func (s *browserScreen) planUndo() tea.Cmd {
	env, ctx, seq, id := s.pc.env, s.pc.base, s.detailSeq, s.run.ID
	return func() tea.Msg {
		p, err := importer.PlanUndo(ctx, env, id)
		return undoPlanMsg{seq: seq, plan: p, err: err}
	}
}

// doUndo undoes the run; force only when the plan was blocked and the
// person typed "force".
func (s *browserScreen) doUndo(force bool) tea.Cmd {
	env, ctx, id, now := s.pc.env, s.pc.base, s.run.ID, s.pc.now()
	s.undoing = true
	return func() tea.Msg {
		p, err := importer.Undo(ctx, env, id, force, now)
		return undoneMsg{plan: p, err: err}
	}
}

// updateRuns takes the runs tab's messages (ok false for others).
func (s *browserScreen) updateRuns(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case runLoadedMsg:
		if msg.seq != s.detailSeq {
			return nil, true
		}
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return nil, true
		}
		r := msg.run
		s.run = &r
		if s.mode == browseList {
			s.mode = browseRun
		}
		return nil, true
	case undoPlanMsg:
		if msg.seq != s.detailSeq || s.mode != browseRun {
			return nil, true
		}
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return nil, true
		}
		p := msg.plan
		s.undo, s.typo, s.err = &p, "", ""
		s.mode = browseUndo
		s.confirm = textinput.New()
		s.confirm.SetStyles(s.pc.styles.Input)
		s.confirm.CharLimit = 10
		s.confirm.Prompt = "Type undo to confirm › "
		if len(p.Blockers) > 0 {
			s.confirm.Prompt = "Type force to undo anyway › "
		}
		return s.confirm.Focus(), true
	case undoneMsg:
		s.undoing = false
		s.mode = browseRun
		s.confirm.Blur()
		if msg.err != nil {
			var blocked *ascendkit.UndoBlockedError
			if errors.As(msg.err, &blocked) {
				// A later run merged in between the plan and the undo.
				s.err = termtext.Clean(msg.err.Error())
			} else {
				s.err = "Undo failed (nothing was changed): " + termtext.Clean(msg.err.Error())
			}
			return nil, true
		}
		s.err = ""
		s.notice = fmt.Sprintf("✓ Undone: %s is now %s. Running the import again imports those users again.", termtext.Clean(s.run.ID), ascendkit.RunUndone)
		s.pc.post(runUndone{s.run.ID})
		s.undo = nil
		return tea.Batch(s.loadRun(s.run.ID), s.load()), true
	}
	return nil, false
}

func (s *browserScreen) runKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.keys
	switch {
	case key.Matches(msg, k.Back):
		s.leaveDetail()
		s.mode, s.run, s.notice, s.err = browseList, nil, "", ""
		return nil
	case key.Matches(msg, k.Undo) && s.undoable():
		s.notice, s.err = "", ""
		return s.planUndo()
	}
	return nil
}

// undoable: a run that wrote and is not undone yet (a running one is
// still writing).
func (s *browserScreen) undoable() bool {
	return s.run != nil && s.run.Status != ascendkit.RunUndone && s.run.Status != ascendkit.RunRunning
}

func (s *browserScreen) undoKey(msg tea.KeyPressMsg) tea.Cmd {
	if s.undoing {
		return nil
	}
	if key.Matches(msg, s.keys.Back) {
		s.mode, s.undo, s.typo = browseRun, nil, ""
		s.confirm.Blur()
		return nil
	}
	if key.Matches(msg, s.keys.Confirm) {
		word, force := "undo", false
		if len(s.undo.Blockers) > 0 {
			word, force = "force", true
		}
		if strings.TrimSpace(s.confirm.Value()) != word {
			s.typo = "Type the word " + word + " to go on, or esc to keep the run."
			return nil
		}
		s.typo = ""
		return s.doUndo(force)
	}
	var cmd tea.Cmd
	s.confirm, cmd = s.confirm.Update(msg)
	s.typo = ""
	return cmd
}

func (s *browserScreen) runView() string {
	st := s.pc.styles
	r := s.run
	if s.mode == browseUndo && s.undo != nil {
		return s.undoFit()
	}
	var b strings.Builder
	b.WriteString(s.runTitle() + "\n")
	if rep := r.Report; rep != nil && rep.Error != "" {
		// Why a failed run stopped decides what to do next: it comes
		// first, so that a short terminal shows it too.
		b.WriteString(renderLines(st.Error, wrapHang("✗ Stopped early: "+termtext.Clean(rep.Error), s.width, 2)) + "\n")
	}
	b.WriteString(s.runRows() + "\n\n")
	switch rep := r.Report; {
	case rep != nil:
		u := rep.Users
		providers := orNone(rep.Settings.After)
		if !rep.Phases.Settings {
			providers = "not in this run"
		}
		notImported := fmt.Sprintf("%s duplicates · %s skipped · %s failed", fmtInt(u.Duplicates), fmtInt(u.Skipped), fmtInt(u.Failed))
		if u.NotWritten > 0 {
			// Read before the run stopped: without them the counts do
			// not add up to those fetched.
			notImported += fmt.Sprintf(" · %s not written (%s)", fmtInt(u.NotWritten), importer.NotWrittenWhy)
		}
		rows := [][2]string{
			{"users", fmt.Sprintf("%s fetched · %s imported · %s merged", fmtInt(u.Fetched), fmtInt(u.Imported), fmtInt(u.Merged))},
			{"not imported", ""},
			{"links", fmtInt(rep.OAuthLinks)},
			{"passwords", fmt.Sprintf("kept %s · need reset %s", fmtInt(rep.Passwords.Kept), fmtInt(rep.Passwords.NeedsReset))},
			{"providers", providers},
		}
		rows[1][1] = s.kvValue(rows, "not imported", notImported)
		b.WriteString(st.Heading.Render("Report") + "\n")
		b.WriteString(kv(st.Label, rows) + "\n")
		if len(rep.Warnings) > 0 {
			b.WriteString(st.Warning.Render(plural(len(rep.Warnings), "warning", "warnings")+" (ascendkit import runs show "+termtext.Clean(r.ID)+")") + "\n")
		}
	default:
		b.WriteString(renderLines(st.Dim, wrapText("No report: the process ended before the run finished. Undo removes what it wrote.", s.width)) + "\n")
	}
	if s.notice != "" {
		b.WriteString("\n" + noticeText(st.OK, s.notice, s.width) + "\n")
	}
	if s.err != "" {
		b.WriteString("\n" + errorText(st, s.err, s.width) + "\n")
	}
	return b.String()
}

// runTitle is the run's id and status.
func (s *browserScreen) runTitle() string {
	st := s.pc.styles
	r := s.run
	return st.Heading.Render("Run "+termtext.Clean(r.ID)) + "  " + runStatusStyle(st, r.Status).Render(termtext.Clean(r.Status))
}

// runRows are the run's dates, source and options (no last newline).
func (s *browserScreen) runRows() string {
	st := s.pc.styles
	r := s.run
	rows := [][2]string{
		{"started", r.StartedAt.Local().Format(time.RFC3339)},
	}
	if r.FinishedAt != nil {
		rows = append(rows, [2]string{"finished", r.FinishedAt.Local().Format(time.RFC3339)})
	}
	if r.UndoneAt != nil {
		rows = append(rows, [2]string{"undone", r.UndoneAt.Local().Format(time.RFC3339)})
	}
	rows = append(rows, [2]string{"source", termtext.Clean(r.SourceKind) + " · " + formatLabel(r.SourceFormat)})
	o := r.Options
	phases := []string{}
	if o.Phases.Users {
		phases = append(phases, "users")
	}
	if o.Phases.Settings {
		phases = append(phases, "settings")
	}
	opts := fmt.Sprintf("%s · duplicates %s", orNone(phases), orDash(string(o.OnDuplicate)))
	if o.Decisions > 0 {
		// The Review step's rows chosen one by one override the default,
		// as `import runs show` says.
		opts += fmt.Sprintf(" (with %s per-user choices)", fmtInt(o.Decisions))
	}
	if o.IncludeBanned {
		opts += " · banned included"
	}
	rows = append(rows, [2]string{"options", s.kvValue(rows, "options", opts)})
	if sender := r.Sender(); sender != "" {
		rows = append(rows, [2]string{"sender", s.kvValue(rows, "sender", termtext.Clean(sender))})
	}
	if n := runNote(*r); n != "" {
		rows = append(rows, [2]string{"note", n})
	}
	if r.Written != nil {
		rows = append(rows, [2]string{"written", s.kvValue(rows, "written", r.Written.String())})
	}
	return kv(st.Label, rows)
}

// kvValue wraps a long value of the row label, to be added to rows, so
// it fits the screen beside the labels' column rather than being cut:
// the lines after the first start under the first.
func (s *browserScreen) kvValue(rows [][2]string, label, value string) string {
	lw := lipgloss.Width(label)
	for _, r := range rows {
		lw = max(lw, lipgloss.Width(r[0]))
	}
	lines := strings.Split(wrapText(value, s.width-lw-2), "\n")
	return strings.Join(lines, "\n"+strings.Repeat(" ", lw+2))
}

// undoView is the plan, then the blockers and the typed confirmation.
func (s *browserScreen) undoView() string {
	return s.pc.styles.Heading.Render("Undo removes") + "\n" + s.undoRows() + "\n" + s.undoTail() + "\n"
}

// undoFit is the run's title, its details and the undo plan, laid out
// for the screen's height: the refusal, the typed word and its error
// always show (enter is offered). On a short terminal the run's details
// go first, then the plan's last lines, which a note counts.
func (s *browserScreen) undoFit() string {
	st := s.pc.styles
	count := func(t string) int { return strings.Count(t, "\n") + 1 }
	title, head := s.runTitle(), st.Heading.Render("Undo removes")
	tail := s.undoTail()
	if s.notice != "" {
		tail += "\n\n" + noticeText(st.OK, s.notice, s.width)
	}
	if s.err != "" {
		tail += "\n\n" + errorText(st, s.err, s.width)
	}
	rows := strings.Split(s.undoRows(), "\n")
	room := s.height - count(title) - count(head) - count(tail)
	if len(rows) > room {
		keep := max(room-1, 0)
		note := st.Dim.Render(fmt.Sprintf("… %d more lines: a larger terminal shows them", len(rows)-keep))
		rows = append(rows[:keep:keep], note)
		return strings.Join([]string{title, head, strings.Join(rows, "\n"), tail}, "\n") + "\n"
	}
	parts := []string{title}
	room -= len(rows)
	if detail := s.runRows(); count(detail) <= room {
		parts = append(parts, detail)
		if count(detail) < room {
			parts = append(parts, "")
		}
	}
	parts = append(parts, head, strings.Join(rows, "\n"), tail)
	return strings.Join(parts, "\n") + "\n"
}

// undoRows are the plan's rows (no last newline).
func (s *browserScreen) undoRows() string {
	st := s.pc.styles
	p := s.undo
	rows := [][2]string{{"users it created", fmtInt(p.Users) + st.Dim.Render(" with their links, tags, events, enrollments, kept passwords")}}
	if p.MergedUsers > 0 {
		rows = append(rows, [2]string{"from users it merged into", fmt.Sprintf("%s: %s links · %s tags · %s metadata · %s filled fields · %s enrollments",
			fmtInt(p.MergedUsers), fmtInt(p.Links), fmtInt(p.Tags), fmtInt(p.Metadata), fmtInt(p.Fields), fmtInt(p.Enrollments))})
	}
	if p.EnrolledUsers > 0 {
		// Same words as the CLI's plan: the emails stay sent.
		rows = append(rows, [2]string{"journey enrollments", fmt.Sprintf("of %s: journeys may have emailed them already, which undo cannot take back; imported again, they get the first email again",
			plural(p.EnrolledUsers, "user", "users"))})
	}
	if p.Settings {
		rows = append(rows, [2]string{"auth providers", "those it enabled that no other live run finished with (turned off)"})
	}
	if p.Sender {
		rows = append(rows, [2]string{"migration sender", "back to the sender before the run"})
	}
	if len(p.SenderKept) > 0 {
		rows = append(rows, [2]string{"sender kept on", termtext.Clean(strings.Join(p.SenderKept, ", ")) + st.Dim.Render(" (sending with it)")})
	}
	for i := range rows {
		// Wrapped beside the labels, not cut at the screen's edge.
		rows[i][1] = s.kvValue(rows, rows[i][0], rows[i][1])
	}
	return kv(st.Label, rows)
}

// undoTail is what the undo needs answered: the blockers, the typed
// word and its error (no last newline).
func (s *browserScreen) undoTail() string {
	st := s.pc.styles
	p := s.undo
	var lines []string
	if len(p.Blockers) > 0 {
		// BlockedUsers counts them all; the list stops at a thousand.
		n := p.BlockedCount()
		lines = append(lines, renderLines(st.Error, wrapHang(fmt.Sprintf("✗ Refused: later runs merged into %s this run created:", plural(n, "user", "users")), s.width, 2)))
		for i, x := range p.Blockers {
			if i == 3 {
				lines = append(lines, st.Dim.Render(fmt.Sprintf("  … and %d more", n-3)))
				break
			}
			lines = append(lines, clampLines("  "+termtext.Clean(x.Email)+st.Dim.Render(" ("+termtext.Clean(x.UserID)+") by "+termtext.Clean(x.RunID)), 1, s.width))
		}
		lines = append(lines, renderLines(st.Warning, wrapHang("Undo those runs first, or force: those users go, with what the later runs merged into them.", s.width, 0)))
	}
	if s.undoing {
		lines = append(lines, st.Dim.Render("Undoing…"))
	} else {
		lines = append(lines, s.confirm.View())
	}
	if s.typo != "" {
		lines = append(lines, noticeText(st.Warning, s.typo, s.width))
	}
	return strings.Join(lines, "\n")
}

func runStatusStyle(st Styles, status string) lipgloss.Style {
	switch status {
	case ascendkit.RunCompleted:
		return st.OK.Bold(true)
	case ascendkit.RunInterrupted, ascendkit.RunFailed:
		return st.Warning
	}
	return st.Dim.Bold(true)
}

func (s *browserScreen) runKeys() (short []key.Binding, full [][]key.Binding) {
	k := s.keys
	if s.mode == browseUndo {
		if s.undoing {
			return nil, nil
		}
		k.Confirm.SetHelp("enter", "confirm")
		k.Back.SetHelp("esc", "keep the run")
		return []key.Binding{k.Confirm, k.Back}, nil
	}
	k.Undo.SetEnabled(s.undoable())
	return []key.Binding{k.Undo, k.Back}, nil
}
