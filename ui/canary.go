package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// The canary, opened from the confirmation (c): import one user alone
// (importer.Options.Only, as `import clerk run --only`), then type that
// user's password and see whether the digest kept from Clerk matches
// (importer.KeptPassword / CheckPassword, as `auth check-password`).
// Back on the confirmation the full run imports the rest and reports the
// canary as already imported.

// canaryCandidates bounds the users the search lists: they are read from
// the start of the source, so a big source is neither read through nor
// held in memory. An email typed in full is imported whether listed or not.
const (
	canaryCandidates = 2000
	canaryShown      = 6
)

type canaryPhase int

const (
	canaryPick     canaryPhase = iota // search and choose a user
	canaryRunning                     // the canary run
	canaryResult                      // what it did; the password check
	canaryChecking                    // checking the typed password
)

// canaryUser is a user of the source the search can offer.
type canaryUser struct {
	// email is in the form the import stores it (emailaddr.Canonical), so
	// that a search typed in another case, Unicode form or IDN spelling
	// finds it; all three are cleaned for the terminal.
	id, email, name string
	// ascii is email with its IDN domain in ASCII (xn--…), "" when that is
	// the same: a search may be typed in either spelling.
	ascii    string
	password bool // has a password in Clerk (or a digest in the export)
	// clerkID is the source's id as it is: the canary selects by it, so
	// that it imports exactly the row chosen, not another user of the
	// same address. Empty for an address typed in full.
	clerkID string
}

// canaryUsersMsg carries the candidates read from the start of the source.
type canaryUsersMsg struct {
	users []canaryUser
	more  bool // the source has more users than were read
	err   error
}

// canaryKeptMsg says whether the canary user has a kept password (why
// not, when not). The digest itself never leaves the importer's check.
type canaryKeptMsg struct {
	email string
	err   error
}

// canaryCheckedMsg is the outcome of a password check.
type canaryCheckedMsg struct {
	match bool
	err   error
}

// canaryStarted records that a canary run began, so that the summary of
// a session left before its result does not say no import ran.
type canaryStarted struct{}

func (canaryStarted) apply(s *session) { s.canariesStarted++ }

// canaryRan records a canary run in the session, for the summary.
type canaryRan struct{ c canaryRecord }

func (r canaryRan) apply(s *session) {
	s.canaries = append(s.canaries, r.c)
	if r.c.wrote {
		// One user is in the environment now: the confirmation's counts
		// are out of date.
		s.previewStale = true
	}
}

// canaryChecked records a password check of a canary user.
type canaryChecked struct {
	email string
	match bool
}

func (r canaryChecked) apply(s *session) {
	for i := len(s.canaries) - 1; i >= 0; i-- {
		if s.canaries[i].email == r.email {
			s.canaries[i].checked = true
			s.canaries[i].match = r.match
			return
		}
	}
}

// canaryRecord is one canary run of the session.
type canaryRecord struct {
	email, runID   string
	imported       int
	wrote          bool
	checked, match bool
}

type canaryScreen struct {
	pc   *programContext
	keys canaryKeys

	phase   canaryPhase
	search  textinput.Model
	pw      textinput.Model
	spinner spinner.Model

	loading bool
	users   []canaryUser
	more    bool
	loadErr string
	matches []int // indexes into users
	cursor  int

	chosen  string // the email (or id) imported
	run     *importRun
	wait    waitBanner
	report  *importer.Report
	err     string
	kept    bool   // the user has a kept password to check
	noPw    string // why not (cleaned)
	checked *bool  // the last check's outcome
	checkN  int    // checks made
	wrote   bool   // the canary run wrote to the environment
	pending tea.Cmd
	// stopLoad cancels the read of the candidates when the view closes.
	stopLoad context.CancelFunc
	width    int
	height   int
}

