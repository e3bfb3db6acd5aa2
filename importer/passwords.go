package importer

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/passhash"
	"github.com/ascendkit/ascendkit/client/clerk"
	_ "modernc.org/sqlite" // the staging file
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
)

// PasswordReport is the report's passwords block. It counts the users the
// import creates, like tags; Unmatched counts ids of the passwords file
// the source lacks.
type PasswordReport struct {
	Kept              int            `json:"kept"`
	NeedsReset        int            `json:"needsReset"`
	UnsupportedHasher map[string]int `json:"unsupportedHasher"`
	Unmatched         int            `json:"unmatched"`
}

// staged holds the digests of a --passwords file, keyed by Clerk id, so
// that the main source can be joined to it page by page.
//
// A 1M-user file would take ~150 MB as a Go map; instead the digests are
// staged in a private temporary SQLite file (a B-tree keyed by id, memory
// bounded by SQLite's page cache) and each page of the main source looks
// up only its own ids. The digests in that file are sealed with AES-GCM
// under a key that lives only in this process's memory, so the file holds
// nothing usable even if it outlives a crash; it is removed on close.
type staged struct {
	dir    string
	db     *sql.DB
	aead   cipher.AEAD
	ids    int
	broken int // records of the passwords file that did not decode
}

type stagedDigest struct {
	hasher string
	digest clerk.Secret
}

// stagePasswords reads the whole passwords source into a staging file.
func stagePasswords(ctx context.Context, src clerk.Source) (_ *staged, err error) {
	dir, err := os.MkdirTemp("", "ascendkit-passwords-")
	if err != nil {
		return nil, fmt.Errorf("passwords file: staging: %w", err)
	}
	s := &staged{dir: dir}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("passwords file: staging key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if s.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "stage.db")
	if s.db, err = sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)"); err != nil {
		return nil, fmt.Errorf("passwords file: staging: %w", err)
	}
	s.db.SetMaxOpenConns(1)
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE stage (id TEXT PRIMARY KEY, pos INTEGER NOT NULL, hasher TEXT NOT NULL,
		digest BLOB, matched INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`); err != nil {
		return nil, fmt.Errorf("passwords file: staging: %w", err)
	}
	for {
		recs, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("passwords file: %w", err)
		}
		if err := s.insert(ctx, recs); err != nil {
			return nil, fmt.Errorf("passwords file: staging: %w", err)
		}
	}
	return s, nil
}

func (s *staged) insert(ctx context.Context, recs []clerk.Record) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The first record of an id wins, as the main source's first does.
	st, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO stage (id, pos, hasher, digest) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, rec := range recs {
		if rec.Err != nil || rec.User == nil || rec.User.ID == "" {
			s.broken++
			continue
		}
		var sealed []byte
		if d := string(rec.User.PasswordDigest); d != "" {
			nonce := make([]byte, s.aead.NonceSize())
			if _, err := rand.Read(nonce); err != nil {
				return err
			}
			sealed = s.aead.Seal(nonce, nonce, []byte(d), []byte(rec.User.ID))
		}
		res, err := st.ExecContext(ctx, rec.User.ID, rec.Pos, rec.User.PasswordHasher, sealed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			s.ids++
		}
	}
	return tx.Commit()
}

// lookup returns the staged digests of ids and marks those ids matched.
func (s *staged) lookup(ctx context.Context, ids []string) (map[string]stagedDigest, error) {
	out := map[string]stagedDigest{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		in := strings.TrimSuffix(strings.Repeat("?,", n), ",")
		rows, err := s.db.QueryContext(ctx, `SELECT id, hasher, digest FROM stage WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, hasher string
			var sealed []byte
			if err := rows.Scan(&id, &hasher, &sealed); err != nil {
				rows.Close()
				return nil, err
			}
			d := stagedDigest{hasher: hasher}
			if len(sealed) > s.aead.NonceSize() {
				ns := s.aead.NonceSize()
				plain, err := s.aead.Open(nil, sealed[:ns], sealed[ns:], []byte(id))
				if err != nil {
					rows.Close()
					return nil, errors.New("passwords staging file was altered")
				}
				d.digest = clerk.Secret(plain)
			}
			out[id] = d
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE stage SET matched = 1 WHERE id IN (`+in+`)`, args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unmatched calls fn for each staged id the source did not have, in file order.
func (s *staged) unmatched(ctx context.Context, fn func(id string, pos int)) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, pos FROM stage WHERE matched = 0 ORDER BY pos`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var pos int
		if err := rows.Scan(&id, &pos); err != nil {
			rows.Close()
			return err
		}
		fn(id, pos)
	}
	return errors.Join(rows.Err(), rows.Close())
}

func (s *staged) close() {
	if s.db != nil {
		s.db.Close()
	}
	os.RemoveAll(s.dir)
}

// stagePasswordsFile is the runner's hook: it stages Options.Passwords
// before the main source is read.
func (r *runner) stagePasswordsFile() error {
	if r.opts.Passwords == nil {
		return nil
	}
	s, err := stagePasswords(r.ctx, r.opts.Passwords)
	if err != nil {
		return err
	}
	r.staged = s
	if s.broken > 0 {
		r.report.Warnings = append(r.report.Warnings, fmt.Sprintf(
			"%s of the passwords file could not be read; their users need a password reset.", countRecords(s.broken)))
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
		if rec.User != nil && rec.User.ID != "" {
			ids = append(ids, rec.User.ID)
		}
	}
	m, err := r.staged.lookup(r.ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("passwords file: %w", err)
	}
	return m, nil
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
	// The source says whether the user has a password now: a digest from
	// an older export of someone who has since removed theirs is not kept.
	if !m.hadPassword {
		return
	}
	hasher, digest := u.PasswordHasher, u.PasswordDigest
	if d, ok := page[u.ID]; ok && d.digest != "" {
		hasher, digest = d.hasher, d.digest
	}
	if digest == "" {
		return
	}
	hasher = passhash.Normalize(hasher)
	if hasher == "" && strings.HasPrefix(string(digest), "$2") {
		hasher = passhash.Bcrypt // Clerk's own hasher, when the column is empty
	}
	if !passhash.Supported(hasher) {
		if hasher == "" {
			hasher = "unknown"
		}
		// Recorded without the digest, so a check can say why it fails.
		m.user.Password = &ascendkit.Password{Hasher: hasher}
		return
	}
	if err := passhash.Check(hasher, string(digest)); err != nil {
		r.warn(Entry{Pos: pos, SourceID: u.ID, Email: m.email, Name: m.user.User.Name, Reason: ReasonPasswordInvalid,
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
	r.report.Warnings = append(r.report.Warnings, hasherWarnings(r.report.Passwords.UnsupportedHasher)...)
	if r.staged == nil {
		return nil
	}
	err := r.staged.unmatched(r.ctx, func(id string, pos int) {
		r.report.Passwords.Unmatched++
		r.opts.OnEvent(EntryFound{Entry: Entry{Pos: pos, SourceID: id, Kind: "unmatched", Reason: ReasonPasswordUnmatched,
			Detail: "in the passwords file but not in the source"}})
	})
	if err != nil {
		return fmt.Errorf("passwords file: %w", err)
	}
	if n := r.report.Passwords.Unmatched; n > 0 {
		r.report.Warnings = append(r.report.Warnings, fmt.Sprintf(
			"%s of the passwords file match no user of the source (listed with --entries).", countRecords(n)))
	}
	return nil
}
