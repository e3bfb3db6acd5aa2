package importer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// DefaultBatchSize is the number of users written per transaction once
// a run is under way. Each commit rewrites the index pages it touched, so
// larger batches write much less: for 100k users, 250-user batches wrote
// 1.5 GB of WAL, 1,000 wrote 1.0 GB, 5,000 0.6 GB. Once SQLite's page
// cache held a batch's pages (the sqlite environment's writePragmas),
// 5,000 ran 400k users 10-20 % faster than 2,000 (100k: 282k syscalls
// against 388k). Two batches are held at once (one being written, one
// filling), which is what bounds the size: a run's peak RSS is about
// 45 MB more than with 2,000; a preview holds no batch.
const DefaultBatchSize = 5000

// maxBatchBytes bounds a batch by the size of what it carries as well as
// by its users: 5,000 users with 10 KB of metadata each are 50 MB, held
// twice over (one batch written, one filling), where the same count of
// usual users is a few MB. Measured on 40,000 such users from a file, a
// run peaked at 498 MB RSS; the usual users' batches never reach it. A
// variable so tests can fill it with small users.
var maxBatchBytes = 16 << 20

// firstBatch is the size of a run's first batch when Options.BatchSize is
// not set; each later batch doubles it up to DefaultBatchSize. Small
// first batches start the write, and its overlap with reading, sooner and
// show written users early; small imports (a few thousand users) still
// commit more than once, so a run stopped part-way keeps its first part.
// A variable so tests can ramp small sources.
var firstBatch = 1000

// runner holds the state of one preview or run.
type runner struct {
	ctx     context.Context
	src     clerk.Source
	env     ascendkit.Environment
	opts    Options
	runID   string
	now     time.Time
	report  Report
	z       *analyzer
	seen    *seenSet
	fetched int
	total   int
	pending ascendkit.ImportBatch
	// batchLimit is the size of the batch filling now (see firstBatch).
	batchLimit int
	// unfinishedRuns are the runs this one takes up (runner.unfinished),
	// nil until read.
	unfinishedRuns map[string]bool
	// pendingQ mirrors pending, one entry per write, in order.
	pendingQ []queued
	// pendingBytes is about what pending holds (see userBytes).
	pendingBytes int
	// writing is the batch being written while the next pages are read
	// and classified; nil when no write is in flight.
	writing chan written
	// mayMerge says a duplicate may merge (the policy or a decision):
	// only then does the seen set need which user each link went to.
	mayMerge bool
	// tailWarnings is how many warnings tailWarn appended: those kept as
	// they are between the hashers' and the settings' (Classified.finish).
	tailWarnings int
	// settingsWarnings is how many warnings the settings phase appended
	// last (see Classified).
	settingsWarnings int
	// passwordAssumed counts users whose source did not say whether they
	// had a password and who were taken to have one (see resolvePasswords).
	passwordAssumed int
	// staged holds the --passwords digests; only selects a canary's users.
	staged *staged
	only   *selection
	cls    *Classified // kept for Options.OnClassified
	// audiences are the active journeys' audience tags: a preview counts
	// the enrollments the run would make with them.
	audiences []string
	// firstMalformed is the first malformed record's reason, for a source
	// none of whose records is a Clerk user.
	firstMalformed string
	// held are the users sawUser held back, placed at the end of the
	// source (see placeHeld); nil until the first.
	held *heldStore[heldUser]
	// states are the environment's users read for this page (loadStates).
	states map[string]ascendkit.UserState
	// records are the Clerk ids recorded for users of the environment,
	// read for this page (loadRecords).
	records map[string][]ascendkit.SourceUser
	// goneCheck: at the end of the whole source, the users earlier
	// imports created are checked against the ids read (see checkGone).
	// goneNoID counts the records read whose id could not be read.
	goneCheck bool
	goneNoID  int
	// dataWarned: the warnings of the users' counts (dataWarnings) are
	// in the report, said by the settings phase or after a failure;
	// digestWarned: those of the digests (digestWarn).
	dataWarned, digestWarned bool
}

// NewReport is the report of an import that has read nothing yet: every
// count zero, every map and list empty rather than null, as the --json
// contract lists them. A command that fails before the import starts (an
// export that cannot be opened) reports its error in one.
func NewReport(mode Mode, source SourceInfo, phases Phases) Report {
	return Report{Mode: mode, Source: source, Phases: phases,
		Users: UserCounts{
			DuplicateReasons: map[string]int{ReasonAlreadyImported: 0, ReasonEmailExists: 0, ReasonRepeatedInSource: 0},
			SkippedReasons: map[string]int{ReasonNoEmail: 0, ReasonInvalidEmail: 0, ReasonBanned: 0, ReasonMalformed: 0,
				ReasonPhoneOnly: 0, ReasonUsernameOnly: 0, ReasonWeb3Only: 0},
		},
		Warnings:  []string{},
		Tags:      newTagCounts(),
		Passwords: PasswordReport{UnsupportedHasher: map[string]int{}},
		Events:    map[string]int{EventUserImported: 0, EventUserLogin: 0},
		Settings: SettingsReport{Providers: []string{}, Unsupported: map[string]int{},
			ProviderUsers: map[string]int{}, SSOConnections: []string{},
			Before: []string{}, After: []string{}},
	}
}

// Run reads every user from src, classifies each (import, duplicate,
// skip), analyzes auth methods and, in ModeRun, writes users in batched
// transactions and merges the detected auth settings. Preview and run share
// every rule, so a preview's counts equal what the run then does.
//
// When ctx is cancelled the run stops between batches: what was written
// stays, the report says Interrupted, and the error is ctx's.
func Run(ctx context.Context, src clerk.Source, env ascendkit.Environment, opts Options) (Report, error) {
	if opts.Mode != ModePreview && opts.Mode != ModeRun {
		return Report{}, fmt.Errorf("importer: unknown mode %q", opts.Mode)
	}
	if err := opts.defaults(); err != nil {
		return Report{}, err
	}
	batchLimit := opts.BatchSize
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
		batchLimit = min(firstBatch, DefaultBatchSize)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnEvent == nil {
		opts.OnEvent = func(Event) {}
	}
	{
		// A digest misplaced in a field another message quotes (a date, a
		// flag, an image URL) is never shown: not in an entry's detail,
		// which the CLI prints and --entries keeps.
		onEvent := opts.OnEvent
		opts.OnEvent = func(ev Event) {
			if e, ok := ev.(EntryFound); ok {
				e.Entry.Detail = clerk.MaskDigests(e.Entry.Detail)
				ev = e
			}
			onEvent(ev)
		}
	}
	if !opts.Phases.Users {
		// The entries are of the users phase: a settings run skips no
		// user (its report counts none) and lists none.
		onEvent := opts.OnEvent
		opts.OnEvent = func(ev Event) {
			if _, ok := ev.(EntryFound); !ok {
				onEvent(ev)
			}
		}
	}
	r := &runner{ctx: ctx, src: src, env: env, opts: opts, runID: newRunID(),
		// In ms, as every time Clerk gives: a user without a sign-up date
		// gets this one, and would be the one createdAt in nanoseconds.
		now: opts.Now().UTC().Truncate(time.Millisecond),
		z:   newAnalyzer(), seen: newSeenSet(), only: newSelection(opts.Only), batchLimit: batchLimit,
		mayMerge: opts.OnDuplicate == PolicyMerge || slices.Contains(slices.Collect(maps.Values(opts.Decisions)), PolicyMerge)}
	defer r.seen.release()
	defer r.releaseHeld()
	r.report = NewReport(opts.Mode, SourceInfo{Kind: src.Kind(), Format: clerk.FormatAPI}, opts.Phases)
	if opts.Mode == ModeRun {
		r.report.RunID = r.runID
		if err := r.startRecord(); err != nil {
			r.report.Error = err.Error()
			return r.report, err
		}
	}
	r.cls = newClassified(ctx, env, opts)
	if opts.Mode == ModePreview && opts.Phases.Users {
		var err error
		if r.audiences, err = activeAudiences(ctx, env); err != nil {
			r.report.Error = err.Error()
			return r.report, err
		}
	}
	err := r.run()
	if r.staged != nil {
		r.staged.close()
	}
	if err != nil && r.opts.Phases.Users {
		// Stopped before the end of the source or the settings phase
		// said them (a page, the passwords file's end or a write failed,
		// or ctrl+c): what the users read so far showed is said as a
		// full import says it, as counts without their warnings read as
		// nothing to look at.
		r.digestWarn()
		if !r.dataWarned {
			r.report.Warnings = append(r.report.Warnings, dataWarnings(&r.report)...)
		}
	}
	if m := r.only.missing(); err == nil && len(m) > 0 && len(m) == len(r.only.order) {
		// A canary of nobody (a typo) is no canary: say so with a failure.
		err = fmt.Errorf("--only: none of %s is in the source, so nothing %s imported", r.only.described(m), r.wasOrWouldBe())
	}
	if n := r.fetched; err == nil && n > 0 && r.report.Users.SkippedReasons[ReasonMalformed] == n {
		// Nothing was written (no record mapped); a zero exit would
		// hide that this is not a Clerk export at all.
		err = fmt.Errorf("no record of the source could be read as a Clerk user (%s, all malformed), so nothing %s imported; the first: %s",
			countRecords(n), r.wasOrWouldBe(), r.firstMalformed)
	}
	if err != nil && ctx.Err() != nil {
		r.report.Interrupted = true
		err = ctx.Err()
	} else if err != nil {
		r.report.Error = err.Error()
	}
	// A file source may learn its format only as it reads (an envelope's
	// keys can follow its users), so it is asked last.
	if f, ok := src.(clerk.Formatter); ok && f.Format() != "" {
		r.report.Source.Format = f.Format()
	}
	// Likewise what the format lacks: a JSON file is known to be Clerk
	// support's flat export only once its records have been read.
	if n, ok := src.(clerk.Noter); ok {
		notes := n.Notes()
		if j, ok := src.(clerk.JoinNoter); ok && opts.Passwords != nil {
			notes = j.NotesJoined()
		}
		// Into a new slice: Notes may be nil, and none must stay [] in JSON.
		r.report.Warnings = append(append([]string{}, notes...), r.report.Warnings...)
	}
	// Nor in a warning or the error, which the run's record keeps.
	for i, w := range r.report.Warnings {
		r.report.Warnings[i] = clerk.MaskDigests(w)
	}
	r.report.Error = clerk.MaskDigests(r.report.Error)
	r.finish()
	r.keepClassified(err)
	if opts.Mode == ModeRun {
		if rerr := r.finishRecord(err); rerr != nil {
			r.report.Warnings = append(r.report.Warnings, rerr.Error())
			if err == nil && errors.Is(rerr, ascendkit.ErrRunEnded) {
				// Declared dead (and perhaps undone) after its last
				// batch: the counts above may no longer hold.
				err = rerr
				r.report.Error = rerr.Error()
			}
		}
	}
	opts.OnEvent(Finished{Report: r.report})
	return r.report, err
}