func newCanaryScreen(pc *programContext) *canaryScreen {
	s := &canaryScreen{pc: pc, keys: newCanaryKeys(), loading: true}
	s.search = textinput.New()
	s.search.Prompt = "Email › "
	s.search.Placeholder = "search the source's users by email"
	s.search.CharLimit = 320
	s.pw = textinput.New()
	s.pw.Prompt = "Password › "
	s.pw.EchoMode = textinput.EchoPassword
	s.pw.EchoCharacter = '•'
	s.pw.CharLimit = 1024
	s.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	s.restyle()
	s.SetSize(pc.width, pc.bodyHeight())
	return s
}

func (s *canaryScreen) restyle() {
	s.search.SetStyles(s.pc.styles.Input)
	s.pw.SetStyles(s.pc.styles.Input)
	s.spinner.Style = s.pc.styles.Selected
}

func (s *canaryScreen) Init() tea.Cmd {
	return tea.Batch(s.search.Focus(), s.loadUsers(), s.spinner.Tick)
}

// loadUsers reads the start of the source for the search. Records the
// preview skipped or found duplicated are left out: the canary would not
// import them (see excludedRecords). So are users an import made since
// the preview (a canary of this session), whom the environment has.
func (s *canaryScreen) loadUsers() tea.Cmd {
	open, env := s.pc.opener(), s.pc.env
	ctx, cancel := context.WithCancel(s.pc.base)
	s.stopLoad = cancel
	excludedPos, excludedID := excludedRecords(s.pc.sess.entries, s.pc.sess.source.Kind == "file", s.pc.sess.includeBanned)
	return func() tea.Msg {
		defer cancel()
		src, err := open(nil)
		if err != nil {
			return canaryUsersMsg{err: err}
		}
		defer src.Close()
		var users []canaryUser
		for len(users) < canaryCandidates {
			recs, err := src.Next(ctx)
			if errors.Is(err, io.EOF) || (err == nil && len(recs) == 0) {
				return canaryUsersMsg{users: users}
			}
			if err != nil {
				return canaryUsersMsg{users: users, err: err}
			}
			var page []canaryUser
			var ids []string
			for _, r := range recs {
				if r.User == nil || excludedPos[r.Pos] || excludedID[r.User.ID] {
					continue
				}
				if u, ok := candidate(r.User); ok {
					page, ids = append(page, u), append(ids, u.clerkID)
				}
			}
			imported, err := env.LookupSourceIDs(ctx, importer.SourceClerk, ids)
			if err != nil {
				return canaryUsersMsg{users: users, err: err}
			}
			for _, u := range page {
				if _, ok := imported[u.clerkID]; !ok {
					users = append(users, u)
				}
			}
		}
		return canaryUsersMsg{users: users[:canaryCandidates], more: true}
	}
}

// excludedRecords is which records of the source the preview skipped or
// found duplicated (a passwords file's records aside): by position in a
// file (byPosition), whose order is fixed and which may list an id twice,
// the first record created and the other not; by Clerk id from the API,
// which lists each user once but not always at the same place (users
// created in the same millisecond come in any order from one walk to the
// next, and a user deleted since moves everyone after it up). An entry
// without a position is excluded by id either way. With includeBanned
// (the review's b) a user skipped as banned is imported, so listed.
func excludedRecords(entries []importer.Entry, byPosition, includeBanned bool) (map[int]bool, map[string]bool) {
	byPos, byID := map[int]bool{}, map[string]bool{}
	for _, e := range entries {
		if e.File != "" || (e.Kind != kindSkipped && e.Kind != kindDuplicate) {
			continue // a passwords file's record, or a user who is created
		}
		if includeBanned && e.Reason == importer.ReasonBanned {
			continue
		}
		if byPosition && e.Pos > 0 {
			byPos[e.Pos] = true
		} else {
			byID[e.SourceID] = true
		}
	}
	return byPos, byID
}

