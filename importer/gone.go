package importer

import (
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// goneListPage is how many of the users earlier imports created a
// re-run reads at once (see checkGone): memory stays bounded however
// many there are.
var goneListPage = 1000

// startGoneCheck decides whether this preview or run checks, at the end
// of the source, which users earlier imports created are no longer in it:
// with the users phase and no --only (a canary reads the whole source but
// selects a few), and only when the environment has any such user, which
// one cheap read tells (a first import, into an empty environment, does
// no more).
func (r *runner) startGoneCheck() error {
	if !r.opts.Phases.Users || len(r.opts.Only) > 0 {
		return nil
	}
	first, err := r.env.ListSourceUsers(r.ctx, ascendkit.SourceUserFilter{Source: SourceClerk, StartedBefore: r.now, Limit: 1})
	if err != nil {
		return fmt.Errorf("reading the users earlier imports created: %w", err)
	}
	r.goneCheck = len(first) > 0
	return nil
}

// readID records the Clerk id of a record read that sawUser does not
// record (skipped before the duplicate checks: malformed, no usable
// email, banned), so that checkGone does not take its user for gone. Only
// when checkGone will run: those records are few, and otherwise nothing
// asks.
//
// A record whose id cannot be read (a malformed record that hides it)
// may be any user: checkGone then reports nobody rather than that one.
func (r *runner) readID(id string) {
	switch {
	case !r.goneCheck:
	case id == "":
		r.goneNoID++
	default:
		r.seen.addSeen("id-read", id)
	}
}

// checkGone lists, a page at a time, the users earlier imports (started
// before this one, not undone) created from Clerk ids, and reports each
// whose id this source did not have: a user deleted in Clerk since stays
// in AscendKit, and in the migration journeys, unless someone removes
// them, so the operator must be told. It runs only once the whole source
// has been read without error (the seen set then holds every id read),
// before the set is released.
//
// Users merged into are left out: they existed in AscendKit before the
// import, so their account is their own whatever became of their Clerk
// account, and removing it is not the migration's call.
//
// The check only informs: a listing that fails is a warning, and the run
// goes on to its settings. A stop during it leaves the count of those
// found so far, said to be partial.
func (r *runner) checkGone() error {
	if !r.goneCheck {
		return nil
	}
	if r.goneNoID > 0 {
		r.report.goneUnchecked = fmt.Sprintf("%s read without a readable Clerk id: it may be any user, so the users earlier imports created were not checked against this source (fix or remove the malformed records listed in --entries to check them).",
			countOf(r.goneNoID, "record was", "records were"))
		return nil
	}
	// Two passes when some are not read: the first marks the accounts
	// any of whose Clerk users the source has (a merged one may sort
	// after the one that made the account, or have been skipped), the
	// second reports the others. Only a re-run where users are gone pays
	// for the second.
	missing := false
	if err := r.eachSourceUser(func(su ascendkit.SourceUser, read bool) {
		if read {
			r.seen.addSeen("user-read", su.UserID)
		} else {
			missing = true
		}
	}); err != nil || !missing {
		return err
	}
	return r.eachSourceUser(func(su ascendkit.SourceUser, read bool) {
		if !read && !r.seen.hasSeen("user-read", su.UserID) && !r.seen.addSeen("user-gone", su.UserID) { // one account, said once
			r.report.ImportedNotInSource++
			e := notInSourceEntry(su)
			r.warn(e)
			if r.cls != nil {
				r.cls.addGone(e)
			}
		}
	})
}

// eachSourceUser hands fn, a page at a time, the users earlier imports
// created (checkGone) and whether the source had their Clerk id.
func (r *runner) eachSourceUser(fn func(su ascendkit.SourceUser, read bool)) error {
	f := ascendkit.SourceUserFilter{Source: SourceClerk, StartedBefore: r.now, Limit: goneListPage}
	for {
		if err := r.ctx.Err(); err != nil {
			r.goneStopped()
			return err
		}
		page, err := r.env.ListSourceUsers(r.ctx, f)
		if err != nil {
			if cerr := r.ctx.Err(); cerr != nil {
				r.goneStopped()
				return cerr
			}
			r.report.goneUnchecked = fmt.Sprintf("Could not check which users earlier imports created are no longer in the source (reading them: %v); the count of them is of those found before the error.", err)
			return nil
		}
		for _, su := range page {
			if !su.Created {
				continue
			}
			read := r.seen.hasSeen("id", su.SourceID) || r.seen.hasSeen("id-read", su.SourceID)
			// A set that failed answers "no" to everything: stop rather
			// than report every user gone.
			if err := r.seen.check(); err != nil {
				return err
			}
			fn(su, read)
		}
		if len(page) < f.Limit {
			return nil
		}
		f.After = page[len(page)-1].SourceID
	}
}

// goneStopped says, when a stop ends checkGone part-way, that its count
// is partial: straight into the warnings, as a stopped run gives no
// others (alreadyImportedWarnings is not reached).
func (r *runner) goneStopped() {
	r.report.Warnings = append(r.report.Warnings,
		"The check for users no longer in the source stopped part-way: importedNotInSource counts those found before the stop.")
}

// notInSourceEntry is checkGone's warning about su. It has no position:
// the user is not in the source.
func notInSourceEntry(su ascendkit.SourceUser) Entry {
	return Entry{SourceID: su.SourceID, Email: su.Email, ExistingUserID: su.UserID, Reason: ReasonImportedNotInSource,
		Detail: fmt.Sprintf("run %s created %s from this Clerk user, who is not in this source (deleted in Clerk since?); the AscendKit user stays, in the migration journeys if enrolled: see ascendkit user show %s",
			su.RunID, su.UserID, su.UserID)}
}

// notInSourceWarning is the warning about the users checkGone found, ""
// when none.
func notInSourceWarning(n int) string {
	if n == 0 {
		return ""
	}
	verb := "are"
	if n == 1 {
		verb = "is"
	}
	return fmt.Sprintf(
		"%s an earlier import created from Clerk %s not in this source (deleted in Clerk since?): an import removes nobody, so they stay in AscendKit and in any migration journey they are enrolled in, which goes on emailing them (listed in --entries as %s, with their AscendKit id). "+
			"This CLI deletes no single user: check each with ascendkit user show <id>, and remove in AscendKit those deleted in Clerk (GDPR erasure requests included); ascendkit import undo would remove every user of their run.",
		countOf(n, "user", "users"), verb, ReasonImportedNotInSource)
}
