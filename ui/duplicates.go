package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// reasonOrder is the order reasons are listed and cycled in.
var reasonOrder = []string{
	importer.ReasonAlreadyImported, importer.ReasonEmailExists, importer.ReasonRepeatedInSource,
	importer.ReasonNoEmail, importer.ReasonPhoneOnly, importer.ReasonUsernameOnly, importer.ReasonWeb3Only,
	importer.ReasonInvalidEmail, importer.ReasonBanned, importer.ReasonMalformed,
}

// tabFlagged is the review tab of the users imported with something left
// out (entries of Kind "warning"); it is not a reason.
const tabFlagged = "\x00flagged"

// tabPasswords prefixes the reason of a tab of the passwords file's
// records (File importer.EntryFilePasswords): they are no users of the
// source, so a source user's row of the same reason is never under it.
const tabPasswords = "\x00passwords:"

// passwordsReasonOrder is the order the passwords file's tabs come in,
// after the source's.
var passwordsReasonOrder = []string{
	importer.ReasonPasswordUnmatched, importer.ReasonPasswordRepeated, importer.ReasonPasswordRecordMalformed,
}

// passwordsRow reports an entry about a record of the passwords file
// rather than a user of the source: its Pos counts that file's records.
func passwordsRow(e importer.Entry) bool { return e.File == importer.EntryFilePasswords }

// tabOf is the tab an entry is listed under (besides "all").
func tabOf(e importer.Entry) string {
	switch {
	case passwordsRow(e):
		return tabPasswords + e.Reason
	case e.Kind == kindWarning:
		return tabFlagged
	}
	return e.Reason
}

// tabName is a tab's label, without its count.
func tabName(tab string) string {
	switch {
	case tab == "":
		return "all"
	case tab == tabFlagged:
		return "flagged"
	case strings.HasPrefix(tab, tabPasswords):
		return reasonLabel(strings.TrimPrefix(tab, tabPasswords))
	}
	return reasonLabel(tab)
}

var reasonLabels = map[string]string{
	importer.ReasonAlreadyImported:         "already imported",
	importer.ReasonEmailExists:             "email exists",
	importer.ReasonRepeatedInSource:        "repeated in source",
	importer.ReasonLinkConflict:            "link conflict",
	importer.ReasonLinkInvalid:             "link invalid",
	importer.ReasonNoEmail:                 "no email",
	importer.ReasonPhoneOnly:               "phone only",
	importer.ReasonUsernameOnly:            "username only",
	importer.ReasonWeb3Only:                "web3 wallet only",
	importer.ReasonLinkUnverified:          "unverified link",
	importer.ReasonPhoneInvalid:            "phone invalid",
	importer.ReasonPasswordInvalid:         "bad password digest",
	importer.ReasonPasswordOff:             "password removed",
	importer.ReasonPasswordDiffers:         "two password digests",
	importer.ReasonInvalidEmail:            "invalid email",
	importer.ReasonBanned:                  "banned",
	importer.ReasonMalformed:               "malformed",
	importer.ReasonMetadataKept:            "metadata kept",
	importer.ReasonNoUsableOAuth:           "OAuth not carried over",
	importer.ReasonSSOUnusable:             "SSO account unusable",
	importer.ReasonPrimaryEmailNotFound:    "primary email not found",
	importer.ReasonLockoutNotKept:          "lockout not kept",
	importer.ReasonPasswordRecordMalformed: "passwords file row unreadable",
	importer.ReasonIdentityNotKept:         "identity not kept",
	importer.ReasonBanNotApplied:           "ban not applied",
	importer.ReasonChangedInSource:         "changed since import",
	importer.ReasonPasswordAlreadyImported: "password not applied",
	importer.ReasonPasswordRepeated:        "password listed twice",
	importer.ReasonPasswordUnmatched:       "password of no user",
	importer.ReasonImportedNotInSource:     "not in source now",
}

func reasonLabel(r string) string {
	if l, ok := reasonLabels[r]; ok {
		return l
	}
	return termtext.Clean(r)
}

// Entry kinds the review lists.
const (
	kindDuplicate = "duplicate"
	kindSkipped   = "skipped"
	kindWarning   = "warning" // imported, with something left out (Detail)
)

// duplicatesScreen reviews the duplicates and skipped users of the
// preview and sets the duplicate policy, per row or in bulk. Users
// imported with something left out (an OAuth link) are listed too, under
// their own tab, and so are the passwords file's records that give no
// password (as --entries lists them), under a tab per reason: neither
// has a policy.
//
// A preview can report tens of thousands of rows: their text is
// sanitized once, their table cells are built once per column layout,
// and moving the cursor or typing a filter rebuilds none of them.
type duplicatesScreen struct {
	pc   *programContext
	keys duplicatesKeys
	gen  int

	entries []importer.Entry // duplicates, skips, flagged users, passwords file records
	// passwords counts the rows of the passwords file's records.
	passwords int
	// notCreated are the Clerk ids with a duplicate or skipped row: a
	// flagged row of one of them is not an imported user (alsoDuplicate).
	notCreated map[string]bool
	texts      []reviewText // entries' sanitized text, same order
	cells      []table.Row  // entries' table cells at the current widths
	colW       [numReviewCols]int
	natural    [numReviewCols]int // widest cell of each column (capped)
	reasons    []string           // "" (all) + reasons present + tabFlagged
	reason     int
	filter     textinput.Model
	query      string // the filter the visible rows were computed for
	visible    []int  // indexes into entries
	table      table.Model
	width      int
	height     int

	// existing caches the existing users looked up for the detail line
	// (id → email, "" when unknown); lookups in flight are in asked.
	existing map[string]string
	// existingUser is the rest of what is known of an existing user
	// (name, created, tags), shown beside the Clerk user.
	existingUser map[string]ascendkit.User
	asked        map[string]bool

	work  reviewWork
	tally *[4]int // counts(), nil when a policy changed

	// decisions and onDuplicate are the screen's copy of the duplicate
	// policy: it shows and edits them, and posts each change as a result
	// for the session.
	decisions   map[string]importer.Policy
	onDuplicate importer.Policy
	// includeBanned is the screen's copy of the session's switch; banned
	// counts the banned rows (b is offered only when there are some).
	includeBanned bool
	banned        int
	// recountID is the recount under way (0 for none).
	recountID int
	// The rows are recomputed from the session's classification (the one
	// the header and the confirmation recount from) whenever it or the
	// banned switch changes: rowsFrom and rowsBanned are what the rows
	// were computed for (rowsFrom is nil when there was none to recount
	// from). preview is the settings preview's list: the skips a
	// classification does not give, and the names.
	rowsFrom   *importer.Classified
	rowsBanned bool
	preview    []importer.Entry
	// previewOmitted counts by tab the rows the preview's list leaves
	// out, omitted those the rows leave out (see reviewRowsCap).
	previewOmitted, omitted map[string]int
	// reread reads the source again for the rows, when the environment
	// changed and no classification is left to recount from; its rows
	// gather in rereadRows (rereadBanned: banned users included), bounded
	// by rereadBound.
	reread       *importRun
	rereadRows   []importer.Entry
	rereadBound  rowBound
	rereadBanned bool
	rereadRead   int // users read so far
	wait         waitBanner

	// pending is a bulk change waiting for y / n; undo is the state
	// before the last bulk change (u restores it).
	pending *bulkChange
	undo    *policySnapshot
	notice  string
	// tabCounts are the rows of each reason tab, same order as reasons.
	tabCounts []int
}