// defaults fills in the phases (both when none is chosen) and the
// duplicate policy (skip), and rejects an unknown policy: a run and a
// recount read options alike.
func (opts *Options) defaults() error {
	if !opts.Phases.Users && !opts.Phases.Settings {
		opts.Phases = Phases{Users: true, Settings: true}
	}
	if opts.OnDuplicate == "" {
		opts.OnDuplicate = PolicySkip
	}
	if opts.OnDuplicate != PolicySkip && opts.OnDuplicate != PolicyMerge {
		return fmt.Errorf("importer: unknown duplicate policy %q (skip or merge)", opts.OnDuplicate)
	}
	return nil
}

func newRunID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "run_" + hex.EncodeToString(b)
}

func (r *runner) run() error {
	// A file is read through once before a run writes anything, so that a
	// truncated or damaged file stops the run with nothing half-written.
	total := -1
	if c, ok := r.src.(clerk.Checker); ok && r.opts.Mode == ModeRun {
		r.opts.OnEvent(Checking{Source: r.src.Kind()})
		n, err := c.Check(r.ctx)
		if err != nil {
			return fmt.Errorf("checking the source before writing (nothing was written): %w", err)
		}
		total = n
	}
	if err := r.stagePasswordsFile(); err != nil {
		return err
	}
	if total < 0 {
		if p, ok := r.src.(clerk.Prefetcher); ok {
			p.Prefetch(r.opts.Mode == ModeRun)
		}
		n, err := r.src.Total(r.ctx)
		if err != nil {
			return err
		}
		total = n
	}
	r.total = total
	r.opts.OnEvent(Started{Mode: r.opts.Mode, Source: r.src.Kind(), Total: total})
	before, err := r.env.AuthSettings(r.ctx)
	if err != nil {
		return fmt.Errorf("reading auth settings: %w", err)
	}
	r.report.Settings.Before = nonNil(before.Providers)
	r.report.Settings.OffByHand = before.OffByHand
	if err := r.startGoneCheck(); err != nil {
		return err
	}

	err = r.pages()
	if w := r.seen.memoryWarning(); w != "" {
		r.report.Warnings = append(r.report.Warnings, w)
	}
	if err != nil {
		return err
	}
	if r.src.Kind() == "api" {
		// The API walk ends with a fresh count: users read are compared
		// with it, not with the count before sign-ups during the import.
		if n, err := r.src.Total(r.ctx); err == nil && n >= 0 {
			r.total = n
		}
	}
	if err := r.finishPasswords(); err != nil {
		return err
	}
	r.warnMissingSelection()
	if err := r.checkGone(); err != nil {
		return err
	}
	switch {
	case r.total >= 0 && r.fetched < r.total:
		r.tailWarn(fmt.Sprintf(
			"The source announced %s users but %s were read (users added or deleted during the import?). Run the import again to pick up any that were missed.",
			Thousands(r.total), Thousands(r.fetched)))
	case r.total >= 0 && r.fetched > r.total:
		// More read than counted: nobody was missed, but users deleted
		// while the source was read may be among those read.
		r.tailWarn(fmt.Sprintf(
			"The source announced %s users but %s were read: users were added or deleted while it was read. A user deleted in Clerk after it was read is imported all the same; a later import of the whole source lists such users as %s.",
			Thousands(r.total), Thousands(r.fetched), ReasonImportedNotInSource))
	}
	if r.fetched == 0 {
		// Said, not left to a count of 0: an export of another instance
		// or a key of the development instance reads as a finished import.
		r.tailWarn(emptySourceWarning(r.src.Kind()))
	}
	sk := r.report.Users.SkippedReasons
	switch noEmail := sk[ReasonNoEmail]; {
	case noEmail > 0 && noEmail+sk[ReasonPhoneOnly]+sk[ReasonUsernameOnly]+sk[ReasonWeb3Only] == r.fetched:
		// Not one email where Clerk keeps them: most likely another
		// tool's shape (Supabase's `email` key), not users without one.
		r.tailWarn(noEmailWarning(r.src.Kind(), r.fetched, noEmail == r.fetched))
	case noEmail > 0:
		r.tailWarn(fmt.Sprintf("%s no email address, phone number, username or wallet: AscendKit sign-in needs an email, so they are skipped (listed in --entries as %s).",
			countUsers(noEmail, "", "has", "have"), ReasonNoEmail))
	}
	return r.settings()
}

// tailWarn appends a warning that no choice of the review changes, after
// the hashers' (see Classified.finish, which keeps them as they are).
func (r *runner) tailWarn(w string) {
	r.report.Warnings = append(r.report.Warnings, w)
	r.tailWarnings++
}

// noEmailWarning is the warning of a source whose every user was skipped
// as no_email, which would otherwise read as an import that had nothing
// to do.
func noEmailWarning(kind string, n int, nothing bool) string {
	if kind == "api" && nothing {
		return fmt.Sprintf("None of the %s users Clerk lists for this key has an email address, a phone number, a username or a wallet: nothing can be imported.", Thousands(n))
	}
	if kind == "api" {
		return fmt.Sprintf("None of the %s users Clerk lists for this key has an email address: AscendKit sign-in needs one, so nothing can be imported.", Thousands(n))
	}
	return fmt.Sprintf("None of the %s users of the file has an email address where Clerk's exports keep it (email_addresses, primary_email_address, or the CSV's email columns): nothing can be imported. Is the file another tool's format? Export the users from Clerk (Dashboard CSV, the API) instead.", Thousands(n))
}

// wasOrWouldBe is "was" for a run, "would be" for a preview.
func (r *runner) wasOrWouldBe() string {
	if r.opts.Mode == ModeRun {
		return "was"
	}
	return "would be"
}

// emptySourceWarning is the warning of a source without a single user.
func emptySourceWarning(kind string) string {
	if kind == "api" {
		return "Clerk lists no users for this key: there is nothing to import. A development key (sk_test_…) reads the development instance, whose users are not the production instance's."
	}
	return "The file holds no users: there is nothing to import. Check that it is the export you meant."
}

