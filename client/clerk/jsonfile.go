package clerk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// jsonFile streams a JSON export with a byte-level scanner: only the
// current record (at most maxRecordBytes of it) is held in memory, whatever
// the file or record size.
type jsonFile struct {
	exportFile
	sc    scanner
	state int
	// inRecord: the scanner is inside a record's value, so an error it
	// meets is in record pos+1, not between records.
	inRecord bool
	// inObject is set when the array is the "users" (or "data") member of
	// an object, so the rest of that object must be walked after the
	// array; usersKey is that member's key.
	inObject bool
	usersKey string
	// lines: the file is JSON Lines, a user object on each line.
	lines bool
	// envelope is set once a "clerkMigrate" key is seen, before or after
	// the users; flat once a record has a non-API shape.
	envelope, flat, shaped bool
	// dated is set once a record carries a signup date (flat exports
	// made by other tools sometimes add one), oauth once one carries an
	// external account.
	dated, oauth bool
	// pwSaid is set once a record says whether its user has a password
	// (clerk migrate and migration-script files never do); banSaid once
	// one says whether its user is banned (Clerk support's never does).
	pwSaid, banSaid bool
	// source is the envelope's "source" member, once seen; totalCount the
	// "total_count" beside an API answer's "data" (-1: not a count).
	source     string
	totalCount int
	hasTotal   bool
	// moreFollow: the envelope's "hasMore" (clerk/cli's `users list
	// --json`) or "has_more" is true, so it is one page of the list.
	moreFollow bool
	// startOffset is the envelope's pagination.offset (clerk/cli's): a
	// page saved with --offset N holds none of the first N users.
	startOffset int
	pos         int
	lastEnd     int64 // offset just past the last complete value
	lastEndLine int64 // the line lastEnd is on
	// rounded are the records (lines, in JSON Lines) whose timestamps a
	// spreadsheet wrote in scientific notation; roundedBy as the CSV's.
	rounded   skippedLines
	roundedBy time.Duration
	buf       []byte
	err       error // sticky structural error

	// u16 decodes a UTF-16 file; the scanner's offsets count its UTF-8
	// output, which u16 maps back to the file's. lastEndAt is lastEnd's
	// file offset, mapped when set: by an error it may be far behind.
	u16       *utf16Reader
	lastEndAt int64
}

const (
	jsonStart = iota
	jsonFirst // inside the array, before the first element
	jsonInArray
	jsonDone
)

func newJSONFile(name string, f io.Closer, br *bufio.Reader, base int64) *jsonFile {
	return &jsonFile{exportFile: exportFile{name: name, f: f}, sc: scanner{br: br, off: base}, lastEnd: base, lastEndLine: 1}
}

// Format implements Formatter. The envelope's key may follow the users,
// so the answer is final only after the last page.
func (s *jsonFile) Format() string {
	switch {
	case s.envelope:
		return FormatMigrate
	case s.flat:
		return FormatSupportJSON
	}
	return FormatAPI
}

// Notes implements Noter: flat exports (Clerk support's, `clerk migrate`'s,
// other tools') lack much of the user object. Ask after the last page,
// when the format is known.
func (s *jsonFile) Notes() []string { return s.notes(false) }

// NotesJoined implements JoinNoter: with a passwords file joined, the
// digests this file lacks come from there, so the notes do not say they
// are missing.
func (s *jsonFile) NotesJoined() []string { return s.notes(true) }

func (s *jsonFile) notes(joined bool) []string {
	out := s.formatNotes(joined)
	if s.rounded.n > 0 {
		what := s.rounded.list("record", "records")
		if s.lines {
			what = s.rounded.lineList()
		}
		out = append(out, roundedNote("of "+what, s.roundedBy))
	}
	return out
}

// noteRounded notes a record whose created_at or last_sign_in_at a
// spreadsheet wrote in scientific notation (as the CSV reader does):
// looked for only in a record holding an exponent, which few do.
func (s *jsonFile) noteRounded(raw []byte, at int) {
	if !bytes.Contains(raw, []byte("E+")) && !bytes.Contains(raw, []byte("e+")) {
		return
	}
	var probe struct {
		CreatedAt     json.RawMessage `json:"created_at"`
		LastSignInAt  json.RawMessage `json:"last_sign_in_at"`
		CreatedAtC    json.RawMessage `json:"createdAt"`
		LastSignInAtC json.RawMessage `json:"lastSignInAt"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return
	}
	noted := false
	for _, v := range []json.RawMessage{probe.CreatedAt, probe.LastSignInAt, probe.CreatedAtC, probe.LastSignInAtC} {
		if by, ok := sciRounded(strings.Trim(string(v), `"`)); ok {
			s.roundedBy = max(s.roundedBy, by)
			noted = true
		}
	}
	if noted {
		s.rounded.add(at)
	}
}

