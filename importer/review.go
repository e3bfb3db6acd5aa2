package importer

import (
	"context"
	"slices"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// reviewLookupBatch bounds the ids or emails of one environment lookup.
const reviewLookupBatch = 500

// ReviewEntries is what a preview with opts would list of the users who
// map (see mapUserFor): each duplicate, with its reason, why it cannot be
// merged (Detail), the policy applied and the existing user it matches;
// each banned user skipped (opts.IncludeBanned unset); and each warning
// (Kind "warning": a user imported, or merged, with something left out
// or changed), with its reason and detail. Banned users included can take
// an address (or be duplicates themselves, or be flagged), so these rows
// change with opts.IncludeBanned; the other skips do not (they are the
// preview's own, and are not returned). Entries are in source order;
// Pos is the record's position in the source (1-based); Name is not
// known to the classification and is left empty. With the users phase,
// the users earlier imports created whom the source no longer has
// (ReasonImportedNotInSource, Pos 0) come last, as the preview sent them.
//
// It replays the classification with the rules Recount applies, so the
// rows agree with Recount's counts; env is the environment the
// classification was read against (see Fresh), asked only for the ids of
// the existing users.
func (c *Classified) ReviewEntries(ctx context.Context, env ascendkit.Environment, opts Options) ([]Entry, error) {
	out, _, err := c.ReviewEntriesUpTo(ctx, env, opts, 0)
	return out, err
}

// ReviewEntriesUpTo is ReviewEntries keeping at most maxWarnings of the
// warnings (all of them for 0), the first the classification meets;
// omitted counts the others. The duplicates and skips are all kept: a
// review holds every row it can act on, and of a source whose every user
// is flagged, a sample of the flagged.
func (c *Classified) ReviewEntriesUpTo(ctx context.Context, env ascendkit.Environment, opts Options, maxWarnings int) (out []Entry, omitted int, err error) {
	if err := opts.defaults(); err != nil {
		return nil, 0, err
	}
	if !opts.Phases.Users {
		return nil, 0, nil // a settings run lists no user (Run)
	}
	seen := newSeenSet()
	defer seen.release()
	warnings := 0
	// keepWarning counts a warning and says whether it is listed.
	keepWarning := func() bool {
		if maxWarnings > 0 && warnings >= maxWarnings {
			omitted++
			return false
		}
		warnings++
		return true
	}
	var byIDAt, byEmailAt []int // indexes in out of the duplicates to look up
	err = c.replay(ctx, seen, opts.IncludeBanned, func(pos int, cr *classRec, reason string) {
		if reason == ReasonBanned {
			out = append(out, Entry{Pos: pos, SourceID: cr.ID, Email: cr.Email, Kind: "skipped", Reason: ReasonBanned})
		}
	}, func(pos int, cr *classRec, uc userClaim, atEnd bool) {
		repeatedID, repeatedEmail, firstVerified := uc.repeatedID, uc.repeatedEmail, uc.firstVerified
		user := Entry{Pos: pos, SourceID: cr.ID, Email: cr.Email}
		warn := func(w Entry) bool {
			if !keepWarning() {
				return false
			}
			w.Kind = "warning"
			out = append(out, w)
			return true
		}
		warnAll := func(ws []classWarn) {
			for _, w := range ws {
				e := user
				e.Reason, e.Detail, e.ExistingUserID = w.Reason, w.Detail, w.Existing
				warn(e)
			}
		}
		if !atEnd && !repeatedID { // as runner.page: analyze
			warnAll(cr.Flagged)
		}
		if uc.held {
			return // placed at the end of the source
		}
		e := user
		e.Kind = "duplicate"
		var to mergeTarget
		switch {
		case cr.ByID:
			e.Reason = ReasonAlreadyImported
			if !repeatedID && opts.Phases.Users { // as runner.page
				warnAll(cr.Rerun)
			}
			byIDAt = append(byIDAt, len(out))
		case cr.ByEmail && !uc.importedHolder && !repeatedID: // as runner.page
			e.Reason = ReasonEmailExists
			to.verified, to.importRun = cr.EnvVerified, cr.EnvImportRun
			to.mergedWith, _ = resumedMerge(seen, cr.Email, cr.EnvMergedWith, cr.EnvMergePending)
			byEmailAt = append(byEmailAt, len(out))
		case repeatedID || repeatedEmail:
			e.Reason = ReasonRepeatedInSource
			to = mergeTarget{verified: firstVerified, inSource: true, later: uc.later}
			if uc.importedHolder { // as runner.page (importedHolderTarget)
				if cr.EnvRunUnfinished && seen.hasSeen("email-imported-user", cr.Email+"\x00"+cr.EnvUser) {
					to.resumes, to.verified = cr.EnvImportRun, to.verified && cr.EnvVerified
				} else {
					to.importRun = cr.EnvImportRun
				}
			}
		default: // created: the links another user has are left out (runner.queueCreate)
			supportedLeft := false
			for _, l := range cr.Links {
				if seen.addSeen("link", l.Key) || l.InEnv {
					warn(linkConflict(user, ascendkit.OAuthLink{Provider: l.Provider, ProviderUserID: l.PID},
						ascendkit.Match{UserID: l.Owner}, l.InEnv))
					continue
				}
				seen.addSeen("link-of", linkOf(l.Key, cr.Email))
				supportedLeft = supportedLeft || l.Supported
			}
			if strandedByLinks(cr.HadPassword, cr.Flags.NoUsableOAuth, cr.SSO, cr.Providers, supportedLeft) {
				e := user
				e.Reason, e.Detail = ReasonNoUsableOAuth, noLinkLeftDetail(cr.Providers)
				warn(e)
			}
			if opts.Phases.Users { // as runner.noteDigests
				warnAll(cr.Password)
			}
			return
		}
		e.Detail = noMerge(e, cr.Verified, repeatedID, repeatedEmail, to)
		// The policy applied, as runner.duplicate sets it.
		e.Policy = opts.OnDuplicate
		if p, ok := opts.Decisions[cr.ID]; ok {
			e.Policy = p
		}
		if e.Detail != "" {
			e.Policy = PolicySkip
		}
		out = append(out, e)
		if e.Policy != PolicyMerge || !opts.Phases.Users || e.Reason == ReasonAlreadyImported {
			return
		}
		for _, l := range cr.Links { // the links the merge leaves out (runner.mergeLinks)
			inSource := seen.addSeen("link", l.Key)
			switch {
			case !inSource && !l.InEnv:
				seen.addSeen("link-of", linkOf(l.Key, cr.Email))
				continue
			case inSource && seen.hasSeen("link-of", linkOf(l.Key, cr.Email)), l.Own:
				continue
			}
			w := linkConflict(e, ascendkit.OAuthLink{Provider: l.Provider, ProviderUserID: l.PID},
				ascendkit.Match{UserID: l.Owner}, l.InEnv)
			w.Policy = ""
			w.Detail += "; the merge does not add it"
			if warn(w) && !l.InEnv && e.Reason == ReasonEmailExists {
				byEmailAt = append(byEmailAt, len(out)-1) // the duplicate's existing user, as e has it
			}
		}
	})
	if err != nil {
		return nil, 0, err
	}
	if err := lookupExisting(ctx, out, byIDAt, func(ctx context.Context, keys []string) (map[string]ascendkit.Match, error) {
		return env.LookupSourceIDs(ctx, SourceClerk, keys)
	}, func(e *Entry) string { return e.SourceID }); err != nil {
		return nil, 0, err
	}
	if err := lookupExisting(ctx, out, byEmailAt, env.LookupEmails, func(e *Entry) string { return e.Email }); err != nil {
		return nil, 0, err
	}
	// The users held back were placed last (see sawUser).
	slices.SortStableFunc(out, func(a, b Entry) int { return a.Pos - b.Pos })
	if opts.Phases.Users { // as runner.checkGone: not users of the source, last
		// Under the lock, so that a Close meanwhile waits: these are few
		// and read fast.
		c.mu.Lock()
		closed, err := c.closed, error(nil)
		if !closed && c.gone != nil {
			err = c.gone.each(func(e *Entry) error {
				if keepWarning() {
					e.Kind = "warning"
					out = append(out, *e)
				}
				return nil
			})
		}
		c.mu.Unlock()
		if closed {
			return nil, 0, ErrClassifiedClosed
		}
		if err != nil {
			return nil, 0, err
		}
	}
	return out, omitted, nil
}

// lookupExisting fills ExistingUserID of the entries at the indexes, in
// batches, from lookup keyed by key(entry).
func lookupExisting(ctx context.Context, out []Entry, at []int,
	lookup func(context.Context, []string) (map[string]ascendkit.Match, error), key func(*Entry) string) error {
	for len(at) > 0 {
		n := min(len(at), reviewLookupBatch)
		keys := make([]string, n)
		for i, j := range at[:n] {
			keys[i] = key(&out[j])
		}
		found, err := lookup(ctx, keys)
		if err != nil {
			return err
		}
		for _, j := range at[:n] {
			out[j].ExistingUserID = found[key(&out[j])].UserID
		}
		at = at[n:]
	}
	return nil
}