// page classifies one page of records and queues the users to write.
func (r *runner) page(recs []clerk.Record) error {
	type item struct {
		rec clerk.Record
		m   mapped
		// banned: skipped as banned unless an earlier run imported the
		// user (then an already-imported duplicate Clerk now bans).
		banned bool
		// unselected: not one of a canary's users (--only); only what
		// it claims (its id and address) is noted, nothing reported.
		unselected bool
	}
	items := make([]item, 0, len(recs))
	ids, emails := make([]string, 0, len(recs)), make([]string, 0, len(recs))
	var links []ascendkit.OAuthLink
	pw, err := r.pagePasswords(recs)
	if err != nil {
		return err
	}
	r.states, r.records = nil, nil
	r.resolvePasswords(recs, pw)
	for _, rec := range recs {
		r.fetched++
		if !r.only.selects(rec) {
			r.report.Users.NotSelected++
			// A canary is the first step of the whole import: a user it
			// leaves out still holds the address the run over the whole
			// source would give them (a verified holder before an
			// unverified canary user), so its claims are noted.
			if rec.Err == nil && rec.User != nil {
				m, reason, _ := mapUserFor(rec.User, r.now, true, false)
				if reason == "" {
					items = append(items, item{rec: rec, m: m, banned: restricted(rec.User) && !r.opts.IncludeBanned, unselected: true})
					ids = append(ids, rec.User.ID)
					emails = append(emails, m.email)
				}
			}
			continue
		}
		if rec.Err != nil || rec.User == nil {
			detail := "malformed record"
			if rec.Err != nil {
				detail = rec.Err.Error()
			}
			r.readID(rec.ID)
			r.skip(Entry{Pos: rec.Pos, SourceID: rec.ID, Reason: ReasonMalformed, Detail: detail})
			continue
		}
		// A preview writes nothing, so it need not build what only a write reads.
		m, reason, detail := mapUserFor(rec.User, r.now, r.opts.IncludeBanned, r.opts.Mode == ModeRun)
		if reason == ReasonBanned {
			// Whether an earlier run imported the user is known only after
			// the lookup: mapped as if included, nothing of it is written.
			m, _, _ = mapUserFor(rec.User, r.now, true, false)
			items = append(items, item{rec: rec, m: m, banned: true})
			ids = append(ids, rec.User.ID)
			emails = append(emails, m.email)
			links = append(links, m.user.User.OAuthLinks...)
			continue
		}
		if reason != "" {
			r.skipUser(rec.Pos, rec.User, reason, detail)
			continue
		}
		r.keepPassword(&m, rec.User, rec.Pos, pw)
		items = append(items, item{rec: rec, m: m})
		ids = append(ids, rec.User.ID)
		emails = append(emails, m.email)
		links = append(links, m.user.User.OAuthLinks...)
	}

	// Lookups see the environment as it was before this run: users this
	// run wrote are caught by the in-source check instead, which is what
	// keeps preview and run counts equal.
	byID, err := r.env.LookupSourceIDs(r.ctx, SourceClerk, ids)
	if err != nil {
		return r.lookupErr("imported users", err)
	}
	byEmail, err := r.env.LookupEmails(r.ctx, emails)
	if err != nil {
		return r.lookupErr("emails", err)
	}
	byLink, err := r.env.LookupLinks(r.ctx, links)
	if err != nil {
		return r.lookupErr("OAuth accounts", err)
	}
	// The states the checks below read, at once for the page.
	var reads []string
	for _, it := range items {
		if it.unselected {
			continue
		}
		u := it.rec.User
		if mt, ok := byID[u.ID]; ok && mt.RunID != r.runID {
			if rerunReads(&it.m, u, mt, byEmail) {
				reads = append(reads, mt.UserID)
			}
		} else if em, ok := byEmail[it.m.email]; ok && em.RunID != r.runID && mergeCheckReads(it.m.user.User.EmailVerified, em) {
			reads = append(reads, em.UserID)
		}
	}
	if err := r.loadStates(reads); err != nil {
		return err
	}
	// And the Clerk ids recorded for those a merge check reads, at once.
	var recReads []string
	for _, id := range reads {
		if st := r.states[id]; st.SourceUsers > 0 || st.ImportSource == SourceClerk {
			recReads = append(recReads, id)
		}
	}
	if err := r.loadRecords(recReads); err != nil {
		return err
	}
	if err := r.cls.classify(r, recs, pw); err != nil {
		return fmt.Errorf("classifying: %w", err)
	}
	for _, it := range items {
		u := it.rec.User
		e := Entry{Pos: it.rec.Pos, SourceID: u.ID, Email: it.m.email, Name: it.m.user.User.Name}
		mt, found := byID[u.ID]
		importedBefore := found && mt.RunID != r.runID
		if importedBefore {
			// Which user an earlier run made from this listing, by its
			// address: a later listing with the address repeats it
			// (importedHolderTarget).
			r.seen.addSeen("email-imported-user", it.m.email+"\x00"+mt.UserID)
		}
		if importedBefore && r.goneCheck {
			// The account this Clerk user resolves to is in the source,
			// whichever Clerk id made it (checkGone).
			r.seen.addSeen("user-read", mt.UserID)
		}
		if it.banned && !importedBefore {
			// Only a Clerk user's first listing counts: a later one is
			// not imported for it (sawUser).
			r.seen.addSeen("id", u.ID)
			if !it.unselected {
				r.skipUser(it.rec.Pos, u, ReasonBanned, "")
			}
			continue
		}
		if it.banned && !it.unselected {
			r.keepPassword(&it.m, u, it.rec.Pos, pw) // as for any user who maps
		}
		em, exists := byEmail[it.m.email]
		unmarked := !it.m.user.User.EmailVerified && !it.m.markedUnverified
		inEnv := exists && em.RunID != r.runID
		c := r.seen.sawUser(u.ID, it.m.email, it.m.user.User.EmailVerified, !importedBefore, inEnv, unmarked, inEnv && em.RunID != "")
		repeatedID, repeatedEmail, firstVerified := c.repeatedID, c.repeatedEmail, c.firstVerified
		if it.unselected {
			if !importedBefore && !inEnv && !c.held && !repeatedID && !repeatedEmail {
				// The address is theirs in the source, and this canary
				// does not create them: see mergeTarget.unselected.
				r.seen.addSeen("email-unselected", it.m.email)
			}
			if c.held { // its claim, too, is made at the end of the source
				var env *ascendkit.Match
				if inEnv {
					env = &em
				}
				if err := r.holdUser(heldUser{e: e, m: it.m, env: env, unselected: true}); err != nil {
					return err
				}
			}
			continue
		}
		if !repeatedID {
			// A Clerk user listed twice is one user to the settings and
			// the warnings.
			r.analyze(it.rec.Pos, u, &it.m)
			if passwordAssumed(u, pw) {
				r.passwordAssumed++
			}
		}
		if c.held {
			var env *ascendkit.Match
			if inEnv {
				env = &em
			}
			if err := r.hold(e, it.m, env); err != nil {
				return err
			}
			continue
		}
		var to mergeTarget
		if importedBefore {
			e.Reason, e.ExistingUserID = ReasonAlreadyImported, mt.UserID
			if !repeatedID && r.opts.Phases.Users {
				f, err := r.rerunChecks(&it.m, u, mt, byEmail, byLink)
				if err != nil {
					return err
				}
				r.rerunReport(e, f)
			}
		} else if mt, ok := byEmail[it.m.email]; ok && mt.RunID != r.runID && !c.importedHolder && !repeatedID {
			var wait bool
			if to, wait, err = r.emailExists(&e, it.m.user.User.EmailVerified, mt, false); err != nil {
				return err
			}
			if wait {
				if err := r.holdMerge(e, it.m, mt); err != nil {
					return err
				}
				continue
			}
		} else if repeatedID || repeatedEmail {
			e.Reason = ReasonRepeatedInSource
			to = mergeTarget{verified: firstVerified, inSource: true, unselected: r.seen.hasSeen("email-unselected", it.m.email)}
			if c.importedHolder {
				// The user of the source with the address is the one an
				// earlier run imported: a merge would go into that run's
				// user, made from another Clerk user (noMerge), unless
				// this run takes that one up again (resumes).
				var err error
				same := r.seen.hasSeen("email-imported-user", it.m.email+"\x00"+em.UserID)
				if to, err = r.importedHolderTarget(to, em.RunID, em.EmailVerified, same); err != nil {
					return err
				}
			}
		}
		if e.Reason == "" {
			r.queueCreate(e, it.m, byLink)
		} else {
			e.Detail = noMerge(e, it.m.user.User.EmailVerified, repeatedID, repeatedEmail, to)
			r.duplicate(e, it.m, byLink, to)
		}
	}
	// What the set said for this page is only sure while it can read its
	// files; nothing of the page has been written yet.
	if err := r.seen.check(); err != nil {
		return err
	}
	r.opts.OnEvent(PageRead{Fetched: r.fetched, Total: r.total,
		Analysis: r.z.snapshot(r.fetched, r.opts.Providers), Counts: r.countsCopy()})
	if r.batchFull() {
		return r.flush()
	}
	return nil
}

// batchesStay is what a run that failed mid-way left: a failed write and
// a failed lookup say it alike.
const batchesStay = "whole batches already written stay; run again to continue"

