package importer

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ascendkit/ascendkit/client/clerk"
	bolt "go.etcd.io/bbolt"
)

// staged holds the digests of a --passwords file, keyed by Clerk id, so
// that the main source can be joined to it page by page.
//
// A 1M-user file would take ~150 MB as a Go map; instead the digests go
// to a private temporary bbolt file (a B+tree keyed by id, read through
// the page cache) and each page of the main source looks up only its own
// ids. bbolt writes an ordered bulk load cheaply but a random one
// rewrites most of the tree at every commit, and a passwords file is in
// no useful order, so staging is an external merge sort: the file is cut
// into sorted runs of bounded size, and the merged runs are appended to
// the tree. The digests are sealed with AES-GCM under a key that lives
// only in this process's memory, so no file holds anything usable even if
// it outlives a crash; the directory is removed on close.
//
// Not for concurrent use: the runner looks up one page at a time.
type staged struct {
	lim  stageLimits
	dir  string
	db   *bolt.DB
	aead cipher.AEAD
	// order holds (pos, id) of every staged record in file order, for
	// listing the unmatched ones in that order.
	order *os.File
	// done has a bit per staged record (by ordinal): set when an earlier
	// record had the same id (the first wins, as in the main source) or
	// when the source had the id. At one bit a record (125 KB a million)
	// it is the only memory that grows with the file.
	done    []uint64
	records uint64 // ordinals given
	mapped  int64  // bytes of the bbolt file, for dropMapped
	ids     int    // distinct ids staged
	broken  int    // records of the passwords file that did not decode
	digests int    // records that carry a password digest

	// brokenAt names the first few broken records (position, line and id
	// when readable), so that the warning says where to look.
	brokenAt []string
	// brokenIDs are the ids of broken records (up to maxBrokenIDs; past
	// that, brokenMany): their users are not "missing" from the file
	// (PasswordReport.NotInFile), their records are unreadable.
	brokenIDs  map[string]bool
	brokenMany bool
	// onBroken, when set, receives an entry for every broken record, so
	// that --entries lists each one (the warning names only the first).
	onBroken func(Entry)
	// repeated counts the records whose id an earlier record has, with
	// another digest (see pick); each is an entry to onBroken.
	repeated int
	// err is the first error pick met opening a digest.
	err error
}

type stagedDigest struct {
	hasher string
	digest clerk.Secret
	// said is what the record says of the user's password: pwYes, pwNo
	// or pwUnknown (a file that does not tell, as clerk migrate's).
	said byte
	// mfa: the record shows a second factor (a TOTP secret): for a source
	// without MFA fields (clerk migrate's) the only sign of one.
	mfa bool
}

// pwMFA marks, in a staged record's state byte, a second factor.
const pwMFA byte = 0x80

// What a passwords-file record says of its user's password.
const (
	pwUnknown byte = iota
	pwNo
	pwYes
)

// passwordSaid is what the record of u says of its password.
func passwordSaid(u *clerk.User) byte {
	switch {
	case u.PasswordUnknown && u.PasswordDigest == "":
		return pwUnknown
	case u.PasswordEnabled || u.PasswordDigest != "":
		return pwYes
	}
	return pwNo
}

// stageEntry is one record on its way to the tree, in one allocation
// from reading to the tree: kv is the key (the id) then the tree's
// value: ordinal, hasher, and the nonce and AES-GCM sealed digest (empty
// when the record has none). bbolt keeps both until the commit, so
// nothing is copied again.
type stageEntry struct {
	kv   []byte
	klen int
	ord  uint64
	// pos is the record's position in the passwords file, to name it
	// when its id is repeated.
	pos uint64
}

// hasDigest reports whether the entry's record carries a digest (its
// value ends in a sealed one).
func (e *stageEntry) hasDigest() bool {
	v := e.val()
	_, n := binary.Uvarint(v)
	if n <= 0 {
		return false
	}
	v = v[n:]
	hl, m := binary.Uvarint(v)
	return m > 0 && uint64(len(v)-m) > hl+1
}

func (e *stageEntry) key() []byte { return e.kv[:e.klen] }
func (e *stageEntry) val() []byte { return e.kv[e.klen:] }

// stageLimits bound the memory staging uses, whatever the file's size.
type stageLimits struct {
	// runBytes bounds the bytes of entries sorted in memory at once.
	runBytes int
	// txBytes bounds the bytes appended to the tree per write
	// transaction (bbolt keeps a transaction's new pages in memory).
	txBytes int
	// fanIn bounds the runs merged at once (one read buffer each).
	fanIn int
}

