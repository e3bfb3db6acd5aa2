package importer

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// DefaultClassifiedInMemory is how many users a classification keeps in
// memory before it moves them to a temporary file: at ~200 bytes a user
// (a flagged user's warnings add their short details), 50,000 users is
// ~10 MB; past that, memory would grow with the source.
const DefaultClassifiedInMemory = 50_000

// classifiedInMemory is DefaultClassifiedInMemory (tests lower it to walk
// the file path with a few users).
var classifiedInMemory = DefaultClassifiedInMemory

// classifiedBytes bounds the records kept in memory by their size too
// (classRec.bytes): a user keeps a link record for each OAuth account, so
// 48,000 users with 100 accounts each (the reader's most) held 857 MB
// before they reached the count; typical users are far from it. A
// variable so tests can reach it with a few users.
var classifiedBytes = 32 << 20

// Classified is what a full preview learned about each user of the
// source: how the user maps (skip reason, tags, links, auth methods,
// password outcome) and what the environment already had (duplicate
// matches, owned OAuth accounts). Recount replays it with other duplicate
// choices, banned users included or not, or another provider set, giving
// the report a fresh preview would give without reading the source again.
//
// It holds no password digest, key or other secret: only ids, emails,
// provider names, counts and the warnings' details (which name no
// digest). Past DefaultClassifiedInMemory users it is
// kept in a temporary file (unlinked at once where the system allows, so
// nothing outlives the process; removed by Close otherwise). Close it when
// it is no longer needed.
type Classified struct {
	base  Report // the preview's own report
	notes int    // leading warnings that do not depend on the choices
	tail  int    // warnings between the hashers' and the settings'
	// assumed: the base has the warning about passwords taken on no
	// evidence (right after the hashers'), which Recount counts afresh;
	// pwFile: a passwords file was given (the warning's words).
	assumed, pwFile bool
	stamp           envStamp

	mu   sync.Mutex
	recs []classRec
	file *os.File
	path string
	size int64
	n    int
	// held is about the bytes of recs (classRec.bytes).
	held   int
	closed bool
	enc    *gob.Encoder
	buf    *bufio.Writer
	err    error // a write to the file failed: the classification is unusable
	// gone are the preview's ReasonImportedNotInSource entries (see
	// runner.checkGone), which no choice changes: ReviewEntries lists
	// them as the preview did. Past a few thousand, in a temporary file.
	gone *heldStore[Entry]
}

// classRec is one record of the source, as the preview classified it.
type classRec struct {
	// Skip is the reason a record is skipped whatever the choices ("" for
	// a user who maps, banned included).
	Skip   string
	Banned bool // skipped as banned unless Options.IncludeBanned
	ID     string
	Email  string
	// ByID / ByEmail: the environment has a user of this Clerk id / email.
	ByID, ByEmail bool
	// Verified: the address is verified in Clerk; EnvVerified: in the
	// environment's user with it (see noMerge).
	Verified, EnvVerified bool
	// EnvImportRun: the earlier run that created the environment's user
	// with the address (mergeTarget.importRun); EnvMergedWith: the other
	// Clerk user an earlier import merged into it (mergedWithOther), and
	// EnvMergePending those merged into it by runs this one takes up
	// (resumedMerge says at replay what they are).
	EnvImportRun, EnvMergedWith string
	EnvMergePending             []string
	// EnvRunUnfinished: EnvImportRun is one this run takes up
	// (runner.unfinished).
	EnvRunUnfinished bool
	// IDUser and EnvUser are the environment's users found by Clerk id
	// and by address ("" for none): importedHolderTarget's "same".
	IDUser, EnvUser string
	// DigestNotStored: the user found by Clerk id has no digest stored,
	// and this import has one (runner.digestNotStored); DigestRun is the
	// run that created them.
	DigestNotStored bool
	DigestRun       string
	// BanNotApplied: Clerk bans the user found by Clerk id, who is not
	// banned in the environment (runner.banUnapplied).
	BanNotApplied bool
	// Changed: the user found by Clerk id differs from the source's
	// (runner.changes).
	Changed bool
	// Unmarked: the source gives the address no status (mapped.markedUnverified).
	Unmarked bool
	Links    []classLink
	// What the analysis counts.
	HadPassword            bool
	Providers, Unsupported []string
	SSO                    []string
	MFA                    bool
	Unverified             int
	// What a created user counts: tags, the synthetic login event, and the
	// password block (Kept, or the hasher that could not be kept).
	Tags   []string
	Login  bool
	Kept   bool
	Hasher string
	// DigestMalformed, DigestOff: the digest was not kept (see
	// mapped.digestMalformed), counted for a user created; Password are
	// the warnings that say so.
	DigestMalformed, DigestOff, DigestMissing bool
	// DigestDiffers: the source's digest and the passwords file's differ.
	DigestDiffers bool
	// Assumed: the source did not say whether the user has a password,
	// nor did the passwords file, so one is assumed (resolvePasswords).
	Assumed bool
	// OAuthUnknown: the source does not say whether the user had OAuth
	// (mapped.oauthUnknown).
	OAuthUnknown bool
	// Flags: what the report counts of the user left out or changed.
	Flags flagCounts
	// The warnings a preview lists of the user (ReviewEntries): Password,
	// of each occurrence (keepPassword's); Flagged, of a user analyzed
	// once (flagEntries); Rerun, of a user an earlier run imported (the
	// digest not stored, the ban not applied, the changes), with the
	// users phase.
	Password, Flagged, Rerun []classWarn
}