// lookupErr is a failed lookup of what in the environment: where, and
// for a run (a connection lost mid-way) that the batches it wrote stay,
// as a failed write says.
func (r *runner) lookupErr(what string, err error) error {
	if r.opts.Mode == ModeRun {
		return fmt.Errorf("looking up %s in %s (%s): %w", what, r.env.Describe(), batchesStay, err)
	}
	return fmt.Errorf("looking up %s in %s: %w", what, r.env.Describe(), err)
}

// emailExists makes e a duplicate of mt, the environment's user with its
// address (not one this run made), and says what a merge would go into:
// at the user's place (runner.page) or at the end of the source for one
// held back (placeHeldUser, atEnd). At its place it waits (nothing
// counted) when a Clerk user a run this one takes up merged into mt may
// yet come in the source: the end says whether it was this source's
// (resumedMerge), as one run that merged both would have.
func (r *runner) emailExists(e *Entry, verified bool, mt ascendkit.Match, atEnd bool) (to mergeTarget, wait bool, err error) {
	e.Reason, e.ExistingUserID = ReasonEmailExists, mt.UserID
	to = mergeTarget{userID: mt.UserID, verified: mt.EmailVerified, importRun: mt.RunID}
	other, pending, err := r.mergedWithOther(e.SourceID, verified, mt)
	if err != nil {
		return to, false, err
	}
	if other == "" && !atEnd && listedLater(r.seen, e.Email, pending) {
		return to, true, nil
	}
	to.mergedWith, to.own = resumedMerge(r.seen, e.Email, other, pending)
	if to.otherClerkUser() {
		r.report.EmailOfOtherImport++
	}
	return to, false, nil
}

// mergeTarget is the user a duplicate would merge into: one of the
// environment (userID) or the earlier user of this source with the same
// address (inSource), and whether that user's address is verified.
type mergeTarget struct {
	userID   string
	inSource bool
	verified bool
	// later: the user of the source with the address comes later in it
	// (it has it verified, this one has not: see sawHeld).
	later bool
	// importRun is the earlier import run that created the user of the
	// environment (userID), "" when no import created it: one made from
	// another Clerk user (this one's id would have found it), never
	// merged into (see noMerge).
	importRun string
	// mergedWith is the other Clerk user an earlier import merged into
	// the user of the environment (see mergedWithOther): never merged
	// into either.
	mergedWith string
	// resumes is the unfinished run (interrupted or failed) that made
	// the user of the environment the earlier user of this source with
	// the address (inSource) became: running the import again takes that
	// run up, so a merge goes into its user, as one run would have
	// merged into the user it made (see runner.importedHolderTarget).
	resumes string
	// unselected: the earlier user of the source with the address
	// (inSource) is not one of a canary's users, so it is not created to
	// be merged into.
	unselected bool
	// own are the Clerk ids runs this one takes up merged into the user
	// of the environment (userID), which resumedMerge found earlier
	// listings of this source with the address: not another account's.
	own []string
}

// otherClerkUser reports a user of the environment an earlier import
// created from, or merged with, another Clerk user.
func (t mergeTarget) otherClerkUser() bool { return t.importRun != "" || t.mergedWith != "" }

// notMerged begins the Detail of a duplicate no policy merges (noMerge).
const notMerged = "not merged: "

// Unmergeable reports a duplicate that no policy or decision merges; its
// Detail says why. The wizard offers it no merge.
func Unmergeable(e Entry) bool {
	return e.Kind == "duplicate" && strings.HasPrefix(e.Detail, notMerged)
}

// noMerge is why a duplicate cannot be merged, whatever its policy, or ""
// when it can. A merge hands the user an address matched all that the
// duplicate brings (its OAuth accounts, phone, username, external id), so
// both must have proved they hold the address: an unverified one proves
// nothing about who holds it, and a merge on it would let whoever signed
// up with someone else's address take over their account. A Clerk user
// listed again in the source is that very user, never merged into itself.
func noMerge(e Entry, verified, repeatedID, repeatedEmail bool, to mergeTarget) string {
	switch {
	case e.Reason == ReasonAlreadyImported:
		return "" // never merged (see duplicate): nothing to explain
	case repeatedID && !repeatedEmail && e.Reason == ReasonRepeatedInSource:
		return fmt.Sprintf(notMerged+"this Clerk user is listed again in the source, here with the address %s; only its first listing counts, this one's data is dropped", e.Email)
	case repeatedID:
		return notMerged + "this Clerk user is listed again in the source; only its first listing counts, this one's data is dropped"
	}
	var where []string
	if !verified {
		where = append(where, "in Clerk")
	}
	if !to.verified {
		if to.inSource {
			where = append(where, "for the earlier user of this source with it")
		} else {
			where = append(where, "in AscendKit")
		}
	}
	if len(where) == 0 && to.inSource && to.unselected {
		// Only where the run over the whole source would merge.
		return fmt.Sprintf(notMerged+"the earlier user of this source with %s is not one of the users --only selects, so this run does not import them to merge into; the run over the whole source does", e.Email)
	}
	if len(where) == 0 && e.Reason == ReasonEmailExists && to.mergedWith != "" {
		return fmt.Sprintf(notMerged+"the AscendKit user with %s was merged with another Clerk user (%s) by an earlier import, and two Clerk users are two accounts; check by hand who holds the address now", e.Email, to.mergedWith)
	}
	if len(where) == 0 && e.Reason == ReasonRepeatedInSource && to.importRun != "" {
		// The earlier user of the source with the address was imported by
		// an earlier run: a merge goes into the user that run made from
		// another Clerk user, which the run refuses as it writes.
		return fmt.Sprintf(notMerged+"the earlier user of this source with %s was imported by an earlier run (run %s), and a merge never goes into a user an earlier import made from another Clerk user: two Clerk users are two accounts", e.Email, to.importRun)
	}
	if len(where) == 0 && e.Reason == ReasonEmailExists && to.importRun != "" {
		// Two Clerk ids are two accounts: the address has moved from the
		// Clerk user an earlier run imported to this one, and a merge
		// would hand this one's sign-ins (its OAuth accounts) the other
		// person's AscendKit account.
		return fmt.Sprintf(notMerged+"the AscendKit user with %s was imported from another Clerk user (run %s), and two Clerk users are two accounts; check by hand who holds the address now", e.Email, to.importRun)
	}
	if len(where) == 0 {
		return ""
	}
	if len(where) == 2 {
		return fmt.Sprintf(notMerged+"%s is verified neither %s nor %s, so it does not prove the same person", e.Email, where[0], where[1])
	}
	if to.later {
		return fmt.Sprintf(notMerged+"%s is not verified %s, so it does not prove the same person; the later user of this source who has it verified is imported with it", e.Email, where[0])
	}
	return fmt.Sprintf(notMerged+"%s is not verified %s, so it does not prove the same person", e.Email, where[0])
}

// newLinks keeps the links of a user to create that no other user owns:
// an OAuth account links to one user. A link owned in the environment
// (before this run) or by an earlier user of this source is dropped and
// reported, in preview and run alike.
func (r *runner) newLinks(e Entry, links []ascendkit.OAuthLink, byLink map[string]ascendkit.Match) []ascendkit.OAuthLink {
	kept := links[:0:0]
	for _, l := range links {
		k := ascendkit.LinkKey(l.Provider, l.ProviderUserID)
		owner, inEnv := byLink[k]
		inEnv = inEnv && owner.RunID != r.runID
		if r.seen.addSeen("link", k) || inEnv {
			r.warn(linkConflict(e, l, owner, inEnv))
			continue
		}
		if r.mayMerge {
			r.seen.addSeen("link-of", linkOf(k, e.Email))
		}
		kept = append(kept, l)
	}
	return kept
}

// mergeLinks keeps the links a merge would add: those nobody has yet. One
// another user owns is dropped and reported as newLinks does; one the
// user merged into has already needs nothing.
func (r *runner) mergeLinks(e Entry, links []ascendkit.OAuthLink, byLink map[string]ascendkit.Match, to mergeTarget) []ascendkit.OAuthLink {
	kept := links[:0:0]
	for _, l := range links {
		k := ascendkit.LinkKey(l.Provider, l.ProviderUserID)
		owner, inEnv := byLink[k]
		inEnv = inEnv && owner.RunID != r.runID
		inSource := r.seen.addSeen("link", k)
		switch {
		case !inSource && !inEnv:
			r.seen.addSeen("link-of", linkOf(k, e.Email))
			kept = append(kept, l)
			continue
		case inSource && r.seen.hasSeen("link-of", linkOf(k, e.Email)),
			inEnv && to.userID != "" && owner.UserID == to.userID:
			continue // the user merged into has it
		}
		w := linkConflict(e, l, owner, inEnv)
		w.Policy = ""
		w.Detail += "; the merge does not add it"
		r.warn(w)
	}
	return kept
}