func (s *jsonFile) formatNotes(joined bool) []string {
	var name string
	switch f := s.Format(); {
	case f == FormatMigrate:
		name = "clerk migrate export"
	case f == FormatSupportJSON && s.pwSaid:
		name = "flat export (Clerk support's format)"
	case f == FormatSupportJSON:
		name = "flat export"
	default:
		return nil
	}
	var lacks, effects []string
	if !s.dated {
		lacks, effects = append(lacks, "signup dates"), append(effects, "today's date as createdAt")
	}
	if !s.oauth {
		lacks, effects = append(lacks, "OAuth accounts"), append(effects, "no OAuth links")
	}
	if !s.pwSaid && !joined {
		lacks, effects = append(lacks, "password digests"), append(effects, "a password reset")
	}
	// "The primary" read as the first of a support file's list, which is
	// imported unverified like the rest.
	verified := "email counts as verified only when the file lists it as verified or names it as the primary (primary_email_address, or email in a migration-script export); the others are imported unverified."
	if s.Format() == FormatSupportJSON && s.pwSaid {
		verified = "email counts as verified only when the file lists it as verified or names it as the primary (primary_email_address, or email in a migration-script export); the others, and every email of a file that does neither (Clerk support's own export), are imported unverified."
	}
	var bans []string
	if !s.banSaid && s.Format() == FormatSupportJSON { // clerk migrate writes "banned" on banned users only
		bans = []string{"This " + name + " does not say which users Clerk has banned: each is imported, and can sign in, like any other user. " +
			"To leave banned users out, import from the API, which says who is banned."}
	}
	if len(lacks) == 0 {
		return append([]string{"In this " + name + ", an " + verified}, bans...)
	}
	hint := "To keep what it lacks, import from the API instead, with this file as --passwords for its digests: " + notLater
	switch {
	case !s.pwSaid && joined:
		hint = "Its users' passwords come from the passwords file."
	case !s.pwSaid:
		hint = "To keep passwords, pass the Dashboard CSV export as --passwords (joined by Clerk id): " + notLater
	case joined:
		hint = "To keep what it lacks, import from the API instead: " + notLater
	}
	return append([]string{"This " + name + " has no " + joinOr(lacks) + ": imported users get " +
		joinAnd(effects) + ". An " + verified + " " + hint}, bans...)
}

// Next implements Source.
func (s *jsonFile) Next(ctx context.Context) ([]Record, error) {
	s.using(ctx)
	if s.err != nil {
		return nil, s.err
	}
	if s.state == jsonDone {
		return nil, io.EOF
	}
	if s.f == nil {
		return nil, errors.New("clerk: source is closed")
	}
	if s.state == jsonStart {
		if err := s.enterArray(); err != nil {
			s.err = err
			return nil, err
		}
		s.state = jsonFirst
	}
	recs := make([]Record, 0, pageSize)
	size := 0
	for len(recs) < pageSize && size < pageBytes {
		if err := ctx.Err(); err != nil {
			// Not sticky: the caller may retry with a live context, and
			// the records read so far are returned rather than lost.
			if len(recs) > 0 {
				return recs, nil
			}
			return nil, err
		}
		end, err := s.beforeElement()
		if err != nil {
			s.err = err
			return s.flush(recs)
		}
		if end {
			if err := s.finish(); err != nil {
				s.err = err
				return s.flush(recs)
			}
			s.state = jsonDone
			break
		}
		rec, err := s.element()
		if err != nil {
			s.err = err
			return s.flush(recs)
		}
		recs = append(recs, rec)
		size += len(s.buf)
	}
	if len(recs) == 0 {
		return nil, io.EOF
	}
	return recs, nil
}