// bytes is about the memory r holds: its fields (456 bytes on 64-bit
// platforms), its strings and the records it lists (a classLink is 72
// bytes, a classWarn 48). An estimate for bounding the records kept in
// memory, not an exact count.
func (r *classRec) bytes() int {
	n := 456 + len(r.ID) + len(r.Email) + len(r.EnvImportRun) + len(r.EnvMergedWith) + len(r.DigestRun) + len(r.Hasher) + len(r.IDUser) + len(r.EnvUser)
	for _, id := range r.EnvMergePending {
		n += 16 + len(id)
	}
	for _, l := range r.Links {
		n += 72 + len(l.Key) + len(l.Provider) + len(l.PID) + len(l.Owner)
	}
	for _, ss := range [][]string{r.Providers, r.Unsupported, r.SSO, r.Tags} {
		for _, s := range ss {
			n += 16 + len(s)
		}
	}
	for _, ws := range [][]classWarn{r.Password, r.Flagged, r.Rerun} {
		for _, w := range ws {
			n += 48 + len(w.Reason) + len(w.Detail) + len(w.Existing)
		}
	}
	return n
}

// classWarn is a warning of one user: its reason and detail (short
// strings: counts, names, ids; never a digest), and the existing user it
// names.
type classWarn struct {
	Reason, Detail, Existing string
}

// classWarns keeps the reason, detail and existing user of entries.
func classWarns(es []Entry) []classWarn {
	if len(es) == 0 {
		return nil
	}
	out := make([]classWarn, len(es))
	for i, e := range es {
		out[i] = classWarn{Reason: e.Reason, Detail: e.Detail, Existing: e.ExistingUserID}
	}
	return out
}

// classLink is one OAuth account of a user and whether the environment
// already links it to someone, and to the user with the same address
// (Own: a merge into that user needs nothing).
type classLink struct {
	Key   string
	InEnv bool
	Own   bool
	// Supported: AscendKit signs in with the link's provider (see
	// runner.noLinkLeft).
	Supported bool
	// Provider and PID (the provider's user id) spell the link in a
	// conflict's warning; Owner is the environment's user who has it.
	Provider, PID, Owner string
}

// envStamp is what tells that the environment changed since the read:
// its user count and its import runs (by id: runs started in the same
// instant have no order).
type envStamp struct {
	users int
	runs  map[string]bool
	// audiences are the active journeys' audience tags, which decide
	// the enrollments a run makes.
	audiences []string
}