// linkConflict is the warning for link l of user e, which a user of the
// environment (owner, when inEnv) or an earlier user of this source owns.
func linkConflict(e Entry, l ascendkit.OAuthLink, owner ascendkit.Match, inEnv bool) Entry {
	e.Reason = ReasonLinkConflict
	e.Detail = fmt.Sprintf("%s account %s is already linked to ", l.Provider, l.ProviderUserID)
	if inEnv {
		e.ExistingUserID = owner.UserID
		e.Detail += owner.UserID
	} else {
		e.Detail += "an earlier user of this source"
	}
	return e
}

// linkOf keys, in the seen set, an OAuth account given in this source to
// the user with email: a merge into that user who has it already is no
// conflict. A link is given only to the first user of an address (created)
// or merged into the user with it, so the address names the user.
func linkOf(k, email string) string { return k + "\x00" + email }

// userClaim is what the seen set says of a user of this source.
type userClaim struct {
	// repeatedID / repeatedEmail: the Clerk id / the address was met
	// before (for the address: held by another user of the source).
	repeatedID, repeatedEmail bool
	// firstVerified: the user holding the address, which a merge would
	// go into, has it verified; later: that user comes later in the
	// source (this one was held).
	firstVerified, later bool
	// held: the user is held back until the end of the source (see
	// sawUser), where sawHeld says whether it gets the address.
	held bool
	// importedHolder: an earlier user of this source has the address
	// and was imported by an earlier run (it claims nothing, as the
	// environment answers for it), and the environment's user with the
	// address was made by an import: it is that earlier user (a re-run,
	// or a resumed one), so this one is repeated in the source
	// (repeatedEmail), as the first run said, not a user whose address
	// moved to another Clerk user.
	importedHolder bool
}

// sawUser records a user of this source at its place: whether its id and
// its address were met before and, for an address met before, whether
// the user with it a merge would go into (its holder) had it verified. A
// listing that repeats an id is dropped, so its address is not recorded:
// it holds nothing a later user could merge into. Nor is the address of a
// user an earlier import made (claim false): that user keeps the address
// it has, which the environment answers for.
//
// An unverified address proves nothing about who holds it, so a user
// whose address is unverified does not take it from a later user who has
// it verified: unless the address is held already, is in the environment
// (inEnv: the user is a duplicate of that one whatever comes later) or
// has no status in the source (unmarked: no user of such a source has it
// verified), the user is held back (held) and claims the address only at
// the end of the source, through sawHeld, when no verified user has. Such
// users are the few, so the rest of the source keeps its order.
//
// envImported says that the environment's user with the address (not
// one this run made) was made by an earlier import run: see
// userClaim.importedHolder. Such a user may be a later user of this
// source (a re-run: the first run gave it the address), so an unverified
// user with its address is held too: at the end, sawHeld says whether
// it came (repeated in the source, as the first run said) or not (a
// duplicate of the environment's user).
func (s *seenSet) sawUser(id, email string, verified, claim, inEnv, unmarked, envImported bool) userClaim {
	if inEnv {
		// For resumedMerge, which asks only of an address in the
		// environment: a first import pays nothing for it.
		s.addSeen("email-listed-id", email+"\x00"+id)
	}
	if s.addSeen("id", id) {
		return userClaim{repeatedID: true, repeatedEmail: s.hasSeen("email", email) || s.hasSeen("email-held", email)}
	}
	if claim && !verified && !unmarked && (!inEnv || (envImported && !s.hasSeen("email-imported", email))) && !s.hasSeen("email", email) {
		s.addSeen("email-held", email) // for the detail of a repeated id
		return userClaim{held: true}
	}
	c := s.claim(email, verified, claim)
	if c.importedHolder {
		c.importedHolder, c.repeatedEmail = envImported, envImported
	}
	return c
}

// sawHeld claims, at the end of the source, the address of a user sawUser
// held back: a verified user of the source who has it since holds it
// (later), else the first user held with it does. envImported is
// sawUser's: the environment's user with the address, which an earlier
// import made, is the source's user imported with it (importedHolder).
func (s *seenSet) sawHeld(email string, envImported bool) userClaim {
	c := s.claim(email, false, true)
	if c.importedHolder {
		c.importedHolder, c.repeatedEmail = envImported, envImported
	}
	// A user held is unverified, and so was any other held before it:
	// a verified holder came later in the source.
	c.later = c.repeatedEmail && c.firstVerified
	return c
}

func (s *seenSet) claim(email string, verified, claim bool) userClaim {
	if !claim {
		s.addSeen("email-imported", email)
		return userClaim{repeatedEmail: s.hasSeen("email", email), firstVerified: !s.hasSeen("email-unverified", email)}
	}
	if s.addSeen("email", email) {
		// The third user of an address an earlier run imported repeats
		// the imported one too, as the second does (below): not a user
		// whose address moved to another Clerk user.
		return userClaim{repeatedEmail: true, firstVerified: !s.hasSeen("email-unverified", email), importedHolder: s.hasSeen("email-imported", email)}
	}
	if s.hasSeen("email-imported", email) {
		// Its verification was not recorded: the environment's answers
		// for the user imported before (a merge goes by its address).
		return userClaim{importedHolder: true, firstVerified: true}
	}
	// The unverified are the few: recording them keeps the set small.
	// (Should the set fail, check stops the run before the page is
	// written.)
	if !verified {
		s.addSeen("email-unverified", email)
	}
	return userClaim{}
}

// warn reports a user imported with something left out.
func (r *runner) warn(e Entry) {
	e.Kind = "warning"
	if e.Reason == ReasonLinkConflict {
		r.report.OAuthLinkConflicts++
	}
	r.opts.OnEvent(EntryFound{Entry: e})
}

// skipUser skips user u of the source, at pos, that is not imported
// (reason, detail), and records its id for checkGone (readID).
func (r *runner) skipUser(pos int, u *clerk.User, reason, detail string) {
	e := Entry{Pos: pos, SourceID: u.ID, Name: displayName(u), Reason: reason, Detail: detail}
	if pe := primaryEmail(u); pe != nil {
		e.Email = pe.EmailAddress
	}
	r.readID(u.ID)
	r.skip(e)
}

func (r *runner) skip(e Entry) {
	e.Kind = "skipped"
	if e.Reason == ReasonMalformed && r.firstMalformed == "" {
		r.firstMalformed = e.Detail
	}
	r.z.skipped(e.Reason)
	r.report.Users.Skipped++
	r.report.Users.SkippedReasons[e.Reason]++
	r.opts.OnEvent(EntryFound{Entry: e})
}

// duplicate reports a duplicate and queues its merge when its policy is
// merge and it can be merged: e.Detail, from noMerge, says why not.
func (r *runner) duplicate(e Entry, m mapped, byLink map[string]ascendkit.Match, to mergeTarget) {
	e.Kind = "duplicate"
	e.Policy = r.opts.OnDuplicate
	if p, ok := r.opts.Decisions[e.SourceID]; ok {
		e.Policy = p
	}
	if e.Detail != "" {
		e.Policy = PolicySkip // what is applied
	}
	r.report.Users.Duplicates++
	r.report.Users.DuplicateReasons[e.Reason]++
	r.opts.OnEvent(EntryFound{Entry: e})
	// Merging into the user an earlier import made would add nothing: that
	// is what makes re-running with merge a no-op too.
	if e.Policy != PolicyMerge || !r.opts.Phases.Users || e.Reason == ReasonAlreadyImported {
		return
	}
	mg := ascendkit.Merge{
		Email: m.email, Source: SourceClerk, SourceID: e.SourceID, Tags: mergeTags(m.user.User.Tags),
		// Two Clerk users are two accounts (see noMerge): the environment
		// checks again at write time, for a run that merged meanwhile.
		SoleID:     true,
		Resumes:    r.resumedRuns(to.resumes),
		Own:        to.own,
		OAuthLinks: r.mergeLinks(e, m.user.User.OAuthLinks, byLink, to), ImportMeta: mergeMeta(e.SourceID, r.now, m.user.User.Metadata),
		// The environment sets these only where the existing user has none.
		Fill: m.user.User,
	}
	r.queue(queued{entry: e, merge: &mg})
}

// mergeTags are the tags a merge adds. The password tags say what
// happened to the Clerk password of a user the import creates; the user
// merged into keeps their own password (kept by an earlier import, set
// here, or still to reset), which a merge neither changes nor knows, so
// none of them is added: one would send a user with a working password
// the reset emails, another keep them from a user who needs them, and
// social-only would say a user with a password has none.
func mergeTags(tags []string) []string {
	if !slices.ContainsFunc(tags, passwordTag) {
		return tags
	}
	return slices.DeleteFunc(slices.Clone(tags), passwordTag)
}

