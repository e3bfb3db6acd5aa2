package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

const maxShownFailures = 4

// progressScreen runs the import and shows its progress, then its report.
type progressScreen struct {
	pc   *programContext
	keys progressKeys

	run      *importRun
	begun    time.Time
	lastAt   time.Time
	total    int
	fetched  int
	counts   importer.UserCounts
	links    int
	events   int
	failures []importer.Entry
	settings *importer.SettingsReport
	report   *importer.Report
	err      string
	wait     waitBanner // a pause of the Clerk client

	asking   bool // the "stop the import?" dialog is open
	stopping bool
	batches  int // batches written so far
	spinner  spinner.Model
	checking bool // the importer is reading the file through first
	// leaving is set once r or enter has chosen the next step, so a
	// repeated key does not build (and start) that step twice.
	leaving bool

	expUsers, expLinks int
	usersBar, linksBar progress.Model
	width, height      int
}

func newProgressScreen(pc *programContext) *progressScreen {
	s := &progressScreen{pc: pc, keys: newProgressKeys(), total: pc.sess.source.Total}
	if f := pc.sess.final; f != nil {
		if pc.sess.phases.Users {
			s.expUsers = f.Users.ToImport + f.Users.ToMerge
			s.expLinks = f.OAuthLinks
			for _, n := range f.Events {
				s.expLinks += n
			}
		}
		if s.total < 0 {
			s.total = f.Users.Fetched
		}
	}
	s.restyle()
	s.SetSize(pc.width, pc.bodyHeight())
	return s
}

func (s *progressScreen) restyle() {
	if s.spinner.Spinner.FPS == 0 {
		s.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	}
	s.spinner.Style = s.pc.styles.Selected
	s.usersBar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'), progress.WithColors(s.pc.styles.Barfill))
	s.linksBar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'), progress.WithColors(s.pc.styles.Good))
	s.SetSize(s.width, 0)
}

func (s *progressScreen) Init() tea.Cmd {
	s.begun = s.pc.now()
	s.lastAt = s.begun
	opts := s.pc.runOptions(importer.ModeRun)
	var cmd tea.Cmd
	s.run, cmd = startRun(s.pc.base, s.pc.opener(), s.pc.runner(), opts)
	s.pc.post(importBegun{})
	return tea.Batch(cmd, s.spinner.Tick, s.pc.runTick(s.run.id))
}

func (s *progressScreen) stopRequested() bool { return s.stopping }

// resume: back on the report (esc from the journeys), its keys work again.
func (s *progressScreen) resume() tea.Cmd {
	s.leaving = false
	return nil
}

func (s *progressScreen) running() bool { return s.run != nil && s.report == nil && s.err == "" }

// close abandons the run: its context is cancelled (the importer stops
// after the batch in flight and records the stop) and what it still
// sends is dropped, so its goroutine never blocks on a screen that is gone.
func (s *progressScreen) close() {
	s.run.abandon()
}

func (s *progressScreen) InputFocused() bool { return false }

func (s *progressScreen) SetSize(w, h int) {
	if w > 0 {
		s.width = w
	}
	if h > 0 {
		s.height = h
	}
	bw := min(max(s.width-40, 10), 50)
	s.usersBar.SetWidth(bw)
	s.linksBar.SetWidth(bw)
}

// exitWait is how long the program's end waits for an import still in
// progress to record its stop (it finishes the batch in flight).
var exitWait = 15 * time.Second

// endForExit is the program ending (a panic, the terminal gone) with the
// import still in progress: it is stopped as ctrl+c would, and its report,
// if it comes within exitWait, is posted as the session's result.
func (s *progressScreen) endForExit() {
	if !s.running() {
		return
	}
	s.stopping = true
	// Abandoned, not just stopped: nobody reads its events now, and
	// the importer must not block on them before it records its stop.
	s.run.abandon()
	done, begun, ok := s.run.awaitEnd(exitWait)
	switch {
	case !begun:
		s.pc.post(importNeverRan{})
	case ok:
		s.apply(importUpdateMsg{RunID: s.run.id, Done: true, Report: done.report, Err: done.err})
	}
}

// askStop opens the stop dialog (esc or q during the import).
func (s *progressScreen) askStop() tea.Cmd {
	if s.running() && !s.stopping {
		s.asking = true
	}
	return nil
}

// requestStop cancels the importer's context: it finishes the batch in
// flight and reports Interrupted.
func (s *progressScreen) requestStop() tea.Cmd {
	s.asking = false
	if s.running() {
		s.stopping = true
		s.run.stop()
	}
	return nil
}