// defaultStageLimits: a 2 MiB run sorted in memory, 1 MiB appended per
// commit, 64 runs (32 KiB buffers) merged at once. With them a
// 1M-digest file stages in at most ~11 MB of live heap (gctrace).
var defaultStageLimits = stageLimits{runBytes: 2 << 20, txBytes: 1 << 20, fanIn: 64}

// maxStagedID is the longest id staged. Clerk ids are ~32 bytes; bbolt
// refuses keys over 32 KiB, and a longer "id" is no Clerk id.
const maxStagedID = 1024

var digestsBucket = []byte("digests")

// stagePasswords reads the whole passwords source into a staging file;
// onBroken (may be nil) receives an entry for each record it cannot stage.
func stagePasswords(ctx context.Context, src clerk.Source, onBroken func(Entry)) (*staged, error) {
	return stagePasswordsWith(ctx, src, defaultStageLimits, onBroken)
}

// stagePasswordsWith is stagePasswords with its memory limits given
// (tests make them tiny to exercise every path).
func stagePasswordsWith(ctx context.Context, src clerk.Source, lim stageLimits, onBroken func(Entry)) (_ *staged, err error) {
	dir, err := TempDir("ascendkit-passwords-") // mode 0700
	if err != nil {
		return nil, fmt.Errorf("passwords file: staging: %w", err)
	}
	s := &staged{lim: lim, dir: dir, onBroken: onBroken}
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
	if s.order, err = s.create("order"); err != nil {
		return nil, fmt.Errorf("passwords file: staging: %w", err)
	}
	runs, err := s.sortRuns(ctx, src)
	if err != nil {
		return nil, err
	}
	if err := s.load(ctx, runs); err != nil {
		return nil, fmt.Errorf("passwords file: staging: %w", err)
	}
	if s.err != nil {
		return nil, fmt.Errorf("passwords file: staging: %w", s.err)
	}
	return s, nil
}