func stampOf(ctx context.Context, env ascendkit.Environment) (envStamp, error) {
	n, err := env.CountUsers(ctx)
	if err != nil {
		return envStamp{}, err
	}
	runs, err := env.ListRuns(ctx)
	if err != nil {
		return envStamp{}, err
	}
	s := envStamp{users: n, runs: make(map[string]bool, len(runs))}
	for _, r := range runs {
		s.runs[r.ID] = true
	}
	s.audiences, err = activeAudiences(ctx, env)
	return s, err
}

// newClassified starts a classification when opts ask for one and the
// run can give one: a full preview (a canary's selection is not the whole
// source). It returns nil otherwise, or when the environment cannot be
// stamped (the preview itself goes on).
func newClassified(ctx context.Context, env ascendkit.Environment, opts Options) *Classified {
	if opts.OnClassified == nil || opts.Mode != ModePreview || len(opts.Only) > 0 {
		return nil
	}
	st, err := stampOf(ctx, env)
	if err != nil {
		return nil
	}
	return &Classified{stamp: st}
}

// classify is the runner's hook after each page: it maps every record
// again (banned users as if included) and looks up what the environment
// has for them, without sending events.
func (c *Classified) classify(r *runner, recs []clerk.Record, pw map[string]stagedDigest) error {
	if c == nil {
		return nil
	}
	out := make([]classRec, 0, len(recs))
	var users []int // indexes in out of records that map
	var ms []mapped
	var us []*clerk.User
	var ids, emails []string
	var links []ascendkit.OAuthLink
	// Nothing is sent (the preview sends its own).
	onEvent := r.opts.OnEvent
	r.opts.OnEvent = func(Event) {}
	defer func() { r.opts.OnEvent = onEvent }()
	for _, rec := range recs {
		if rec.Err != nil || rec.User == nil {
			out = append(out, classRec{Skip: ReasonMalformed})
			continue
		}
		// Classifying is for a preview: no metadata is written.
		m, reason, _ := mapUserFor(rec.User, r.now, true, false)
		if reason != "" {
			out = append(out, classRec{Skip: reason})
			continue
		}
		r.keepPassword(&m, rec.User, rec.Pos, pw)
		users = append(users, len(out))
		us = append(us, rec.User)
		ms = append(ms, m)
		out = append(out, classRec{Banned: restricted(rec.User), ID: rec.User.ID, Email: m.email,
			Assumed: passwordAssumed(rec.User, pw), DigestMalformed: m.digestMalformed, DigestOff: m.digestOff, DigestMissing: m.digestMissing,
			DigestDiffers: m.digestDiffers, Password: classWarns(m.digestNotes)})
		ids = append(ids, rec.User.ID)
		emails = append(emails, m.email)
		links = append(links, m.user.User.OAuthLinks...)
	}
	byID, err := r.env.LookupSourceIDs(r.ctx, SourceClerk, ids)
	if err != nil {
		return err
	}
	byEmail, err := r.env.LookupEmails(r.ctx, emails)
	if err != nil {
		return err
	}
	byLink, err := r.env.LookupLinks(r.ctx, links)
	if err != nil {
		return err
	}
	// The states the checks read, at once (those the page read are kept).
	var reads []string
	for i, at := range users {
		if mt, ok := byID[out[at].ID]; ok {
			if rerunReads(&ms[i], us[i], mt, byEmail) {
				reads = append(reads, mt.UserID)
			}
		}
		if em, ok := byEmail[out[at].Email]; ok && mergeCheckReads(ms[i].user.User.EmailVerified, em) {
			reads = append(reads, em.UserID)
		}
	}
	if err := r.loadStates(reads); err != nil {
		return err
	}
	for i, at := range users {
		m := &ms[i]
		cr := &out[at]
		var mt ascendkit.Match
		mt, cr.ByID = byID[cr.ID]
		if cr.ByID {
			f, err := r.rerunChecks(m, us[i], mt, byEmail, byLink)
			if err != nil {
				return err
			}
			cr.DigestNotStored, cr.DigestRun, cr.BanNotApplied, cr.Changed = f.notStored, f.run, f.ban, len(f.diffs) > 0
			cr.Rerun = classWarns(f.entries(Entry{ExistingUserID: mt.UserID}))
		}
		em, byEm := byEmail[cr.Email]
		cr.ByEmail, cr.EnvVerified, cr.Verified = byEm, em.EmailVerified, m.user.User.EmailVerified
		cr.EnvImportRun, cr.EnvUser = em.RunID, em.UserID
		if cr.ByID {
			cr.IDUser = mt.UserID
		}
		if cr.EnvRunUnfinished, err = r.unfinished(em.RunID); err != nil {
			return err
		}
		if byEm && !cr.ByID { // replay reads it only for an email_exists duplicate
			if cr.EnvMergedWith, cr.EnvMergePending, err = r.mergedWithOther(cr.ID, cr.Verified, em); err != nil {
				return err
			}
		}
		cr.Unmarked = !cr.Verified && !m.markedUnverified
		for _, l := range m.user.User.OAuthLinks {
			k := ascendkit.LinkKey(l.Provider, l.ProviderUserID)
			owner, in := byLink[k]
			_, sup := providerName(l.Provider)
			cl := classLink{Key: k, InEnv: in, Own: in && byEm && owner.UserID == em.UserID, Supported: sup,
				Provider: l.Provider, PID: l.ProviderUserID}
			if in {
				cl.Owner = owner.UserID
			}
			cr.Links = append(cr.Links, cl)
		}
		cr.HadPassword, cr.Providers, cr.Unsupported = m.hadPassword, m.providers, m.unsupported
		cr.SSO, cr.MFA, cr.Unverified = m.sso, m.mfa, len(m.unverified)
		cr.OAuthUnknown = m.oauthUnknown
		cr.Flags = m.flagCounts()
		cr.Flagged = classWarns(flagEntries(Entry{}, us[i], m))
		cr.Tags = m.user.User.Tags
		cr.Login = len(m.user.Events) > 1 && m.user.Events[1].Type == EventUserLogin
		if p := m.user.Password; p != nil {
			cr.Kept, cr.Hasher = p.Digest != "", p.Hasher
			if cr.Kept {
				cr.Hasher = ""
			}
		}
	}
	return c.append(out)
}

