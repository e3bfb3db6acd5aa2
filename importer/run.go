package importer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// DefaultBatchSize is the number of users written per transaction.
const DefaultBatchSize = 250

// seenSet remembers emails and ids already met in this source. It keeps
// 8-byte hashes rather than strings so that a million users cost a few
// megabytes; a false "repeated" needs a 64-bit collision (≈1e-8 at 1M users).
type seenSet struct {
	seed maphash.Seed
	m    map[uint64]struct{}
}

func newSeenSet() *seenSet { return &seenSet{seed: maphash.MakeSeed(), m: map[uint64]struct{}{}} }

// addSeen records s and reports whether it was already there.
func (s *seenSet) addSeen(kind, v string) bool {
	h := maphash.String(s.seed, kind+"\x00"+v)
	if _, ok := s.m[h]; ok {
		return true
	}
	s.m[h] = struct{}{}
	return false
}

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
	// pendingQ mirrors pending, one entry per write, in order.
	pendingQ []queued
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
	if !opts.Phases.Users && !opts.Phases.Settings {
		opts.Phases = Phases{Users: true, Settings: true}
	}
	if opts.OnDuplicate == "" {
		opts.OnDuplicate = PolicySkip
	}
	if opts.OnDuplicate != PolicySkip && opts.OnDuplicate != PolicyMerge {
		return Report{}, fmt.Errorf("importer: unknown duplicate policy %q (skip or merge)", opts.OnDuplicate)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnEvent == nil {
		opts.OnEvent = func(Event) {}
	}
	r := &runner{ctx: ctx, src: src, env: env, opts: opts, runID: newRunID(), now: opts.Now().UTC(),
		z: newAnalyzer(), seen: newSeenSet()}
	r.report = Report{Mode: opts.Mode, Source: src.Kind(), Phases: opts.Phases,
		Users: UserCounts{
			DuplicateReasons: map[string]int{ReasonAlreadyImported: 0, ReasonEmailExists: 0, ReasonRepeatedInSource: 0},
			SkippedReasons:   map[string]int{ReasonNoEmail: 0, ReasonInvalidEmail: 0, ReasonBanned: 0, ReasonMalformed: 0},
		},
		Tags:   map[string]int{TagClerk: 0, TagNeedsPasswordReset: 0, TagSocialOnly: 0},
		Events: map[string]int{EventUserImported: 0, EventUserLogin: 0},
		Settings: SettingsReport{Providers: []string{}, Unsupported: map[string]int{},
			Before: []string{}, After: []string{}},
	}
	err := r.run()
	if err != nil && ctx.Err() != nil {
		r.report.Interrupted = true
		err = ctx.Err()
	}
	r.finish()
	opts.OnEvent(Finished{Report: r.report})
	return r.report, err
}

func newRunID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "run_" + hex.EncodeToString(b)
}