// candidate is a source user as the search lists it (ok false without an
// email: such a user is never imported).
func candidate(u *clerk.User) (canaryUser, bool) {
	email := ""
	for _, e := range u.EmailAddresses {
		if email == "" || (u.PrimaryEmailAddressID != nil && e.ID == *u.PrimaryEmailAddressID) {
			email = e.EmailAddress
		}
	}
	if email == "" {
		return canaryUser{}, false
	}
	var name []string
	for _, p := range []*string{u.FirstName, u.LastName} {
		if p != nil && *p != "" {
			name = append(name, *p)
		}
	}
	canon := emailaddr.Canonical(email)
	return canaryUser{
		id:       termtext.Clean(u.ID),
		email:    termtext.Clean(canon),
		ascii:    termtext.Clean(emailaddr.Legacy(canon)),
		name:     termtext.Clean(strings.Join(name, " ")),
		password: u.PasswordEnabled || u.PasswordDigest != "" || u.PasswordUnknown, // unknown: the import takes it as had
		clerkID:  u.ID,
	}, true
}

// searchKey is the search as typed, in the form addresses are listed in
// (emailaddr.Canonical: trimmed, NFC, lower case, IDN domain in Unicode),
// so that "Ana@EXAMPLE.com", a decomposed "é" or a punycode domain finds
// the address as the import stores it. Part of an address works too.
func (s *canaryScreen) searchKey() string {
	return emailaddr.Canonical(s.search.Value())
}

// refilter lists the users whose email (in either IDN spelling) or id
// holds the search; users with a password first (the canary proves a
// password).
func (s *canaryScreen) refilter() {
	q := s.searchKey()
	// As typed too (lower case): part of a punycode label ("xn--bcher")
	// is no valid label, and Canonical decodes it into something else.
	raw := strings.ToLower(strings.TrimSpace(s.search.Value()))
	inEmail := func(u canaryUser, k string) bool {
		return strings.Contains(u.email, k) || (u.ascii != "" && strings.Contains(u.ascii, k))
	}
	s.matches = s.matches[:0]
	for i, u := range s.users {
		if q == "" || inEmail(u, q) || inEmail(u, raw) || strings.Contains(strings.ToLower(u.id), q) {
			s.matches = append(s.matches, i)
		}
	}
	sort.SliceStable(s.matches, func(a, b int) bool {
		return s.users[s.matches[a]].password && !s.users[s.matches[b]].password
	})
	s.cursor = min(s.cursor, max(len(s.matches)-1, 0))
}

func (s *canaryScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.search.SetWidth(max(w-12, 20))
	s.pw.SetWidth(max(w-16, 20))
}

func (s *canaryScreen) InputFocused() bool { return s.search.Focused() || s.pw.Focused() }

func (s *canaryScreen) close() {
	if s.stopLoad != nil {
		s.stopLoad()
	}
	if s.run != nil {
		s.run.abandon()
	}
}

func (s *canaryScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case canaryUsersMsg:
		s.loading = false
		s.users, s.more = msg.users, msg.more
		if msg.err != nil {
			s.loadErr = termtext.Clean(msg.err.Error())
		}
		s.refilter()
		return nil
	case importUpdateMsg:
		cmd := s.run.follow(msg, &s.wait, s.pc.now(), s.apply)
		if p := s.pending; p != nil {
			s.pending = nil
			return tea.Batch(cmd, p)
		}
		return cmd
	case waitTickMsg:
		return s.wait.tick(msg, s.pc.now())
	case canaryKeptMsg:
		if msg.err != nil {
			var none *importer.NoKeptPasswordError
			if errors.As(msg.err, &none) {
				s.noPw = termtext.Clean(none.Reason)
			} else {
				s.noPw = termtext.Clean(msg.err.Error())
			}
			return nil
		}
		s.kept = true
		return s.pw.Focus()
	case canaryCheckedMsg:
		s.phase = canaryResult
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return s.pw.Focus()
		}
		s.err = ""
		match := msg.match
		s.checked = &match
		s.checkN++
		s.pc.post(canaryChecked{email: s.chosen, match: match})
		return s.pw.Focus()
	case spinner.TickMsg:
		if !s.loading && s.phase != canaryRunning && s.phase != canaryChecking {
			return nil
		}
		var cmd tea.Cmd
		s.spinner, cmd = s.spinner.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		return s.handleKey(msg)
	case tea.PasteMsg:
		return s.updateInput(msg)
	}
	return nil
}