// append keeps records in memory up to the bound, then in the file.
func (c *Classified) append(recs []classRec) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil
	}
	if c.file == nil {
		for i := range recs {
			c.held += recs[i].bytes()
		}
		if len(c.recs)+len(recs) > classifiedInMemory || c.held > classifiedBytes {
			if err := c.spill(); err != nil {
				c.err = err
				return nil
			}
		}
	}
	c.n += len(recs)
	if c.file == nil {
		c.recs = append(c.recs, recs...)
		return nil
	}
	for i := range recs {
		if err := c.enc.Encode(&recs[i]); err != nil {
			c.err = err
			return nil
		}
	}
	return nil
}

// spill moves the records kept so far to a new temporary file.
func (c *Classified) spill() error {
	f, err := os.CreateTemp("", "ascendkit-classified-*")
	if err != nil {
		return err
	}
	c.file, c.path = f, f.Name()
	// Unlinked now where the system allows: the open file stays readable
	// and nothing is left behind, however the process ends.
	if os.Remove(c.path) == nil {
		c.path = ""
	}
	// A classification dropped without Close still gives its file back.
	runtime.AddCleanup(c, func(t tempFile) { t.f.Close(); t.remove() }, tempFile{f, c.path})
	c.buf = bufio.NewWriterSize(f, 64<<10)
	c.enc = gob.NewEncoder(c.buf)
	for i := range c.recs {
		if err := c.enc.Encode(&c.recs[i]); err != nil {
			return err
		}
	}
	c.recs = nil
	return nil
}

// addGone keeps an entry of runner.checkGone for ReviewEntries.
func (c *Classified) addGone(e Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	if c.gone == nil {
		c.gone = newHeldStore(gobCodec[Entry]())
	}
	if err := c.gone.add(e); err != nil {
		c.err = err
	}
}