// bulkChange is M or S on the rows the filter shows.
type bulkChange struct {
	policy importer.Policy
	rows   []int // entries (duplicates shown) whose policy changes
	all    bool  // every duplicate is shown: the default changes too
}

// policySnapshot is the duplicate policy before a bulk change.
type policySnapshot struct {
	onDuplicate importer.Policy
	decisions   map[string]importer.Policy
	label       string
	// after is the policy the bulk change left: a row whose policy is no
	// longer that was set by hand since, and u leaves it.
	after *policySnapshot
}

// policyIn is the policy of the duplicate id under default def and
// per-row decisions d.
func policyIn(id string, def importer.Policy, d map[string]importer.Policy) importer.Policy {
	if p, ok := d[id]; ok {
		return p
	}
	if def == "" {
		return importer.PolicySkip
	}
	return def
}

// reviewText is an entry's text, sanitized for the terminal once.
type reviewText struct {
	reason, source, email, name, existing, detail string
	search                                        string // lower case, for the filter
}

// reviewWork counts the review's work (tests assert on it).
type reviewWork struct {
	sanitized int // entries whose text was sanitized
	rowsBuilt int // table rows formatted
	scanned   int // entries tested against a filter
}

// Columns of the review table.
const (
	colReason = iota
	colSource
	colEmail
	colExisting
	colPolicy
	numReviewCols
)

// existingUserMsg is an existing user, for the detail line.
type existingUserMsg struct {
	id, email string
	user      *ascendkit.User
}

func newDuplicatesScreen(pc *programContext) *duplicatesScreen {
	s := &duplicatesScreen{pc: pc, keys: newDuplicatesKeys(), gen: pc.sess.previewGen,
		existing: map[string]string{}, asked: map[string]bool{}, existingUser: map[string]ascendkit.User{}}
	// The settings preview reads with banned users skipped, and hands
	// over its classification with its rows.
	s.preview, s.rowsFrom = pc.sess.entries, pc.sess.entriesFrom
	s.previewOmitted = pc.sess.entriesOmitted
	s.omitted = s.previewOmitted
	s.decisions = maps.Clone(pc.sess.decisions)
	if s.decisions == nil {
		s.decisions = map[string]importer.Policy{}
	}
	s.onDuplicate = pc.sess.onDuplicate
	s.includeBanned = pc.sess.includeBanned
	s.filter = textinput.New()
	s.filter.Prompt = "/ "
	s.filter.Placeholder = "email, name or id"
	s.filter.CharLimit = 200
	km := table.DefaultKeyMap()
	km.PageDown.SetKeys("f", "pgdown")
	s.table = table.New(table.WithKeyMap(km), table.WithFocused(true))
	s.restyle()
	s.setEntries(pc.sess.entries)
	return s
}

// setEntries makes entries (those of kinds the review lists) its rows:
// their text, columns, tabs and counts.
func (s *duplicatesScreen) setEntries(entries []importer.Entry) {
	s.entries = nil
	s.notCreated = map[string]bool{}
	s.passwords = 0
	present := map[string]bool{}
	flagged := false
	for _, e := range entries {
		if passwordsRow(e) {
			// Whatever its kind (unmatched, malformed, repeated): it is
			// no user of the source, and no user is left out for it.
			s.entries = append(s.entries, e)
			present[tabOf(e)] = true
			s.passwords++
			continue
		}
		switch e.Kind {
		case kindDuplicate, kindSkipped:
			s.entries = append(s.entries, e)
			s.notCreated[e.SourceID] = true
			present[e.Reason] = true
		case kindWarning:
			s.entries = append(s.entries, e)
			flagged = true
		}
	}
	// The preview lists a page's skips before its duplicates: rows in
	// source order read the same whatever they came from (the preview, a
	// recount). Users the source no longer has (Pos 0) come last, as
	// importer.ReviewEntries gives them, but for the passwords file's
	// records, after them in that file's order: their Pos is no place in
	// the source.
	slices.SortStableFunc(s.entries, func(a, b importer.Entry) int {
		if passwordsRow(a) != passwordsRow(b) {
			if passwordsRow(a) {
				return 1
			}
			return -1
		}
		if (a.Pos == 0) != (b.Pos == 0) {
			if a.Pos == 0 {
				return 1
			}
			return -1
		}
		return a.Pos - b.Pos
	})
	s.texts = make([]reviewText, len(s.entries))
	for i, e := range s.entries {
		s.texts[i] = newReviewText(e)
	}
	s.work.sanitized += len(s.entries)
	s.natural = naturalWidths(s.texts)
	s.reasons = []string{""}
	if flagged {
		// Second, so that it shows on a narrow terminal too.
		s.reasons = append(s.reasons, tabFlagged)
	}
	for _, r := range reasonOrder {
		if present[r] {
			s.reasons = append(s.reasons, r)
			delete(present, r)
		}
	}
	for _, e := range s.entries { // unknown reasons, in order of appearance
		if t := tabOf(e); present[t] && !passwordsRow(e) {
			s.reasons = append(s.reasons, t)
			delete(present, t)
		}
	}
	for _, r := range passwordsReasonOrder {
		if t := tabPasswords + r; present[t] {
			s.reasons = append(s.reasons, t)
			delete(present, t)
		}
	}
	for _, e := range s.entries { // unknown reasons of the passwords file
		if t := tabOf(e); present[t] {
			s.reasons = append(s.reasons, t)
			delete(present, t)
		}
	}
	banned := 0
	for _, e := range s.entries {
		if e.Kind == kindSkipped && e.Reason == importer.ReasonBanned {
			banned++
		}
	}
	if !s.rowsBanned {
		// With banned users included they are not rows: the count stays
		// the one from the rows that skip them.
		s.banned = banned
	}
	s.tabCounts = make([]int, len(s.reasons))
	at := map[string]int{}
	for i, r := range s.reasons {
		at[r] = i
	}
	for _, e := range s.entries {
		s.tabCounts[0]++
		s.tabCounts[at[tabOf(e)]]++
	}
	// A tab's first rows are kept: one with rows left out has a place.
	for t, n := range s.omitted {
		if i, ok := at[t]; ok {
			s.tabCounts[0] += n
			s.tabCounts[i] += n
			if strings.HasPrefix(t, tabPasswords) {
				s.passwords += n
			}
		}
	}
	s.tally = nil
	s.cells = nil // SetSize builds them
	s.reason = min(s.reason, len(s.reasons)-1)
	s.query, s.visible = "", nil
	s.SetSize(s.pc.width, s.pc.bodyHeight())
	s.refilter()
}