func (s *canaryScreen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch s.phase {
	case canaryPick:
		switch {
		case key.Matches(msg, s.keys.Back):
			return back
		case key.Matches(msg, s.keys.Up):
			s.cursor = max(s.cursor-1, 0)
			return nil
		case key.Matches(msg, s.keys.Down):
			s.cursor = min(s.cursor+1, max(len(s.matches)-1, 0))
			return nil
		case key.Matches(msg, s.keys.Import):
			return s.start()
		}
		return s.updateInput(msg)
	case canaryRunning:
		if key.Matches(msg, s.keys.Back) {
			// Stops the run (recorded as interrupted; what it wrote, if
			// anything, can be undone from the runs tab).
			s.close()
			return s.leave()
		}
		return nil
	case canaryChecking:
		return nil
	}
	switch {
	case key.Matches(msg, s.keys.Back):
		return s.leave()
	case s.kept && key.Matches(msg, s.keys.Check):
		return s.check()
	case !s.kept && key.Matches(msg, s.keys.Done):
		return s.leave()
	}
	return s.updateInput(msg)
}

func (s *canaryScreen) updateInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case s.search.Focused():
		before := s.search.Value()
		s.search, cmd = s.search.Update(msg)
		if s.search.Value() != before {
			s.cursor = 0
			s.refilter()
		}
	case s.pw.Focused():
		s.pw, cmd = s.pw.Update(msg)
		s.err = ""
	}
	return cmd
}

// leave goes back to the confirmation: afresh when the canary wrote, so
// that its counts are recomputed for the full run.
func (s *canaryScreen) leave() tea.Cmd {
	s.pw.SetValue("")
	s.pw.Blur()
	if s.wrote || s.phase == canaryRunning {
		return navWith(stateConfirm, previewOutdated{})
	}
	return back
}

// target is what the canary imports: the highlighted user, or an email
// typed in full that the list does not show.
func (s *canaryScreen) target() (canaryUser, bool) {
	if len(s.matches) > 0 {
		return s.users[s.matches[s.cursor]], true
	}
	q := s.searchKey()
	if strings.Count(q, "@") == 1 && !strings.HasPrefix(q, "@") && !strings.HasSuffix(q, "@") {
		return canaryUser{email: termtext.Clean(q)}, true
	}
	return canaryUser{}, false
}

func (s *canaryScreen) start() tea.Cmd {
	u, ok := s.target()
	if !ok {
		s.err = "Choose a user from the list, or type a whole email address."
		return nil
	}
	s.err = ""
	s.chosen = u.email
	s.search.Blur()
	s.phase = canaryRunning
	opts := s.pc.runOptions(importer.ModeRun)
	opts.Only = []string{u.email}
	if u.clerkID != "" {
		opts.Only = []string{u.clerkID}
	}
	var cmd tea.Cmd
	s.run, cmd = startRun(s.pc.base, s.pc.opener(), s.pc.runner(), opts)
	s.pc.post(canaryStarted{})
	return tea.Batch(cmd, s.spinner.Tick)
}

// apply takes the canary run's updates; its end asks whether the user
// has a kept password.
func (s *canaryScreen) apply(msg importUpdateMsg) {
	if !msg.Done {
		return
	}
	r := msg.Report
	s.report = &r
	s.phase = canaryResult
	u := r.Users
	s.wrote = u.Imported > 0 || u.Merged > 0 || (r.Phases.Settings && msg.Err == nil)
	if msg.Err != nil {
		s.err = termtext.Clean(msg.Err.Error())
	}
	s.pc.post(canaryRan{canaryRecord{email: s.chosen, runID: r.RunID, imported: u.Imported, wrote: s.wrote}})
	if u.Imported+u.Merged == 0 && !alreadyImported(r) {
		return
	}
	env, ctx, email := s.pc.env, s.pc.base, s.chosen
	s.kept, s.noPw = false, ""
	s.pending = func() tea.Msg {
		_, err := importer.KeptPassword(ctx, env, email)
		return canaryKeptMsg{email: email, err: err}
	}
}

