package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/passhash"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// TagPasswordKept marks a user whose Clerk password digest was carried
// over: they sign in with their old password, so it replaces
// TagNeedsPasswordReset and the reset journey leaves them alone.
const TagPasswordKept = "import:password-kept"

// ReasonPasswordUnmatched is an entry for an id of the passwords file that
// the main source does not have; ReasonPasswordInvalid a user whose digest
// does not have its hasher's shape (imported, tagged for a reset).
const (
	ReasonPasswordUnmatched = "password_not_in_source"
	ReasonPasswordInvalid   = "password_digest_invalid"
	// ReasonPasswordOff is a user with a digest whom the source says has
	// no password now (removed since the digest was exported): not kept.
	ReasonPasswordOff = "password_not_enabled"
	// ReasonPasswordDiffers is a user whose source carries a digest and
	// whose passwords-file record carries another: the passwords file's is
	// kept (it was given for the passwords) unless it cannot be and the
	// source's can; the entry says which.
	ReasonPasswordDiffers = "password_digest_differs"
	// ReasonPasswordRecordMalformed is a record of the passwords file that
	// could not be read (a broken CSV row, a digest cell that cannot be
	// one, no id): nothing of it is kept.
	ReasonPasswordRecordMalformed = "password_record_malformed"
)

// EntryFilePasswords is Entry.File for an entry about a record of the
// passwords file rather than a user of the source: its Pos counts that
// file's records.
const EntryFilePasswords = "passwords"

// The kinds of the passwords file's entries: a record whose id matches
// no user of the source, and one that could not be read.
const (
	KindPasswordsUnmatched = "unmatched"
	KindPasswordsMalformed = "malformed"
	// KindPasswordsRepeated is a record whose id an earlier record has,
	// with another digest: not kept (ReasonPasswordRepeated).
	KindPasswordsRepeated = "repeated"
)

// ReasonPasswordRepeated is the reason of a KindPasswordsRepeated entry.
const ReasonPasswordRepeated = "password_repeated"

// PasswordReport is the report's passwords block. It counts the users the
// import creates, like tags; Unmatched counts ids of the passwords file
// the source lacks.
type PasswordReport struct {
	Kept              int            `json:"kept"`
	NeedsReset        int            `json:"needsReset"`
	UnsupportedHasher map[string]int `json:"unsupportedHasher"`
	Unmatched         int            `json:"unmatched"`
	// AlreadyImported counts users an earlier run imported without a
	// digest who have one in this import: not stored, as a digest is
	// stored only when a user is created (ReasonPasswordAlreadyImported
	// entries); AlreadyImportedRuns are the runs that created them.
	AlreadyImported int `json:"alreadyImported"`
	// AlreadyMerged counts users an earlier run merged into a user who
	// existed before the import, who have a digest in this import: not
	// stored either, as a merge never sets a password, nor would an undo
	// and a new import store it (the same entries).
	AlreadyMerged int `json:"alreadyMerged"`
	// Repeated counts records of the passwords file whose id an earlier
	// record has, with another digest: the first is kept (entries
	// ReasonPasswordRepeated).
	Repeated            int      `json:"repeated"`
	AlreadyImportedRuns []string `json:"alreadyImportedRuns,omitempty"`
	// Malformed counts users whose digest is not a valid one of its
	// hasher (cut short, an impossible cost): not kept, entries
	// ReasonPasswordInvalid. NotEnabled counts users with a digest whom
	// the source says have no password now: entries ReasonPasswordOff.
	Malformed  int `json:"malformed"`
	NotEnabled int `json:"notEnabled"`
	// NotInFile counts users created with a password (the source says so)
	// for whom neither the source nor the passwords file has a digest:
	// signed up after the passwords were exported, most likely.
	NotInFile int `json:"notInFile"`
	// Differs counts users created whose source has one digest and whose
	// passwords-file record another (entries ReasonPasswordDiffers, which
	// say which was stored).
	Differs int `json:"differs"`
}