// passwordTag reports a tag that says what a user's password is.
func passwordTag(t string) bool {
	return t == TagPasswordKept || t == TagNeedsPasswordReset || t == TagSocialOnly
}

// analyze adds a user to the settings analysis and warns about what of
// it is not imported.
func (r *runner) analyze(pos int, u *clerk.User, m *mapped) {
	r.z.add(m)
	r.report.OAuthLinksUnverified += len(m.unverified)
	r.flagged(pos, u, m) // the warnings (flagEntries)
}

// queueCreate queues the creation of a user, at its place in the source
// or at its end (placeHeldUser): with the OAuth links no other user owns
// (byLink is what the environment has of them), and the password-reset
// path when none of its supported ones is left.
func (r *runner) queueCreate(e Entry, m mapped, byLink map[string]ascendkit.Match) {
	m.user.User.OAuthLinks = r.newLinks(e, m.user.User.OAuthLinks, byLink)
	r.noLinkLeft(e, &m)
	if !r.opts.Phases.Users {
		return
	}
	r.noteDigests(&m)
	if r.opts.Mode == ModePreview {
		// What queue does for a preview, without first copying the user
		// to the heap for a batch a preview never keeps.
		r.count(queued{entry: e, create: &m.user, notes: notesOf(&m)}, true)
		return
	}
	u := m.user
	r.queue(queued{entry: e, create: &u, notes: notesOf(&m)})
}

// queued is one write waiting in the pending batch.
type queued struct {
	entry  Entry
	create *ascendkit.ImportedUser
	merge  *ascendkit.Merge
	notes  digestNotes // of create
}

// queue adds a write to the pending batch. A preview counts it now; a run
// counts it once its transaction has committed, so the report of a run
// (even an interrupted one) says only what was written.
func (r *runner) queue(q queued) {
	if r.opts.Mode == ModePreview {
		r.count(q, true) // and nothing is kept: a preview writes nothing
		return
	}
	if q.create != nil {
		r.pending.Create = append(r.pending.Create, *q.create)
		r.pendingBytes += userBytes(&q.create.User)
	} else {
		r.pending.Merge = append(r.pending.Merge, *q.merge)
		r.pendingBytes += userBytes(&q.merge.Fill)
	}
	r.pendingQ = append(r.pendingQ, q)
}

// count adds one write's contribution to the report; links are counted
// here only when the environment's own count is not known (preview).
//
// Tags and events count the users the import creates. A merge adds its
// tags only where the existing user lacks them, which a preview cannot
// know without the user's tags, so merges are counted in toMerge/merged
// rather than as tag counts that would overstate what changes.
func (r *runner) count(q queued, links bool) {
	var nlinks int
	if q.create != nil {
		r.report.Users.ToImport++
		nlinks = len(q.create.User.OAuthLinks)
		for _, ev := range q.create.Events {
			r.report.Events[ev.Type]++
		}
		for _, t := range q.create.User.Tags {
			r.report.Tags[t]++
		}
		if r.opts.Mode == ModePreview {
			// A run counts what the environment enrolled.
			r.report.Enrollments += enrollments(r.audiences, q.create.User.Tags, q.create.User.Banned)
		}
		r.countPassword(q.create)
		addDigestNotes(&r.report.Passwords, q.notes)
	} else {
		r.report.Users.ToMerge++
		nlinks = len(q.merge.OAuthLinks)
	}
	if links {
		r.report.OAuthLinks += nlinks
	}
}

// flush hands the pending batch to the writer (run mode) or drops it
// (preview). One batch is written at a time: flush first waits for the
// previous one and records it, so the report only ever counts committed
// batches, in order.
func (r *runner) flush() error {
	b, qs := r.pending, r.pendingQ
	r.pending, r.pendingQ, r.pendingBytes = ascendkit.ImportBatch{}, nil, 0
	if len(qs) == 0 || r.opts.Mode != ModeRun {
		return nil
	}
	r.batchLimit = min(2*r.batchLimit, r.opts.BatchSize)
	if err := r.settle(); err != nil {
		return err
	}
	b.RunID = r.runID
	done := make(chan written, 1)
	r.writing = done
	go func() {
		res, err := r.apply(b)
		done <- written{qs: qs, res: res, err: err}
	}()
	return nil
}

// written is the outcome of one batch write.
type written struct {
	qs  []queued
	res ascendkit.BatchResult
	err error
}

// settle waits for the batch in flight, if any, and records its outcome.
func (r *runner) settle() error {
	if r.writing == nil {
		return nil
	}
	w := <-r.writing
	r.writing = nil
	switch {
	case w.err == nil:
		return r.record(w.res, w.qs)
	case errors.Is(w.err, ascendkit.ErrInvalid):
		// The batch was rolled back because of one bad row: write its users
		// one by one so that row fails alone and is reported.
		return r.applyOneByOne(w.qs)
	case errors.Is(w.err, ascendkit.ErrRunEnded):
		// Declared dead or undone meanwhile: what it wrote may be gone.
		return fmt.Errorf("writing to %s: %w", r.env.Describe(), w.err)
	default:
		return fmt.Errorf("writing to %s (%s): %w", r.env.Describe(), batchesStay, w.err)
	}
}

// busyWaits is how long apply waits between tries while another process
// holds the environment (each try itself waits the busy timeout).
var busyWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// apply writes one batch, waiting out another writer's lock.
func (r *runner) apply(b ascendkit.ImportBatch) (ascendkit.BatchResult, error) {
	for i := 0; ; i++ {
		if err := r.ctx.Err(); err != nil {
			return ascendkit.BatchResult{}, err
		}
		res, err := r.env.ApplyImport(r.ctx, b, r.now)
		if err == nil || !errors.Is(err, ascendkit.ErrBusy) || i >= len(busyWaits) {
			return res, err
		}
		select {
		case <-r.ctx.Done():
			return ascendkit.BatchResult{}, r.ctx.Err()
		case <-time.After(busyWaits[i]):
		}
	}
}

func (r *runner) applyOneByOne(qs []queued) error {
	for _, q := range qs {
		b := ascendkit.ImportBatch{RunID: r.runID}
		if q.create != nil {
			b.Create = []ascendkit.ImportedUser{*q.create}
		} else {
			b.Merge = []ascendkit.Merge{*q.merge}
		}
		res, err := r.apply(b)
		switch {
		case err == nil:
			if err := r.record(res, []queued{q}); err != nil {
				return err
			}
		case errors.Is(err, ascendkit.ErrInvalid):
			r.fail(q.entry, err)
		default:
			return fmt.Errorf("writing to %s: %w", r.env.Describe(), err)
		}
	}
	return nil
}

func (r *runner) fail(e Entry, err error) {
	e.Kind, e.Reason, e.Detail = "failed", "write_failed", err.Error()
	r.report.Users.Failed++
	r.opts.OnEvent(EntryFound{Entry: e})
}

// errMergeTargetGone is why a merge was not written: the user it was to
// merge into was removed after the lookup, before the batch.
var errMergeTargetGone = errors.New("the user this would merge into was removed during the run (an undo?); run the import again to import this user")

// record adds a committed batch's results to the report.
func (r *runner) record(res ascendkit.BatchResult, qs []queued) error {
	existing := map[string]bool{}
	for _, id := range res.Existing {
		existing[id] = true
	}
	gone := map[string]bool{}
	for _, id := range res.MergeTargetGone {
		gone[id] = true
	}
	other := map[string]ascendkit.OtherSourceMerge{}
	for _, o := range res.MergedWithOther {
		other[o.SourceID] = o
	}
	kept := map[string][]string{}
	for _, k := range res.MetadataKept {
		kept[k.SourceID] = k.Keys
	}
	dropped, err := r.droppedCreates(qs, existing)
	if err != nil {
		return err
	}
	u := &r.report.Users
	for _, q := range qs {
		if keys := kept[q.entry.SourceID]; q.merge != nil && len(keys) > 0 {
			r.keptMetadata(q.entry, keys)
		}
		if q.merge != nil && gone[q.merge.SourceID] {
			// Nothing was written: a failure to report, which a new run
			// imports as a new user.
			r.fail(q.entry, errMergeTargetGone)
			continue
		}
		if o, ok := other[q.entry.SourceID]; q.merge != nil && ok {
			r.refusedAtWrite(q.entry, o)
			continue
		}
		if q.create != nil && existing[q.create.SourceID] {
			// Another writer imported it, or took its address, between
			// our lookup and our write: a duplicate after all, not
			// written twice.
			e := dropped[q.create.SourceID]
			u.Duplicates++
			u.DuplicateReasons[e.Reason]++
			r.opts.OnEvent(EntryFound{Entry: e})
			continue
		}
		r.count(q, false)
	}
	u.Imported += res.Created
	u.Merged += res.Merged
	r.report.OAuthLinks += res.Links
	r.report.Enrollments += res.Enrolled
	r.opts.OnEvent(BatchApplied{Counts: r.countsCopy(), OAuthLinks: r.report.OAuthLinks,
		Events: r.report.Events[EventUserImported] + r.report.Events[EventUserLogin]})
	return nil
}