// alreadyImported: the user came in with an earlier run (an earlier
// canary): its password can be checked all the same.
func alreadyImported(r importer.Report) bool {
	return r.Users.DuplicateReasons[importer.ReasonAlreadyImported] > 0
}

// check verifies the typed password off the UI goroutine (a bcrypt check
// takes tens of milliseconds); the field is cleared at once.
func (s *canaryScreen) check() tea.Cmd {
	pw := s.pw.Value()
	if pw == "" {
		s.err = "Type the password this user signs in to Clerk with."
		return nil
	}
	s.pw.SetValue("")
	s.phase = canaryChecking
	env, ctx, email := s.pc.env, s.pc.base, s.chosen
	return tea.Batch(s.spinner.Tick, func() tea.Msg {
		st, err := importer.KeptPassword(ctx, env, email)
		if err != nil {
			return canaryCheckedMsg{err: err}
		}
		ok, err := importer.CheckPassword(st, pw)
		return canaryCheckedMsg{match: ok, err: err}
	})
}

func (s *canaryScreen) View() string {
	st := s.pc.styles
	var b strings.Builder
	b.WriteString(st.Heading.Render("Canary: import one user first, then check their password") + "\n")
	b.WriteString(renderLines(st.Dim, wrapHang("The full run's options, for one user (import clerk run --only); the browser's runs tab undoes it.", s.width, 0)) + "\n\n")
	switch s.phase {
	case canaryPick:
		if f := s.pc.sess.final; f != nil && f.Enrollments > 0 {
			// The full run's preview enrolls the users it creates: the
			// canary user too, and their emails start at once.
			b.WriteString(noticeText(st.Warning, enrollLine(*f)+"; the canary user too, once imported.", s.width) + "\n")
		}
		b.WriteString(markHidden(s.search.View()) + "\n")
		switch {
		case s.loading:
			b.WriteString(s.spinner.View() + st.Dim.Render(" reading the first users of the source…") + "\n")
		case s.loadErr != "":
			b.WriteString(errorText(st, "cannot list the source's users: "+s.loadErr, s.width) + "\n")
			b.WriteString(st.Dim.Render("Type a whole email address to import that user.") + "\n")
		case len(s.matches) == 0:
			b.WriteString(st.Dim.Render("No listed user matches: press enter to import a whole email address typed.") + "\n")
		default:
			b.WriteString(s.matchList())
		}
	case canaryRunning:
		b.WriteString(s.spinner.View() + " Importing " + st.Value.Render(s.chosen) + st.Dim.Render(" alone (the source is read to find them)…") + "\n")
		if w := s.wait.view(st, s.pc.now(), "the canary", s.width); w != "" {
			b.WriteString(w + "\n")
		}
	default:
		b.WriteString(s.resultView())
	}
	if s.err != "" {
		b.WriteString("\n" + errorText(st, s.err, s.width) + "\n")
	}
	return b.String()
}

func (s *canaryScreen) matchList() string {
	st := s.pc.styles
	var b strings.Builder
	rows := max(min(canaryShown, s.height-8), 1)
	start := max(0, min(s.cursor-rows+1, len(s.matches)-rows))
	for i := start; i < len(s.matches) && i < start+rows; i++ {
		u := s.users[s.matches[i]]
		pw := st.Dim.Render("  no password")
		if u.password {
			pw = st.OK.Render("  password")
		}
		who := st.Dim.Render(u.id)
		if u.name != "" {
			who += st.Dim.Render(" · " + u.name)
		}
		mark, email := "  ", u.email
		if i == s.cursor {
			mark, email = st.Cursor.Render("› "), st.Selected.Render(u.email)
		}
		b.WriteString(clampLines(mark+email+"  "+who+pw, 1, s.width) + "\n")
	}
	n := fmt.Sprintf("%s of %s listed", fmtInt(len(s.matches)), fmtInt(len(s.users)))
	if s.more {
		n += " (the first " + fmtInt(canaryCandidates) + " users of the source; type a whole email for others)"
	}
	b.WriteString(st.Dim.Render(clampLines(n, 1, s.width)) + "\n")
	return b.String()
}