// noteDigests sends the warnings of a digest keepPassword did not keep,
// for a user the import creates: like the rest of the passwords block,
// they are about the users it creates (counted with them: see
// runner.count). A user an earlier run imported keeps the password stored
// then (a re-run compares it: changed_since_import), and a merge never
// sets one.
func (r *runner) noteDigests(m *mapped) {
	for _, e := range m.digestNotes {
		r.warn(e)
	}
}

// digestNotes is what of a created user's digest the passwords block
// counts besides kept or reset (addDigestNotes).
type digestNotes struct{ malformed, off, missing, differs bool }

func notesOf(m *mapped) digestNotes {
	return digestNotes{m.digestMalformed, m.digestOff, m.digestMissing, m.digestDiffers}
}

// addDigestNotes counts a digest not kept as malformed, or as the source
// says the user has no password now (off), one missing, and two that
// disagree; noteDigests and the recount both count with it.
func addDigestNotes(p *PasswordReport, n digestNotes) {
	if n.malformed {
		p.Malformed++
	}
	if n.off {
		p.NotEnabled++
	}
	if n.missing {
		p.NotInFile++
	}
	if n.differs {
		p.Differs++
	}
}

// digestWarnings are the warnings for the digests noteDigests counts.
func digestWarnings(p PasswordReport) []string {
	var out []string
	if n := p.Malformed; n > 0 {
		out = append(out, fmt.Sprintf(
			"%s a password digest that is not a valid digest of its hasher (cut short, or an impossible cost or salt): it is not kept and they need a password reset (listed in --entries as %s).",
			countUsers(n, "", "has", "have"), ReasonPasswordInvalid))
	}
	if n := p.NotEnabled; n > 0 {
		out = append(out, fmt.Sprintf(
			"%s a password digest while the source says they have no password now (removed since that export?): the digest is not kept (listed in --entries as %s).",
			countUsers(n, "", "has", "have"), ReasonPasswordOff))
	}
	if n := p.NotInFile; n > 0 {
		out = append(out, fmt.Sprintf(
			"%s a password in Clerk but no digest in the passwords file (signed up after it was exported?): their passwords cannot be kept, so they are tagged %s. Export the passwords again to keep theirs.",
			countUsers(n, "", "has", "have"), TagNeedsPasswordReset))
	}
	if n := p.Differs; n > 0 {
		out = append(out, fmt.Sprintf(
			"%s one password digest in the source and another in the passwords file: the passwords file's is used, as it was given for the passwords, unless it cannot be kept and the source's can (each listed in --entries as %s, saying which). If the source is the newer export, import without the passwords file to keep its digests.",
			countUsers(n, "", "has", "have"), ReasonPasswordDiffers))
	}
	return out
}

// digestHasher is the hasher a digest is read with: the name normalised
// ("BCRYPT", " bcrypt "), and where the hasher column is empty or not a
// name Clerk uses, the one a digest names itself: bcrypt, Clerk's own,
// for "$2", and argon2id or argon2i for their PHC strings. A "pbkdf2_sha256$" digest is not
// guessed: Clerk's layout and Django's differ only in the salt's
// encoding, and a salt read the wrong way would never verify.
func digestHasher(hasher, digest string) string {
	hasher = passhash.Normalize(hasher)
	if hasher == "" || !passhash.Known(hasher) {
		// Also for a name Clerk does not use ("argon2", a tool's own):
		// the digest's own name decides, else it stays as it is.
		switch {
		case strings.HasPrefix(digest, "$2"):
			hasher = passhash.Bcrypt
		case strings.HasPrefix(digest, "$"+passhash.Argon2id+"$"):
			hasher = passhash.Argon2id
		case strings.HasPrefix(digest, "$"+passhash.Argon2i+"$"):
			hasher = passhash.Argon2i
		}
	}
	return hasher
}

// usableDigest reports a digest keepPassword would keep: of a hasher
// AscendKit verifies, and well formed.
func usableDigest(hasher, digest string) bool {
	hasher = digestHasher(hasher, digest)
	return passhash.Supported(hasher) && passhash.Check(hasher, digest) == nil
}

