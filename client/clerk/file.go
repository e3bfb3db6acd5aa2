package clerk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// OpenFile opens a Clerk export for streaming. The format is sniffed from
// the first non-space byte: `[` or `{` is the JSON export (an array of
// users, or an object with a "users" array), anything else the dashboard's
// CSV export. Structural problems inside the file surface from Next, after
// the records before them, so a damaged tail does not hide a good head.
func OpenFile(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("clerk: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	skipped, lines, first, err := sniff(br)
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("clerk: %s is empty", path)
		}
		return nil, fmt.Errorf("clerk: reading %s: %w", path, err)
	}
	if hint := archiveHint(br); hint != "" {
		f.Close()
		return nil, fmt.Errorf("clerk: %s %s; extract the export first", path, hint)
	}
	if first == '[' || first == '{' {
		return newJSONFile(path, f, br, skipped), nil
	}
	return newCSVFile(path, f, br, lines), nil
}

// Checker is a source that can be read through once before the real pass,
// so that a structural error (a truncated file, garbage after the array)
// is found before anything is written. Files can; the API cannot.
type Checker interface {
	// Check reads the whole source from its start, independently of Next,
	// and returns the number of records or the first structural error.
	Check(ctx context.Context) (int, error)
}

// Noter is a source with caveats worth telling the user (e.g. what an
// export format lacks).
type Noter interface {
	Notes() []string
}

// checkPath drains a fresh reader of path, keeping nothing. Records are
// counted, not decoded: the check is about the file's structure, and
// decoding every user would cost more than half of its time.
func checkPath(ctx context.Context, path string) (int, error) {
	src, err := OpenFile(path)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	switch f := src.(type) {
	case *jsonFile:
		f.countOnly = true
	case *csvFile:
		f.countOnly = true
	}
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		recs, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += len(recs)
	}
}

// exportFile is what both export readers share: the open file and its
// name, and the Source and Checker methods that do not depend on format.
type exportFile struct {
	name string
	f    *os.File
	// countOnly makes Next yield empty records (Pos only): a Check pass.
	countOnly bool
}

// Kind implements Source.
func (e *exportFile) Kind() string { return "file" }

// Total implements Source; counting would mean reading the file twice.
func (e *exportFile) Total(context.Context) (int, error) { return -1, nil }

// Close implements Source.
func (e *exportFile) Close() error {
	if e.f == nil {
		return nil
	}
	err := e.f.Close()
	e.f = nil
	return err
}

// Check implements Checker.
func (e *exportFile) Check(ctx context.Context) (int, error) { return checkPath(ctx, e.name) }

// Notes implements Noter: the dashboard CSV lacks much of the user object.
func (s *csvFile) Notes() []string {
	return []string{"The CSV export has no signup dates, metadata or OAuth accounts: imported users get today's date as createdAt and no OAuth links. Import the JSON export (or use the API) to keep them."}
}

// sniff consumes leading whitespace and a UTF-8 byte-order mark (which
// spreadsheet tools like to add) and returns the first significant byte,
// left unread, and how many bytes and lines were skipped (so error
// positions still match what an editor shows).
func sniff(br *bufio.Reader) (skipped int64, lines int, first byte, err error) {
	for {
		r, size, err := br.ReadRune()
		if err != nil {
			return skipped, lines, 0, err
		}
		if r == '\uFEFF' || unicode.IsSpace(r) {
			skipped += int64(size)
			if r == '\n' {
				lines++
			}
			continue
		}
		if err := br.UnreadRune(); err != nil {
			return skipped, lines, 0, err
		}
		b, err := br.Peek(1)
		if err != nil {
			return skipped, lines, 0, err
		}
		return skipped, lines, b[0], nil
	}
}

// archiveHint recognises compressed downloads, whose bytes would otherwise
// produce a baffling CSV header error.
func archiveHint(br *bufio.Reader) string {
	b, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "is a zip archive"
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return "is gzip-compressed"
	}
	return ""
}

// jsonFile streams a JSON export token by token: only the current element
// is held in memory, whatever the file size.
type jsonFile struct {
	exportFile
	dec   *json.Decoder
	base  int64 // bytes consumed by sniff, before the decoder's offset 0
	state int
	// inObject is set when the array is the "users" member of an object,
	// so the rest of that object must be walked after the array.
	inObject bool
	pos      int
	err      error // sticky structural error
}