func (r *runner) run() error {
	total, err := r.src.Total(r.ctx)
	if err != nil {
		return err
	}
	r.total = total
	r.opts.OnEvent(Started{Mode: r.opts.Mode, Source: r.src.Kind(), Total: total})
	if r.opts.Providers != nil {
		r.report.Settings.Providers = r.opts.Providers
	}
	before, err := r.env.AuthSettings(r.ctx)
	if err != nil {
		return fmt.Errorf("reading auth settings: %w", err)
	}
	r.report.Settings.Before = nonNil(before.Providers)

	for {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		recs, err := r.src.Next(r.ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := r.page(recs); err != nil {
			return err
		}
	}
	if err := r.flush(); err != nil {
		return err
	}
	return r.settings()
}

// page classifies one page of records and queues the users to write.
func (r *runner) page(recs []clerk.Record) error {
	type item struct {
		rec clerk.Record
		m   mapped
	}
	items := make([]item, 0, len(recs))
	var ids, emails []string
	for _, rec := range recs {
		r.fetched++
		if rec.Err != nil || rec.User == nil {
			detail := "malformed record"
			if rec.Err != nil {
				detail = rec.Err.Error()
			}
			r.skip(Entry{Pos: rec.Pos, Reason: ReasonMalformed, Detail: detail})
			continue
		}
		m, reason := mapUser(rec.User, r.now, r.opts.IncludeBanned)
		if reason != "" {
			e := Entry{Pos: rec.Pos, SourceID: rec.User.ID, Name: displayName(rec.User), Reason: reason}
			if pe := primaryEmail(rec.User); pe != nil {
				e.Email = pe.EmailAddress
			}
			r.skip(e)
			continue
		}
		r.z.add(&m)
		items = append(items, item{rec, m})
		ids = append(ids, rec.User.ID)
		emails = append(emails, m.email)
	}

	// Lookups see the environment as it was before this run: users this
	// run wrote are caught by the in-source check instead, which is what
	// keeps preview and run counts equal.
	byID, err := r.env.LookupSourceIDs(r.ctx, SourceClerk, ids)
	if err != nil {
		return fmt.Errorf("looking up imported users: %w", err)
	}
	byEmail, err := r.env.LookupEmails(r.ctx, emails)
	if err != nil {
		return fmt.Errorf("looking up emails: %w", err)
	}
	for _, it := range items {
		u := it.rec.User
		e := Entry{Pos: it.rec.Pos, SourceID: u.ID, Email: it.m.email, Name: it.m.user.User.Name}
		repeatedID := r.seen.addSeen("id", u.ID)
		repeatedEmail := r.seen.addSeen("email", it.m.email)
		if mt, ok := byID[u.ID]; ok && mt.RunID != r.runID {
			e.Reason, e.ExistingUserID = ReasonAlreadyImported, mt.UserID
		} else if mt, ok := byEmail[it.m.email]; ok && mt.RunID != r.runID {
			e.Reason, e.ExistingUserID = ReasonEmailExists, mt.UserID
		} else if repeatedID || repeatedEmail {
			e.Reason = ReasonRepeatedInSource
		}
		if e.Reason == "" {
			r.queueCreate(it.m)
		} else {
			r.duplicate(e, it.m)
		}
	}
	r.opts.OnEvent(PageRead{Fetched: r.fetched, Total: r.total,
		Analysis: r.z.snapshot(r.fetched, r.opts.Providers), Counts: r.countsCopy()})
	if len(r.pending.Create)+len(r.pending.Merge) >= r.opts.BatchSize {
		return r.flush()
	}
	return nil
}

func (r *runner) skip(e Entry) {
	e.Kind = "skipped"
	r.report.Users.Skipped++
	r.report.Users.SkippedReasons[e.Reason]++
	r.opts.OnEvent(EntryFound{Entry: e})
}

func (r *runner) duplicate(e Entry, m mapped) {
	e.Kind = "duplicate"
	e.Policy = r.opts.OnDuplicate
	if p, ok := r.opts.Decisions[e.SourceID]; ok {
		e.Policy = p
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
		Email: m.email, Source: SourceClerk, SourceID: e.SourceID, Tags: m.user.User.Tags,
		OAuthLinks: m.user.User.OAuthLinks, ImportMeta: importMeta(e.SourceID, r.now),
	}
	r.queue(queued{entry: e, merge: &mg})
}

func (r *runner) queueCreate(m mapped) {
	if !r.opts.Phases.Users {
		return
	}
	u := m.user
	r.queue(queued{entry: Entry{SourceID: u.SourceID, Email: m.email, Name: u.User.Name}, create: &u})
}

// queued is one write waiting in the pending batch.
type queued struct {
	entry  Entry
	create *ascendkit.ImportedUser
	merge  *ascendkit.Merge
}

// queue adds a write to the pending batch. A preview counts it now; a run
// counts it once its transaction has committed, so the report of a run
// (even an interrupted one) says only what was written.
func (r *runner) queue(q queued) {
	if q.create != nil {
		r.pending.Create = append(r.pending.Create, *q.create)
	} else {
		r.pending.Merge = append(r.pending.Merge, *q.merge)
	}
	r.pendingQ = append(r.pendingQ, q)
	if r.opts.Mode == ModePreview {
		r.count(q, true)
	}
}

// count adds one write's contribution to the report; links are counted
// here only when the environment's own count is not known (preview).
func (r *runner) count(q queued, links bool) {
	var tags []string
	var nlinks int
	if q.create != nil {
		r.report.Users.ToImport++
		tags, nlinks = q.create.User.Tags, len(q.create.User.OAuthLinks)
		for _, ev := range q.create.Events {
			r.report.Events[ev.Type]++
		}
	} else {
		r.report.Users.ToMerge++
		tags, nlinks = q.merge.Tags, len(q.merge.OAuthLinks)
	}
	for _, t := range tags {
		r.report.Tags[t]++
	}
	if links {
		r.report.OAuthLinks += nlinks
	}
}

// flush writes the pending batch (run mode) or drops it (preview).
func (r *runner) flush() error {
	defer func() {
		r.pending = ascendkit.ImportBatch{}
		r.pendingQ = r.pendingQ[:0]
	}()
	if len(r.pendingQ) == 0 || r.opts.Mode != ModeRun {
		return nil
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	r.pending.RunID = r.runID
	res, err := r.env.ApplyImport(r.ctx, r.pending, r.now)
	if err != nil {
		if r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		// The batch was rolled back. Write its users one by one so that
		// one bad row fails alone and is reported, not the whole batch.
		return r.applyOneByOne(err)
	}
	r.record(res, r.pendingQ)
	return nil
}

func (r *runner) applyOneByOne(batchErr error) error {
	written := 0
	for _, q := range r.pendingQ {
		b := ascendkit.ImportBatch{RunID: r.runID}
		if q.create != nil {
			b.Create = []ascendkit.ImportedUser{*q.create}
		} else {
			b.Merge = []ascendkit.Merge{*q.merge}
		}
		res, err := r.env.ApplyImport(r.ctx, b, r.now)
		if r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		if err != nil {
			r.fail(q.entry, err)
			continue
		}
		written++
		r.record(res, []queued{q})
	}
	if written == 0 {
		// Nothing could be written: the environment itself is failing.
		return fmt.Errorf("writing to %s: %w", r.env.Describe(), batchErr)
	}
	return nil
}

func (r *runner) fail(e Entry, err error) {
	e.Kind, e.Reason, e.Detail = "failed", "write_failed", err.Error()
	r.report.Users.Failed++
	r.opts.OnEvent(EntryFound{Entry: e})
}

// record adds a committed batch's results to the report.
func (r *runner) record(res ascendkit.BatchResult, qs []queued) {
	existing := map[string]bool{}
	for _, id := range res.Existing {
		existing[id] = true
	}
	u := &r.report.Users
	for _, q := range qs {
		if q.create != nil && existing[q.create.SourceID] {
			// Another writer imported it between our lookup and our
			// write: a duplicate after all, not written twice.
			u.Duplicates++
			u.DuplicateReasons[ReasonAlreadyImported]++
			e := q.entry
			e.Kind, e.Reason, e.Policy = "duplicate", ReasonAlreadyImported, PolicySkip
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
}

// settings computes the provider set and, in run mode, merges it into the
// environment's settings.
func (r *runner) settings() error {
	a := r.z.snapshot(r.fetched, r.opts.Providers)
	s := &r.report.Settings
	if !r.opts.Phases.Settings {
		s.Providers = []string{}
		s.After = s.Before
		return nil
	}
	s.Providers = EnabledProviders(a, r.opts.Providers)
	s.Unsupported = a.Unsupported
	s.StrandedUsers = a.Stranded
	after := append(slices.Clone(s.Before), s.Providers...)
	slices.Sort(after)
	s.After = slices.Compact(after)
	if r.opts.Mode != ModeRun {
		return nil
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if !slices.Equal(s.After, s.Before) {
		if err := r.env.SetAuthProviders(r.ctx, s.After); err != nil {
			return fmt.Errorf("updating auth settings: %w", err)
		}
	}
	r.opts.OnEvent(SettingsApplied{Settings: *s})
	return nil
}

// finish makes the report consistent for the phases that ran.
func (r *runner) finish() {
	r.report.Users.Fetched = r.fetched
	if !r.opts.Phases.Users {
		// The users phase did not run: its block stays, with zeros, but
		// fetched still says how many users were read for the analysis.
		u := &r.report.Users
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
	c.DuplicateReasons = cloneCounts(c.DuplicateReasons)
	c.SkippedReasons = cloneCounts(c.SkippedReasons)
	return c
}

func cloneCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