// stagePasswordsFile is the runner's hook: it stages Options.Passwords
// before the main source is read.
func (r *runner) stagePasswordsFile() error {
	if r.opts.Passwords == nil {
		return nil
	}
	if p, ok := r.opts.Passwords.(clerk.PasswordsReader); ok {
		// A cell it does not use cannot cost a user their password.
		p.ReadForPasswords()
	}
	s, err := stagePasswords(r.ctx, r.opts.Passwords, func(e Entry) { r.opts.OnEvent(EntryFound{Entry: e}) })
	if err != nil {
		return err
	}
	r.staged = s
	if s.broken > 0 {
		r.report.Warnings = append(r.report.Warnings, s.brokenWarning())
	}
	if n := s.repeated; n > 0 {
		r.report.Passwords.Repeated = n
		verb := "repeat"
		if n == 1 {
			verb = "repeats"
		}
		r.report.Warnings = append(r.report.Warnings, fmt.Sprintf(
			"%s of the passwords file %s the id of an earlier record with another password digest: the earlier record's is kept, as the file does not say which is the user's password now (listed in --entries as %s).",
			countRecords(n), verb, ReasonPasswordRepeated))
	}
	if c, ok := r.opts.Passwords.(clerk.Commenter); ok {
		if note := c.CommentedOut(); note != "" {
			r.report.Warnings = append(r.report.Warnings, "The passwords file: "+note)
		}
	}
	switch {
	case s.digests == 0 && s.broken > 0:
		// Its records may well carry digests, in the wrong columns (the
		// warning above names the lines): the file is not the wrong one.
		r.report.Warnings = append(r.report.Warnings,
			"No record of the passwords file that could be read holds a password digest: no password can be kept from it. "+
				"Mend the records that could not be read (named above and in --entries), or pass the Dashboard CSV or Clerk support's export as --passwords.")
	case s.digests == 0:
		r.report.Warnings = append(r.report.Warnings,
			"The passwords file holds no password digest (is it the API export?): no password can be kept from it. "+
				"Pass the Dashboard CSV or Clerk support's export as --passwords.")
	}
	return nil
}

func countRecords(n int) string {
	if n == 1 {
		return "1 record"
	}
	return Thousands(n) + " records"
}

// pagePasswords looks up the staged digests of one page of the main source.
func (r *runner) pagePasswords(recs []clerk.Record) (map[string]stagedDigest, error) {
	if r.staged == nil {
		return nil, nil
	}
	ids := make([]string, 0, len(recs))
	for _, rec := range recs {
		switch {
		case rec.User != nil && rec.User.ID != "":
			ids = append(ids, rec.User.ID)
		case rec.ID != "":
			// A record that could not be read still has its id: the
			// passwords file's record for it is not "not in the source"
			// (the user's own entry says why it is not imported).
			ids = append(ids, rec.ID)
		}
	}
	m, err := r.staged.lookup(r.ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("passwords file: %w", err)
	}
	return m, nil
}

// resolvePasswords decides, for the users whose source does not say
// whether they have a password (clerk.User.PasswordUnknown: `clerk
// migrate` and migration-script exports), what the passwords file's
// record says (see decides), and otherwise that they had one
// (passwordAssumed). Taking them as passwordless would
// drop a joined digest and leave them no way to set a password; a reset
// email to someone who never had one costs far less.
func (r *runner) resolvePasswords(recs []clerk.Record, page map[string]stagedDigest) {
	for _, rec := range recs {
		u := rec.User
		if u == nil || !u.PasswordUnknown {
			continue
		}
		if has, ok := page[u.ID].decides(); ok {
			u.PasswordEnabled = has
			continue
		}
		u.PasswordEnabled = true // counted once mapped (page): passwordAssumed
	}
}

// decides reports whether a passwords-file record (the zero value: no
// record) tells if its user has a password, and if so whether: a digest
// does, and so does a file that says so (a Dashboard row without a
// digest, an API user's password_enabled); a record of a file that does
// not say (clerk migrate's, a CSV without digests) does not.
func (d stagedDigest) decides() (has, ok bool) {
	switch {
	case d.digest != "" || d.said == pwYes:
		return true, true
	case d.said == pwNo:
		return false, true
	}
	return false, false
}