// create makes a file only this user can read in the staging directory.
func (s *staged) create(name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(s.dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// sortRuns reads the source, writes the order file, and returns the
// sorted runs: files for all but the last, which stays in memory.
func (s *staged) sortRuns(ctx context.Context, src clerk.Source) (runs []*sortedRun, err error) {
	defer func() {
		if err != nil {
			closeRuns(runs)
		}
	}()
	ow := bufio.NewWriterSize(s.order, 64<<10)
	var chunk []stageEntry
	size := 0
	var buf []byte
	for {
		// Checked here too: a source need not check before each page.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		recs, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("passwords file: %w", err)
		}
		for _, rec := range recs {
			if rec.Err != nil || rec.User == nil || rec.User.ID == "" || len(rec.User.ID) > maxStagedID {
				s.noteBroken(rec)
				continue
			}
			if rec.User.PasswordDigest != "" {
				s.digests++
			}
			e, err := s.seal(rec.User)
			if err != nil {
				return nil, fmt.Errorf("passwords file: staging: %w", err)
			}
			e.pos = uint64(rec.Pos)
			// The address too, so that an unmatched record is named by
			// what it has, not only by an id the source lacks.
			email := recordEmail(rec.User)
			buf = binary.AppendUvarint(buf[:0], uint64(rec.Pos))
			buf = binary.AppendUvarint(buf, uint64(e.klen))
			buf = append(buf, e.key()...)
			buf = binary.AppendUvarint(buf, uint64(len(email)))
			buf = append(buf, email...)
			if _, err := ow.Write(buf); err != nil {
				return nil, fmt.Errorf("passwords file: staging: %w", err)
			}
			chunk = append(chunk, e)
			if size += len(e.kv) + 64; size >= s.lim.runBytes {
				r, err := s.writeRun(s.sortChunk(chunk), len(runs))
				if err != nil {
					return nil, fmt.Errorf("passwords file: staging: %w", err)
				}
				runs = append(runs, r)
				clear(chunk)
				chunk, size = chunk[:0], 0
			}
		}
	}
	if err := ow.Flush(); err != nil {
		return nil, fmt.Errorf("passwords file: staging: %w", err)
	}
	return append(runs, &sortedRun{mem: s.sortChunk(chunk)}), nil
}

// maxBrokenNamed is how many unreadable records brokenWarning names.
const maxBrokenNamed = 3

// maxBrokenIDs bounds the ids of unreadable records kept (brokenIDs).
const maxBrokenIDs = 10000

// lacks reports a user the passwords file has no digest for, for a reason
// no other warning gives: the file holds digests, and no record of it that
// could not be read may be theirs.
func (s *staged) lacks(id string) bool {
	return s != nil && s.digests > 0 && !s.brokenMany && !s.brokenIDs[id]
}

// noteBroken counts a record of the passwords file that cannot be staged,
// hands its entry to onBroken and names the first few for the warning:
// the reader's own words (its position, line and reason, which never
// quote a digest), and the id when it gave one.
func (s *staged) noteBroken(rec clerk.Record) {
	s.broken++
	id := rec.ID
	if rec.User != nil && rec.User.ID != "" {
		id = rec.User.ID
	}
	switch {
	case id == "":
		s.brokenMany = true // a record of no one knows whom
	case len(s.brokenIDs) >= maxBrokenIDs:
		s.brokenMany = true
	default:
		if s.brokenIDs == nil {
			s.brokenIDs = map[string]bool{}
		}
		s.brokenIDs[id] = true
	}
	if s.onBroken != nil {
		s.onBroken(brokenEntry(rec))
	}
	if len(s.brokenAt) >= maxBrokenNamed {
		return
	}
	s.brokenAt = append(s.brokenAt, cutText(brokenReason(rec), 300))
}

// brokenReason says why a record of the passwords file cannot be staged.
func brokenReason(rec clerk.Record) string {
	switch {
	case rec.Err != nil:
		what := rec.Err.Error()
		if rec.ID != "" && !strings.Contains(what, rec.ID) {
			what += fmt.Sprintf(" (id %q)", rec.ID)
		}
		return what
	case rec.User == nil || rec.User.ID == "":
		return fmt.Sprintf("record %d: no id", rec.Pos)
	}
	return fmt.Sprintf("record %d: an id over %d bytes", rec.Pos, maxStagedID)
}

// brokenEntry is the --entries line of a record of the passwords file
// that cannot be staged: its position in that file, its id and address
// when they could be read, and why (the reader's words, which name the
// line and never quote a cell that may hold a digest).
func brokenEntry(rec clerk.Record) Entry {
	e := Entry{Pos: rec.Pos, File: EntryFilePasswords, Kind: KindPasswordsMalformed, Reason: ReasonPasswordRecordMalformed,
		Detail: cutText(brokenReason(rec), 1000) + "; no password is kept from this record"}
	switch {
	case rec.User == nil:
		e.SourceID = rec.ID
	case len(rec.User.ID) <= maxStagedID:
		e.SourceID = rec.User.ID
	}
	if len(e.SourceID) > maxStagedID {
		e.SourceID = "" // no Clerk id: the detail says what it was
	}
	if rec.User != nil {
		e.Email = recordEmail(rec.User)
	}
	return e
}

// recordEmail is the address a passwords-file record names its user by:
// the primary one, canonical when valid, else as written (cut to an
// address's longest); "" for none.
func recordEmail(u *clerk.User) string {
	pe := primaryEmail(u)
	if pe == nil {
		return ""
	}
	if e, ok := normalizeEmail(pe.EmailAddress); ok {
		return e
	}
	return cutText(strings.TrimSpace(pe.EmailAddress), maxEmailBytes)
}

// cutText cuts s to at most n bytes of valid UTF-8, marking the cut.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// brokenWarning is the warning for the records noteBroken counted.
func (s *staged) brokenWarning() string {
	more := ""
	if s.broken > len(s.brokenAt) {
		more = "; …"
	}
	return fmt.Sprintf("%s of the passwords file could not be read; their users need a password reset (%s%s).",
		countRecords(s.broken), strings.Join(s.brokenAt, "; "), more)
}

// seal gives the record the next ordinal and seals its digest, bound to
// its id and hasher so that no sealed digest can be moved to another id.
func (s *staged) seal(u *clerk.User) (stageEntry, error) {
	id, hasher, d := u.ID, u.PasswordHasher, string(u.PasswordDigest)
	e := stageEntry{klen: len(id), ord: s.records}
	s.records++
	if s.records > uint64(len(s.done))*64 {
		s.done = append(s.done, 0)
	}
	ns := s.aead.NonceSize()
	kv := make([]byte, 0, len(id)+2*binary.MaxVarintLen64+len(hasher)+1+ns+len(d)+s.aead.Overhead())
	kv = append(kv, id...)
	kv = binary.AppendUvarint(kv, e.ord)
	kv = binary.AppendUvarint(kv, uint64(len(hasher)))
	kv = append(kv, hasher...)
	state := passwordSaid(u)
	if u.TOTPEnabled || u.TwoFactorEnabled || u.BackupCodeEnabled {
		state |= pwMFA
	}
	kv = append(kv, state)
	if d != "" {
		n := len(kv)
		kv = kv[:n+ns]
		if _, err := rand.Read(kv[n:]); err != nil {
			return e, err
		}
		kv = s.aead.Seal(kv, kv[n:], []byte(d), sealAD(id, hasher))
	}
	e.kv = kv
	return e, nil
}

func sealAD(id, hasher string) []byte { return []byte(id + "\x00" + hasher) }

// sortChunk sorts a chunk by id and keeps one record of an id (pick).
func (s *staged) sortChunk(chunk []stageEntry) []stageEntry {
	// Stable: records of one id stay in file (ordinal) order.
	slices.SortStableFunc(chunk, func(a, b stageEntry) int { return bytes.Compare(a.key(), b.key()) })
	out := chunk[:0]
	for _, e := range chunk {
		if n := len(out); n > 0 && bytes.Equal(e.key(), out[n-1].key()) {
			out[n-1] = s.pick(out[n-1], e)
			continue
		}
		out = append(out, e)
	}
	return out
}

// pick is the record of an id to keep of kept (the one kept so far) and
// e, a later one: the first with a digest, as a record without one (a
// Dashboard row of a user who had not set a password then) gives nothing
// to keep. The other is marked done. A later record with another digest
// than the one kept is reported (never its digest): which of two
// passwords the user has now, the file does not say.
func (s *staged) pick(kept, e stageEntry) stageEntry {
	if !kept.hasDigest() && e.hasDigest() {
		kept, e = e, kept
	} else if kept.hasDigest() && e.hasDigest() && s.differ(kept, e) {
		s.repeated++
		if s.onBroken != nil {
			id := string(kept.key())
			s.onBroken(Entry{Pos: int(e.pos), File: EntryFilePasswords, SourceID: id, Kind: KindPasswordsRepeated, Reason: ReasonPasswordRepeated,
				Detail: fmt.Sprintf("passwords file record %d has the id of record %d with another password digest: record %d's is kept, this one's is not", e.pos, kept.pos, kept.pos)})
		}
	}
	s.markDone(e.ord)
	return kept
}

// differ reports whether two records of one id carry different digests
// (or hashers).
func (s *staged) differ(a, b stageEntry) bool {
	id := string(a.key())
	da, _, errA := s.open(id, a.val())
	db, _, errB := s.open(id, b.val())
	if err := errors.Join(errA, errB); err != nil {
		if s.err == nil {
			s.err = err
		}
		return false
	}
	// The same digest under two spellings of its hasher ("bcrypt" and
	// "BCRYPT", or none) is the same password.
	return digestHasher(da.hasher, string(da.digest)) != digestHasher(db.hasher, string(db.digest)) || da.digest != db.digest
}

func (s *staged) markDone(ord uint64)    { s.done[ord/64] |= 1 << (ord % 64) }
func (s *staged) isDone(ord uint64) bool { return s.done[ord/64]&(1<<(ord%64)) != 0 }

// sortedRun is a sorted run of entries: a slice, or a file read back in
// order. A file is opened only when its merge starts, so the open files
// stay at the merge's fan-in however many runs there are.
type sortedRun struct {
	mem  []stageEntry
	path string // "" for a run in memory (or one closed)
	f    *os.File
	br   *bufio.Reader
	left int // entries still in the file
	cur  stageEntry
}

// writeRun writes sorted entries to run file number n.
func (s *staged) writeRun(entries []stageEntry, n int) (*sortedRun, error) {
	w, err := s.newRunWriter(n)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := w.write(e); err != nil {
			w.abort()
			return nil, err
		}
	}
	return w.finish()
}