// tempFile is the file and, where it could not be unlinked at once, its
// path to remove.
type tempFile struct {
	f    *os.File
	path string
}

func (t tempFile) remove() {
	if t.path != "" {
		os.Remove(t.path)
	}
}

// finish seals the classification after a preview; it reports false
// (and frees it) when the preview did not read the whole source.
func (c *Classified) finish(r *runner, err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && c.err == nil && c.file != nil {
		if err = c.buf.Flush(); err == nil {
			var fi os.FileInfo
			if fi, err = c.file.Stat(); err == nil {
				c.size = fi.Size()
			}
		}
		c.enc, c.buf = nil, nil
	}
	if err != nil || c.err != nil || r.report.Interrupted || r.report.Error != "" {
		c.closeLocked()
		return false
	}
	c.base = r.report
	c.base.Warnings = slices.Clone(r.report.Warnings)
	// The warnings that depend on the choices are the hashers' (in the
	// middle) and the settings' (last); the others are kept as they are:
	// the source's notes first, then the passwords file's, the count's
	// and the empty source's.
	w := len(c.base.Warnings)
	set := r.settingsWarnings
	// After the hashers' come the passwords-file warnings: the assumed
	// passwords (counted afresh), the unmatched records.
	c.assumed, c.pwFile = r.passwordAssumed > 0, r.staged != nil
	if c.assumed {
		set++ // not a note either
	}
	c.tail = r.tailWarnings // the unmatched records, the count, the empty source
	c.notes = w - set - c.tail - len(c.base.Passwords.UnsupportedHasher) - len(digestWarnings(c.base.Passwords))
	if c.notes < 0 {
		c.closeLocked()
		return false
	}
	return true
}

// keepClassified hands the classification over once the preview is done.
func (r *runner) keepClassified(err error) {
	c := r.cls
	if c == nil {
		return
	}
	r.cls = nil
	if c.finish(r, err) {
		r.opts.OnClassified(c)
	}
}

// Users is the number of records classified (the source's users read).
func (c *Classified) Users() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// OnDisk reports whether the records are kept in a temporary file.
func (c *Classified) OnDisk() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.file != nil
}

// Close frees the classification and removes its file. It is safe to
// call more than once, and while a Recount runs (which then fails).
func (c *Classified) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked()
	return nil
}

func (c *Classified) closeLocked() {
	if c.closed {
		return
	}
	c.closed = true
	c.recs = nil
	if c.gone != nil {
		c.gone.release()
	}
	if c.file != nil {
		c.file.Close()
		if c.path != "" {
			os.Remove(c.path)
		}
	}
}

// ErrClassifiedClosed is returned by Recount after Close.
var ErrClassifiedClosed = errors.New("importer: the classification was closed")

// Fresh reports whether the environment is as the preview found it: the
// same number of users and no import run since, except the runs in
// harmless (runs that wrote nothing, such as an import stopped before its
// first batch). Any other change calls for a new read.
func (c *Classified) Fresh(ctx context.Context, env ascendkit.Environment, harmless func(runID string) bool) (bool, error) {
	st, err := stampOf(ctx, env)
	if err != nil || st.users != c.stamp.users || !slices.Equal(st.audiences, c.stamp.audiences) {
		return false, err
	}
	for id := range c.stamp.runs {
		if !st.runs[id] {
			return false, nil // the run history was rewritten (an undo)
		}
	}
	for id := range st.runs {
		if !c.stamp.runs[id] && (harmless == nil || !harmless(id)) {
			return false, nil
		}
	}
	// The settings' before set is part of the report.
	a, err := env.AuthSettings(ctx)
	if err != nil {
		return false, err
	}
	return slices.Equal(nonNil(a.Providers), c.base.Settings.Before), nil
}