func (s *progressScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case importUpdateMsg:
		return s.run.follow(msg, &s.wait, s.pc.now(), s.apply)
	case waitTickMsg:
		return s.wait.tick(msg, s.pc.now())
	case runTickMsg:
		// The clock moves between the importer's updates: elapsed, rate
		// and ETA follow it.
		if s.run == nil || msg.RunID != s.run.id || !s.running() {
			return nil
		}
		s.lastAt = s.pc.now()
		return s.pc.runTick(s.run.id)
	case spinner.TickMsg:
		if !s.running() || s.batches > 0 {
			return nil // the bars move from the first batch on
		}
		var cmd tea.Cmd
		s.spinner, cmd = s.spinner.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		if s.asking {
			switch {
			case key.Matches(msg, s.keys.Yes):
				return s.requestStop()
			case key.Matches(msg, s.keys.No):
				s.asking = false
			}
			return nil
		}
		if s.running() {
			if key.Matches(msg, s.keys.Stop) {
				return s.askStop()
			}
			return nil
		}
		if s.leaving {
			return nil // a second r or enter before the wizard moved on
		}
		switch {
		case key.Matches(msg, s.keys.Again) && s.stoppedEarly():
			s.leaving = true
			// Back to the confirmation, which previews again: the
			// environment holds what this run wrote.
			if s.written() == 0 && !s.pc.sess.settingsApplied {
				// Nothing was written: the environment is as the
				// preview saw it, so the confirmation reuses that
				// preview (or recounts from its classification, this
				// run's record aside) instead of reading the source again.
				return navWith(stateConfirm, runWroteNothing{s.report.RunID})
			}
			return navWith(stateConfirm, previewOutdated{})
		case key.Matches(msg, s.keys.Continue):
			s.leaving = true
			return nav(stateJourneys)
		}
	}
	return nil
}

// stoppedEarly reports a run that ended before the end (stopped or
// failed): running it again continues.
func (s *progressScreen) stoppedEarly() bool {
	return s.report != nil && (s.report.Interrupted || s.report.Error != "" || s.err != "")
}

// written is the number of users the run created or merged.
func (s *progressScreen) written() int { return s.counts.Imported + s.counts.Merged }

func (s *progressScreen) apply(msg importUpdateMsg) {
	s.lastAt = s.pc.now()
	if msg.Checking {
		s.checking = true
	}
	if msg.Started != nil {
		s.checking = false
		if msg.Started.Total >= 0 {
			s.total = msg.Started.Total
		}
	}
	if msg.Page != nil {
		s.fetched = msg.Page.Fetched
		if msg.Page.Total >= 0 {
			s.total = msg.Page.Total
		}
		s.mergeCounts(msg.Page.Counts)
	}
	if msg.Batch != nil {
		s.batches++
		s.mergeCounts(msg.Batch.Counts)
		s.links = msg.Batch.OAuthLinks
		s.events = msg.Batch.Events
		s.pc.post(importWrote{s.counts})
	}
	for _, e := range msg.Entries {
		if e.Kind == "failed" {
			s.failures = append(s.failures, e)
			if len(s.failures) > maxShownFailures {
				s.failures = s.failures[len(s.failures)-maxShownFailures:]
			}
		}
	}
	if msg.Settings != nil {
		r := msg.Settings.Settings
		s.settings = &r
		s.pc.post(settingsRan{})
	}
	if !msg.Done {
		return
	}
	r := msg.Report
	if msg.Finished != nil && msg.Report.Mode == "" {
		r = msg.Finished.Report
	}
	if msg.Err != nil {
		if errors.Is(msg.Err, context.Canceled) && s.stopping {
			r.Interrupted = true
		} else {
			s.err = termtext.Clean(msg.Err.Error())
			if r.Mode == "" {
				// Nothing to report: keep the counts seen so far.
				r.Mode = importer.ModeRun
				r.Users = s.counts
				r.OAuthLinks = s.links
				r.Interrupted = true
			}
		}
	}
	if s.stopping {
		r.Interrupted = true
	}
	s.report = &r
	s.counts = r.Users
	s.pc.post(importEnded{r})
	s.asking = false
}

func (s *progressScreen) mergeCounts(c importer.UserCounts) {
	s.counts.Fetched = max(s.counts.Fetched, c.Fetched)
	s.counts.ToImport = max(s.counts.ToImport, c.ToImport)
	s.counts.Imported = max(s.counts.Imported, c.Imported)
	s.counts.Merged = max(s.counts.Merged, c.Merged)
	s.counts.Duplicates = max(s.counts.Duplicates, c.Duplicates)
	s.counts.Skipped = max(s.counts.Skipped, c.Skipped)
	s.counts.Failed = max(s.counts.Failed, c.Failed)
}