func newReviewText(e importer.Entry) reviewText {
	t := reviewText{
		reason:   reasonLabel(e.Reason),
		source:   termtext.Clean(e.SourceID),
		email:    termtext.Clean(e.Email),
		name:     termtext.Clean(e.Name),
		existing: termtext.Clean(e.ExistingUserID),
		detail:   termtext.Clean(e.Detail),
	}
	t.search = strings.ToLower(e.Email + " " + e.Name + " " + e.SourceID + " " + e.ExistingUserID + " " + e.Detail)
	if passwordsRow(e) {
		t.search += fmt.Sprintf(" passwords file record %d", e.Pos)
	}
	return t
}

// matchCount is what the filter line ends with; it is never cut.
func (s *duplicatesScreen) matchCount() string {
	return fmt.Sprintf("  %s of %s", fmtInt(len(s.visible)), fmtInt(len(s.entries)))
}

// sizeFilter leaves room after the filter for its match count.
func (s *duplicatesScreen) sizeFilter() {
	// The input draws its prompt and one cell for the cursor besides
	// its width.
	room := s.width - lipgloss.Width(s.filter.Prompt) - 1 - lipgloss.Width(fmt.Sprintf("  %s of %s", fmtInt(len(s.entries)), fmtInt(len(s.entries))))
	s.filter.SetWidth(max(room, 4))
}

func (s *duplicatesScreen) restyle() {
	s.table.SetStyles(s.pc.styles.Table)
	s.filter.SetStyles(s.pc.styles.Input)
}

func (s *duplicatesScreen) Init() tea.Cmd {
	return tea.Batch(s.lookupSelected(), s.refreshRows())
}

// refreshRows recomputes the rows (the header counts them) from the
// session's classification when it, or the banned switch, changed since
// the rows were made: b includes banned users (who can take an address
// from a later user, or be duplicates themselves), and a canary or
// another import gives the confirmation a new classification. Without a
// classification the rows stay the preview's (the header then says what
// it can; see counts).
func (s *duplicatesScreen) refreshRows() tea.Cmd {
	c := s.pc.sess.classified
	if c == nil && s.rowsFrom != nil {
		// The classification the rows came from was dropped: the
		// environment changed since (a canary, an import, an undo).
		return s.startReread()
	}
	if c == nil || (c == s.rowsFrom && s.includeBanned == s.rowsBanned) {
		s.recountID = 0 // b pressed twice: what a recount under way brings is not wanted
		return nil
	}
	opts := s.pc.runOptions(importer.ModePreview)
	opts.Phases = importer.Phases{Users: true, Settings: true}
	// The switch and the choices are the screen's: what it posted this
	// Update reaches the session only after it.
	opts.IncludeBanned = s.includeBanned
	opts.OnDuplicate, opts.Decisions = s.defaultPolicy(), maps.Clone(s.decisions)
	s.recountID = nextRunID()
	return reviewRecount(s.pc.base, s.recountID, s.pc.env, c, s.pc.sess.harmlessRuns, opts)
}

// reviewRowsMsg is the review's recount: its rows (the header counts
// them), from classification c with banned users included or not.
type reviewRowsMsg struct {
	id      int
	c       *importer.Classified
	banned  bool
	rows    []importer.Entry // importer.Classified.ReviewEntriesUpTo
	omitted int              // the warnings rows leaves out
	stale   bool             // the environment changed since c was read
}

// reviewRecount checks the environment, then recomputes the review's
// rows from c with the rules importer.Classified.Recount applies, in a
// command (it reads the environment, and perhaps the classification's
// temporary file). Any failure counts as stale: the rows are read again.
func reviewRecount(ctx context.Context, id int, env ascendkit.Environment, c *importer.Classified, harmless map[string]bool, opts importer.Options) tea.Cmd {
	harmless = maps.Clone(harmless)
	return func() tea.Msg {
		m := reviewRowsMsg{id: id, c: c, banned: opts.IncludeBanned, stale: true}
		if env == nil {
			return m
		}
		fresh, err := c.Fresh(ctx, env, func(id string) bool { return harmless[id] })
		if err != nil || !fresh {
			return m
		}
		if m.rows, m.omitted, err = c.ReviewEntriesUpTo(ctx, env, opts, reviewRowsCap); err != nil {
			return m
		}
		m.stale = false
		return m
	}
}

// applyRows makes the recount's rows the review's: the duplicates,
// banned users and flagged users from the classification (a banned user
// included can be flagged, a flagged user become a duplicate), with the
// preview's other skips, which no choice changes. Per-row choices of
// duplicates still listed are kept; those of rows gone are dropped, and
// the notice says so.
func (s *duplicatesScreen) applyRows(m reviewRowsMsg) {
	byID := map[string]importer.Entry{}
	var list []importer.Entry
	for _, e := range s.preview {
		if passwordsRow(e) {
			// A record of the passwords file (no name, not the user's
			// row) gives no choice or switch anything to change.
			list = append(list, e)
			continue
		}
		if e.SourceID != "" {
			if _, ok := byID[e.SourceID]; !ok {
				byID[e.SourceID] = e
			}
		}
		if e.Kind == kindSkipped && e.Reason != importer.ReasonBanned {
			list = append(list, e)
		}
	}
	for _, e := range m.rows {
		if p, ok := byID[e.SourceID]; ok {
			e.Name = p.Name // the classification has no names
			if e.Kind == kindSkipped && p.Kind == kindSkipped {
				e.Email, e.Detail = p.Email, p.Detail // as the preview spelled them
			}
		}
		list = append(list, e)
	}
	// The passwords file's rows are the preview's; the flagged, the
	// recount's.
	s.omitted = map[string]int{}
	for t, n := range s.previewOmitted {
		if strings.HasPrefix(t, tabPasswords) {
			s.omitted[t] = n
		}
	}
	if m.omitted > 0 {
		s.omitted[tabFlagged] = m.omitted
	}
	s.replaceRows(list, m.c, m.banned)
}

// replaceRows makes list the rows, computed from classification c (nil
// for none) with banned users included or not.
func (s *duplicatesScreen) replaceRows(list []importer.Entry, c *importer.Classified, banned bool) {
	// Keep the cursor on its row and the tab on its reason.
	sel, hadSel := s.selected()
	tab := s.reasons[s.reason]
	s.rowsFrom, s.rowsBanned = c, banned
	s.setEntries(list)
	s.reason = max(slices.Index(s.reasons, tab), 0)
	s.query, s.visible = "", nil
	s.refilter()
	if hadSel {
		for i, at := range s.visible {
			if e := s.entries[at]; e.SourceID == sel.SourceID && e.Kind == sel.Kind && e.File == sel.File &&
				(!passwordsRow(e) || e.Pos == sel.Pos) {
				s.table.SetCursor(i)
				break
			}
		}
	}
	if s.pending != nil {
		s.pending = nil
		s.addNotice("The rows changed: press M or S again.")
	}

	dups := map[string]bool{}
	for _, e := range s.entries {
		if e.Kind == kindDuplicate {
			dups[e.SourceID] = true
		}
	}
	var dropped []string
	for id := range s.decisions {
		if !dups[id] {
			dropped = append(dropped, id)
		}
	}
	if s.undo != nil {
		maps.DeleteFunc(s.undo.decisions, func(id string, _ importer.Policy) bool { return !dups[id] })
	}
	if len(dropped) == 0 {
		return
	}
	slices.Sort(dropped)
	for _, id := range dropped {
		delete(s.decisions, id)
	}
	s.pc.post(policyState{onDuplicate: s.onDuplicate, decisions: maps.Clone(s.decisions)})
	shown := dropped
	if len(shown) > 3 {
		shown = shown[:3]
	}
	for i, id := range shown {
		shown[i] = termtext.Clean(id)
	}
	note := fmt.Sprintf("Your choice for %s no longer listed as a duplicate was dropped: %s",
		plural(len(dropped), "row", "rows"), strings.Join(shown, ", "))
	if len(dropped) > len(shown) {
		note += fmt.Sprintf(" and %s more", fmtInt(len(dropped)-len(shown)))
	}
	s.addNotice(note + ".")
}