// beforeElement consumes the separator before the next element and
// reports whether the array ended instead.
func (s *jsonFile) beforeElement() (bool, error) {
	if s.lines {
		// JSON Lines: objects one after the other, to the end.
		b, err := s.sc.peek()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, s.structural(err)
		}
		if b != '{' {
			return false, s.structural(&syntaxError{Off: s.sc.off, Msg: fmt.Sprintf("invalid character %s, expected a user object on each line (JSON Lines)", quoteByte(b))})
		}
		return false, nil
	}
	if s.state == jsonFirst {
		b, err := s.sc.peek()
		if err != nil {
			return false, s.structural(err)
		}
		s.state = jsonInArray
		if b == ']' {
			s.sc.next() //nolint:errcheck // peeked
			return true, nil
		}
		return false, nil
	}
	b, err := s.sc.expect(",]", "',' or ']' after a record")
	if err != nil {
		return false, s.structural(err)
	}
	return b == ']', nil
}

// element reads one array element into a Record.
func (s *jsonFile) element() (Record, error) {
	var dst *[]byte
	if !s.countOnly || s.lines { // a Check pass too looks for joined exports
		s.buf = s.buf[:0]
		dst = &s.buf
	}
	line := s.sc.nl + 1 // where the record starts, for JSON Lines
	s.inRecord = true
	n, err := s.sc.value(dst, maxRecordBytes)
	if err != nil {
		err = s.structural(err)
	}
	s.inRecord = false
	if err != nil {
		return Record{}, err
	}
	s.pos++
	s.markEnd()
	if s.lines && n <= maxRecordBytes && mayBeExport(s.buf) && exportObject(s.buf) {
		// Exports joined with cat: a structure error, found by the check
		// before a run writes anything.
		return Record{}, s.fail(fmt.Sprintf("record %d (line %d) is an export of its own (it holds a users list), not a user: were exports joined? Import each on its own", s.pos, line))
	}
	switch {
	case s.countOnly:
		return Record{Pos: s.pos}, nil
	case n > maxRecordBytes:
		return s.onLine(tooLargeRecord(s.pos, s.buf, n), line), nil
	}
	rec, flat := decodeRecord(s.buf, s.pos)
	rec = s.onLine(rec, line)
	if rec.User != nil {
		at := s.pos
		if s.lines {
			at = int(line)
		}
		s.noteRounded(s.buf, at)
	}
	if rec.Raw != nil {
		rec.Raw = bytes.Clone(rec.Raw) // s.buf is reused
	}
	if rec.User != nil && !s.shaped && !rec.User.shapeless {
		// The first good record that shows its shape names the format:
		// exports do not mix.
		s.shaped, s.flat = true, flat
	}
	if rec.User != nil && rec.User.CreatedAt != 0 {
		s.dated = true
	}
	if rec.User != nil && len(rec.User.ExternalAccounts) > 0 {
		s.oauth = true
	}
	if rec.User != nil && !rec.User.PasswordUnknown {
		s.pwSaid = true
	}
	if rec.User != nil && s.envelope {
		// clerk migrate writes "banned" on banned users only: in its
		// envelope, a record without it says the user is not banned
		// (a re-run then sees a ban lifted in Clerk).
		rec.User.banUnknown = false
	}
	if rec.User != nil && !rec.User.banUnknown {
		s.banSaid = true
	}
	return rec, nil
}

// flush returns the records read before a structural error; the error
// itself comes from the next call, so nothing already read is lost.
func (s *jsonFile) flush(recs []Record) ([]Record, error) {
	if len(recs) == 0 {
		return nil, s.err
	}
	return recs, nil
}

// linesAhead reports a file of JSON Lines (`jq -c '.[]'` output, which
// clerk/cli's import reads too): the buffered bytes start with an object
// that a line break and another object follow. The first object must fit
// the buffer (64 KiB); a larger one is told to be put in an array.
func (s *jsonFile) linesAhead() bool {
	buf, _ := s.sc.br.Peek(s.sc.br.Size())
	depth, inStr, esc := 0, false, false
	for i, c := range buf {
		switch {
		case esc:
			esc = false
		case inStr:
			switch c {
			case '\\':
				esc = true
			case '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				rest := bytes.TrimLeft(buf[i+1:], " \t\r")
				if len(bytes.TrimSpace(rest)) == 0 && len(buf) < s.sc.br.Size() && linesName(s.name) {
					// The whole file is one object: in a file named as
					// JSON Lines (a one-user canary, `jq -c '.[]'`), one
					// user, unless it is an export of its own.
					return !exportObject(buf[:i+1])
				}
				if len(rest) == 0 || rest[0] != '\n' {
					return false
				}
				rest = bytes.TrimLeft(rest, " \t\r\n")
				return len(rest) > 0 && rest[0] == '{' && !exportObject(buf[:i+1])
			}
		}
	}
	return false
}