func (s *progressScreen) View() string {
	if s.report != nil {
		return s.summaryView()
	}
	st := s.pc.styles
	var b strings.Builder
	title := "Importing from " + s.pc.sess.source.describe()
	if s.checking {
		// A run reads a file through first so that a damaged one writes
		// nothing; on a large export that takes a while.
		title = "Checking the whole file before writing anything…"
	}
	if s.stopping {
		title = "Stopping after the batch in flight…"
	}
	title = st.Heading.Render(title)
	if s.batches == 0 && !s.stopping {
		// Nothing written yet (the first page is on its way): the bars
		// do not move, the spinner does.
		title = s.spinner.View() + " " + title
	}
	b.WriteString(clampLines(title, 1, s.width) + "\n\n")

	written := s.counts.Imported + s.counts.Merged
	le := s.links + s.events
	users := fmtInt(written)
	if s.expUsers > 0 {
		users += " / " + fmtInt(s.expUsers)
	}
	linkTxt := fmtInt(le)
	if s.expLinks > 0 {
		linkTxt += " / " + fmtInt(s.expLinks)
	}
	b.WriteString(st.Label.Render("Users          ") + s.usersBar.ViewAs(pct(written, s.expUsers)) + " " + st.Number.Render(users) + "\n")
	b.WriteString(st.Label.Render("Links & events ") + s.linksBar.ViewAs(pct(le, s.expLinks)) + " " + st.Number.Render(linkTxt) + "\n")
	read := fmtInt(s.fetched)
	if s.total > 0 {
		read += " / " + fmtInt(s.total)
	}
	b.WriteString(st.Label.Render("Read           ") + read + "\n")
	// A pause of the Clerk client takes the blank line under the counts.
	b.WriteString(s.wait.view(st, s.pc.now(), "the import", s.width) + "\n")

	elapsed := s.lastAt.Sub(s.begun)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(written) / elapsed.Seconds()
	}
	eta := "—"
	switch {
	case s.total > 0 && s.fetched > 0 && s.fetched < s.total && elapsed > 0:
		// By the source read, which paces the run: a run again reads
		// past the users imported before, writing nothing for them, so
		// the rate of users written said minutes where seconds were left.
		eta = fmtDuration(time.Duration(float64(elapsed) * float64(s.total-s.fetched) / float64(s.fetched)))
	case rate > 0 && s.expUsers > written:
		eta = fmtDuration(time.Duration(float64(s.expUsers-written) / rate * float64(time.Second)))
	}
	b.WriteString(st.Label.Render("Rate ") + fmt.Sprintf("%s users/s", fmtInt(int(rate+0.5))) +
		st.Label.Render("  ETA ") + eta + st.Label.Render("  elapsed ") + fmtDuration(elapsed) + "\n")
	b.WriteString(st.Label.Render("created ") + fmtInt(s.counts.Imported) +
		st.Label.Render(" · merged ") + fmtInt(s.counts.Merged) +
		st.Label.Render(" · duplicates ") + fmtInt(s.counts.Duplicates) +
		st.Label.Render(" · skipped ") + fmtInt(s.counts.Skipped) + "\n")
	failed := st.Label.Render("failures ") + fmtInt(s.counts.Failed)
	if s.counts.Failed > 0 {
		failed = st.Error.Render("failures " + fmtInt(s.counts.Failed))
	}
	b.WriteString(failed + "\n")
	b.WriteString(s.failuresView())
	if s.asking {
		keys := st.Selected.Render("y") + " stop after this batch · " + st.Selected.Render("n/esc") + " keep going"
		// Wrapped to the screen, border and padding included, rather
		// than cut at its right edge.
		inner := max(s.width-4, 20)
		box := "\n" + st.Dialog.Render(st.Warning.Render("Stop the import?")+"\n"+
			wrapText("What was written stays; running the import again continues.", inner)+"\n"+
			wrapText(keys, inner)) + "\n"
		if s.height > 0 && strings.Count(b.String()+box, "\n") > s.height {
			// Too short a terminal for the box under the counts, which
			// would be cut off: the question takes the title's line.
			view := b.String()
			view = view[strings.IndexByte(view, '\n'):]
			return clampLines(st.Warning.Render("Stop the import? ")+keys, 1, s.width) + view
		}
		b.WriteString(box)
	}
	return b.String()
}