const (
	jsonStart = iota
	jsonInArray
	jsonDone
)

func newJSONFile(name string, f *os.File, r io.Reader, base int64) *jsonFile {
	return &jsonFile{exportFile: exportFile{name: name, f: f}, dec: json.NewDecoder(r), base: base}
}

// Next implements Source.
func (s *jsonFile) Next(ctx context.Context) ([]Record, error) {
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
		s.state = jsonInArray
	}
	var recs []Record
	for len(recs) < pageSize {
		if err := ctx.Err(); err != nil {
			// Not sticky: the caller may retry with a live context, and
			// the records read so far are returned rather than lost.
			if len(recs) > 0 {
				return recs, nil
			}
			return nil, err
		}
		if !s.dec.More() {
			if err := s.finish(); err != nil {
				s.err = err
				return s.flush(recs)
			}
			s.state = jsonDone
			break
		}
		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			s.err = s.structural(err)
			return s.flush(recs)
		}
		s.pos++
		if s.countOnly {
			recs = append(recs, Record{Pos: s.pos})
			continue
		}
		recs = append(recs, decodeUser(raw, s.pos))
	}
	if len(recs) == 0 {
		return nil, io.EOF
	}
	return recs, nil
}

// flush returns the records read before a structural error; the error
// itself comes from the next call, so nothing already read is lost.
func (s *jsonFile) flush(recs []Record) ([]Record, error) {
	if len(recs) == 0 {
		return nil, s.err
	}
	return recs, nil
}

// enterArray reads up to the first element of the users array.
func (s *jsonFile) enterArray() error {
	tok, err := s.dec.Token()
	if err != nil {
		return s.structural(err)
	}
	switch tok {
	case json.Delim('['):
		return nil
	case json.Delim('{'):
	default:
		return s.fail("expected a JSON array of users or an object with a \"users\" key")
	}
	s.inObject = true
	var seen []string
	for s.dec.More() {
		key, err := s.key()
		if err != nil {
			return err
		}
		if key == "users" {
			tok, err := s.dec.Token()
			if err != nil {
				return s.structural(err)
			}
			if tok != json.Delim('[') {
				return s.fail(fmt.Sprintf("\"users\" must be an array of users, got %s", tokenKind(tok)))
			}
			return nil
		}
		if len(seen) < 8 {
			seen = append(seen, fmt.Sprintf("%q", key))
		}
		if err := s.skipValue(); err != nil {
			return err
		}
	}
	if _, err := s.dec.Token(); err != nil {
		return s.structural(err)
	}
	found := "it is empty"
	if len(seen) > 0 {
		found = "found " + strings.Join(seen, ", ")
	}
	return fmt.Errorf("clerk: %s: the top-level object has no \"users\" key (%s); expected a JSON array of users or {\"users\": […]}", s.name, found)
}

// finish consumes the end of the array, the rest of an enclosing object,
// and checks nothing follows: a file cut at an element boundary must not
// pass for a complete export.
func (s *jsonFile) finish() error {
	if _, err := s.dec.Token(); err != nil { // the array's ']'
		return s.structural(err)
	}
	if s.inObject {
		for s.dec.More() {
			key, err := s.key()
			if err != nil {
				return err
			}
			if key == "users" {
				return s.fail("the \"users\" key appears twice")
			}
			if err := s.skipValue(); err != nil {
				return err
			}
		}
		if _, err := s.dec.Token(); err != nil { // the object's '}'
			return s.structural(err)
		}
	}
	if tok, err := s.dec.Token(); err == nil {
		return s.fail(fmt.Sprintf("unexpected data (%s) after the end of the JSON document", tokenKind(tok)))
	} else if !errors.Is(err, io.EOF) {
		return s.structural(err)
	}
	return nil
}

// key reads an object key.
func (s *jsonFile) key() (string, error) {
	tok, err := s.dec.Token()
	if err != nil {
		return "", s.structural(err)
	}
	k, ok := tok.(string)
	if !ok {
		return "", s.fail("expected an object key")
	}
	return k, nil
}