// droppedCreates says why each create of qs the environment did not make
// (listed in existing) was dropped, as the duplicate entry to report: its
// Clerk id recorded by another writer meanwhile (already imported), or
// its address taken by another user (email exists, explained as the
// lookup would: that user may be one an import made from, or merged
// with, another Clerk user). It reads the environment after the batch.
func (r *runner) droppedCreates(qs []queued, existing map[string]bool) (map[string]Entry, error) {
	var ids, emails []string
	of := map[string]queued{}
	for _, q := range qs {
		if q.create != nil && existing[q.create.SourceID] {
			ids = append(ids, q.create.SourceID)
			of[q.create.SourceID] = q
			em, _ := normalizeEmail(q.create.User.Email)
			emails = append(emails, em)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	byID, err := r.env.LookupSourceIDs(r.ctx, SourceClerk, ids)
	if err != nil {
		return nil, fmt.Errorf("looking up users imported meanwhile: %w", err)
	}
	byEmail, err := r.env.LookupEmails(r.ctx, emails)
	if err != nil {
		return nil, fmt.Errorf("looking up addresses taken meanwhile: %w", err)
	}
	out := make(map[string]Entry, len(ids))
	for i, id := range ids {
		q := of[id]
		e := q.entry
		e.Kind, e.Policy, e.Reason = "duplicate", PolicySkip, ReasonAlreadyImported
		holder, taken := byEmail[emails[i]]
		if mt, ok := byID[id]; ok || !taken {
			e.ExistingUserID = mt.UserID
			out[id] = e
			continue
		}
		verified := q.create.User.EmailVerified
		// The duplicate its lookup would have reported, had the holder
		// been there then: as for a user held to the end, nothing waits.
		to, _, err := r.emailExists(&e, verified, holder, true)
		if err != nil {
			return nil, err
		}
		if e.Detail = noMerge(e, verified, false, false, to); e.Detail == "" {
			e.Detail = "another user took the address during the run, after this user was looked up: not created and not merged (run the import again to apply --on-duplicate)"
		}
		out[id] = e
	}
	return out, nil
}

// refusedAtWrite reports a merge the environment refused at write time:
// the user has another Clerk user's id recorded, by a run that committed
// after this run's lookup. It is the duplicate the lookup would have
// reported, with the same reason and detail; the lookup counted it a
// duplicate already, so only the policy applied changes.
func (r *runner) refusedAtWrite(e Entry, o ascendkit.OtherSourceMerge) {
	e.Kind, e.Reason, e.ExistingUserID, e.Policy = "duplicate", ReasonEmailExists, o.UserID, PolicySkip
	e.Detail = noMerge(e, true, false, false, mergeTarget{userID: o.UserID, verified: true, mergedWith: o.OtherID})
	r.report.EmailOfOtherImport++
	r.opts.OnEvent(EntryFound{Entry: e})
}

// keptMetadata warns that a merge left out the public_metadata keys the
// user merged into has with other values: theirs stay.
func (r *runner) keptMetadata(e Entry, keys []string) {
	r.report.MetadataKept++
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = quoteCut(k)
	}
	e.ExistingUserID, e.Policy = "", ""
	e.Reason = ReasonMetadataKept
	e.Detail = fmt.Sprintf("public_metadata %s not merged: the user merged into has %s with another value, which stays",
		firstOf(q, 5), map[bool]string{true: "it", false: "them"}[len(keys) == 1])
	r.warn(e)
}

// settings computes the provider set and, in run mode, merges it into the
// environment's settings.
func (r *runner) settings() error {
	a := r.z.snapshot(r.fetched, r.opts.Providers)
	s := &r.report.Settings
	if !r.opts.Phases.Settings {
		s.Providers = []string{}
		s.After = s.Before
		// What the users written need (SSO set up, MFA enrolled again) and
		// who was left out is said whatever the phase.
		w := append(dataWarnings(&r.report), userWarnings(SettingsFor(a, s.Before, r.opts.Providers))...)
		r.dataWarned = true
		r.report.Warnings, r.settingsWarnings = append(r.report.Warnings, w...), len(w)
		return nil
	}
	*s = s.Recount(a, r.opts.Providers)
	if r.opts.Mode == ModeRun && len(s.Providers) > 0 {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		// The providers are added to those on at the time of the write,
		// under the environment's lock: another run may have enabled
		// some meanwhile, or a person changed them by hand, and neither
		// is undone. A run another process took for dead (and maybe
		// undid) while it stalled turns nothing on (ErrRunEnded).
		ch, err := r.env.AddRunProviders(r.ctx, r.runID, s.Providers)
		if err != nil {
			return fmt.Errorf("updating auth settings: %w", err)
		}
		// The report says what was there just before and after the
		// write, which may differ from the run's start.
		offByHand := s.OffByHand
		*s = SettingsFor(a, ch.Before, r.opts.Providers)
		s.OffByHand, s.TurnedBackOn = offByHand, ch.TurnedBackOn
	}
	var w []string
	if r.opts.Phases.Users {
		w, r.dataWarned = dataWarnings(&r.report), true
	} else if n := r.report.Users.SkippedReasons[ReasonMalformed]; n > 0 {
		w = append(w, unreadWarning(n))
	}
	if r.opts.Phases.Users {
		w = append(w, SettingsWarnings(*s)...)
	} else {
		w = append(w, settingsRunWarnings(*s)...)
	}
	r.report.Warnings, r.settingsWarnings = append(r.report.Warnings, w...), len(w)
	if r.opts.Mode == ModeRun {
		r.opts.OnEvent(SettingsApplied{Settings: *s})
	}
	return nil
}

// turnedBackOn are the providers of offByHand the settings turn on.
func turnedBackOn(s SettingsReport, offByHand []string) []string {
	var out []string
	for _, p := range s.After {
		if slices.Contains(offByHand, p) && !slices.Contains(s.Before, p) {
			out = append(out, p)
		}
	}
	return out
}

// Recount is SettingsFor from the environment's settings s was made
// from (its Before, and the providers turned off by hand, whose turning
// back on TurnedBackOn names): what the wizard shows when the provider
// selection or the users counted change.
func (s SettingsReport) Recount(a Analysis, override []string) SettingsReport {
	out := SettingsFor(a, s.Before, override)
	out.OffByHand = s.OffByHand
	out.TurnedBackOn = turnedBackOn(out, s.OffByHand)
	return out
}

// SettingsFor is the settings phase's result for an analysis: the
// providers to enable (detected, or the override), the environment's
// providers before and after the merge, and who cannot sign in after it.
// The wizard calls it to recount instantly when the override changes.
func SettingsFor(a Analysis, before, override []string) SettingsReport {
	s := SettingsReport{Before: nonNil(before), Unsupported: a.Unsupported}
	if s.Unsupported == nil {
		s.Unsupported = map[string]int{}
	}
	s.Providers = EnabledProviders(a, override)
	after := append(slices.Clone(s.Before), s.Providers...)
	slices.Sort(after)
	s.After = slices.Compact(after)
	// Who cannot sign in depends on what is enabled after the merge, not
	// only on what this import adds.
	s.StrandedUsers = StrandedWith(a, s.After)
	if !slices.Contains(s.After, "magic-link") {
		s.PasswordlessUsers = a.Neither
	}
	s.SignInUnknownUsers = a.SignInUnknown
	s.NoUsableOAuthUsers = a.NoUsableOAuth
	s.ProviderUsers = maps.Clone(a.Providers)
	if s.ProviderUsers == nil {
		s.ProviderUsers = map[string]int{}
	}
	s.SSOUsers, s.MFAUsers = a.SSO, a.MFA
	s.SSOConnections = []string{}
	for _, c := range slices.Sorted(maps.Keys(a.SSOConnections)) {
		if c != otherConnections {
			s.SSOConnections = append(s.SSOConnections, c)
		}
	}
	if _, ok := a.SSOConnections[otherConnections]; ok {
		s.SSOConnections = append(s.SSOConnections, otherConnections) // last, after the named ones
	}
	s.PhoneOnlyUsers, s.UsernameOnlyUsers, s.Web3OnlyUsers = a.PhoneOnly, a.UsernameOnly, a.Web3Only
	return s
}

// SettingsWarnings are the warnings a settings result calls for; a run
// appends them last to its report.
func SettingsWarnings(s SettingsReport) []string {
	return append(providerWarnings(s), userWarnings(s)...)
}

// WarningsFor are the warnings a run of phases gives, from a report of
// both (the wizard previews both, so the phase can change without a new
// read): without the settings phase, those about who cannot sign in with
// the providers enabled are left out, as such a run enables none; without
// the users phase, those about digests not kept.
func WarningsFor(rep Report, phases Phases) []string {
	var drop []string
	var add string // said where the dropped data warnings were
	if n := rep.Users.SkippedReasons[ReasonMalformed]; n > 0 && !phases.Users && rep.Phases.Users && phases.Settings {
		add = unreadWarning(n)
	}
	if !phases.Settings && rep.Phases.Settings {
		drop = append(drop, providerWarnings(rep.Settings)...)
	}
	if !phases.Users && rep.Phases.Users {
		// No user is created, so no digest goes unkept, nor anything else.
		drop = append(drop, hasherWarnings(rep.Passwords.UnsupportedHasher)...)
		drop = append(drop, digestWarnings(rep.Passwords)...)
		drop = append(drop, dataWarnings(&rep)...)
	}
	// A settings run tags nobody: it says what importing them would do.
	reword := !phases.Users && rep.Phases.Users && phases.Settings && rep.Settings.NoUsableOAuthUsers > 0
	if len(drop) == 0 && add == "" && !reword {
		return rep.Warnings
	}
	out := slices.DeleteFunc(slices.Clone(rep.Warnings), func(w string) bool { return slices.Contains(drop, w) })
	if add != "" {
		at := len(out)
		if set := SettingsWarnings(rep.Settings); len(set) > 0 {
			if i := slices.Index(out, set[0]); i >= 0 {
				at = i // before the settings', as a settings run says it
			}
		}
		out = slices.Insert(out, at, add)
	}
	// After the insertion, which finds the settings' first warning as the
	// report words it.
	if i := slices.Index(out, noUsableWarning(rep.Settings, true)); reword && i >= 0 {
		out[i] = noUsableWarning(rep.Settings, false)
	}
	return out
}

// unreadWarning is a settings run's word on the records it could not
// read: it lists no user (the users phase's entries), yet they are left
// out of the providers it counts.
func unreadWarning(n int) string {
	return fmt.Sprintf("%s could not be read (malformed) and %s left out of the providers counted; a preview with the users phase lists them (--entries).",
		countRecords(n), map[bool]string{true: "is", false: "are"}[n == 1])
}

// providerWarnings are the warnings of SettingsWarnings about who cannot
// sign in with the providers the run enables.
func providerWarnings(s SettingsReport) []string {
	var out []string
	if len(s.TurnedBackOn) > 0 {
		out = append(out, fmt.Sprintf(
			"This import turns back on %s, turned off by hand (auth update), as its users sign in with them. To keep them off, give the run --providers naming only the social providers to enable (credentials is enabled whenever its users have passwords), or --users to leave the providers as they are, or turn them off again with auth update after it.",
			strings.Join(s.TurnedBackOn, ", ")))
	}
	if n := s.SocialStranded(); n > 0 {
		out = append(out, fmt.Sprintf(
			"%s no enabled provider to sign in with: enable theirs (--providers) or magic-link, or they cannot sign in (tagged %s, they get no password-reset email).",
			countUsers(n, "social-only", "has", "have"), TagSocialOnly))
	}
	if s.PasswordlessUsers > 0 {
		out = append(out, fmt.Sprintf(
			"%s in to Clerk with neither a password nor OAuth (email code or link): add magic-link (--providers …,magic-link) so they can sign in.", countUsers(s.PasswordlessUsers, "", "signed", "signed")))
	}
	return out
}

// noUsableWarning is userWarnings' word on the users whose OAuth sign-in
// does not carry over (or ""). A run without the users phase (usersPhase
// false) tags and lists none of them, so it says what importing them does.
func noUsableWarning(s SettingsReport, usersPhase bool) string {
	n := s.NoUsableOAuthUsers
	if n == 0 {
		return ""
	}
	// Said in --users runs too, where --providers is refused.
	then := magicLinkOr(s, "magic-link would let them in before that (--providers …,magic-link, on a run without --users)")
	tagged, listed := "they are tagged", fmt.Sprintf(" (listed in --entries as %s)", ReasonNoUsableOAuth)
	if !usersPhase {
		tagged, listed = "importing them tags them", ""
	}
	return fmt.Sprintf(
		"%s in to Clerk only with OAuth accounts that do not sign in to AscendKit (a provider it does not support, an account without a provider user id, or one another user has): "+
			"their OAuth sign-in does not carry over, so %s %s and the password-reset journey lets them set a password; %s%s.",
		countUsers(n, "", "signed", "signed"), tagged, TagNeedsPasswordReset, then, listed)
}

// settingsRunWarnings are SettingsWarnings worded for a run without the
// users phase, which tags and lists nobody.
func settingsRunWarnings(s SettingsReport) []string {
	out := SettingsWarnings(s)
	if w := noUsableWarning(s, true); w != "" {
		out[slices.Index(out, w)] = noUsableWarning(s, false)
	}
	return out
}

// userWarnings are the warnings of SettingsWarnings about the users
// themselves rather than the providers: a --users run gives them too.
func userWarnings(s SettingsReport) []string {
	var out []string
	if s.SSOUsers > 0 {
		out = append(out, fmt.Sprintf(
			"%s in through SAML or enterprise SSO (those imported are tagged %s): set up these connections in AscendKit before they sign in: %s.",
			countUsers(s.SSOUsers, "", "signed", "signed"), TagSSO, firstOf(s.SSOConnections, 10)))
	}
	if w := noUsableWarning(s, true); w != "" {
		out = append(out, w)
	}
	if s.MFAUsers > 0 {
		out = append(out, fmt.Sprintf(
			"%s MFA or passkeys in Clerk (those imported are tagged %s): second factors cannot be moved, so they must enroll again.",
			countUsers(s.MFAUsers, "", "had", "had"), TagMFAReenroll))
	}
	if w := SignInUnknownWarning(s); w != "" {
		out = append(out, w)
	}
	for _, sk := range []struct {
		n  int
		id string
	}{{s.PhoneOnlyUsers, "a phone number"}, {s.UsernameOnlyUsers, "a username"}, {s.Web3OnlyUsers, "a web3 wallet"}} {
		if sk.n > 0 {
			out = append(out, fmt.Sprintf(
				// Worded for either phase: a settings run skips nobody.
				"%s no email, only %s: AscendKit sign-in needs an email, so importing the users skips them.", countUsers(sk.n, "", "has", "have"), sk.id))
		}
	}
	return out
}

// finish makes the report consistent for the phases that ran.
// newTagCounts is the report's tag block before any user: every tag an
// import gives, at zero, so a report always names them all.
func newTagCounts() map[string]int {
	return map[string]int{TagClerk: 0, TagNeedsPasswordReset: 0, TagPasswordKept: 0, TagSocialOnly: 0,
		TagSSO: 0, TagMFAReenroll: 0}
}

func (r *runner) finish() {
	u := &r.report.Users
	u.Fetched = r.fetched
	// An import that stopped early read users it neither wrote nor
	// counted otherwise: the page being classified, the batch not yet
	// sent or whose write did not commit, the users held to the end of
	// the source (a preview's too, whose counts are the run's). A
	// completed import has none (its outcomes add up).
	u.NotWritten = max(0, u.Fetched-(u.ToImport+u.Duplicates+u.Skipped+u.Failed+u.NotSelected))
	if !r.opts.Phases.Users {
		// The users phase did not run: its block stays, with zeros, but
		// fetched still says how many users were read for the analysis.
		for k := range u.DuplicateReasons {
			u.DuplicateReasons[k] = 0
		}
		for k := range u.SkippedReasons {
			u.SkippedReasons[k] = 0
		}
		*u = UserCounts{Fetched: r.fetched, DuplicateReasons: u.DuplicateReasons, SkippedReasons: u.SkippedReasons}
	}
}

func (r *runner) countsCopy() UserCounts {
	c := r.report.Users
	c.Fetched = r.fetched
	c.DuplicateReasons = maps.Clone(c.DuplicateReasons)
	c.SkippedReasons = maps.Clone(c.SkippedReasons)
	return c
}

// firstOf joins up to n items, saying how many more there are, so that a
// warning stays one readable line (the JSON report lists them all).
func firstOf(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %s more", strings.Join(items[:n], ", "), Thousands(len(items)-n))
}

// quoteCut quotes user data for a message, cut to a readable length.
func quoteCut(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

// countUsers reads "1 social-only user has" / "3 social-only users have".
func countUsers(n int, adjective, one, many string) string {
	if adjective != "" {
		adjective += " "
	}
	if n == 1 {
		return "1 " + adjective + "user " + one
	}
	return fmt.Sprintf("%s %susers %s", Thousands(n), adjective, many)
}

// Thousands writes n with comma separators: 12345 → "12,345".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