func (s *progressScreen) failuresView() string {
	if len(s.failures) == 0 {
		return ""
	}
	st := s.pc.styles
	var b strings.Builder
	b.WriteString(st.Heading.Render("Latest failures") + "\n")
	for _, f := range s.failures {
		detail := termtext.Clean(f.Detail)
		if detail == "" {
			detail = reasonLabel(f.Reason)
		}
		b.WriteString(st.Error.Render("✗ ") + termtext.Clean(f.SourceID) + "  " + termtext.Clean(f.Email) + "  " + st.Dim.Render(detail) + "\n")
	}
	return b.String()
}

// summaryView shows the report's counts (the JSON contract's fields).
// On a short terminal the parts that matter least give way first (see
// fitParts), so that why the run stopped and what to do next stay.
func (s *progressScreen) summaryView() string {
	st := s.pc.styles
	r := s.report
	u := r.Users
	var parts []viewPart
	add := func(text string, drop int) {
		if text != "" {
			parts = append(parts, viewPart{strings.TrimSuffix(text, "\n"), drop})
		}
	}
	gap := func() { parts = append(parts, viewPart{"", dropGap}) }
	why := -1 // the part that says why the run stopped
	switch {
	case s.err != "" || r.Error != "":
		text := termtext.Clean(r.Error)
		if text == "" {
			text = s.err
		}
		why = len(parts)
		add(errorText(st, "The import stopped early: "+text, s.width)+"\n", 0)
		// The hint at the end says it too, when a terminal is short.
		add(st.Dim.Render("What was written stays; run the import again to continue.")+"\n", dropFailures)
	case r.Interrupted:
		add(st.Warning.Render("Import interrupted.")+" "+st.Dim.Render("What was written stays; running it again continues.")+"\n", 0)
	default:
		add(st.OK.Render("✓ Import complete")+st.Dim.Render(" · "+phaseLabel(r.Phases)+" · "+fmtDuration(s.lastAt.Sub(s.begun)))+"\n", 0)
	}
	gap()
	// The counts below are this run's; after a stop and a new run the
	// session's total is said too.
	if line := strings.TrimSpace(s.pc.sess.sessionRunsLine()); line != "" {
		add(noticeText(st.Dim, strings.ToUpper(line[:1])+line[1:]+".", s.width)+"\n", 0)
		gap()
	}
	rows := [][2]string{
		{"fetched", rightAlign(fmtInt(u.Fetched), 7)},
		{"imported", rightAlign(st.Number.Render(fmtInt(u.Imported)), 7)},
		{"merged", rightAlign(fmtInt(u.Merged), 7)},
		{"duplicates", rightAlign(fmtInt(u.Duplicates), 7)},
		{"skipped", rightAlign(fmtInt(u.Skipped), 7)},
		{"failed", rightAlign(fmtInt(u.Failed), 7)},
		{"OAuth links", rightAlign(fmtInt(r.OAuthLinks), 7)},
	}
	if u.NotWritten > 0 {
		// Read but not written as the import stopped first: the run
		// again ("r") imports them.
		rows = append(rows[:len(rows)-1], [2]string{"not written", st.Warning.Render(rightAlign(fmtInt(u.NotWritten), 7))}, rows[len(rows)-1])
	}
	rows = append(rows, warnRows(st, *r)...)
	rows0 := rows
	left := st.Heading.Render("Users") + "\n" + kv(st.Label, rows)
	var right strings.Builder
	right.WriteString(st.Heading.Render("Reasons") + "\n")
	rows = [][2]string{}
	for _, k := range sortedKeys(nonZero(u.DuplicateReasons)) {
		rows = append(rows, [2]string{reasonLabel(k), rightAlign(fmtInt(u.DuplicateReasons[k]), 6)})
	}
	for _, k := range sortedKeys(nonZero(u.SkippedReasons)) {
		rows = append(rows, [2]string{reasonLabel(k), rightAlign(fmtInt(u.SkippedReasons[k]), 6)})
	}
	switch {
	case !r.Phases.Users:
		// Nothing was classified: "no duplicates" would read as a fact
		// about the source.
		right.WriteString(st.Dim.Render("users phase left out: none imported"))
	case len(rows) == 0:
		right.WriteString(st.Dim.Render("no duplicates, no skips"))
	default:
		right.WriteString(kv(st.Label, rows))
	}
	add(sideBySide(s.width, left, right.String())+"\n", 0)
	table := len(parts) - 1
	// Too short a terminal even for the table: its counts in a line or
	// two instead (the reasons are in the summary printed at the end).
	compact := []string{}
	for _, row := range rows0 {
		compact = append(compact, row[0]+" "+strings.TrimSpace(ansi.Strip(row[1])))
	}
	gap()
	// Tags and events are in the summary printed when the program ends.
	add(strings.Join(countLines(st, "Tags     ", r.Tags, s.width, false), "\n")+"\n", dropCounts)
	add(strings.Join(countLines(st, "Events   ", r.Events, s.width, false), "\n")+"\n", dropCounts)
	if l := enrollLine(*r); l != "" {
		add(noticeText(st.Warning, l, s.width)+"\n", 0)
	}
	switch {
	case r.Phases.Settings && (s.settings != nil || !s.stoppedEarly()):
		line := st.Label.Render("Settings ") + orNone(r.Settings.After)
		// Split as on Settings and Confirm: users whose OAuth cannot
		// move are not stranded by the providers chosen; they are sent
		// a password reset.
		if n := r.Settings.SocialStranded(); n > 0 {
			line += st.Warning.Render("  " + plural(n, "stranded user", "stranded users"))
		}
		line += "\n"
		if n := r.Settings.NoUsableOAuthUsers; n > 0 && r.Phases.Users {
			// Tagged for the password-reset journey, which sends once
			// activated: nothing is sent by the import itself.
			line += renderLines(st.Warning, wrapHang("         "+fmtInt(n)+" OAuth not carried over: tagged for a password reset", s.width, 9)) + "\n"
		}
		add(line, dropFailures) // in the summary printed at the end too
	case r.Phases.Settings:
		add(st.Label.Render("Settings ")+st.Dim.Render("not changed (stopped before the settings phase)")+"\n", dropFailures)
	}
	add(s.failuresView(), dropFailures)
	hint := "Next: create the migration emails and journeys (enter)."
	if s.stoppedEarly() {
		hint = "Next: press r to run the import again: it continues where this one stopped."
		if s.written() > 0 {
			hint += " Or enter to set up the journeys for the users imported so far."
		}
	}
	next := "\n" + noticeText(st.Dim, hint, s.width) + "\n"
	tail := strings.Count(next, "\n") - 1 // its blank line gives way too
	if len(r.Warnings) > 0 {
		tail++ // at least the line that counts them
	}
	var b strings.Builder
	room := s.height - tail
	if s.height <= 0 {
		room = math.MaxInt // no size yet: nothing to fit
	}
	if kept := keptLines(parts); kept > room {
		parts[table].text = noticeText(st.Label, "Users: "+strings.Join(compact, " · "), s.width)
	}
	if over := keptLines(parts) - room; over > 0 && why >= 0 {
		// Still too tall: a long reason keeps its first lines (two at
		// least); the whole of it is in the summary printed at the end.
		lines := strings.Split(parts[why].text, "\n")
		if keep := max(2, len(lines)-over); keep < len(lines) {
			lines = lines[:keep]
			lines[keep-1] = ansiTruncate(lines[keep-1], max(s.width-1, 1)) + "…"
			parts[why].text = strings.Join(lines, "\n")
		}
	}
	b.WriteString(fitParts(parts, room))
	if len(r.Warnings) > 0 {
		// The warnings get the lines the rest leaves; all of them are in
		// the summary printed when the program ends.
		room := s.height - strings.Count(b.String(), "\n") - strings.Count(next, "\n")
		if room < 1 {
			next = strings.TrimPrefix(next, "\n")
			room++
		}
		b.WriteString(warningsView(st, importedWarnings(r.Warnings), s.width, room, "all are printed when you quit") + "\n")
	}
	if s.height > 0 && strings.Count(b.String()+next, "\n") > s.height {
		next = strings.TrimPrefix(next, "\n")
	}
	b.WriteString(next)
	return b.String()
}

// keptLines is the lines of the parts that never give way.
func keptLines(parts []viewPart) int {
	n := 0
	for _, p := range parts {
		if p.drop == 0 {
			n += strings.Count(p.text, "\n") + 1
		}
	}
	return n
}

// What a short terminal loses first in the summary (see fitParts).
const (
	dropFailures = 1 + iota // the latest failures (counted in the table) and a repeated note
	dropCounts              // tags and events, in the summary printed at the end
	dropGap                 // blank lines between parts
)

func (s *progressScreen) Keys() keyMap {
	k := s.keys
	var short []key.Binding
	switch {
	case s.asking:
		k.No.SetHelp("n/esc", "keep going")
		short = []key.Binding{k.Yes, k.No}
	case s.running() && !s.stopping:
		short = []key.Binding{k.Stop}
	case s.running():
		short = nil
	case s.stoppedEarly():
		// Journeys stay reachable, but are suggested only when the run
		// wrote users.
		short = []key.Binding{k.Again}
		if s.written() > 0 {
			short = append(short, k.Continue)
		}
	default:
		short = []key.Binding{k.Continue}
	}
	return keyMap{short: short, full: [][]key.Binding{short}}
}