// skipValue discards one value token by token, so a huge sibling of
// "users" (metadata, organizations) costs no memory.
func (s *jsonFile) skipValue() error {
	depth := 0
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return s.structural(err)
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// offset is the current byte offset in the file.
func (s *jsonFile) offset() int64 { return s.base + s.dec.InputOffset() }

// where describes the position for error messages.
func (s *jsonFile) where(off int64) string {
	if s.pos == 0 {
		return fmt.Sprintf("at byte %d (before the first record)", off)
	}
	return fmt.Sprintf("at byte %d (after record %d)", off, s.pos)
}

func (s *jsonFile) fail(msg string) error {
	return fmt.Errorf("clerk: %s: %s %s", s.name, msg, s.where(s.offset()))
}

// structural turns a decoder error into a clear, positioned error.
func (s *jsonFile) structural(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("clerk: %s: the file ends before the JSON is complete (truncated download?); the last complete value ends %s", s.name, s.where(s.offset()))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("clerk: %s: invalid JSON %s: %v", s.name, s.where(s.base+se.Offset), se)
	}
	return fmt.Errorf("clerk: %s: reading JSON %s: %w", s.name, s.where(s.offset()), err)
}

// tokenKind names a decoder token for an error message.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	default:
		return "a number"
	}
}

// CSV export columns (Clerk dashboard → Settings → User exports).
const (
	colID                = "id"
	colFirstName         = "first_name"
	colLastName          = "last_name"
	colUsername          = "username"
	colPrimaryEmail      = "primary_email_address"
	colVerifiedEmails    = "verified_email_addresses"
	colUnverifiedEmails  = "unverified_email_addresses"
	colPasswordDigest    = "password_digest"
	colTOTPSecret        = "totp_secret"
	csvPrimaryEmailID    = "csv_primary"
	verificationVerified = "verified"
	verificationPending  = "unverified"
)

// csvFile streams the dashboard CSV export. Password digests and TOTP
// secrets are only tested for presence; their values are never copied
// out of the reader's buffer.
type csvFile struct {
	exportFile
	r      *csv.Reader
	lines  int // blank lines consumed by sniff, added to reported line numbers
	cols   map[string]int
	ncols  int
	header bool
	pos    int
	done   bool
	err    error
}

func newCSVFile(name string, f *os.File, r io.Reader, lines int) *csvFile {
	cr := csv.NewReader(r)
	// Field counts are checked per row so a bad row is one malformed
	// record, not the end of the import.
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvFile{exportFile: exportFile{name: name, f: f}, r: cr, lines: lines}
}

// Next implements Source.
func (s *csvFile) Next(ctx context.Context) ([]Record, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.done {
		return nil, io.EOF
	}
	if s.f == nil {
		return nil, errors.New("clerk: source is closed")
	}
	if !s.header {
		if err := s.readHeader(); err != nil {
			s.err = err
			return nil, err
		}
		s.header = true
	}
	var recs []Record
	for len(recs) < pageSize {
		if err := ctx.Err(); err != nil {
			if len(recs) > 0 {
				return recs, nil
			}
			return nil, err
		}
		row, err := s.r.Read()
		if errors.Is(err, io.EOF) {
			s.done = true
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// A quoting error spoils one row; the reader resumes after it.
			s.pos++
			recs = append(recs, Record{Pos: s.pos, Err: fmt.Errorf("record %d (line %d): malformed CSV: %v", s.pos, s.lines+pe.StartLine, pe.Err)})
			continue
		}
		if err != nil {
			s.err = fmt.Errorf("clerk: %s: reading CSV after record %d: %w", s.name, s.pos, err)
			if len(recs) == 0 {
				return nil, s.err
			}
			return recs, nil
		}
		s.pos++
		if s.countOnly {
			recs = append(recs, Record{Pos: s.pos})
			continue
		}
		recs = append(recs, s.record(row))
	}
	if len(recs) == 0 {
		return nil, io.EOF
	}
	return recs, nil
}

// readHeader maps column names to indexes, so column order and extra
// columns in future exports do not matter.
func (s *csvFile) readHeader() error {
	row, err := s.r.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("clerk: %s: no CSV header row", s.name)
	}
	if err != nil {
		return fmt.Errorf("clerk: %s: reading the CSV header: %w", s.name, err)
	}
	s.cols = make(map[string]int, len(row))
	names := make([]string, 0, len(row))
	for i, h := range row {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		if h == "" {
			continue
		}
		if _, dup := s.cols[h]; dup {
			return fmt.Errorf("clerk: %s: CSV column %q appears twice in the header", s.name, h)
		}
		s.cols[h] = i
		names = append(names, fmt.Sprintf("%q", h))
	}
	s.ncols = len(row)
	for _, need := range []string{colID, colPrimaryEmail} {
		if _, ok := s.cols[need]; !ok {
			if len(names) > 8 {
				names = append(names[:8], "…")
			}
			return fmt.Errorf("clerk: %s: not a Clerk user export: the CSV header has no %q column (found %s); expected a Clerk CSV export or a JSON array of users",
				s.name, need, strings.Join(names, ", "))
		}
	}
	return nil
}