// runWriter writes a run file entry by entry.
type runWriter struct {
	f   *os.File
	w   *bufio.Writer
	n   int
	buf []byte
}

func (s *staged) newRunWriter(n int) (*runWriter, error) {
	f, err := s.create(fmt.Sprintf("run-%d", n))
	if err != nil {
		return nil, err
	}
	return &runWriter{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (w *runWriter) write(e stageEntry) error {
	b := binary.AppendUvarint(w.buf[:0], e.pos)
	b = binary.AppendUvarint(b, uint64(e.klen))
	b = binary.AppendUvarint(b, uint64(len(e.kv)))
	w.buf = b
	w.n++
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	_, err := w.w.Write(e.kv)
	return err
}

// finish writes out and closes the run's file.
func (w *runWriter) finish() (*sortedRun, error) {
	if err := errors.Join(w.w.Flush(), w.f.Close()); err != nil {
		os.Remove(w.f.Name())
		return nil, err
	}
	return &sortedRun{path: w.f.Name(), left: w.n}, nil
}

func (w *runWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// next moves to the run's next entry; false at its end.
func (r *sortedRun) next() (bool, error) {
	if r.path == "" {
		if len(r.mem) == 0 {
			return false, nil
		}
		r.cur, r.mem = r.mem[0], r.mem[1:]
		return true, nil
	}
	if r.left == 0 {
		return false, r.close()
	}
	if r.f == nil {
		f, err := os.Open(r.path)
		if err != nil {
			return false, err
		}
		r.f, r.br = f, bufio.NewReaderSize(f, 32<<10)
	}
	r.left--
	pos, err := binary.ReadUvarint(r.br)
	if err != nil {
		return false, errStageAltered
	}
	klen, err := binary.ReadUvarint(r.br)
	if err != nil {
		return false, errStageAltered
	}
	kv, err := readField(r.br)
	if err != nil {
		return false, err
	}
	if klen > uint64(len(kv)) {
		return false, errStageAltered
	}
	r.cur = stageEntry{kv: kv, klen: int(klen), pos: pos}
	ord, n := binary.Uvarint(r.cur.val())
	if n <= 0 {
		return false, errStageAltered
	}
	r.cur.ord = ord
	return true, nil
}

// close closes and removes a run's file.
func (r *sortedRun) close() error {
	if r.path == "" {
		return nil
	}
	var err error
	if r.f != nil {
		err = r.f.Close()
	}
	err = errors.Join(err, os.Remove(r.path))
	r.f, r.br, r.path = nil, nil, ""
	return err
}

func closeRuns(runs []*sortedRun) error {
	var err error
	for _, r := range runs {
		err = errors.Join(err, r.close())
	}
	return err
}

var errStageAltered = errors.New("passwords staging file was altered")

// readField reads a length-prefixed field of a staging file.
func readField(br *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 1<<30 {
		return nil, errStageAltered
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, errStageAltered
	}
	return b, nil
}

// runHeap orders runs by their current entry (id, then ordinal).
type runHeap []*sortedRun

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	if c := bytes.Compare(h[i].cur.key(), h[j].cur.key()); c != 0 {
		return c < 0
	}
	return h[i].cur.ord < h[j].cur.ord
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*sortedRun)) }
func (h *runHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// merge calls emit with the entries of runs in id order, the first
// record of each id only; it closes the runs.
func (s *staged) merge(ctx context.Context, runs []*sortedRun, emit func(stageEntry) error) (err error) {
	defer func() { err = errors.Join(err, closeRuns(runs)) }()
	h := make(runHeap, 0, len(runs))
	for _, r := range runs {
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, r)
		}
	}
	heap.Init(&h)
	// The record kept of the current id is emitted once the next id
	// comes: a later record of it may be kept instead (pick).
	var kept stageEntry
	have := false
	for n := 0; len(h) > 0; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		r := h[0]
		e := r.cur
		if have && bytes.Equal(e.key(), kept.key()) {
			kept = s.pick(kept, e)
		} else {
			if have {
				if err := emit(kept); err != nil {
					return err
				}
			}
			kept, have = e, true
		}
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	if have {
		return emit(kept)
	}
	return nil
}

