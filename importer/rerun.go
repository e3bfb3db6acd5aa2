package importer

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// Entries about a user an earlier run imported, whom a re-run leaves as
// it is although the source now says something else of them.
const (
	// ReasonPasswordAlreadyImported: the source or the passwords file has
	// a digest for the user, who has none stored; a digest is stored only
	// when the user is created.
	ReasonPasswordAlreadyImported = "password_already_imported"
	// ReasonBanNotApplied: Clerk now bans the user; the ban is not
	// applied to the user the earlier run created.
	ReasonBanNotApplied = "ban_not_applied"
	// ReasonChangedInSource: the user's sign-in email or username differs
	// from the environment's; the environment's stays.
	ReasonChangedInSource = "changed_since_import"
	// ReasonImportedNotInSource: an earlier import created the user from
	// a Clerk id this source, read whole, does not have; the user stays.
	// Not a user of the source: the entry has no position (Pos 0).
	ReasonImportedNotInSource = "imported_not_in_source"
)

// loadStates reads, in one query, the environment's states of the users
// ids (usr_ ids) this page has not read yet: the checks below read them
// for many users of a page, and a read each (GetUser, PasswordState) cost
// a few queries a user, a round trip each on PostgreSQL. A user gone
// meanwhile reads as absent. They are kept for the page only.
func (r *runner) loadStates(ids []string) error {
	var missing []string
	for _, id := range ids {
		if _, ok := r.states[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	got, err := r.env.UserStates(r.ctx, missing)
	if err != nil {
		return fmt.Errorf("reading the users an earlier import wrote: %w", err)
	}
	if r.states == nil {
		r.states = make(map[string]ascendkit.UserState, len(missing))
	}
	for _, id := range missing {
		r.states[id] = got[id] // the zero state, UserID "", for a user gone
	}
	return nil
}

// loadRecords reads the Clerk ids recorded for the users of ids not read
// yet for this page, a few hundred users a query.
func (r *runner) loadRecords(ids []string) error {
	var missing []string
	for _, id := range ids {
		if _, ok := r.records[id]; !ok {
			missing = append(missing, id)
		}
	}
	if r.records == nil && len(missing) > 0 {
		r.records = make(map[string][]ascendkit.SourceUser, len(missing))
	}
	for len(missing) > 0 {
		chunk := missing[:min(len(missing), 500)]
		missing = missing[len(chunk):]
		got, err := r.env.ListSourceUsers(r.ctx, ascendkit.SourceUserFilter{Source: SourceClerk, UserIDs: chunk})
		if err != nil {
			return r.lookupErr("Clerk users merged before", err)
		}
		for _, id := range chunk {
			r.records[id] = []ascendkit.SourceUser{} // read, none
		}
		for _, su := range got {
			r.records[su.UserID] = append(r.records[su.UserID], su)
		}
	}
	return nil
}

// state is the environment's state of user id (loadStates reads it, with
// the rest of its page, unless done already); ok is false for no user.
func (r *runner) state(id string) (st ascendkit.UserState, ok bool, err error) {
	if err := r.loadStates([]string{id}); err != nil {
		return st, false, err
	}
	st = r.states[id]
	return st, st.UserID != "", nil
}

// rerunReads reports whether the checks of a user an earlier run
// imported (existing) read their state: a digest here (digestNotStored),
// a ban (banUnapplied), a username, an address that no longer finds
// them, or the OAuth accounts of a user an import created (changes). The
// page reads the states of all such users at once.
func rerunReads(m *mapped, u *clerk.User, existing ascendkit.Match, byEmail map[string]ascendkit.Match) bool {
	return (m.user.Password != nil && m.user.Password.Digest != "") || restricted(u) || changesRead(m, existing, addressMoved(m, existing, byEmail))
}

// addressMoved reports that the user's address in the source no longer
// finds the user of the environment an earlier run imported (existing).
func addressMoved(m *mapped, existing ascendkit.Match, byEmail map[string]ascendkit.Match) bool {
	em, ok := byEmail[m.email]
	return !ok || em.UserID != existing.UserID
}

// changesRead reports whether changes reads the state of existing: the
// address differs, Clerk has a username, or an import created the user.
func changesRead(m *mapped, existing ascendkit.Match, emailDiffers bool) bool {
	return emailDiffers || m.user.User.Username != "" || existing.RunID != ""
}

// mergeCheckReads reports whether mergedWithOther reads the state of the
// user of the environment with the address (existing).
func mergeCheckReads(verified bool, existing ascendkit.Match) bool {
	return existing.RunID == "" && verified && existing.EmailVerified
}

// mergedWithOther is the Clerk id of another Clerk user an earlier import
// merged into the user of the environment with the address (existing),
// or "": the Clerk ids recorded for the user, and its metadata.import,
// which a merge sets where absent, name them. It is read only where a
// merge could go ahead otherwise: the user signed up in AscendKit (no
// import created it) and both sides have the address verified.
//
// A merge this run wrote is none: lookups see the environment as it was
// before the run, so whether a merge of an earlier listing had committed
// when a later one was looked up does not change what the later one is.
// Those of runs this run takes up are pending: resumedMerge says whether
// they are this source's.
func (r *runner) mergedWithOther(id string, verified bool, existing ascendkit.Match) (other string, pending []string, err error) {
	if !mergeCheckReads(verified, existing) {
		return "", nil, nil
	}
	st, ok, err := r.state(existing.UserID)
	if err != nil || !ok {
		return "", nil, err
	}
	named := ""
	if st.ImportSource == SourceClerk && st.ImportSourceID != id {
		named = st.ImportSourceID
	}
	if named == "" && st.SourceUsers == 0 {
		return "", nil, nil // no import tied the user to anyone
	}
	if err := r.loadRecords([]string{existing.UserID}); err != nil {
		return "", nil, err
	}
	found := false
	for _, su := range r.records[existing.UserID] {
		found = found || su.SourceID == named
		open, err := r.unfinished(su.RunID)
		switch {
		case err != nil:
			return "", nil, err
		case su.SourceID == id || su.RunID == r.runID:
		case open:
			pending = append(pending, su.SourceID)
		case other == "":
			other = su.SourceID
		}
	}
	if other == "" && named != "" && !found {
		other = named // named by the metadata alone: no less another's
	}
	return other, pending, nil
}

// resumedMerge is the merge target's mergedWith, and the Clerk ids it
// takes as this source's own, for what mergedWithOther found of the user
// of the environment with the address (email): another Clerk user's id
// (other), or ids merged into the user by runs this run takes up
// (pending). Each of those that is an earlier listing of this source
// with the address (seen) was merged as this run merges, and merging
// this one too is what one uninterrupted run would have done; any other
// is another account, never merged into.
func resumedMerge(seen *seenSet, email, other string, pending []string) (mergedWith string, own []string) {
	if other != "" {
		return other, nil
	}
	for _, id := range pending {
		if !seen.hasSeen("email-listed-id", email+"\x00"+id) {
			return id, nil
		}
	}
	return "", pending
}

// listedLater reports whether one of pending (see resumedMerge) has not
// come in the source yet: it may come later with the address (email).
func listedLater(seen *seenSet, email string, pending []string) bool {
	for _, id := range pending {
		if !seen.hasSeen("email-listed-id", email+"\x00"+id) && !seen.hasSeen("id", id) {
			return true
		}
	}
	return false
}

// resumedRuns is what a merge that takes up run (resumes) tells the
// environment's write-time check: every run this one takes up, as one
// interrupted after taking up another left its records beside that
// one's; none when the merge takes up none.
func (r *runner) resumedRuns(run string) []string {
	if run == "" {
		return nil
	}
	runs := make([]string, 0, len(r.unfinishedRuns))
	for id := range r.unfinishedRuns {
		runs = append(runs, id)
	}
	slices.Sort(runs)
	return runs
}

// importedHolderTarget is the merge target of a repeat of this source
// whose earlier user with the address an earlier run imported (run, its
// user's address verified or not): when that run is one this run takes
// up (unfinished) and its user is the one it made from that earlier
// listing (same), the repeat merges into it as it would have in one run,
// so where the run was stopped does not change the outcome; a run that
// finished made its user from another Clerk user, never merged into
// (noMerge).
func (r *runner) importedHolderTarget(to mergeTarget, run string, verified, same bool) (mergeTarget, error) {
	open, err := r.unfinished(run)
	if err != nil {
		return to, err
	}
	if open && same {
		to.resumes, to.verified = run, to.verified && verified
	} else {
		to.importRun = run
	}
	return to, nil
}

// unfinished reports whether import run id is one this run takes up:
// it ended without finishing (interrupted, or failed), or was a canary
// (--only: a first step of the same import), and no full run has
// completed since (one that took it up already, or was run instead: its
// users are a finished run's then). The runs are read once.
func (r *runner) unfinished(id string) (bool, error) {
	if id == "" || id == r.runID {
		return false, nil
	}
	if r.unfinishedRuns == nil {
		runs, err := r.env.ListRuns(r.ctx)
		if err != nil {
			return false, r.lookupErr("the import runs", err)
		}
		r.unfinishedRuns = map[string]bool{}
		canary := func(run ascendkit.Run) bool {
			var o RunOptions
			return json.Unmarshal(run.Options, &o) == nil && len(o.Only) > 0
		}
		var lastDone time.Time // the latest start of a completed full run
		for _, run := range runs {
			if run.ID != r.runID && run.Status == ascendkit.RunCompleted && !canary(run) && run.StartedAt.After(lastDone) {
				lastDone = run.StartedAt
			}
		}
		for _, run := range runs {
			// One started in the same millisecond as a completed one may
			// be older than it: not taken up.
			open := run.Status == ascendkit.RunInterrupted || run.Status == ascendkit.RunFailed ||
				run.Status == ascendkit.RunCompleted && canary(run)
			if run.ID != r.runID && open && run.StartedAt.After(lastDone) {
				r.unfinishedRuns[run.ID] = true
			}
		}
	}
	return r.unfinishedRuns[id], nil
}

// banUnapplied reports a user Clerk bans whom an earlier run imported
// (existing) unbanned.
func (r *runner) banUnapplied(u *clerk.User, existing ascendkit.Match) (bool, error) {
	if !restricted(u) {
		return false, nil
	}
	st, ok, err := r.state(existing.UserID)
	return ok && !st.Banned, err
}

// banNotAppliedEntry is the warning about a user Clerk now bans whom an
// earlier run imported unbanned (banUnapplied): a re-run changes no user
// it imported, so they stay unbanned (and in their journeys).
func banNotAppliedEntry(e Entry, existingID string) Entry {
	e.Reason, e.Policy = ReasonBanNotApplied, ""
	e.Detail = fmt.Sprintf("banned in Clerk now, but an earlier run imported this user unbanned (%s), and a re-run changes no user it imported: the ban is not applied", existingID)
	return e
}

// changes says what of a user an earlier run imported (existing) differs
// between the environment and the source now: the sign-in email, the
// username, OAuth accounts linked to nobody, and, for a user an import
// created, OAuth accounts linked in AscendKit that Clerk no longer lists
// as verified (unlinked there: the one case where an account signs in
// as someone who gave it up) and a lasting lock Clerk has put on them.
// byEmail and byLink are the page's lookups. The state is read only
// when the address differs, Clerk has a username, or an import created
// the user (a username dropped in Clerk goes unseen). The
// source and the environment differ: Clerk changed, or the
// user was changed in AscendKit since; which, neither side says.
//
// What the import did not write is no difference: an OAuth account
// linked to another user (the import left the link out as a conflict,
// or it moved in AscendKit since), and, for a user merged into (one who
// existed before the import: a merge fills only what they lack), a
// username of their own, one no merge set, and accounts of their own.
func (r *runner) changes(m *mapped, existing ascendkit.Match, byEmail, byLink map[string]ascendkit.Match) ([]string, error) {
	var out []string
	emailDiffers := addressMoved(m, existing, byEmail)
	if changesRead(m, existing, emailDiffers) {
		st, found, err := r.state(existing.UserID)
		if err != nil || !found {
			return nil, err
		}
		if emailDiffers {
			out = append(out, fmt.Sprintf("sign-in email: AscendKit has %s, Clerk has %s", st.Email, m.email))
		}
		// A username dropped in Clerk goes unseen: a source without
		// usernames (a format that has none) would read as every user's
		// dropped.
		ownName := st.ImportRun == "" && st.Username != "" && st.MergedUsername == ""
		// Nor is the username of a user an import made from another
		// Clerk user this one was merged into: it is that user's.
		othersName := st.ImportRun != "" && st.ImportSourceID != "" && st.ImportSourceID != m.user.SourceID
		if st.Username != m.user.User.Username && !ownName && !othersName && (m.user.User.Username != "" || emailDiffers) {
			out = append(out, fmt.Sprintf("username: AscendKit has %s, Clerk has %s", quoteCut(st.Username), quoteCut(m.user.User.Username)))
		}
		// The lock, ban and password of a user are those of the Clerk
		// user an import created them from (st.ImportSourceID): another
		// merged into them since has their own, which no merge sets. A
		// lock is one someone put on the user in Clerk since (one without
		// an expiry, which the import keeps).
		own := st.ImportRun != "" && st.ImportSourceID == m.user.SourceID
		if m.user.User.Locked && !st.Locked && own {
			out = append(out, "lock: Clerk locks the user (no expiry), AscendKit does not")
		}
		// A lock lifted in Clerk since: they still cannot sign in here.
		// A source that does not say who is locked says nothing of it.
		if st.Locked && !m.user.User.Locked && m.lockKnown && own {
			out = append(out, "lock: AscendKit locks the user, Clerk does not (unlocked there since?)")
		}
		// A ban lifted in Clerk since (or put on the user here): they
		// cannot sign in to AscendKit. A source that does not say who is
		// banned says nothing of it.
		if st.Banned && !m.user.User.Banned && m.banKnown && own {
			out = append(out, "ban: AscendKit bans the user, Clerk does not (unbanned there since?)")
		}
		if own {
			out = append(out, passwordChange(m, st)...)
		}
		// Only where the links can all be this Clerk user's: the source
		// lists OAuth accounts (an export without them says nothing), an
		// import created the user, and no other Clerk user was merged
		// into them (their accounts are linked too).
		if st.ImportRun != "" && !m.oauthUnknown && st.SourceUsers == 1 {
			out = append(out, goneLinks(st.OAuthLinks, m.user.User.OAuthLinks)...)
		}
	}
	for _, l := range m.user.User.OAuthLinks {
		if _, ok := byLink[ascendkit.LinkKey(l.Provider, l.ProviderUserID)]; !ok {
			out = append(out, fmt.Sprintf("%s account %s is linked to nobody", l.Provider, quoteCut(l.ProviderUserID)))
		}
	}
	return out, nil
}

// passwordChange describes a password changed or removed in Clerk since
// an import created the user (st: changes asks only for such a user) with
// a digest, which still signs them
// in here: a user who reset their password in Clerk before the cut-over
// finds the new one refused. A source that does not carry digests (the
// API without --passwords) says nothing of a change; one that does not
// say who has a password was taken to (resolvePasswords), so says
// nothing of a removal either.
func passwordChange(m *mapped, st ascendkit.UserState) []string {
	if !st.HasDigest {
		return nil
	}
	switch p := m.user.Password; {
	case p != nil && p.Digest != "":
		if sha256.Sum256([]byte(p.Digest)) != st.DigestSum {
			return []string{"password: the digest in Clerk is not the one stored here (changed in Clerk since the import, or hashed again there?), and the stored one is what signs in here"}
		}
	case !m.hadPassword:
		return []string{"password: Clerk has none for the user now, and the digest stored here still signs in"}
	}
	return nil
}

// goneLinks describes the OAuth accounts of linked (the environment's)
// that clerk (the source's, as the import links them) does not list, in
// a stable order.
func goneLinks(linked, clerk []ascendkit.OAuthLink) []string {
	listed := make(map[string]bool, len(clerk))
	for _, l := range clerk {
		listed[ascendkit.LinkKey(l.Provider, l.ProviderUserID)] = true
	}
	var gone []ascendkit.OAuthLink
	for _, l := range linked {
		if !listed[ascendkit.LinkKey(l.Provider, l.ProviderUserID)] {
			gone = append(gone, l)
		}
	}
	slices.SortFunc(gone, func(a, b ascendkit.OAuthLink) int {
		return cmp.Or(strings.Compare(a.Provider, b.Provider), strings.Compare(a.ProviderUserID, b.ProviderUserID))
	})
	out := make([]string, len(gone))
	for i, l := range gone {
		out[i] = fmt.Sprintf("%s account %s is linked in AscendKit but not a verified account of the user in Clerk (unlinked there?)", l.Provider, quoteCut(l.ProviderUserID))
	}
	return out
}

// changedEntry is the warning about a user an earlier run imported who
// differs from the source now (changes): a re-run leaves them as they are.
func changedEntry(e Entry, diffs []string) Entry {
	e.Reason, e.Policy = ReasonChangedInSource, ""
	e.Detail = "Clerk and AscendKit differ for this user an earlier run imported (changed in Clerk, or in AscendKit, since); AscendKit keeps what it has (" + strings.Join(diffs, "; ") + ")"
	return e
}

// digestNotStored reports, for a user an earlier run imported (existing)
// who keeps a digest in this source (m.user.Password), that the
// environment stores none for them, and the run that created them ("" for
// a user merged into).
func (r *runner) digestNotStored(m *mapped, existing ascendkit.Match) (bool, string, error) {
	if m.user.Password == nil || m.user.Password.Digest == "" {
		return false, "", nil
	}
	st, ok, err := r.state(existing.UserID)
	if err != nil || !ok {
		return false, "", err
	}
	return !st.HasDigest, st.ImportRun, nil
}

// alreadyImportedPasswordEntry is the warning about a digest not stored
// for a user an earlier run imported (see digestNotStored); run is the run
// that created them, "" for a user merged into, counted apart (see
// countNotStored): no undo and import again stores their digest, the
// import would merge again.
func alreadyImportedPasswordEntry(e Entry, run string) Entry {
	e.Reason, e.ExistingUserID, e.Policy = ReasonPasswordAlreadyImported, "", ""
	if run == "" {
		e.Detail = "a password digest is here for this user, but an earlier run merged them into an AscendKit user who existed before the import, and a merge never sets a password: not stored. " +
			"They sign in as they did in AscendKit before; if they had no password there, they need a password reset"
	} else {
		e.Detail = fmt.Sprintf("a password digest is here for this user, but run %s imported them without one, and a digest is stored only when the user is created: not stored. "+
			"To keep it, undo that run (ascendkit import undo %s) and import again with --passwords", run, run)
	}
	return e
}

// rerunFound is what the checks of a user an earlier run imported find:
// a digest not stored (notStored, and run, the run that created them),
// a ban not applied, what differs (diffs).
type rerunFound struct {
	notStored bool
	run       string
	ban       bool
	diffs     []string
}

// rerunChecks checks a user an earlier run imported (existing): a digest
// not stored (digestNotStored), a ban not applied (banUnapplied), what
// differs (changes). runner.page counts and lists what they find
// (rerunReport), Classified keeps it.
func (r *runner) rerunChecks(m *mapped, u *clerk.User, existing ascendkit.Match, byEmail, byLink map[string]ascendkit.Match) (f rerunFound, err error) {
	if f.notStored, f.run, err = r.digestNotStored(m, existing); err != nil {
		return f, err
	}
	if f.ban, err = r.banUnapplied(u, existing); err != nil {
		return f, err
	}
	f.diffs, err = r.changes(m, existing, byEmail, byLink)
	return f, err
}

// entries are the warnings of what the checks found, in the order
// runner.page sends them; e is the user's entry, its ExistingUserID the
// user of the environment checked.
func (f rerunFound) entries(e Entry) []Entry {
	var out []Entry
	if f.notStored {
		out = append(out, alreadyImportedPasswordEntry(e, f.run))
	}
	if f.ban {
		out = append(out, banNotAppliedEntry(e, e.ExistingUserID))
	}
	if len(f.diffs) > 0 {
		out = append(out, changedEntry(e, f.diffs))
	}
	return out
}

// rerunReport counts what the checks of a user an earlier run imported
// found (f), and lists it (entries of e): a re-run changes no user it
// imported.
func (r *runner) rerunReport(e Entry, f rerunFound) {
	countRerun(&r.report, f.notStored, f.run, f.ban, len(f.diffs) > 0)
	for _, w := range f.entries(e) {
		r.warn(w)
	}
}

// countRerun counts, for a user an earlier run imported, a digest not
// stored (notStored, run: see countNotStored), a ban not applied, a
// difference from the source (changed); runner.page and the recount
// both count with it.
func countRerun(rep *Report, notStored bool, run string, ban, changed bool) {
	if notStored {
		countNotStored(&rep.Passwords, run)
	}
	if ban {
		rep.BansNotApplied++
	}
	if changed {
		rep.ChangedSinceImport++
	}
}

// countNotStored counts a digest not stored for a user an earlier run
// created (run) or merged into (run ""), for countRerun.
func countNotStored(p *PasswordReport, run string) {
	if run == "" {
		p.AlreadyMerged++
		return
	}
	p.AlreadyImported++
	if !slices.Contains(p.AlreadyImportedRuns, run) {
		p.AlreadyImportedRuns = append(p.AlreadyImportedRuns, run)
		slices.Sort(p.AlreadyImportedRuns)
	}
}

// alreadyImportedWarnings are the warnings about users an earlier run
// imported whom this one leaves as they are (the counts of the entries
// above); dataWarnings gives them.
func alreadyImportedWarnings(rep *Report) []string {
	var out []string
	if n := rep.BansNotApplied; n > 0 {
		out = append(out, fmt.Sprintf(
			"%s banned in Clerk now but imported unbanned by an earlier run: the ban is not applied, so they can still sign in and stay in their journeys (listed in --entries as %s). "+
				"Ban or remove them in AscendKit yourself, or undo the run that imported them and import again (banned users are then skipped, or imported banned with --include-banned).",
			countUsers(n, "", "is", "are"), ReasonBanNotApplied))
	}
	if n := rep.ChangedSinceImport; n > 0 {
		out = append(out, fmt.Sprintf(
			"%s from Clerk now (sign-in email, username, OAuth accounts, lock, ban or password), changed in Clerk or in AscendKit since: a re-run changes no user it imported, so AscendKit keeps what it has and they sign in with that (listed in --entries as %s, with what differs). "+
				"Where Clerk is right, edit the users in AscendKit, or undo the run that imported them and import again.",
			countUsers(n, "", "imported by an earlier run differs", "imported by an earlier run differ"), ReasonChangedInSource))
	}
	if w := notInSourceWarning(rep.ImportedNotInSource); w != "" {
		out = append(out, w)
	}
	if rep.goneUnchecked != "" {
		out = append(out, rep.goneUnchecked)
	}
	if n := rep.Passwords.AlreadyImported; n > 0 {
		undo := "undo the run that created them (named in --entries)"
		if runs := rep.Passwords.AlreadyImportedRuns; len(runs) == 1 {
			undo = fmt.Sprintf("undo run %s (ascendkit import undo %s)", runs[0], runs[0])
		} else if len(runs) > 1 {
			undo = fmt.Sprintf("undo the runs that created them (%s)", strings.Join(runs, ", "))
		}
		out = append(out, fmt.Sprintf(
			"%s imported by an earlier run without a password digest, which this import has: a digest is stored only when the user is created, so theirs is not stored and their Clerk password does not sign them in (listed in --entries as %s). "+
				"To keep their passwords, %s and import again with --passwords.",
			countUsers(n, "", "was", "were"), ReasonPasswordAlreadyImported, undo))
	}
	if n := rep.Passwords.AlreadyMerged; n > 0 {
		out = append(out, fmt.Sprintf(
			"%s merged by an earlier run into an AscendKit user who existed before the import, with a password digest in this import: a merge never sets a password, so the digest is not stored and Clerk passwords do not sign them in (listed in --entries as %s). "+
				"They sign in as they did in AscendKit before; those without a password there need a password reset. Importing again would merge again, storing no digest either.",
			countUsers(n, "", "was", "were"), ReasonPasswordAlreadyImported))
	}
	return out
}