func (s *canaryScreen) resultView() string {
	st := s.pc.styles
	var b strings.Builder
	r := s.report
	if r != nil {
		u := r.Users
		switch {
		case u.Imported > 0:
			b.WriteString(st.OK.Render("✓ Imported "+s.chosen) + "\n")
		case u.Merged > 0:
			b.WriteString(st.OK.Render("✓ Merged "+s.chosen+" into the existing AscendKit user") + "\n")
		case alreadyImported(*r):
			b.WriteString(st.OK.Render("✓ "+s.chosen+" was imported before") + "\n")
		case u.Fetched > 0 && u.Duplicates+u.Skipped+u.Failed == 0:
			b.WriteString(st.Warning.Render("⚠ "+s.chosen+" is not in the source: nothing was imported") + "\n")
		default:
			what := countList(u.SkippedReasons)
			if d := countList(u.DuplicateReasons); d != "" {
				what = strings.TrimPrefix(what+", "+d, ", ")
			}
			b.WriteString(st.Warning.Render("⚠ "+s.chosen+" was not imported: "+orDash(what)) + "\n")
		}
		if r.RunID != "" {
			note := " (browser → runs tab to see or undo it)"
			if u.Imported+u.Merged == 0 {
				note = " (it wrote no user: nothing to undo; the browser's runs tab lists it)"
			}
			b.WriteString(st.Label.Render("Run ") + termtext.Clean(r.RunID) + st.Dim.Render(note) + "\n")
		}
		if l := enrollLine(*r); l != "" {
			b.WriteString(noticeText(st.Warning, l, s.width) + "\n")
		}
		if p := r.Passwords; p.Kept+p.NeedsReset > 0 {
			b.WriteString(st.Label.Render("Password ") + map[bool]string{true: "kept from Clerk", false: "not kept: tagged for a reset"}[p.Kept > 0] + "\n")
		}
	}
	b.WriteString("\n")
	switch {
	case s.kept:
		b.WriteString("Type " + s.chosen + "'s Clerk password to prove it carried over:\n")
		if s.phase == canaryChecking {
			b.WriteString(s.spinner.View() + st.Dim.Render(" checking…") + "\n")
		} else {
			b.WriteString(s.pw.View() + "\n")
		}
		if s.checked != nil {
			if *s.checked {
				b.WriteString(st.OK.Render("✓ password matches: this user signs in to AscendKit with their Clerk password") + "\n")
			} else {
				b.WriteString(st.Error.Render("✗ password does not match") + st.Dim.Render(" (check it and type it again)") + "\n")
			}
		}
		b.WriteString("\n" + st.Dim.Render("esc: back to the confirmation for the full run") + "\n")
	case s.noPw != "":
		b.WriteString(renderLines(st.Warning, wrapHang("⚠ No password to check: "+s.noPw, s.width, 2)) + "\n")
		if s.pc.sess.source.Passwords == "" && strings.Contains(s.noPw, "--passwords") {
			b.WriteString(renderLines(st.Dim, wrapHang("  In the wizard, step 1 (Source) takes that passwords file next to the key or the export file.", s.width, 2)) + "\n")
		}
		b.WriteString("\n" + st.Dim.Render("enter: back to the confirmation for the full run") + "\n")
	default:
		b.WriteString(st.Dim.Render("enter: back to the confirmation") + "\n")
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (s *canaryScreen) Keys() keyMap {
	k := s.keys
	var short []key.Binding
	switch s.phase {
	case canaryPick:
		short = []key.Binding{k.Import, k.Up, k.Down, k.Back}
	case canaryRunning:
		k.Back.SetHelp("esc", "stop")
		short = []key.Binding{k.Back}
	case canaryChecking:
	default:
		if s.kept {
			short = []key.Binding{k.Check, k.Back}
		} else {
			short = []key.Binding{k.Done}
		}
		k.Back.SetHelp("esc", "full run")
	}
	return keyMap{short: short, full: [][]key.Binding{short}}
}