// startReread reads the source again, as the settings preview did but
// with the review's switch, for rows that match the environment now. The
// read hands its classification over to the session, which later
// changes recount from.
func (s *duplicatesScreen) startReread() tea.Cmd {
	if s.reread != nil {
		return nil // under way
	}
	opts := s.pc.runOptions(importer.ModePreview)
	opts.Phases = importer.Phases{Users: true, Settings: true}
	opts.IncludeBanned = s.includeBanned
	opts.OnDuplicate, opts.Decisions = s.defaultPolicy(), maps.Clone(s.decisions)
	s.rereadRows, s.rereadBanned, s.rereadRead = nil, s.includeBanned, 0
	s.rereadBound = rowBound{}
	s.wait.clear()
	var cmd tea.Cmd
	s.reread, cmd = startRun(s.pc.base, s.pc.opener(), s.pc.runner(), opts)
	return cmd
}

// applyReread takes an update of the read; at its end its rows replace
// the review's.
func (s *duplicatesScreen) applyReread(msg importUpdateMsg) {
	if msg.Page != nil {
		s.rereadRead = msg.Page.Fetched
	}
	s.rereadRows = s.rereadBound.add(s.rereadRows, msg.Entries)
	if !msg.Done {
		return
	}
	s.reread = nil
	if msg.Err != nil {
		s.addNotice("The rows could not be read again (" + termtext.Clean(msg.Err.Error()) + "); they may be out of date.")
		return
	}
	if msg.Classified == nil {
		// Nothing to recount from next time: b then moves banned users
		// in or out of the header's counts only (see counts).
		s.rowsFrom = nil
	}
	s.preview, s.previewOmitted = s.rereadRows, s.rereadBound.omitted
	s.omitted = s.previewOmitted
	s.replaceRows(s.rereadRows, msg.Classified, s.rereadBanned)
	s.rereadRows = nil
}

// close stops a read under way (the screen is left).
func (s *duplicatesScreen) close() {
	if s.reread != nil {
		s.reread.abandon()
		s.reread = nil
	}
}

// addNotice adds a sentence to what the last key said.
func (s *duplicatesScreen) addNotice(n string) {
	if s.notice != "" {
		s.notice += " "
	}
	s.notice += n
}

// previewGeneration is the settings preview the screen shows.
func (s *duplicatesScreen) previewGeneration() int { return s.gen }

// resume is the screen shown again: a recount it asked for may have been
// answered to the next screen (left before it came), and a canary or an
// import since may have given the session a new classification, so the
// rows are recomputed when they are not the session's.
func (s *duplicatesScreen) resume() tea.Cmd {
	return tea.Batch(s.lookupSelected(), s.refreshRows())
}

func (s *duplicatesScreen) InputFocused() bool { return s.filter.Focused() }

// Review columns: titles, the most a column is worth and the least it
// can be cut to.
var (
	reviewTitles = [numReviewCols]string{"Reason", "Source ID", "Email", "Existing user", "Policy"}
	reviewCap    = [numReviewCols]int{18, 32, 48, 28, 6}
	reviewMin    = [numReviewCols]int{8, 10, 10, 13, 6}
)

// naturalWidths is each column's widest cell (its title at least),
// capped: what the column would take if the width allowed.
func naturalWidths(texts []reviewText) [numReviewCols]int {
	var w [numReviewCols]int
	for i, t := range reviewTitles {
		w[i] = lipgloss.Width(t)
	}
	w[colPolicy] = max(w[colPolicy], len("merge"))
	w[colEmail] = max(w[colEmail], len("(none)"))
	for _, t := range texts {
		w[colReason] = max(w[colReason], lipgloss.Width(t.reason))
		w[colSource] = max(w[colSource], lipgloss.Width(t.source))
		w[colEmail] = max(w[colEmail], lipgloss.Width(t.email))
		w[colExisting] = max(w[colExisting], lipgloss.Width(t.existing))
	}
	for i := range w {
		w[i] = min(w[i], reviewCap[i])
	}
	return w
}

