package importer

import (
	"fmt"
	"slices"
	"strings"

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
)

// pageState is the environment's password state of a user found by
// Clerk id, asked at most once a page (classify and page both need it).
func (r *runner) passwordState(userID string) (ascendkit.PasswordState, error) {
	if st, ok := r.pwStates[userID]; ok {
		return st, nil
	}
	st, err := r.env.PasswordState(r.ctx, userID)
	if err != nil {
		return st, fmt.Errorf("reading the password of %s: %w", userID, err)
	}
	if r.pwStates == nil {
		r.pwStates = map[string]ascendkit.PasswordState{}
	}
	r.pwStates[userID] = st
	return st, nil
}

// mergedWithOther is the Clerk id of another Clerk user an earlier import
// merged into the user of the environment with the address (existing),
// or "": its metadata.import, which a merge sets where absent, names it.
// It is read only where a merge could go ahead otherwise: the user signed
// up in AscendKit (no import created it) and both sides have the address
// verified.
func (r *runner) mergedWithOther(id string, verified bool, existing ascendkit.Match) (string, error) {
	if existing.RunID != "" || !verified || !existing.EmailVerified {
		return "", nil
	}
	eu, err := r.envUser(existing.UserID)
	if err != nil {
		return "", err
	}
	imp, _ := eu.Metadata["import"].(map[string]any)
	if src, _ := imp["source"].(string); src != SourceClerk {
		return "", nil
	}
	if other, _ := imp["sourceId"].(string); other != "" && other != id {
		return other, nil
	}
	return "", nil
}

// envUser is the environment's user found by Clerk id, read at most once
// a page (classify and page both need it).
func (r *runner) envUser(userID string) (ascendkit.User, error) {
	if u, ok := r.envUsers[userID]; ok {
		return u, nil
	}
	u, err := r.env.GetUser(r.ctx, userID)
	if err != nil {
		return u, fmt.Errorf("reading user %s: %w", userID, err)
	}
	if r.envUsers == nil {
		r.envUsers = map[string]ascendkit.User{}
	}
	r.envUsers[userID] = u
	return u, nil
}

// banUnapplied reports a user Clerk bans whom an earlier run imported
// (existing) unbanned.
func (r *runner) banUnapplied(u *clerk.User, existing ascendkit.Match) (bool, error) {
	if !u.Banned {
		return false, nil
	}
	eu, err := r.envUser(existing.UserID)
	return err == nil && !eu.Banned, err
}

// banNotApplied counts and lists a user Clerk now bans whom an earlier run
// imported unbanned: a re-run changes no user it imported, so they stay
// unbanned (and in their journeys).
func (r *runner) banNotApplied(e Entry, u *clerk.User, existing ascendkit.Match) error {
	if ok, err := r.banUnapplied(u, existing); !ok {
		return err
	}
	r.report.BansNotApplied++
	e.Reason, e.Policy = ReasonBanNotApplied, ""
	e.Detail = fmt.Sprintf("banned in Clerk now, but an earlier run imported this user unbanned (%s), and a re-run changes no user it imported: the ban is not applied", existing.UserID)
	r.warn(e)
	return nil
}

// changes says what of a user an earlier run imported (existing) differs
// between the environment and the source now: the sign-in email, the
// username, OAuth accounts not linked to them. byEmail and byLink are the
// page's lookups. The environment's user is read only when the address
// differs or Clerk has a username (a username dropped in Clerk goes
// unseen): reading every user of a re-run would cost a query each.
func (r *runner) changes(m *mapped, existing ascendkit.Match, byEmail, byLink map[string]ascendkit.Match) ([]string, error) {
	var out []string
	em, ok := byEmail[m.email]
	emailDiffers := !ok || em.UserID != existing.UserID
	if emailDiffers || m.user.User.Username != "" {
		eu, err := r.envUser(existing.UserID)
		if err != nil {
			return nil, err
		}
		if emailDiffers {
			out = append(out, fmt.Sprintf("sign-in email: AscendKit has %s, Clerk has %s", eu.Email, m.email))
		}
		if eu.Username != m.user.User.Username {
			out = append(out, fmt.Sprintf("username: AscendKit has %s, Clerk has %s", quoteCut(eu.Username), quoteCut(m.user.User.Username)))
		}
	}
	for _, l := range m.user.User.OAuthLinks {
		if owner, ok := byLink[ascendkit.LinkKey(l.Provider, l.ProviderUserID)]; !ok || owner.UserID != existing.UserID {
			out = append(out, fmt.Sprintf("%s account %s is not linked to them", l.Provider, quoteCut(l.ProviderUserID)))
		}
	}
	return out, nil
}

// changedSinceImport counts and lists a user an earlier run imported who
// has changed in Clerk since (changes): a re-run leaves them as they are.
func (r *runner) changedSinceImport(e Entry, diffs []string) {
	r.report.ChangedSinceImport++
	e.Reason, e.Policy = ReasonChangedInSource, ""
	e.Detail = "changed in Clerk since an earlier run imported this user; AscendKit keeps what it has (" + strings.Join(diffs, "; ") + ")"
	r.warn(e)
}

// digestNotStored reports, for a user an earlier run imported (existing)
// who keeps a digest in this source (m.user.Password), that the
// environment stores none for them, and the run that created them ("" for
// a user merged into).
func (r *runner) digestNotStored(m *mapped, existing ascendkit.Match) (bool, string, error) {
	if m.user.Password == nil || m.user.Password.Digest == "" {
		return false, "", nil
	}
	st, err := r.passwordState(existing.UserID)
	if err != nil {
		return false, "", err
	}
	return st.Digest == "", st.ImportRun, nil
}

// alreadyImportedPassword counts and lists a digest not stored for a user
// an earlier run imported (see digestNotStored); run is the run that
// created them.
func (r *runner) alreadyImportedPassword(e Entry, run string) {
	p := &r.report.Passwords
	p.AlreadyImported++
	if run != "" && !slices.Contains(p.AlreadyImportedRuns, run) {
		p.AlreadyImportedRuns = append(p.AlreadyImportedRuns, run)
		slices.Sort(p.AlreadyImportedRuns)
	}
	e.Reason, e.ExistingUserID, e.Policy = ReasonPasswordAlreadyImported, "", ""
	if run == "" {
		e.Detail = "a password digest is here for this user, but they were merged into an AscendKit user who existed before the import, and a merge never sets a password: not stored (the user keeps their own)"
	} else {
		e.Detail = fmt.Sprintf("a password digest is here for this user, but run %s imported them without one, and a digest is stored only when the user is created: not stored. "+
			"To keep it, undo that run (ascendkit import undo %s) and import again with --passwords", run, run)
	}
	r.warn(e)
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
			"%s changed in Clerk since (sign-in email, username or OAuth accounts): a re-run changes no user it imported, so AscendKit keeps what it has and they sign in with that (listed in --entries as %s, with what differs). "+
				"To apply the changes, edit the users in AscendKit, or undo the run that created them and import again.",
			countUsers(n, "", "imported by an earlier run has", "imported by an earlier run have"), ReasonChangedInSource))
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
	return out
}