// linesName reports a file named as JSON Lines, as clerk/cli's import
// tells them.
func linesName(name string) bool {
	name = strings.ToLower(name)
	return strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".ndjson")
}

// mayBeExport is exportObject's cheap first look: the bytes name one of
// its keys somewhere.
func mayBeExport(obj []byte) bool {
	return bytes.Contains(obj, []byte(`"users"`)) || bytes.Contains(obj, []byte(`"data"`)) || bytes.Contains(obj, []byte(`"clerkMigrate"`))
}

// exportObject reports an object that is an export of its own (a
// {"users": […]} envelope, a saved API answer, a clerk migrate file), not
// a user: exports joined with cat are no JSON Lines.
func exportObject(obj []byte) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(obj, &keys) != nil {
		return false
	}
	for _, k := range []string{"users", "data", "clerkMigrate"} {
		if _, ok := keys[k]; ok {
			return true
		}
	}
	return false
}

// enterArray reads up to the first element of the users array.
func (s *jsonFile) enterArray() error {
	if b, err := s.sc.peek(); err == nil && b == '{' && s.linesAhead() {
		s.lines, s.sc.countLines = true, true
		return nil
	}
	b, err := s.sc.expect("[{", "a JSON array of users or an object with a \"users\" key")
	if err != nil {
		return s.structural(err)
	}
	if b == '[' {
		return nil
	}
	s.inObject = true
	var seen []string
	for first := true; ; first = false {
		end, err := s.nextMember(first)
		if err != nil {
			return err
		}
		if end {
			break
		}
		key, err := s.sc.key()
		if err != nil {
			return s.structural(err)
		}
		if key == "users" || key == "data" {
			b, err := s.sc.peek()
			if err != nil {
				return s.structural(err)
			}
			// "data" holds the users in the API's paginated answer
			// ({"data": […], "total_count": N}) saved to a file; any
			// other "data" is an envelope member like the rest.
			switch {
			case b == '[':
				s.sc.next() //nolint:errcheck // peeked
				s.usersKey = key
				return nil
			case key == "users":
				return s.fail(fmt.Sprintf("\"users\" must be an array of users, got %s", jsonKind([]byte{b})))
			}
		}
		if len(seen) < 8 {
			seen = append(seen, quote(key))
		}
		if err := s.member(key); err != nil {
			return err
		}
	}
	s.markEnd()
	found := "it is empty"
	if len(seen) > 0 {
		found = "found " + clip(strings.Join(seen, ", "))
	}
	hint := ""
	if slices.Contains(seen, quote("id")) {
		// One user object, or JSON Lines (`jq -c '.[]'` output).
		fix := "jq -s . FILE > users.json"
		if s.u16 != nil { // jq reads UTF-8 only
			fix = "iconv -f " + s.u16.charset() + " -t UTF-8 FILE | jq -s . > users.json"
		}
		hint = "; it looks like a single user, or one user per line (JSON Lines): put the users in a JSON array first, e.g. " + fix
	}
	return fmt.Errorf("clerk: %s: the top-level object has no \"users\" key (%s); expected a JSON array of users, {\"users\": […]} or the API's {\"data\": […]}%s", s.name, found, hint)
}

// nextMember consumes what precedes an object member (a ',' unless first)
// and reports whether the object ended instead.
func (s *jsonFile) nextMember(first bool) (bool, error) {
	if first {
		b, err := s.sc.peek()
		if err != nil {
			return false, s.structural(err)
		}
		if b == '}' {
			s.sc.next() //nolint:errcheck // peeked
			return true, nil
		}
		return false, nil
	}
	b, err := s.sc.expect(",}", "',' or '}' after an object member")
	if err != nil {
		return false, s.structural(err)
	}
	return b == '}', nil
}