// shareWidths fits the columns' natural widths into avail cells: each
// column gives up cells in proportion to what it has above its minimum,
// so a long column (the email) shrinks more than a short one (the
// reason), and none goes below its minimum. Room left over goes to the
// email.
func shareWidths(natural [numReviewCols]int, avail int) [numReviewCols]int {
	w := natural
	sum, slack := 0, 0
	for i, n := range w {
		sum += n
		slack += max(n-reviewMin[i], 0)
	}
	if sum <= avail {
		w[colEmail] += avail - sum
		return w
	}
	excess := min(sum-avail, slack)
	if excess <= 0 {
		// Every column is at its minimum already (a narrow terminal):
		// nothing to share, and the table is cut at the screen's edge.
		return w
	}
	cut := 0
	for i := range w {
		c := excess * max(natural[i]-reviewMin[i], 0) / slack
		w[i] -= c
		cut += c
	}
	// Rounding: the columns with the most room left give one more each.
	for cut < excess {
		widest := -1
		for i := range w {
			if w[i] > reviewMin[i] && (widest < 0 || w[i]-reviewMin[i] > w[widest]-reviewMin[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		w[widest]--
		cut++
	}
	return w
}

func (s *duplicatesScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.sizeFilter()
	// 2 cells of padding per column; ids are cut in the middle (their
	// tails differ).
	cw := shareWidths(s.natural, max(w-numReviewCols*2-2, 0))
	cols := make([]table.Column, numReviewCols)
	for i := range cols {
		cols[i] = table.Column{Title: reviewTitles[i], Width: cw[i]}
	}
	s.table.SetColumns(cols)
	s.table.SetWidth(w)
	s.fitTable()
	if cw != s.colW || s.cells == nil {
		s.colW = cw
		s.buildCells()
	}
}

// buildCells formats every entry's table row for the current widths.
func (s *duplicatesScreen) buildCells() {
	s.cells = make([]table.Row, len(s.entries))
	for i := range s.entries {
		s.cells[i] = s.buildRow(i)
	}
	s.work.rowsBuilt += len(s.entries)
	s.showRows()
}

func (s *duplicatesScreen) buildRow(i int) table.Row {
	t := s.texts[i]
	existing := "—"
	if t.existing != "" {
		existing = cutMiddle(t.existing, s.colW[colExisting])
	}
	email := t.email
	if email == "" {
		email = "(none)"
	}
	source := t.source
	if source == "" && passwordsRow(s.entries[i]) {
		source = "(no id)" // the detail line names its record
	}
	return table.Row{t.reason, cutMiddle(source, s.colW[colSource]), email, existing, s.policyCell(s.entries[i])}
}

func (s *duplicatesScreen) policyCell(e importer.Entry) string {
	if e.Kind == kindSkipped && e.Reason == importer.ReasonBanned && s.includeBanned {
		return "import"
	}
	if e.Kind != kindDuplicate {
		return "—"
	}
	return string(s.policy(e))
}

func (s *duplicatesScreen) policy(e importer.Entry) importer.Policy {
	if unmergeable(e) {
		return importer.PolicySkip // whatever was chosen: see its detail
	}
	return policyIn(e.SourceID, s.onDuplicate, s.decisions)
}

// refilter recomputes the visible rows. Typing more of a filter narrows
// the rows shown already instead of testing every entry again.
func (s *duplicatesScreen) refilter() {
	q := strings.ToLower(strings.TrimSpace(s.filter.Value()))
	reason := s.reasons[s.reason]
	candidates := -1 // every entry
	if s.query != "" && strings.HasPrefix(q, s.query) && s.visible != nil {
		candidates = len(s.visible)
	}
	keep := func(i int) bool {
		if reason != "" && tabOf(s.entries[i]) != reason {
			return false
		}
		return q == "" || strings.Contains(s.texts[i].search, q)
	}
	if candidates >= 0 {
		out := s.visible[:0]
		for _, i := range s.visible {
			if keep(i) {
				out = append(out, i)
			}
		}
		s.work.scanned += candidates
		s.visible = out
	} else {
		s.visible = make([]int, 0, len(s.entries))
		for i := range s.entries {
			if keep(i) {
				s.visible = append(s.visible, i)
			}
		}
		s.work.scanned += len(s.entries)
	}
	s.query = q
	s.showRows()
}

// setReason changes the reason tab; the rows are recomputed from all.
func (s *duplicatesScreen) setReason(i int) {
	s.reason = i
	s.query = ""
	s.visible = nil
	s.refilter()
}

// showRows hands the visible rows (the cached cells) to the table.
func (s *duplicatesScreen) showRows() {
	rows := make([]table.Row, len(s.visible))
	for i, idx := range s.visible {
		if idx < len(s.cells) {
			rows[i] = s.cells[idx]
		}
	}
	s.table.SetRows(rows) // clamps the cursor to the rows
	if s.table.Cursor() < 0 && len(rows) > 0 {
		s.table.SetCursor(0)
	}
	s.fitTable()
}

// fitTable sizes the table to tableHeight.
func (s *duplicatesScreen) fitTable() { s.table.SetHeight(s.tableHeight()) }

// tableHeight is the lines left by the heading, tabs and status and
// detailLines for the selected row's detail, or, when the rows need
// fewer, just those, so that the detail gets the rest (a re-run's
// difference, say, says much).
func (s *duplicatesScreen) tableHeight() int {
	h := max(s.height-3-detailLines, 3)
	if need := len(s.visible) + tableHeaderLines; need < h {
		h = max(need, 3)
	}
	return h
}

// setPolicyCell updates the policy shown for entry i (its row is shared
// with the table).
func (s *duplicatesScreen) setPolicyCell(i int) {
	if i < len(s.cells) {
		s.cells[i][colPolicy] = s.policyCell(s.entries[i])
	}
}

func (s *duplicatesScreen) selected() (importer.Entry, bool) {
	c := s.table.Cursor()
	if c < 0 || c >= len(s.visible) {
		return importer.Entry{}, false
	}
	return s.entries[s.visible[c]], true
}

// lookupSelected asks the environment for the selected row's existing
// user (for its email on the detail line), once per user.
func (s *duplicatesScreen) lookupSelected() tea.Cmd {
	e, ok := s.selected()
	if !ok || e.ExistingUserID == "" || s.pc.env == nil || s.asked[e.ExistingUserID] {
		return nil
	}
	id := e.ExistingUserID
	s.asked[id] = true
	env, ctx := s.pc.env, s.pc.base
	return func() tea.Msg {
		u, err := env.GetUser(ctx, id)
		if err != nil {
			return existingUserMsg{id: id}
		}
		return existingUserMsg{id: id, email: u.Email, user: &u}
	}
}

func (s *duplicatesScreen) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(reviewRowsMsg); ok {
		if m.id != s.recountID {
			return nil
		}
		s.recountID = 0
		if m.stale {
			// The environment changed since the classification was read:
			// it is of no more use, and the rows are read again.
			s.pc.post(classifiedStale{m.c})
			s.rowsFrom = m.c
			return s.startReread()
		}
		s.applyRows(m)
		return s.lookupSelected()
	}
	if m, ok := msg.(importUpdateMsg); ok {
		done := false
		cmd := s.reread.follow(m, &s.wait, s.pc.now(), func(m importUpdateMsg) {
			s.applyReread(m)
			done = m.Done
		})
		if done {
			// The switch may have changed during the read.
			return tea.Batch(cmd, s.refreshRows(), s.lookupSelected())
		}
		return cmd
	}
	if m, ok := msg.(waitTickMsg); ok {
		return s.wait.tick(m, s.pc.now())
	}
	if m, ok := msg.(existingUserMsg); ok {
		s.existing[m.id] = termtext.Clean(m.email)
		if m.user != nil {
			s.existingUser[m.id] = *m.user
		}
		return nil
	}
	if s.filter.Focused() {
		if k, ok := msg.(tea.KeyPressMsg); ok {
			switch {
			case key.Matches(k, s.keys.ApplyFilter):
				s.filter.Blur()
				return nil
			case key.Matches(k, s.keys.ClearFilter):
				s.filter.SetValue("")
				s.filter.Blur()
				s.refilter()
				return s.lookupSelected()
			}
		}
		var cmd tea.Cmd
		before := s.filter.Value()
		s.filter, cmd = s.filter.Update(msg)
		if s.filter.Value() != before {
			s.refilter()
			return tea.Batch(cmd, s.lookupSelected())
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if s.pending != nil {
		switch {
		case key.Matches(k, s.keys.Yes):
			s.applyBulk(*s.pending)
			s.pending = nil
		case key.Matches(k, s.keys.No):
			s.pending = nil
			s.notice = "Nothing changed."
		}
		return nil
	}
	s.notice = ""
	switch {
	case key.Matches(k, s.keys.Undo):
		s.undoBulk()
	case key.Matches(k, s.keys.Banned) && s.banned > 0:
		s.includeBanned = !s.includeBanned
		s.pc.post(bannedChosen{s.includeBanned})
		for i, e := range s.entries {
			if e.Kind == kindSkipped && e.Reason == importer.ReasonBanned {
				s.setPolicyCell(i)
			}
		}
		s.table.UpdateViewport()
		s.notice = fmt.Sprintf("%s banned users will not be imported (the default).", fmtInt(s.banned))
		if s.includeBanned {
			// "will be imported" overstated it: a banned user may still be
			// left out for another reason (a repeated id, say), which the
			// confirmation counts.
			s.notice = fmt.Sprintf("%s banned users are included: imported with their ban kept unless something else keeps them out (the confirmation counts them); they get no migration emails.", fmtInt(s.banned))
		}
		return s.refreshRows()
	case key.Matches(k, s.keys.Filter):
		return s.filter.Focus()
	case key.Matches(k, s.keys.NextReason):
		s.setReason((s.reason + 1) % len(s.reasons))
		return s.lookupSelected()
	case key.Matches(k, s.keys.PrevReason):
		s.setReason((s.reason + len(s.reasons) - 1) % len(s.reasons))
		return s.lookupSelected()
	case key.Matches(k, s.keys.Toggle):
		c := s.table.Cursor()
		if e, ok := s.selected(); ok && e.Kind != kindDuplicate {
			s.notice = whyNoPolicy(e)
			if e.Kind == kindWarning && s.alsoDuplicate(e.SourceID) {
				s.notice = "This user is also a duplicate (see its own row), so it is imported only if that row is merged; what was left out is listed below."
			}
		} else if ok && unmergeable(e) {
			s.notice = whyNoMerge(e)
		} else if ok {
			next := importer.PolicyMerge
			if s.policy(e) == importer.PolicyMerge {
				next = importer.PolicySkip
			}
			def := next == s.defaultPolicy()
			if def {
				delete(s.decisions, e.SourceID)
			} else {
				s.decisions[e.SourceID] = next
			}
			s.pc.post(rowPolicy{sourceID: e.SourceID, policy: next, def: def})
			s.setPolicyCell(s.visible[c])
			s.table.UpdateViewport()
			s.tally = nil
		}
	case key.Matches(k, s.keys.MergeAll):
		s.askBulk(importer.PolicyMerge)
	case key.Matches(k, s.keys.SkipAll):
		s.askBulk(importer.PolicySkip)
	case key.Matches(k, s.keys.Continue):
		// The confirmation reads what it needs itself; a read of the
		// rows under way starts again if the review is come back to.
		s.close()
		return nav(stateConfirm)
	case key.Matches(k, s.keys.Back):
		if s.filter.Value() != "" || s.reason != 0 {
			s.filter.SetValue("")
			s.setReason(0)
			return s.lookupSelected()
		}
		return back
	default:
		// Moving the cursor: the table highlights the row; nothing is
		// rebuilt.
		var cmd tea.Cmd
		before := s.table.Cursor()
		s.table, cmd = s.table.Update(msg)
		if s.table.Cursor() != before {
			return tea.Batch(cmd, s.lookupSelected())
		}
		return cmd
	}
	return nil
}

func (s *duplicatesScreen) defaultPolicy() importer.Policy { return policyIn("", s.onDuplicate, nil) }

// unmergeable reports a duplicate the importer skips whatever its
// policy: one it explains in its detail, and a user an earlier run
// imported, which the importer never merges (it is that very user).
func unmergeable(e importer.Entry) bool {
	return e.Kind == kindDuplicate && (importer.Unmergeable(e) || e.Reason == importer.ReasonAlreadyImported)
}

// whyNoMerge says why a duplicate can only be skipped.
func whyNoMerge(e importer.Entry) string {
	if e.Reason == importer.ReasonAlreadyImported && !importer.Unmergeable(e) {
		return "This duplicate can only be skipped: an earlier import already brought this Clerk user in, and it is never merged into itself."
	}
	return "This duplicate can only be skipped: " + strings.TrimPrefix(termtext.Clean(e.Detail), "not merged: ") + "."
}

// alsoDuplicate reports whether the user of a flagged row is a duplicate
// too: the core lists what a user's import leaves out before it decides
// the duplicates, so such a user has both rows and is not created.
func (s *duplicatesScreen) alsoDuplicate(id string) bool { return s.notCreated[id] }

// whyNoPolicy says why a row has no skip/merge choice.
func whyNoPolicy(e importer.Entry) string {
	const notUser = " It is no user of the source: there is nothing to skip or merge."
	switch {
	case passwordsRow(e) && e.Reason == importer.ReasonPasswordUnmatched:
		return fmt.Sprintf("Record %d of the passwords file has an id no user of the source has: its password goes to nobody.", e.Pos) + notUser
	case passwordsRow(e) && e.Reason == importer.ReasonPasswordRepeated:
		return fmt.Sprintf("Record %d of the passwords file repeats an earlier record's id with another password: the earlier one is kept, this one is not.", e.Pos) + notUser
	case passwordsRow(e) && e.Reason == importer.ReasonPasswordRecordMalformed:
		return fmt.Sprintf("Record %d of the passwords file could not be read: no password is kept from it.", e.Pos) + notUser
	case passwordsRow(e):
		return fmt.Sprintf("Record %d of the passwords file gives no password (%s).", e.Pos, reasonLabel(e.Reason)) + notUser
	case e.Kind == kindWarning:
		return "This user is imported; what was left out is listed below. There is nothing to skip or merge."
	case e.Reason == importer.ReasonBanned:
		return "Banned in Clerk: not imported unless you press b (as --include-banned: imported with the ban kept). Only duplicates can be merged."
	case e.Reason == importer.ReasonNoEmail, e.Reason == importer.ReasonInvalidEmail:
		return "No usable email address: AscendKit cannot create this user. Only duplicates can be merged."
	case e.Reason == importer.ReasonPhoneOnly, e.Reason == importer.ReasonUsernameOnly, e.Reason == importer.ReasonWeb3Only:
		return "Signs in to Clerk with a " + strings.TrimSuffix(reasonLabel(e.Reason), " only") +
			" and has no email: AscendKit sign-in needs an email, so this user cannot be created. Only duplicates can be merged."
	}
	return "Skipped (" + reasonLabel(e.Reason) + "): it cannot be imported. Only duplicates can be merged."
}

// filtered reports a reason tab or a text filter narrowing the rows.
func (s *duplicatesScreen) filtered() bool {
	return s.reasons[s.reason] != "" || strings.TrimSpace(s.filter.Value()) != ""
}

// askBulk prepares M / S for the duplicates the filter shows and asks
// before changing them; nothing hidden by the filter changes.
func (s *duplicatesScreen) askBulk(p importer.Policy) {
	c := bulkChange{policy: p, all: !s.filtered()}
	skipOnly, shown := 0, 0
	for _, i := range s.visible {
		e := s.entries[i]
		if e.Kind != kindDuplicate {
			continue
		}
		shown++
		switch {
		case unmergeable(e):
			skipOnly++
		case s.policy(e) != p:
			c.rows = append(c.rows, i)
		}
	}
	if shown == 0 {
		// Nothing to change: "already set" would be false, and a change
		// of zero rows would still turn the default over unseen.
		s.notice = fmt.Sprintf("No duplicate is shown here, so there is nothing to %s.", p)
		return
	}
	if len(c.rows) == 0 && (!c.all || s.defaultPolicy() == p) {
		s.notice = fmt.Sprintf("Every duplicate shown is already set to %s.", p)
		if p == importer.PolicyMerge && skipOnly > 0 {
			s.notice = fmt.Sprintf("Nothing to merge here: %s shown can only be skipped (space on a row says why).",
				plural(skipOnly, "duplicate", "duplicates"))
		}
		return
	}
	s.pending = &c
}

// applyBulk makes a confirmed bulk change, keeping what it replaced for u.
func (s *duplicatesScreen) applyBulk(c bulkChange) {
	d := s.decisions
	s.undo = &policySnapshot{onDuplicate: s.defaultPolicy(), decisions: maps.Clone(d),
		label: fmt.Sprintf("%s %s", bulkVerb(c.policy), plural(len(c.rows), "duplicate", "duplicates"))}
	if c.all {
		// Every duplicate is shown: the choice becomes the default.
		s.onDuplicate = c.policy
		clear(d)
	} else {
		for _, i := range c.rows {
			id := s.entries[i].SourceID
			if c.policy == s.defaultPolicy() {
				delete(d, id)
			} else {
				d[id] = c.policy
			}
		}
	}
	s.undo.after = &policySnapshot{onDuplicate: s.onDuplicate, decisions: maps.Clone(d)}
	s.refreshPolicies()
	s.pc.post(policyState{onDuplicate: s.onDuplicate, decisions: maps.Clone(s.decisions)})
	s.notice = fmt.Sprintf("%s %s. Press u to undo.", bulkDone(c.policy), plural(len(c.rows), "duplicate", "duplicates"))
}

// undoBulk restores the policy from before the last bulk change.
func (s *duplicatesScreen) undoBulk() {
	if s.undo == nil {
		s.notice = "No bulk change to undo."
		return
	}
	u := s.undo
	s.undo = nil
	// Each row goes back to its policy from before the change, unless it
	// was set by hand since (space): that choice is kept.
	restored := map[string]importer.Policy{}
	listed := map[string]bool{}
	kept := 0
	for _, e := range s.entries {
		if e.Kind != kindDuplicate {
			continue
		}
		id := e.SourceID
		if listed[id] {
			continue // a Clerk user listed twice is one choice
		}
		listed[id] = true
		now := policyIn(id, s.onDuplicate, s.decisions)
		p := policyIn(id, u.onDuplicate, u.decisions)
		if u.after != nil && now != policyIn(id, u.after.onDuplicate, u.after.decisions) {
			p = now
			kept++
		}
		if before, ok := u.decisions[id]; (ok && before == p) || p != policyIn(id, u.onDuplicate, nil) {
			restored[id] = p // a choice made before stays one, even the default's
		}
	}
	// Decisions of users not listed here (decided before, elsewhere) stay.
	for id, p := range u.decisions {
		if !listed[id] {
			restored[id] = p
		}
	}
	s.onDuplicate = u.onDuplicate
	s.decisions = restored
	s.refreshPolicies()
	s.pc.post(policyState{onDuplicate: s.onDuplicate, decisions: maps.Clone(s.decisions)})
	s.notice = "Undone: " + u.label + "."
	if kept > 0 {
		s.notice = fmt.Sprintf("Undone: %s; %s set by hand since kept.", u.label, plural(kept, "row", "rows"))
	}
}

func (s *duplicatesScreen) refreshPolicies() {
	for i, e := range s.entries {
		if e.Kind == kindDuplicate {
			s.setPolicyCell(i)
		}
	}
	s.table.UpdateViewport()
	s.tally = nil
}

func bulkVerb(p importer.Policy) string {
	if p == importer.PolicyMerge {
		return "merge"
	}
	return "skip"
}

func bulkDone(p importer.Policy) string {
	if p == importer.PolicyMerge {
		return "Merging"
	}
	return "Skipping"
}

// counts returns duplicates by policy, skipped users and users flagged
// (imported with something left out). They are counted again only when
// a policy changes, not on every frame.
func (s *duplicatesScreen) counts() (skip, merge, skipped, flagged int) {
	if s.tally == nil {
		var t [4]int
		for _, e := range s.entries {
			switch e.Kind {
			case kindDuplicate:
				if s.policy(e) == importer.PolicyMerge {
					t[1]++
				} else {
					t[0]++
				}
			case kindSkipped:
				t[2]++
			case kindWarning:
				t[3]++
			}
		}
		t[3] += s.omitted[tabFlagged]
		s.tally = &t
	}
	skip, merge, skipped, flagged = s.tally[0], s.tally[1], s.tally[2], s.tally[3]
	if s.includeBanned == s.rowsBanned || s.banned == 0 {
		return skip, merge, skipped, flagged
	}
	// The rows are not (yet) those of the switch: with no classification
	// to recount from, or while the recount runs. Banned users move in or
	// out of "skipped"; the duplicates they make or are show once the
	// rows are recounted (the confirmation counts them in any case).
	if s.includeBanned {
		return skip, merge, skipped - s.banned, flagged
	}
	return skip, merge, skipped + s.banned, flagged
}

func (s *duplicatesScreen) View() string {
	st := s.pc.styles
	var b strings.Builder
	skip, merge, skipped, flagged := s.counts()
	counts := st.Label.Render("duplicates ") + st.Number.Render(fmtInt(skip+merge)) +
		st.Dim.Render(fmt.Sprintf(" (skip %s · merge %s)", fmtInt(skip), fmtInt(merge))) +
		st.Label.Render("  skipped ") + st.Number.Render(fmtInt(skipped))
	if flagged > 0 {
		counts += st.Label.Render("  flagged ") + st.Warning.Render(fmtInt(flagged))
	}
	if s.passwords > 0 {
		counts += st.Label.Render("  passwords file ") + st.Warning.Render(fmtInt(s.passwords))
	}
	switch {
	case s.reread != nil:
		counts += st.Dim.Render(fmt.Sprintf("  reading the source again (the environment changed)… %s users", fmtInt(s.rereadRead)))
	case s.recountID != 0:
		counts += st.Dim.Render("  recounting…")
	}
	head := st.Heading.Render("Duplicates and skipped users") + "  " + counts
	if lipgloss.Width(head) > s.width {
		head = st.Heading.Render("Review") + "  " + counts
	}
	b.WriteString(clampLines(head, 1, s.width) + "\n")
	if len(s.entries) == 0 {
		b.WriteString("\n" + st.OK.Render("✓ No duplicates and no skipped users.") + "\n")
		b.WriteString(st.Dim.Render("Every user read from the source will be imported. Press enter to continue.") + "\n")
		return b.String()
	}
	// Reason tabs.
	var tabs []string
	for i, r := range s.reasons {
		name := tabName(r)
		if i < len(s.tabCounts) {
			name += " " + fmtInt(s.tabCounts[i])
		}
		if i == s.reason {
			tabs = append(tabs, st.TabOn.Render(name))
		} else {
			tabs = append(tabs, st.TabOff.Render(name))
		}
	}
	// On a narrow terminal the strip scrolls to keep the current tab visible.
	start := 0
	for start < s.reason && lipgloss.Width(strings.Join(tabs[start:s.reason+1], ""))+1 > s.width {
		start++
	}
	strip := strings.Join(tabs[start:], "")
	if start > 0 {
		strip = st.Dim.Render("…") + strip
	}
	b.WriteString(clampLines(strip, 1, s.width) + "\n")
	switch {
	case s.pending != nil:
		p := s.pending
		q := fmt.Sprintf("%s %s? y / n", capitalize(bulkVerb(p.policy)), plural(len(p.rows), "duplicate", "duplicates"))
		if s.filtered() {
			q = fmt.Sprintf("%s the %s this filter shows (hidden rows stay)? y / n", capitalize(bulkVerb(p.policy)), plural(len(p.rows), "duplicate", "duplicates"))
		}
		b.WriteString(clampLines(st.Warning.Render(q), 1, s.width) + "\n")
	case s.filter.Focused() || s.filter.Value() != "":
		s.sizeFilter()
		b.WriteString(markHidden(s.filter.View()) + st.Dim.Render(s.matchCount()) + "\n")
	default:
		line := fmt.Sprintf("showing %s of %s", fmtInt(len(s.visible)), fmtInt(len(s.entries)))
		if n := s.tabOmitted(); n > 0 {
			line += fmt.Sprintf(" (%s more not listed: --entries lists every row)", fmtInt(n))
		}
		line += fmt.Sprintf(" · default for duplicates: %s", s.defaultPolicy())
		b.WriteString(clampLines(st.Dim.Render(line), 1, s.width) + "\n")
	}
	if len(s.visible) == 0 {
		b.WriteString("\n" + st.Dim.Render("No row matches this filter.") + "\n")
		return b.String()
	}
	b.WriteString(s.table.View() + "\n")
	if c := s.table.Cursor(); c >= 0 && c < len(s.visible) {
		b.WriteString(s.detailView(s.visible[c]))
	}
	return b.String()
}

// tabOmitted is how many rows of the current tab are not listed (see
// reviewRowsCap).
func (s *duplicatesScreen) tabOmitted() int {
	if t := s.reasons[s.reason]; t != "" {
		return s.omitted[t]
	}
	n := 0
	for _, k := range s.omitted {
		n += k
	}
	return n
}

// detailLines is the least room of the selected row's detail under the
// table; tableHeaderLines are the table's header and its rule.
const (
	detailLines      = 4
	tableHeaderLines = 2
)

// detailView is the selected row in full (wrapped, never cut): source id,
// name and email, the existing user's full id and email, and what the
// importer said about it.
func (s *duplicatesScreen) detailView(i int) string {
	st := s.pc.styles
	e, t := s.entries[i], s.texts[i]
	// A name or an address of thousands of characters (a bot's sign-up)
	// would fill the lines and push out the reason: each is cut to half a
	// line here (the filter still finds it whole).
	field := max(20, (s.width-4)/2)
	head := "› " + cutMiddle(t.source, field)
	if t.name != "" {
		head += " · " + cutMiddle(t.name, field)
	}
	if t.email != "" {
		head += " · " + cutMiddle(t.email, field)
	}
	if t.existing != "" {
		head += " → " + t.existing
		if email := s.existing[e.ExistingUserID]; email != "" && email != t.email {
			head += " <" + email + ">"
		}
	}
	var lines []string
	if passwordsRow(e) {
		// A record of the passwords file, named by what it has, at its
		// place in that file; its detail never holds a digest.
		head = fmt.Sprintf("› passwords file record %d", e.Pos)
		for _, v := range []string{t.source, t.email} {
			if v != "" {
				head += " · " + v
			}
		}
		lines = strings.Split(renderLines(st.Dim, wrapHang(head, s.width, 2)), "\n")
		what := t.detail
		if what == "" {
			what = t.reason
		}
		lines = append(lines, strings.Split(renderLines(st.Warning, wrapHang("⚠ "+what, s.width, 2)), "\n")...)
	} else if e.Kind == kindWarning {
		// Imported: the detail says what was left out, in full.
		state := " · imported"
		if s.alsoDuplicate(e.SourceID) {
			state = " · also a duplicate (see its row)"
		}
		lines = strings.Split(renderLines(st.Dim, wrapHang(head+state, s.width, 2)), "\n")
		what := t.detail
		if what == "" {
			what = t.reason
		}
		lines = append(lines, strings.Split(renderLines(st.Warning, wrapHang("⚠ "+what, s.width, 2)), "\n")...)
	} else {
		if t.detail != "" {
			head += " (" + t.detail + ")"
		}
		lines = strings.Split(renderLines(st.Dim, wrapHang(head, s.width, 2)), "\n")
		if u, ok := s.existingUser[e.ExistingUserID]; ok {
			// The user a merge would write into, beside the Clerk one.
			lines = append(lines, strings.Split(renderLines(st.Dim, wrapHang(existingLine(u), s.width, 2)), "\n")...)
		}
	}
	if s.notice != "" {
		// What the last key did (or why it did nothing) comes first.
		note := strings.Split(renderLines(st.Warning, wrapHang(s.notice, s.width, 2)), "\n")
		lines = append(note, lines...)
	}
	if room := max(detailLines, s.height-3-s.tableHeight()); len(lines) > room {
		lines = lines[:room]
		lines[room-1] = ansiTruncate(lines[room-1]+" …", s.width)
	}
	return strings.Join(lines, "\n")
}

// existingLine describes an existing AscendKit user: name, created, tags.
func existingLine(u ascendkit.User) string {
	var parts []string
	if u.Name != "" {
		parts = append(parts, termtext.Clean(u.Name))
	}
	if !u.CreatedAt.IsZero() {
		parts = append(parts, "created "+u.CreatedAt.Format("2006-01-02"))
	}
	if len(u.Tags) > 0 {
		tags := make([]string, len(u.Tags))
		for i, t := range u.Tags {
			tags[i] = termtext.Clean(t)
		}
		parts = append(parts, "tags "+strings.Join(tags, ", "))
	}
	return "  existing: " + strings.Join(parts, " · ")
}

func (s *duplicatesScreen) Keys() keyMap {
	k := s.keys
	if s.filter.Focused() {
		short := []key.Binding{k.ApplyFilter, k.ClearFilter}
		return keyMap{short: short, full: [][]key.Binding{short}}
	}
	if len(s.entries) == 0 {
		short := []key.Binding{k.Continue, k.Back}
		return keyMap{short: short, full: [][]key.Binding{short}}
	}
	if s.pending != nil {
		short := []key.Binding{k.Yes, k.No}
		return keyMap{short: short, full: [][]key.Binding{short}}
	}
	if s.filtered() {
		k.MergeAll.SetHelp("M", "merge shown")
		k.SkipAll.SetHelp("S", "skip shown")
	}
	k.Undo.SetEnabled(s.undo != nil)
	k.Banned.SetEnabled(s.banned > 0)
	if s.includeBanned {
		k.Banned.SetHelp("b", "skip banned")
	}
	short := []key.Binding{k.Continue, k.Toggle, k.NextReason, k.Filter, k.MergeAll, k.SkipAll, k.Undo, k.Back}
	return keyMap{short: short, full: [][]key.Binding{
		{k.Up, k.Down, k.Toggle},
		{k.NextReason, k.PrevReason, k.Filter},
		{k.MergeAll, k.SkipAll, k.Undo, k.Banned, k.Continue, k.Back},
	}}
}