// each calls fn for every record, in source order.
func (c *Classified) each(ctx context.Context, fn func(*classRec)) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClassifiedClosed
	}
	recs, f, size := c.recs, c.file, c.size
	c.mu.Unlock()
	if f == nil {
		for i := range recs {
			if i%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			fn(&recs[i])
		}
		return nil
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 64<<10))
	for i := 0; ; i++ {
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		var cr classRec
		if err := dec.Decode(&cr); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			c.mu.Lock()
			closed := c.closed
			c.mu.Unlock()
			if closed {
				return ErrClassifiedClosed
			}
			return fmt.Errorf("importer: reading the classification: %w", err)
		}
		fn(&cr)
	}
}

// heldRec is a record of the classification held back (see sawUser),
// with its position in the source.
type heldRec struct {
	Pos int
	Rec classRec
	// Merge: placed already, only its merge waits (runner.holdMerge);
	// RepeatedEmail is what sawUser said of it then.
	Merge, RepeatedEmail bool
}

// replay walks the classification as a preview with includeBanned meets
// its users: skipped for each record skipped (its position, 1-based, and
// reason), placed for each user who maps, at its place with what
// seen.sawUser says of it, then again at the end of the source (atEnd)
// for each user sawUser held, with what seen.sawHeld says: the order
// runner.page and runner.placeHeld follow.
func (c *Classified) replay(ctx context.Context, seen *seenSet, includeBanned bool,
	skipped func(pos int, cr *classRec, reason string), placed func(pos int, cr *classRec, uc userClaim, atEnd bool)) error {
	held := newHeldStore(gobCodec[heldRec]())
	defer held.release()
	pos := 0
	var heldErr error
	err := c.each(ctx, func(cr *classRec) {
		pos++
		// A user an earlier run imported is an already-imported duplicate,
		// banned or not (runner.page).
		if cr.Skip != "" || (cr.Banned && !includeBanned && !cr.ByID) {
			reason := cr.Skip
			if reason == "" {
				reason = ReasonBanned
				seen.addSeen("id", cr.ID) // as runner.page
			}
			skipped(pos, cr, reason)
			return
		}
		if cr.ByID { // as runner.page
			seen.addSeen("email-imported-user", cr.Email+"\x00"+cr.IDUser)
		}
		uc := seen.sawUser(cr.ID, cr.Email, cr.Verified, !cr.ByID, cr.ByEmail, cr.Unmarked, cr.ByEmail && cr.EnvImportRun != "")
		// As runner.page (emailExists): a merge that waits for the end
		// of the source is placed there, counted at its place as held.
		wait := !cr.ByID && cr.ByEmail && !uc.held && !uc.importedHolder && !uc.repeatedID &&
			cr.EnvMergedWith == "" && listedLater(seen, cr.Email, cr.EnvMergePending)
		if wait {
			placed(pos, cr, userClaim{held: true}, false)
		} else {
			placed(pos, cr, uc, false)
		}
		if (uc.held || wait) && heldErr == nil {
			heldErr = held.add(heldRec{Pos: pos, Rec: *cr, Merge: wait, RepeatedEmail: wait && uc.repeatedEmail})
		}
	})
	if err == nil {
		err = heldErr
	}
	if err == nil {
		err = held.each(func(h *heldRec) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if h.Merge {
				placed(h.Pos, &h.Rec, userClaim{repeatedEmail: h.RepeatedEmail}, true)
			} else {
				placed(h.Pos, &h.Rec, seen.sawHeld(h.Rec.Email, h.Rec.ByEmail && h.Rec.EnvImportRun != ""), true)
			}
			return nil
		})
	}
	if err == nil {
		err = seen.check()
	}
	return err
}