// load merges the runs (in passes of lim.fanIn) and appends them, in
// key order, to the tree.
func (s *staged) load(ctx context.Context, runs []*sortedRun) (err error) {
	defer func() {
		if err != nil {
			closeRuns(runs)
		}
	}()
	// Merge passes keep the open run files (and their buffers) at
	// lim.fanIn however many runs a big file makes.
	for n := len(runs); len(runs) > s.lim.fanIn; n++ {
		w, err := s.newRunWriter(n)
		if err != nil {
			return err
		}
		pass := runs[:s.lim.fanIn]
		runs = runs[s.lim.fanIn:]
		if err := s.merge(ctx, pass, w.write); err != nil {
			w.abort()
			return err
		}
		r, err := w.finish()
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}

	db, err := bolt.Open(filepath.Join(s.dir, "stage.db"), 0o600, &bolt.Options{
		// A scratch file: a crash loses nothing worth keeping.
		NoSync: true, NoGrowSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		return err
	}
	s.db = db
	var tx *bolt.Tx
	var b *bolt.Bucket
	size := 0
	begin := func() error {
		var err error
		if tx, err = db.Begin(true); err != nil {
			return err
		}
		if b, err = tx.CreateBucketIfNotExists(digestsBucket); err != nil {
			return err
		}
		// Keys arrive in order, so full pages are never split again.
		b.FillPercent = 1
		size = 0
		return nil
	}
	if err := begin(); err != nil {
		return err
	}
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	err = s.merge(ctx, runs, func(e stageEntry) error {
		if err := b.Put(e.key(), e.val()); err != nil {
			return err
		}
		s.ids++
		if size += len(e.kv) + 16; size >= s.lim.txBytes {
			if err := tx.Commit(); err != nil {
				tx = nil
				return err
			}
			return begin()
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Commit()
	tx = nil
	if err != nil {
		return err
	}
	if fi, err := os.Stat(db.Path()); err == nil {
		s.mapped = fi.Size()
	}
	return nil
}

// lookup returns the staged digests of ids and marks those ids matched.
// One read transaction serves the whole page; the ids are looked up in
// key order so that neighbours share the tree's pages.
func (s *staged) lookup(ctx context.Context, ids []string) (map[string]stagedDigest, error) {
	out := make(map[string]stagedDigest, len(ids))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 || s.ids == 0 {
		return out, nil
	}
	keys := slices.Sorted(slices.Values(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(digestsBucket)
		for i, id := range keys {
			if i > 0 && id == keys[i-1] {
				continue
			}
			v := b.Get([]byte(id))
			if v == nil {
				continue
			}
			d, ord, err := s.open(id, v)
			if err != nil {
				return err
			}
			if ord >= s.records {
				return errStageAltered
			}
			s.markDone(ord)
			out[id] = d
			if i%dropEvery == dropEvery-1 {
				s.dropMapped()
			}
		}
		return nil
	})
	s.dropMapped()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dropEvery is how many lookups go between two dropMapped calls: the
// kernel maps up to 64 KiB around each page fault (a lookup faults on a
// leaf and maybe a branch page), so 32 lookups map at most ~4 MiB.
const dropEvery = 32

// open decodes a tree value (ordinal, hasher, what the record says of
// the password, sealed digest) and opens
// the digest; v is only valid inside the transaction, so nothing of it
// is kept.
func (s *staged) open(id string, v []byte) (stagedDigest, uint64, error) {
	ord, n := binary.Uvarint(v)
	if n <= 0 {
		return stagedDigest{}, 0, errStageAltered
	}
	v = v[n:]
	hl, n := binary.Uvarint(v)
	if n <= 0 || hl >= uint64(len(v)-n) {
		return stagedDigest{}, 0, errStageAltered
	}
	state := v[n+int(hl)]
	d := stagedDigest{hasher: string(v[n : n+int(hl)]), said: state &^ pwMFA, mfa: state&pwMFA != 0}
	sealed := v[n+int(hl)+1:]
	if len(sealed) > 0 {
		ns := s.aead.NonceSize()
		if len(sealed) <= ns {
			return stagedDigest{}, 0, errStageAltered
		}
		plain, err := s.aead.Open(nil, sealed[:ns], sealed[ns:], sealAD(id, d.hasher))
		if err != nil {
			return stagedDigest{}, 0, errStageAltered
		}
		d.digest = clerk.Secret(plain)
	}
	return d, ord, nil
}

// unmatched calls fn for each staged id the source did not have, with
// the record's address and position in the passwords file, in file order.
func (s *staged) unmatched(ctx context.Context, fn func(id, email string, pos int)) error {
	if _, err := s.order.Seek(0, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(s.order, 64<<10)
	for ord := range s.records {
		if ord%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pos, err := binary.ReadUvarint(br)
		if err != nil {
			return errStageAltered
		}
		id, err := readField(br)
		if err != nil {
			return err
		}
		email, err := readField(br)
		if err != nil {
			return err
		}
		if !s.isDone(ord) {
			fn(string(id), string(email), int(pos))
		}
	}
	return nil
}

// close removes every staging file.
func (s *staged) close() {
	if s.db != nil {
		s.db.Close()
	}
	if s.order != nil {
		s.order.Close()
	}
	RemoveTempDir(s.dir)
}