// passwordAssumed reports a user resolvePasswords takes to have a
// password on no evidence: the source does not say, nor does a record of
// the passwords file.
func passwordAssumed(u *clerk.User, page map[string]stagedDigest) bool {
	_, decided := page[u.ID].decides()
	return u.PasswordUnknown && !decided
}

// assumedWarning says how many users (n) resolvePasswords took to have a
// password on no evidence ("" for none); passwordsFile says a passwords
// file was given (and did not decide for them).
func assumedWarning(n int, passwordsFile bool) string {
	if n == 0 {
		return ""
	}
	hint := "Pass the Dashboard CSV export as --passwords to keep their passwords and to tell who had none."
	if passwordsFile {
		hint = "The passwords file does not say either."
	}
	who := "1 user"
	if n != 1 {
		who = Thousands(n) + " users"
	}
	return fmt.Sprintf("The source does not say whether %s had a password (it has no password_enabled or password_digest for them, as clerk migrate and migration-script exports do not), so they are taken to have had one: counted for credentials, and those imported are tagged %s. %s",
		who, TagNeedsPasswordReset, hint)
}

// keepPassword decides whether a mapped user keeps their Clerk password:
// the digest comes from the passwords file (joined by Clerk id) or from the
// main source itself (Dashboard CSV, support JSON). A user whose digest
// can be verified gets it stored and TagPasswordKept instead of
// TagNeedsPasswordReset; any other keeps the reset tag. user.imported says
// which in passwordKept.
func (r *runner) keepPassword(m *mapped, u *clerk.User, pos int, page map[string]stagedDigest) {
	kept := false
	defer func() {
		if len(m.user.Events) > 0 && m.user.Events[0].Type == EventUserImported {
			m.user.Events[0].Payload["passwordKept"] = kept
		}
	}()
	if page[u.ID].mfa && !m.mfa {
		// The passwords file shows a second factor the source has no
		// field for (clerk migrate's): it must be enrolled again too.
		m.mfa = true
		m.user.User.Tags = append(m.user.User.Tags, TagMFAReenroll)
	}
	hasher, digest := u.PasswordHasher, u.PasswordDigest
	if d, ok := page[u.ID]; ok && d.digest != "" {
		differs := digest != "" && (digest != d.digest || digestHasher(hasher, string(digest)) != digestHasher(d.hasher, string(d.digest)))
		// Two exports disagree (a password changed between them):
		// neither says which is newer, so the file given for the
		// passwords wins, unless its digest cannot be kept and the
		// source's can; the user is listed rather than one digest
		// silently replacing the other. Without a password now, none is
		// kept anyway (ReasonPasswordOff).
		keepSource := false
		if differs && m.hadPassword {
			keepSource = !usableDigest(d.hasher, string(d.digest)) && usableDigest(hasher, string(digest))
			used := "the passwords file's is the one used"
			if keepSource {
				used = "the passwords file's cannot be kept (malformed, or a hasher AscendKit cannot verify), so the source's is"
			}
			m.digestDiffers = true
			m.digestNotes = append(m.digestNotes, Entry{Pos: pos, SourceID: u.ID, Email: m.email, Name: m.user.User.Name, Reason: ReasonPasswordDiffers,
				Detail: "the source and the passwords file have different password digests for this user; " + used})
		}
		if !keepSource {
			hasher, digest = d.hasher, d.digest
		}
	}
	// The source says whether the user has a password now: a digest from
	// an older export of someone who has since removed theirs is not kept,
	// and the entries say so.
	if !m.hadPassword {
		if digest != "" {
			m.digestOff = true
			m.digestNotes = append(m.digestNotes, Entry{Pos: pos, SourceID: u.ID, Email: m.email, Name: m.user.User.Name, Reason: ReasonPasswordOff,
				Detail: "the source says this user has no password now, so the digest for them is not kept"})
		}
		return
	}
	if digest == "" {
		// A passwords file was given to keep the passwords, and has none
		// for this user (a user it does not decide for is assumed to
		// have one: assumedWarning says so).
		_, decided := page[u.ID].decides()
		m.digestMissing = r.staged.lacks(u.ID) && (!u.PasswordUnknown || decided)
		return
	}
	hasher = digestHasher(hasher, string(digest))
	if !passhash.Supported(hasher) {
		if !passhash.Known(hasher) {
			// Not a hasher name (maybe the digest, in a swapped column):
			// never shown, warned about or stored.
			hasher = "unknown"
		}
		// Recorded without the digest, so a check can say why it fails.
		m.user.Password = &ascendkit.Password{Hasher: hasher}
		return
	}
	if err := passhash.Check(hasher, string(digest)); err != nil {
		m.digestMalformed = true
		m.digestNotes = append(m.digestNotes, Entry{Pos: pos, SourceID: u.ID, Email: m.email, Name: m.user.User.Name, Reason: ReasonPasswordInvalid,
			Detail: "the " + hasher + " digest is malformed; the user needs a password reset"})
		return
	}
	kept = true
	m.user.Password = &ascendkit.Password{Hasher: hasher, Digest: ascendkit.Digest(digest)}
	if i := slices.Index(m.user.User.Tags, TagNeedsPasswordReset); i >= 0 {
		m.user.User.Tags[i] = TagPasswordKept
	} else {
		m.user.User.Tags = append(m.user.User.Tags, TagPasswordKept)
	}
}