// member skips the value of an envelope member other than "users", noting
// the `clerk migrate` marker. Nothing is kept, so a huge sibling of
// "users" (organizations, say) costs no memory.
func (s *jsonFile) member(key string) error {
	if key == "clerkMigrate" {
		s.envelope = true
	}
	var keep *[]byte
	var val []byte
	switch key {
	case "source", "total_count", "totalCount", "hasMore", "has_more", "pagination", "clerkMigrate":
		keep = &val // a short value; anything longer is not a name, a count or a flag
	}
	if _, err := s.sc.value(keep, 256); err != nil {
		return s.structural(err)
	}
	s.markEnd()
	switch key {
	case "clerkMigrate":
		// clerk/cli writes 1 and reads an envelope only as 1: another
		// version may give its fields other meanings.
		if v := strings.Trim(string(trimSpace(val)), `"`); v != "1" {
			return fmt.Errorf("clerk: %s: this `clerk migrate` export says it is format version %s (\"clerkMigrate\"); ascendkit reads version 1, the one clerk/cli writes, and would misread another: import the users from the API (--api-key) or a Dashboard export instead", s.name, quote(v))
		}
	case "source":
		s.source = migrateSource(val)
	case "total_count", "totalCount": // the API's, @clerk/backend's
		s.hasTotal, s.totalCount = true, -1
		if n, err := strconv.Atoi(string(trimSpace(val))); err == nil && n >= 0 {
			s.totalCount = n
		}
	case "hasMore", "has_more":
		s.moreFollow = string(trimSpace(val)) == "true"
	case "pagination":
		var p struct {
			Offset int `json:"offset"`
		}
		if json.Unmarshal(val, &p) == nil {
			s.startOffset = p.Offset
		}
	}
	return s.checkSource()
}

// checkPage refuses a saved page of the API's list: {"data": […]} (or a
// {"users": […]} that keeps the answer's count) whose total_count says the
// instance has users the file does not hold, or whose hasMore says more
// pages follow, or that starts past the first user (clerk/cli's `users
// list --json` writes {"data": […], "hasMore": true, "pagination":
// {"offset": 0, "limit": 100}} for its first 100 users). A total_count the
// file holds in full is believed over hasMore.
func (s *jsonFile) checkPage() error {
	what := "this file"
	if s.usersKey == "data" {
		what = "this saved API answer"
	}
	if s.startOffset > 0 {
		return fmt.Errorf("clerk: %s: this saved list starts after the list's first %d users (pagination.offset): it is one page of the list; import with --api-key, or save every page's users into one array", s.name, s.startOffset)
	}
	if s.moreFollow && !(s.hasTotal && s.totalCount == s.pos) {
		return fmt.Errorf("clerk: %s: this saved list holds %d users and says more follow (hasMore): it is one page of the list; import with --api-key, or save every page's users into one array", s.name, s.pos)
	}
	if !s.hasTotal || s.totalCount == s.pos {
		return nil
	}
	if s.totalCount < 0 {
		return fmt.Errorf("clerk: %s: \"total_count\" is not a count, so whether %s holds every user is unknown", s.name, what)
	}
	return fmt.Errorf("clerk: %s: %s holds %d of the instance's %d users (total_count): it is one page of the list; import with --api-key, or save every page's users into one array", s.name, what, s.pos, s.totalCount)
}

// migrateSource reads the envelope's "source" (the platform the users came
// from); "" when it is not a plain string.
func migrateSource(raw []byte) string {
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v
}

// checkSource refuses a `clerk migrate` export of another platform's users
// (the CLI exports Supabase, Firebase, Auth0 … in the same envelope): their
// records are not Clerk users, and mapping them as if they were would
// import wrong data rather than fail.
func (s *jsonFile) checkSource() error {
	if !s.envelope || s.source == "" || strings.EqualFold(s.source, "clerk") {
		return nil
	}
	return fmt.Errorf("clerk: %s: this `clerk migrate` export holds users from %s, not from Clerk; ascendkit imports Clerk users (export them from Clerk, or use the API)", s.name, quote(s.source))
}