// Recount is the report a preview with opts would give (its duplicate
// policy and decisions, IncludeBanned, Providers and Phases; Mode is
// preview), computed from the classification. It applies the run's own
// rules in the same order, so every count and warning matches.
func (c *Classified) Recount(ctx context.Context, opts Options) (Report, error) {
	if err := opts.defaults(); err != nil {
		return Report{}, err
	}
	b := &c.base
	rep := Report{Mode: ModePreview, Source: b.Source, Phases: opts.Phases,
		Users: UserCounts{
			DuplicateReasons: zeroed(b.Users.DuplicateReasons),
			SkippedReasons:   zeroed(b.Users.SkippedReasons),
		},
		Tags:      newTagCounts(),
		Events:    map[string]int{EventUserImported: 0, EventUserLogin: 0},
		Passwords: PasswordReport{UnsupportedHasher: map[string]int{}, Unmatched: b.Passwords.Unmatched, Repeated: b.Passwords.Repeated},
	}
	z, seen := newAnalyzer(), newSeenSet()
	defer seen.release()
	u := &rep.Users
	assumed := 0 // users taken to have a password (assumedWarning)
	err := c.replay(ctx, seen, opts.IncludeBanned, func(_ int, cr *classRec, reason string) {
		z.skipped(reason)
		u.Skipped++
		u.SkippedReasons[reason]++
	}, func(_ int, cr *classRec, uc userClaim, atEnd bool) {
		repeatedID, repeatedEmail, firstVerified := uc.repeatedID, uc.repeatedEmail, uc.firstVerified
		if !repeatedID && !atEnd { // as runner.analyze
			z.add(&mapped{hadPassword: cr.HadPassword, providers: cr.Providers, unsupported: cr.Unsupported,
				sso: cr.SSO, mfa: cr.MFA, unverified: make([]string, cr.Unverified), oauthUnknown: cr.OAuthUnknown,
				noUsableOAuth: cr.Flags.NoUsableOAuth})
			rep.OAuthLinksUnverified += cr.Unverified
			addFlags(&rep, cr.Flags) // as runner.flagged
			if cr.Assumed {
				assumed++
			}
		}
		if uc.held {
			return
		}
		reason := ""
		var to mergeTarget
		switch {
		case cr.ByID:
			reason = ReasonAlreadyImported
			if !repeatedID && opts.Phases.Users { // as runner.page
				countRerun(&rep, cr.DigestNotStored, cr.DigestRun, cr.BanNotApplied, cr.Changed)
			}
		case cr.ByEmail && !uc.importedHolder && !repeatedID: // a Clerk user listed again is a repeat first
			reason = ReasonEmailExists
			to.verified, to.importRun = cr.EnvVerified, cr.EnvImportRun
			to.mergedWith, _ = resumedMerge(seen, cr.Email, cr.EnvMergedWith, cr.EnvMergePending)
			if to.otherClerkUser() {
				rep.EmailOfOtherImport++
			}
		case repeatedID || repeatedEmail:
			reason = ReasonRepeatedInSource
			to = mergeTarget{verified: firstVerified, inSource: true, later: uc.later}
			if uc.importedHolder { // as runner.page (importedHolderTarget)
				if cr.EnvRunUnfinished && seen.hasSeen("email-imported-user", cr.Email+"\x00"+cr.EnvUser) {
					to.resumes, to.verified = cr.EnvImportRun, to.verified && cr.EnvVerified
				} else {
					to.importRun = cr.EnvImportRun
				}
			}
		}
		if reason == "" {
			links, supportedLeft := 0, false
			for _, l := range cr.Links {
				if seen.addSeen("link", l.Key) || l.InEnv {
					rep.OAuthLinkConflicts++
					continue
				}
				seen.addSeen("link-of", linkOf(l.Key, cr.Email))
				links++
				supportedLeft = supportedLeft || l.Supported
			}
			tags := cr.Tags
			if strandedByLinks(cr.HadPassword, cr.Flags.NoUsableOAuth, cr.SSO, cr.Providers, supportedLeft) { // as runner.noLinkLeft
				z.noLinkLeft(cr.Providers)
				tags = resetNotSocial(tags)
			}
			if !opts.Phases.Users {
				return
			}
			addDigestNotes(&rep.Passwords, digestNotes{cr.DigestMalformed, cr.DigestOff, cr.DigestMissing, cr.DigestDiffers}) // as runner.noteDigests
			u.ToImport++
			rep.OAuthLinks += links
			rep.Events[EventUserImported]++
			if cr.Login {
				rep.Events[EventUserLogin]++
			}
			for _, t := range tags {
				rep.Tags[t]++
			}
			rep.Enrollments += enrollments(c.stamp.audiences, tags, cr.Banned)
			switch {
			case cr.Kept:
				rep.Passwords.Kept++
			case slices.Contains(tags, TagNeedsPasswordReset):
				rep.Passwords.NeedsReset++
			}
			if cr.Hasher != "" {
				rep.Passwords.UnsupportedHasher[cr.Hasher]++
			}
			return
		}
		u.Duplicates++
		u.DuplicateReasons[reason]++
		policy := opts.OnDuplicate
		if p, ok := opts.Decisions[cr.ID]; ok {
			policy = p
		}
		if policy != PolicyMerge || !opts.Phases.Users || reason == ReasonAlreadyImported ||
			noMerge(Entry{Reason: reason, Email: cr.Email}, cr.Verified, repeatedID, repeatedEmail, to) != "" {
			return
		}
		u.ToMerge++
		for _, l := range cr.Links { // as runner.mergeLinks
			inSource := seen.addSeen("link", l.Key)
			switch {
			case !inSource && !l.InEnv:
				seen.addSeen("link-of", linkOf(l.Key, cr.Email))
				rep.OAuthLinks++
			case inSource && seen.hasSeen("link-of", linkOf(l.Key, cr.Email)), l.Own:
			default:
				rep.OAuthLinkConflicts++
			}
		}
	})
	if err != nil {
		return Report{}, err
	}
	u.Fetched = b.Users.Fetched
	// The warnings in the order a preview appends them.
	w := b.Warnings
	tailAt := c.notes + len(b.Passwords.UnsupportedHasher) + len(digestWarnings(b.Passwords))
	if c.assumed {
		tailAt++
	}
	rep.Warnings = slices.Clone(w[:c.notes])
	rep.Warnings = append(rep.Warnings, hasherWarnings(rep.Passwords.UnsupportedHasher)...)
	rep.Warnings = append(rep.Warnings, digestWarnings(rep.Passwords)...)
	if a := assumedWarning(assumed, c.pwFile); a != "" {
		rep.Warnings = append(rep.Warnings, a)
	}
	rep.Warnings = append(rep.Warnings, w[tailAt:tailAt+c.tail]...)
	if opts.Phases.Users { // as runner.settings
		// Who is no longer in the source depends on no choice.
		rep.ImportedNotInSource, rep.goneUnchecked = b.ImportedNotInSource, b.goneUnchecked
		rep.Warnings = append(rep.Warnings, dataWarnings(&rep)...)
	}
	if opts.Phases.Settings {
		rep.Settings = b.Settings.Recount(z.snapshot(u.Fetched, opts.Providers), opts.Providers)
		if n := u.SkippedReasons[ReasonMalformed]; n > 0 && !opts.Phases.Users { // as runner.settings
			rep.Warnings = append(rep.Warnings, unreadWarning(n))
		}
		if opts.Phases.Users {
			rep.Warnings = append(rep.Warnings, SettingsWarnings(rep.Settings)...)
		} else {
			rep.Warnings = append(rep.Warnings, settingsRunWarnings(rep.Settings)...)
		}
	} else {
		rep.Settings = SettingsReport{Providers: []string{}, Unsupported: map[string]int{},
			ProviderUsers: map[string]int{}, SSOConnections: []string{},
			Before: slices.Clone(b.Settings.Before), After: slices.Clone(b.Settings.Before)}
		rep.Warnings = append(rep.Warnings, userWarnings(SettingsFor(z.snapshot(u.Fetched, opts.Providers), b.Settings.Before, opts.Providers))...)
	}
	if !opts.Phases.Users {
		*u = UserCounts{Fetched: u.Fetched, DuplicateReasons: zeroed(u.DuplicateReasons), SkippedReasons: zeroed(u.SkippedReasons)}
	}
	return rep, nil
}

func zeroed(m map[string]int) map[string]int {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]int{}
	}
	for k := range out {
		out[k] = 0
	}
	return out
}