// countPassword adds a created user to the passwords block.
func (r *runner) countPassword(u *ascendkit.ImportedUser) {
	p := &r.report.Passwords
	switch {
	case u.Password != nil && u.Password.Digest != "":
		p.Kept++
	case slices.Contains(u.User.Tags, TagNeedsPasswordReset):
		p.NeedsReset++
	}
	if u.Password != nil && u.Password.Digest == "" {
		p.UnsupportedHasher[u.Password.Hasher]++
	}
}

// hasherWarnings are the warnings for digests that could not be kept.
func hasherWarnings(unsupported map[string]int) []string {
	var out []string
	for _, h := range slices.Sorted(maps.Keys(unsupported)) {
		out = append(out, fmt.Sprintf(
			"%s a password hashed with %q, which AscendKit cannot verify: the digest is not kept and they are tagged %s.",
			countUsers(unsupported[h], "", "has", "have"), h, TagNeedsPasswordReset))
	}
	return out
}

// finishPasswords lists the passwords file's ids the source lacked and
// warns about hashers that cannot be kept.
func (r *runner) finishPasswords() error {
	r.digestWarn()
	if w := assumedWarning(r.passwordAssumed, r.staged != nil); w != "" {
		r.report.Warnings = append(r.report.Warnings, w)
	}
	if r.staged == nil {
		return nil
	}
	err := r.staged.unmatched(r.ctx, func(id, email string, pos int) {
		r.report.Passwords.Unmatched++
		r.opts.OnEvent(EntryFound{Entry: Entry{Pos: pos, File: EntryFilePasswords, SourceID: id, Email: email,
			Kind: KindPasswordsUnmatched, Reason: ReasonPasswordUnmatched,
			Detail: fmt.Sprintf("passwords file record %d: no user of the source has this id", pos)}})
	})
	if err != nil {
		return fmt.Errorf("passwords file: %w", err)
	}
	if n := r.report.Passwords.Unmatched; n > 0 {
		verb := "match"
		if n == 1 {
			verb = "matches"
		}
		w := fmt.Sprintf("%s of the passwords file %s no user of the source (listed with --entries).", countRecords(n), verb)
		if n == r.staged.ids && r.fetched > 0 && len(r.opts.Only) == 0 {
			// Not one id in common: the likeliest cause is a file from
			// another instance (each has its own ids), not users deleted.
			w += " None of its ids is a user of the source: is it the export of another Clerk instance (development and production have their own users and ids)?"
		}
		r.tailWarn(w)
	}
	return nil
}

// digestWarn adds the warnings of the digests counted so far (hashers
// not supported, digests not kept), once: at the end of the source, or
// when the import stops before it.
func (r *runner) digestWarn() {
	if r.digestWarned {
		return
	}
	r.digestWarned = true
	r.report.Warnings = append(r.report.Warnings, hasherWarnings(r.report.Passwords.UnsupportedHasher)...)
	r.report.Warnings = append(r.report.Warnings, digestWarnings(r.report.Passwords)...)
}