// record maps one CSV row to a Record.
func (s *csvFile) record(row []string) Record {
	line, _ := s.r.FieldPos(0)
	line += s.lines
	if len(row) != s.ncols {
		// With a shifted row any cell could hold the digest, so only an
		// id-looking first value is echoed back.
		hint := ""
		if i := s.cols[colID]; i < len(row) && strings.HasPrefix(row[i], "user_") && len(row[i]) < 64 {
			hint = fmt.Sprintf(" (id %q)", row[i])
		}
		return Record{Pos: s.pos, Err: fmt.Errorf("record %d (line %d)%s: has %d fields, the header has %d", s.pos, line, hint, len(row), s.ncols)}
	}
	id := s.cell(row, colID)
	if id == "" {
		return Record{Pos: s.pos, Err: fmt.Errorf("record %d (line %d): empty id", s.pos, line)}
	}
	u := &User{
		ID:        id,
		FirstName: optional(s.cell(row, colFirstName)),
		LastName:  optional(s.cell(row, colLastName)),
		Username:  optional(s.cell(row, colUsername)),
		// Presence is all the importer needs (tag for a password reset);
		// the digest itself never leaves this function.
		PasswordEnabled: s.present(row, colPasswordDigest),
		// A TOTP secret exists only once the user enrolled an authenticator.
		TwoFactorEnabled: s.present(row, colTOTPSecret),
	}
	verified := splitMulti(s.cell(row, colVerifiedEmails))
	unverified := splitMulti(s.cell(row, colUnverifiedEmails))
	if primary := s.cell(row, colPrimaryEmail); primary != "" {
		status := verificationPending
		if containsFold(verified, primary) {
			status = verificationVerified
		}
		u.EmailAddresses = append(u.EmailAddresses, EmailAddress{
			ID:           csvPrimaryEmailID,
			EmailAddress: primary,
			Verification: &Verification{Status: status},
		})
		u.PrimaryEmailAddressID = optional(csvPrimaryEmailID)
	}
	add := func(list []string, status string) {
		for _, addr := range list {
			if hasEmail(u.EmailAddresses, addr) {
				continue
			}
			u.EmailAddresses = append(u.EmailAddresses, EmailAddress{
				ID:           fmt.Sprintf("csv_email_%d", len(u.EmailAddresses)),
				EmailAddress: addr,
				Verification: &Verification{Status: status},
			})
		}
	}
	add(verified, verificationVerified)
	add(unverified, verificationPending)
	return Record{Pos: s.pos, User: u}
}

// cell returns a trimmed copy of a column's value ("" if the column is
// absent). The copy matters: csv.Reader slices all fields of a row from
// one string, so keeping a substring would keep the digest alive too.
func (s *csvFile) cell(row []string, col string) string {
	i, ok := s.cols[col]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.Clone(strings.TrimSpace(row[i]))
}

// present reports whether a column has a non-blank value, without copying it.
func (s *csvFile) present(row []string, col string) bool {
	i, ok := s.cols[col]
	return ok && i < len(row) && strings.TrimSpace(row[i]) != ""
}

// splitMulti splits a multi-value cell. Clerk's separator is not
// documented, so both `,` (inside a quoted cell) and `|` are accepted.
func splitMulti(v string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// containsFold reports whether list holds addr, ignoring case (email
// domains are case-insensitive and exports are not consistent about it).
func containsFold(list []string, addr string) bool {
	for _, v := range list {
		if strings.EqualFold(v, addr) {
			return true
		}
	}
	return false
}

func hasEmail(list []EmailAddress, addr string) bool {
	for _, e := range list {
		if strings.EqualFold(e.EmailAddress, addr) {
			return true
		}
	}
	return false
}

// optional maps "" to nil, the way Clerk's API reports an unset field.
func optional(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