// finish consumes the rest of an enclosing object after the array, and
// checks nothing follows: a file cut at an element boundary must not pass
// for a complete export.
func (s *jsonFile) finish() error {
	s.markEnd()
	if s.inObject {
		for {
			end, err := s.nextMember(false)
			if err != nil {
				return err
			}
			if end {
				break
			}
			key, err := s.sc.key()
			if err != nil {
				return s.structural(err)
			}
			if key == s.usersKey {
				return s.fail(fmt.Sprintf("the %q key appears twice", key))
			}
			if key == "users" {
				return s.fail(fmt.Sprintf("both %q and \"users\" hold a list; which one holds the users is unclear", s.usersKey))
			}
			if err := s.member(key); err != nil {
				return err
			}
		}
		s.markEnd()
	}
	b, err := s.sc.peek()
	if errors.Is(err, io.EOF) {
		return s.checkPage()
	}
	if err != nil {
		return s.structural(err)
	}
	// Only its first byte is known: "trailing" is not "a boolean".
	what := "unexpected data"
	if b == '{' || b == '[' {
		what = "another " + strings.TrimPrefix(jsonKind([]byte{b}), "an ")
	}
	return s.fail(fmt.Sprintf("%s (starting %q) after the end of the JSON document", what, string([]byte{b})))
}

// markEnd notes that a complete value ends at the scanner's offset.
func (s *jsonFile) markEnd() {
	s.lastEnd, s.lastEndLine = s.sc.off, s.sc.nl+1
	if s.u16 != nil {
		s.lastEndAt, _ = s.u16.fileOffset(s.lastEnd) // current: always known
	}
}

// where describes the position for error messages, as a byte offset of
// the file (of a UTF-16 file too, though the scanner reads its UTF-8).
func (s *jsonFile) where(off int64) string {
	at, ok := off, true
	switch {
	case s.u16 == nil:
	case off == s.lastEnd:
		at = s.lastEndAt
	default:
		at, ok = s.u16.fileOffset(off)
	}
	line := s.sc.nl + 1
	if off == s.lastEnd {
		line = s.lastEndLine
	}
	in := s.inRecord && off != s.lastEnd // the end of the last record is after it
	if !ok {
		return s.record(line, in) // not expected: offsets reported are recent
	}
	return fmt.Sprintf("at byte %d (%s)", at, s.record(line, in))
}

// record places an error among the records (and, in JSON Lines, on its
// line): in one (in) or between them.
func (s *jsonFile) record(line int64, in bool) string {
	where := fmt.Sprintf("after record %d", s.pos)
	switch {
	case in:
		where = fmt.Sprintf("in record %d", s.pos+1)
	case s.pos == 0:
		where = "before the first record"
	}
	if s.lines {
		where = fmt.Sprintf("line %d, %s", line, where)
	}
	return where
}

// onLine names the line of a JSON Lines record's error, as the CSV reader
// does: an editor goes to a line, and blank lines or an object written
// over several lines put the record's number off it.
func (s *jsonFile) onLine(rec Record, line int64) Record {
	if s.lines && rec.Err != nil {
		rec.Err = &lineError{err: rec.Err, pos: rec.Pos, line: line}
	}
	return rec
}

// lineError is a record's error that says on which line the record
// starts: "record 7 (line 9): …".
type lineError struct {
	err  error
	pos  int
	line int64
}

func (e *lineError) Error() string {
	prefix := fmt.Sprintf("record %d", e.pos)
	msg := e.err.Error()
	if rest, ok := strings.CutPrefix(msg, prefix); ok {
		return fmt.Sprintf("%s (line %d)%s", prefix, e.line, rest)
	}
	return fmt.Sprintf("line %d: %s", e.line, msg)
}

func (e *lineError) Unwrap() error { return e.err }

func (s *jsonFile) fail(msg string) error {
	return fmt.Errorf("clerk: %s: %s %s", s.name, msg, s.where(s.sc.off))
}

// structural turns a scanner error into a clear, positioned error.
func (s *jsonFile) structural(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("clerk: %s: the file ends before the JSON is complete (truncated download?); the last complete value ends %s", s.name, s.where(s.lastEnd))
	}
	var ue *utf16Error
	if errors.As(err, &ue) {
		return fmt.Errorf("clerk: %s: %w (%s)", s.name, ue, s.record(s.sc.nl+1, s.inRecord))
	}
	var se *syntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("clerk: %s: invalid JSON %s: %s", s.name, s.where(se.Off), se.Msg)
	}
	return fmt.Errorf("clerk: %s: reading JSON %s: %w", s.name, s.where(s.sc.off), err)
}
