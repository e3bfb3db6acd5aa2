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
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Dashboard CSV export columns (Dashboard → Settings → User exports), plus
// the created_at column some exports and tools add.
const (
	colID               = "id"
	colFirstName        = "first_name"
	colLastName         = "last_name"
	colUsername         = "username"
	colPrimaryEmail     = "primary_email_address"
	colPrimaryPhone     = "primary_phone_number"
	colVerifiedEmails   = "verified_email_addresses"
	colUnverifiedEmails = "unverified_email_addresses"
	colVerifiedPhones   = "verified_phone_numbers"
	colUnverifiedPhones = "unverified_phone_numbers"
	colTOTPSecret       = "totp_secret"
	colPasswordDigest   = "password_digest"
	colPasswordHasher   = "password_hasher"
	colCreatedAt        = "created_at"
	// The support export's columns (clerk.md §3) as CSV, as in
	// clerk/migration-script's samples/clerk.csv.
	colEmails          = "email_addresses"
	colPhones          = "phone_numbers"
	colPublicMetadata  = "public_metadata"
	colPrivateMetadata = "private_metadata"
	colUnsafeMetadata  = "unsafe_metadata"
	// Optional columns some tools add, read as the JSON readers read them.
	colBanned          = "banned"
	colLocked          = "locked"
	colExternalID      = "external_id"
	colLastSignInAt    = "last_sign_in_at"
	colLegalAcceptedAt = "legal_accepted_at"
	colImageURL        = "image_url"
	colHasImage        = "has_image"
	// Second factors, as the JSON readers read them: the API's flags,
	// and clerk/cli's and the migration tools' (backup_codes only for
	// its presence: the codes are never copied).
	colTwoFactorEnabled   = "two_factor_enabled"
	colTOTPEnabled        = "totp_enabled"
	colBackupCodeEnabled  = "backup_code_enabled"
	colBackupCodesEnabled = "backup_codes_enabled"
	colBackupCodes        = "backup_codes"
	colMFAEnabled         = "mfa_enabled"

	verificationVerified = "verified"
	verificationPending  = "unverified"
)

// csvFile streams a CSV export: the Dashboard's, or the support export's
// columns as CSV (clerk/migration-script's sample). Each row is cut out of
// the file by a quote-aware splitter that keeps at most maxRecordBytes of
// it, then parsed by encoding/csv, so one huge row costs no memory. The
// TOTP secret is only tested for presence; its value is never copied.
type csvFile struct {
	// forPasswords: read only for what a passwords file gives (see
	// ReadForPasswords).
	forPasswords bool
	exportFile
	br   *bufio.Reader
	line int // lines consumed so far
	cols map[string]int
	// jsonCols are the indexes of the metadata columns, whose JSON may
	// hold bare quotes (see parseRow).
	jsonCols map[int]bool
	ncols    int
	// colNames are the columns by index ("" for an empty name or one
	// that is not shown).
	colNames []string
	header   bool
	pos      int
	done     bool
	err      error
	buf      []byte
	// sep is the field separator: ',' unless Excel's "sep=" line or the
	// header says ';' or TAB (European and "Unicode text" saves).
	sep byte
	// afterCR: the last byte consumed was a CR, so a LF next is the second
	// half of a CRLF (one line end, not two).
	afterCR bool
	// loneCR: a line ended at a CR alone, as Excel for Mac's "CSV
	// (Macintosh)" save writes, in the Mac Roman encoding.
	loneCR bool
	// comments are the `#` lines after the header, skipped as
	// commented-out rows.
	comments skippedLines
	// headerRaw is the header row as written; rows equal to it later
	// (exports joined with cat) are skipped, as headerRepeats.
	headerRaw     []byte
	headerRepeats skippedLines
	// rounded are the rows whose timestamps a spreadsheet wrote in
	// scientific notation (1.71454E+12), roundedBy the largest rounding
	// that kept (see noteRounded).
	rounded   skippedLines
	roundedBy time.Duration
	// firstCol is the header's first column name, when it is one the
	// reader knows: a row beginning with it may be the header again
	// (headerAgain).
	firstCol string
}

// maxCommentLines is how many skipped lines a note names.
const maxCommentLines = 5

// skippedLines counts the lines skipped for one reason and keeps the
// first few to name.
type skippedLines struct {
	n     int
	first []int
}

func (k *skippedLines) add(line int) {
	k.n++
	if len(k.first) < maxCommentLines {
		k.first = append(k.first, line)
	}
}

func newCSVFile(name string, f io.Closer, br *bufio.Reader, lines int) *csvFile {
	return &csvFile{exportFile: exportFile{name: name, f: f}, br: br, line: lines, sep: ','}
}

// Format implements Formatter.
func (s *csvFile) Format() string { return FormatDashboardCSV }

// Notes implements Noter: a CSV export lacks much of the user object;
// which parts depends on its columns.
func (s *csvFile) Notes() []string {
	// Asked before the first page: read the header now (Next would do
	// it anyway) to know which columns are there.
	if !s.header && s.err == nil && s.f != nil {
		if err := s.readHeader(); err != nil {
			s.err = err
		} else {
			s.header = true
		}
	}
	if !s.header {
		// Not a CSV export it can read (the error says why): notes on
		// what the export lacks would be about a file it refuses.
		return nil
	}
	var lacks, effects []string
	if !s.has(colCreatedAt) {
		lacks = append(lacks, "signup dates")
		effects = append(effects, "today's date as createdAt")
	}
	if len(s.jsonCols) == 0 {
		lacks = append(lacks, "metadata")
		effects = append(effects, "no metadata")
	}
	lacks = append(lacks, "OAuth accounts")
	effects = append(effects, "no OAuth links")
	notes := []string{fmt.Sprintf("This CSV export has no %s: imported users get %s. To keep them, import the JSON export (or use the API) instead: %s",
		joinOr(lacks), joinAnd(effects), notLater)}
	if !s.has(colBanned) {
		// The Dashboard's export lists banned users like the others.
		notes = append(notes, "This CSV export does not say which users Clerk has banned: each is imported, and can sign in, like any other user. "+
			"To leave banned users out, import from the API and pass this file as --passwords for its digests.")
	}
	if c := s.CommentedOut(); c != "" {
		notes = append(notes, c)
	}
	return notes
}

// notLater ends a note on what an export lacks: the way to keep it is
// another source instead, as an import never changes a user an earlier
// one created (a re-run only reports differences), so the JSON export
// imported after a run of the CSV brings none of it to the CSV's users.
const notLater = "a later import changes no user this one creates (undo this one first)."

// CommentedOut implements Commenter: the `#` rows after the header, which
// are skipped on purpose but never silently (a `#` typed by accident
// would otherwise lose a user unseen); "" when there were none. Ask
// after the last page.
func (s *csvFile) CommentedOut() string {
	var notes []string
	if s.comments.n > 0 {
		notes = append(notes, s.commentNote())
	}
	if s.headerRepeats.n > 0 {
		notes = append(notes, fmt.Sprintf("Skipped %s repeating the header (%s), as where exports are joined with cat; the rows after each were read as users.",
			countLines(s.headerRepeats.n), s.headerRepeats.lineList()))
	}
	if s.rounded.n > 0 {
		notes = append(notes, roundedNote(fmt.Sprintf("on %s (%s)", countLines(s.rounded.n), s.rounded.lineList()), s.roundedBy))
	}
	return strings.Join(notes, " ")
}

// noteRounded notes a timestamp cell (already read) a spreadsheet wrote
// in scientific notation, and how much that rounded it: 1.71454E+12 keeps
// the milliseconds to 10^(12-5), so it may be 83 minutes off.
func (s *csvFile) noteRounded(v string, line int) {
	if by, ok := sciRounded(v); ok {
		s.rounded.add(line)
		s.roundedBy = max(s.roundedBy, by)
	}
}

// roundedNote is the note on timestamps in scientific notation (where:
// "on 2 lines (lines 2 and 4)", "of records 1 and 3"), rounded by up to by;
// the CSV and JSON readers give it.
func roundedNote(where string, by time.Duration) string {
	return fmt.Sprintf("The timestamps %s are in scientific notation, as a spreadsheet saves a long number, which keeps only their first digits: those dates are off by up to %s. Export the users from Clerk again to keep them exact.", where, by)
}

// sciRounded says whether a timestamp v is written in scientific notation
// that rounded it past the second, and by how much at most (see
// noteRounded); the JSON reader asks it too.
func sciRounded(v string) (time.Duration, bool) {
	mant, exp, ok := strings.Cut(strings.ToUpper(decimalPoint(strings.TrimSpace(v))), "E")
	if !ok {
		return 0, false
	}
	e, err := strconv.Atoi(strings.TrimPrefix(exp, "+"))
	if err != nil {
		return 0, false
	}
	_, frac, _ := strings.Cut(mant, ".")
	p := e - len(frac) // the power of ten of the last digit kept
	if p <= 0 || p > 18 {
		return 0, false
	}
	unit := math.Pow10(p)
	switch { // in the unit parseNumberStamp reads the value in
	case e < 11:
		unit *= 1000 // seconds
	case e >= 18:
		unit /= 1e6 // nanoseconds
	case e >= 15:
		unit /= 1e3 // microseconds
	}
	if unit < 1000 {
		return 0, false // within the second: no date to speak of is off
	}
	return (time.Duration(unit/2) * time.Millisecond).Round(time.Second), true
}

// headerAgain reports a row that is the header again, as where exports
// are joined with cat: the same columns (to be skipped), or other ones,
// an error, since every row after it would be read into the wrong
// columns. Only a row whose first cell, quoted or not, is the header's
// first column name is looked at closely. That name is id (which no
// Clerk id is) in Clerk's exports; another column first (a sheet's
// order) makes it a header only when its cells are all column names, as
// a user's first name that happens to read "first_name" is not.
func (s *csvFile) headerAgain(row rawRow) (bool, error) {
	if !s.header || s.firstCol == "" || row.comment || row.blank {
		return false, nil
	}
	data := bytes.TrimPrefix(row.data, utf8BOM)
	j := bytes.IndexByte(data, s.sep)
	if j <= 0 || columnName(strings.Trim(strings.TrimSpace(string(data[:j])), `"`)) != s.firstCol {
		return false, nil
	}
	// Both passes judge a row by the same bytes: a Check pass keeps no
	// more of a row than headerLimit.
	full := row.size <= int64(s.headerLimit()) && int64(len(row.data)) == row.size
	if full && bytes.Equal(bytes.TrimRight(data, "\r\n"), s.headerRaw) {
		return true, nil
	}
	names := false // every cell a column name, two at least
	if full {
		if fields, err := parse(rawRow{data: data}, s.sep); err == nil {
			same, known, kept := len(fields) == s.ncols, 0, 0
			names = true
			for k, f := range fields {
				name := columnName(f)
				switch {
				case knownColumns[name]:
					known++
				case name != "" && !headerLike(name):
					names = false
				}
				// Columns the reader does not read may move or repeat;
				// each it reads must be where the first header put it.
				if c, ok := s.cols[name]; knownColumns[name] && ok && c == k {
					kept++
				} else if knownColumns[name] {
					same = false
				}
			}
			same = same && kept == s.knownCols()
			names = names && known >= 2
			if same && names {
				return true, nil
			}
		}
	}
	if s.firstCol != colID && !names {
		return false, nil // a user's cell that reads like the column name
	}
	return false, fmt.Errorf("line %d is another CSV header, with other columns than the first: the rows after it would be read into the wrong columns (were exports with different columns joined?); import each export on its own", row.line)
}

// knownCols counts the header's columns the reader knows.
func (s *csvFile) knownCols() int {
	n := 0
	for name := range s.cols {
		if knownColumns[name] {
			n++
		}
	}
	return n
}

// headerLimit is the longest the header can be written again: quoted
// throughout, after a byte-order mark, with a CRLF.
func (s *csvFile) headerLimit() int { return len(s.headerRaw) + 2*s.ncols + len(utf8BOM) + 2 }

// utf8BOM starts a file saved with a byte-order mark, and a second
// export joined to the first.
var utf8BOM = []byte("\uFEFF")

// commentNote names the commented-out rows.
func (s *csvFile) commentNote() string {
	return fmt.Sprintf("Skipped %s after the header as commented out (starting with #: %s); remove the # to import a user written there.",
		countLines(s.comments.n), s.comments.lineList())
}

// lineList names the lines kept: "line 3", "lines 3 and 5", "lines 3,
// 5, …" when there were more than those named.
func (k skippedLines) lineList() string { return k.list("line", "lines") }

// list is lineList for other things counted: records.
func (k skippedLines) list(one, many string) string {
	lines := make([]string, len(k.first))
	for i, l := range k.first {
		lines[i] = fmt.Sprint(l)
	}
	more := ""
	if k.n > len(k.first) {
		more = ", …"
	}
	return plural(k.n, one, many) + " " + joinAnd(lines) + more
}

// PasswordsReader is a source that can be read as a passwords file:
// only its ids, digests, hashers, second factors and addresses matter
// then, so a row whose other cells cannot be read (a timestamp or flag
// spoilt by a spreadsheet, broken metadata) still gives its digest,
// rather than the user losing their password for a column never used;
// a second-factor flag that cannot be read counts as on.
// Called before the first Next.
type PasswordsReader interface{ ReadForPasswords() }

// ReadForPasswords implements PasswordsReader.
func (s *csvFile) ReadForPasswords() { s.forPasswords = true }

// Commenter is a source that can skip commented-out rows (a CSV export)
// and says which it skipped.
type Commenter interface{ CommentedOut() string }

// countLines is "1 line" or "N lines".
func countLines(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "line", "lines")) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// joinOr joins "a", "b", "c" as "a, b or c".
func joinOr(items []string) string { return joinLast(items, " or ") }

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(items []string) string { return joinLast(items, " and ") }

func joinLast(items []string, last string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}

// Next implements Source.
func (s *csvFile) Next(ctx context.Context) ([]Record, error) {
	s.using(ctx)
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
	size := 0
	for len(recs) < pageSize && size < pageBytes {
		if err := ctx.Err(); err != nil {
			if len(recs) > 0 {
				return recs, nil
			}
			return nil, err
		}
		row, err := s.nextRow()
		if errors.Is(err, io.EOF) {
			s.done = true
			break
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
		size += len(row.data)
	}
	if len(recs) == 0 {
		return nil, io.EOF
	}
	return recs, nil
}

// rawRow is one CSV record as cut from the file.
type rawRow struct {
	data []byte // at most maxRecordBytes of it (none when counting)
	size int64
	line int // the line it starts on
	end  int // the line it ends on
	// quoteLine is the line of the quote that opened the first quoted
	// field holding a line break (0: none), for errors about a record
	// that a stray quote stretched over many rows.
	quoteLine int
	// blank: nothing but separators and spaces, as the rows of commas a
	// spreadsheet leaves below the data; no user is there.
	blank bool
	// comment: the first character (after spaces) is `#`.
	comment bool
}

// unclosedQuoteError is a quoted field still open at the end of the file:
// every row after its quote would be one value, so no row after it can
// be trusted and the file is refused, as a truncated JSON export is.
type unclosedQuoteError struct {
	line, last int
}

func (e *unclosedQuoteError) Error() string {
	return fmt.Sprintf("the quote that opens a field on line %d is never closed, so lines %d–%d would all be one value; fix or remove that quote and try again",
		e.line, e.line, e.last)
}

// nextRow cuts the next record out of the file, past blank rows and `#`
// comment lines. Before the header a comment is a preamble; after it, a
// row commented out (a Clerk id never starts with `#`), counted for Notes.
func (s *csvFile) nextRow() (rawRow, error) {
	for {
		row, err := s.split()
		if err != nil {
			return row, err
		}
		s.quotedShape(&row)
		if row.comment && s.header {
			s.comments.add(row.line)
			continue
		}
		if again, err := s.headerAgain(row); err != nil {
			return row, err
		} else if again {
			s.headerRepeats.add(row.line)
			continue
		}
		if !row.blank && !row.comment {
			return row, nil
		}
	}
}

// quotedShape finds, in a row written quoted throughout (R's write.csv,
// a "quote all" save), what split sees only unquoted: a blank row
// ("","",…) and, when the id column comes first, a row commented out
// ("#user_…",…).
func (s *csvFile) quotedShape(row *rawRow) {
	if row.blank || row.comment || !s.header {
		return
	}
	data := bytes.TrimLeft(row.data, " ")
	if len(data) < 2 || data[0] != '"' {
		return
	}
	if c, ok := s.cols[colID]; ok && c == 0 && data[1] == '#' {
		row.comment = true
		return
	}
	// Both passes see a blank row whole (a Check pass keeps headerLimit
	// bytes of a row).
	if int64(len(row.data)) != row.size || len(bytes.Trim(data, "\" \t\r\n"+string(rune(s.sep)))) > 0 {
		return
	}
	if fields, err := parse(*row, s.sep); err == nil {
		for _, f := range fields {
			if strings.TrimSpace(f) != "" {
				return
			}
		}
		row.blank = true
	}
}

// errNoHeaderLine is a first line longer than any header.
var errNoHeaderLine = errors.New("not a Clerk user export: the first line is over 1 MiB long, so it is no CSV header")

// split reads one record: up to a line end outside a quoted field. A line
// ends at LF, CRLF or a lone CR (Excel for Mac's "CSV (Macintosh)", and
// what RFC 4180 readers accept), so no row is glued to the next. Quotes
// open a quoted field only at the start of a field, as in RFC 4180, so a
// stray quote elsewhere spoils one row, not the rest of the file. A
// comment line ends at its line end whatever quotes it holds.
func (s *csvFile) split() (rawRow, error) {
	if s.buf == nil {
		s.buf = make([]byte, 0, 4096)
	}
	if s.afterCR {
		// The last record ended at a CR: a LF now completes that CRLF.
		s.afterCR = false
		if b, err := s.br.Peek(1); err == nil && b[0] == '\n' {
			s.br.Discard(1) //nolint:errcheck // peeked
		} else if err == nil {
			s.loneCR = true
		}
	}
	row := rawRow{data: s.buf[:0], line: s.line + 1, blank: true}
	keep := maxRecordBytes
	if s.countOnly && s.header {
		// A Check pass counts rows; only the header is parsed, and only
		// as much of a row is kept as tells a header written again.
		keep = s.headerLimit()
	}
	var (
		fieldStart = true
		lead       = true // only spaces so far: a `#` now makes a comment
		quoted     bool
		quoteSeen  bool // a '"' inside a quoted field: closing, or half of ""
		openedOn   int  // the line of the quote that opened the field
		lastByte   byte
	)
	for {
		chunk, err := s.br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) && row.size > 0 {
				row.end = s.line
				if lastByte != '\n' && lastByte != '\r' {
					row.end++
				}
				if quoted && !quoteSeen {
					return row, &unclosedQuoteError{line: openedOn, last: row.end}
				}
				return row, nil
			}
			return row, err
		}
		chunk, _ = s.br.Peek(s.br.Buffered())
		n, end := 0, false
		for n < len(chunk) && !end {
			c := chunk[n]
			n++
			// Lines are counted as an editor shows them: the LF of a
			// CRLF is not a second line.
			if c == '\r' || (c == '\n' && !s.afterCR) {
				s.line++
			}
			s.afterCR = c == '\r'
			eol := c == '\n' || c == '\r'
			if !eol && c != ' ' && c != '\t' && c != s.sep {
				row.blank = false
			}
			if lead && c != ' ' && (c != '\t' || s.sep == '\t') { // a TAB separator ends a field
				lead = false
				// After the header a `#` row is commented out only when
				// the id column comes first: then its id cell starts with
				// `#`, which no Clerk id does. Elsewhere the `#` begins
				// another column's value (a name) of a real user.
				row.comment = c == '#' && (!s.header || s.cols[colID] == 0)
			}
			if quoteSeen {
				quoteSeen = false
				if c == '"' {
					continue
				}
				quoted = false
			}
			switch {
			case row.comment:
				end = eol
			case quoted:
				if c == '"' {
					quoteSeen = true
				} else if eol && row.quoteLine == 0 {
					row.quoteLine = openedOn
				}
			case c == '"' && fieldStart:
				quoted = true
				fieldStart = false
				openedOn = s.line + 1
			case c == s.sep:
				fieldStart = true
			case eol:
				end = true
			default:
				fieldStart = false
			}
		}
		lastByte = chunk[n-1]
		if room := keep - int(row.size); room > 0 {
			row.data = appendGrow(row.data, chunk[:min(room, n)])
		}
		row.size += int64(n)
		s.br.Discard(n) //nolint:errcheck // peeked
		if !end && !s.header && row.size > maxRecordBytes {
			// A header (or a comment before it) is short: a first line
			// this long is no CSV export, and may never end (a device).
			return row, errNoHeaderLine
		}
		if end {
			row.end = s.line
			s.buf = row.data
			return row, nil
		}
	}
}

// parse splits a record into fields with separator sep, strictly (RFC
// 4180).
func parse(row rawRow, sep byte) ([]string, error) {
	return parseWith(row, sep, false)
}

func parseWith(row rawRow, sep byte, lazy bool) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(row.data))
	r.Comma = rune(sep)
	r.FieldsPerRecord = -1
	r.LazyQuotes = lazy
	fields, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one record on the row")
	}
	return fields, nil
}

// parseRow is parse that lets JSON sit unquoted in the metadata columns,
// as in clerk/migration-script's samples/clerk.csv
// (`{"discord": {"step": "final"}}`): a JSON object cannot be written
// without quotes. Elsewhere a quote inside a field that does not begin
// with one (`Jo "JJ"`, by hand or by a tool that does not quote) is
// text, as Excel and Python's csv module read it, when the row then
// splits cleanly into no more fields than the header has. A quote after
// spaces at a field's start (` "Smith, Jr"`) was meant to open it: read
// as text it would split the field at its comma and shift the row, so
// such a row stays unread.
func (s *csvFile) parseRow(row rawRow) ([]string, error) {
	fields, err := parse(row, s.sep)
	if err == nil || !errors.Is(err, csv.ErrBareQuote) {
		return fields, err
	}
	if len(s.jsonCols) > 0 {
		if fields, jerr := s.parseJSONCells(row, err); jerr == nil {
			return fields, nil
		}
	}
	if fields, ok := splitQuotedText(row.data, s.sep); ok && len(fields) <= s.ncols {
		return fields, nil
	}
	return nil, err
}

// splitQuotedText splits a record as RFC 4180 does, except that a quote
// in a field that does not begin with one is text. A quoted field must
// still be well formed (its quotes doubled, a separator or the end after
// it): ok is false otherwise. A line break in a quoted field reads as
// encoding/csv reads it (CRLF as LF).
func splitQuotedText(data []byte, sep byte) (fields []string, ok bool) {
	data = bytes.TrimSuffix(data, []byte("\n"))
	data = bytes.TrimSuffix(data, []byte("\r"))
	for i := 0; ; {
		if i < len(data) && data[i] == '"' {
			var b strings.Builder
			j := i + 1
			for {
				k := bytes.IndexByte(data[j:], '"')
				if k < 0 {
					return nil, false
				}
				b.Write(data[j : j+k])
				j += k + 1
				if j < len(data) && data[j] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			if j < len(data) && data[j] != sep {
				return nil, false
			}
			fields = append(fields, strings.ReplaceAll(b.String(), "\r\n", "\n"))
			i = j
		} else {
			k := bytes.IndexByte(data[i:], sep)
			if k < 0 {
				k = len(data) - i
			}
			f := data[i : i+k]
			if t := bytes.TrimLeft(f, " \t"); len(t) > 0 && t[0] == '"' {
				return nil, false // a quote meant to open the field
			}
			fields = append(fields, string(f))
			i += k
		}
		if i == len(data) {
			return fields, true
		}
		i++ // the separator
		if i == len(data) {
			return append(fields, ""), true
		}
	}
}

// parseJSONCells reads a row whose metadata cells hold unquoted JSON
// (see parseRow); err is the strict parse's error, returned when the row
// has a bare quote outside them.
func (s *csvFile) parseJSONCells(row rawRow, err error) ([]string, error) {
	lazy, lerr := parseWith(row, s.sep, true)
	if lerr != nil {
		return nil, err
	}
	// Unquoted, an object of several members is cut at its commas: put
	// the pieces of a metadata cell back together until they are JSON.
	var out []string
	for k := 0; k < len(lazy); k++ {
		f := lazy[k]
		if s.jsonCols[len(out)] && strings.HasPrefix(strings.TrimSpace(f), "{") && !json.Valid([]byte(f)) {
			// The fewest following pieces that make it JSON, if any do:
			// the object ends at its closing brace, whether the row
			// keeps its trailing columns or (a short row) not.
			g := f
			for j := k + 1; j < len(lazy); j++ {
				g += string(rune(s.sep)) + lazy[j]
				if json.Valid([]byte(g)) {
					f, k = g, j
					break
				}
			}
		}
		if strings.IndexByte(f, '"') >= 0 && !s.jsonCols[len(out)] {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// knownColumns are the column names the reader knows, for telling the
// separator of a header and normalising "Primary Email Address".
var knownColumns = map[string]bool{
	colID: true, colFirstName: true, colLastName: true, colUsername: true, colPrimaryEmail: true,
	colPrimaryPhone: true, colVerifiedEmails: true, colUnverifiedEmails: true, colVerifiedPhones: true,
	colUnverifiedPhones: true, colTOTPSecret: true, colPasswordDigest: true, colPasswordHasher: true,
	colCreatedAt: true, colEmails: true, colPhones: true, colPublicMetadata: true, colPrivateMetadata: true,
	colUnsafeMetadata: true, colBanned: true, colLocked: true, colExternalID: true, colLastSignInAt: true,
	colImageURL: true, colHasImage: true, colLegalAcceptedAt: true, colTwoFactorEnabled: true, colTOTPEnabled: true, colBackupCodeEnabled: true,
	colBackupCodesEnabled: true, colBackupCodes: true, colMFAEnabled: true,
}

// headerSeps are the separators a header is tried with, comma first:
// Excel writes ';' where the decimal mark is a comma, and TAB in its
// "Unicode text" save.
var headerSeps = []byte{',', ';', '\t'}

// columnName normalises a header cell: case and surrounding spaces do
// not matter, and "Primary Email Address" is primary_email_address. Only
// a known name is rebuilt from words, so that a value where the header
// should be (a name, say) stays unlike a column name and is not echoed.
func columnName(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
	if w := strings.Join(strings.Fields(h), "_"); w != h && knownColumns[w] {
		return w
	}
	return h
}

// sepLine reads Excel's separator hint, a first line "sep=;": ok is false
// for any other line.
func sepLine(data []byte) (sep byte, ok bool, err error) {
	v := strings.TrimRight(string(data), "\r\n")
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if len(v) < 4 || !strings.EqualFold(v[:4], "sep=") {
		return 0, false, nil
	}
	switch rest := v[4:]; {
	case len(rest) == 1 && bytes.IndexByte(headerSeps, rest[0]) >= 0:
		return rest[0], true, nil
	case len(rest) == 1 && rest[0] >= 0x20 && rest[0] < 0x7f:
		return 0, true, fmt.Errorf("the first line asks for %q as the separator; save the file as comma-separated CSV UTF-8", rest)
	}
	return 0, true, errors.New("the first line is a \"sep=\" line without one separator; save the file as comma-separated CSV UTF-8")
}

// sepName names a separator in messages.
func sepName(sep byte) string {
	if sep == '\t' {
		return "TAB"
	}
	return fmt.Sprintf("%q", string(rune(sep)))
}

// readHeader skips blank lines, `#` comment lines and Excel's "sep=" line,
// finds the separator, and maps column names to indexes, so column order
// and extra columns do not matter.
func (s *csvFile) readHeader() error {
	var (
		row   rawRow
		hint  byte // the separator a "sep=" line names
		first = true
	)
	for {
		var err error
		row, err = s.nextRow()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("clerk: %s: no CSV header row", s.name)
		}
		if errors.Is(err, errNoHeaderLine) {
			return fmt.Errorf("clerk: %s: %w", s.name, err)
		}
		if err != nil {
			return fmt.Errorf("clerk: %s: reading the CSV header: %w", s.name, err)
		}
		if !first {
			break
		}
		first = false
		sep, ok, err := sepLine(row.data)
		if err != nil {
			return fmt.Errorf("clerk: %s: %w", s.name, err)
		}
		if !ok {
			break
		}
		hint = sep
	}
	if row.size > maxRecordBytes || !utf8.Valid(row.data) {
		return fmt.Errorf("clerk: %s: not a Clerk user export: the first line is not a CSV header (too long or not UTF-8)", s.name)
	}
	s.headerRaw = bytes.Clone(bytes.TrimRight(bytes.TrimPrefix(row.data, utf8BOM), "\r\n"))
	seps := headerSeps
	if hint != 0 {
		seps = []byte{hint}
	}
	// The separator is the one that finds the most column names; comma
	// wins ties.
	var (
		fields   []string
		best     = -1
		firstErr error
	)
	for _, sep := range seps {
		f, err := parse(row, sep)
		if err != nil {
			if sep == seps[0] {
				firstErr = err
			}
			continue
		}
		known := 0
		for _, h := range f {
			if knownColumns[columnName(h)] {
				known++
			}
		}
		if known > best {
			fields, best, s.sep = f, known, sep
		}
	}
	if firstErr != nil && best <= 0 {
		// No other separator finds a column: the comma's error says most.
		return fmt.Errorf("clerk: %s: reading the CSV header (line %d): %w", s.name, row.line, firstErr)
	}
	if len(fields) > 0 && knownColumns[columnName(fields[0])] {
		s.firstCol = columnName(fields[0])
	}
	s.cols = make(map[string]int, len(fields))
	s.colNames = make([]string, len(fields))
	names := make([]string, 0, len(fields))
	hidden := 0
	for i, h := range fields {
		h = columnName(h)
		if h == "" {
			continue
		}
		if _, dup := s.cols[h]; dup {
			if !knownColumns[h] && headerLike(h) {
				// A column the reader does not read, named twice (two
				// "notes" a shared sheet grew): nothing to mix up.
				continue
			}
			if err := s.headerLater(); err != nil {
				return err
			}
			if !headerLike(h) {
				return fmt.Errorf("clerk: %s: not a Clerk user export: the first line repeats a value and does not look like a CSV header (is the header row missing?)", s.name)
			}
			return fmt.Errorf("clerk: %s: CSV column %s appears twice in the header", s.name, quote(h))
		}
		s.cols[h] = i
		if headerLike(h) {
			s.colNames[i] = h
		}
		switch {
		case !headerLike(h):
			hidden++
		case len(names) < 9:
			names = append(names, quote(h))
		}
	}
	if hidden > 0 {
		// A file without its header row puts a user's cells here, the
		// password digest and TOTP secret among them: never echoed.
		names = append(names, fmt.Sprintf("%d value(s) that are not column names, not shown", hidden))
	}
	s.ncols = len(fields)
	// The Dashboard's shape names the primary address; the support
	// export's shape lists them all, the first being the primary.
	_, hasList := s.cols[colEmails]
	for _, need := range []string{colID, colPrimaryEmail} {
		if _, ok := s.cols[need]; !ok && (need != colPrimaryEmail || !hasList) {
			if len(names) > 9 {
				names = append(names[:8], "…", names[len(names)-1])
			}
			nor := ""
			if need == colPrimaryEmail {
				nor = fmt.Sprintf(" (nor an %q column)", colEmails)
			}
			read := ""
			if s.sep != ',' {
				read = fmt.Sprintf(", read as %s-separated", sepName(s.sep))
			}
			if err := s.headerLater(); err != nil {
				return err // the first line is a user's, not to be quoted
			}
			return fmt.Errorf("clerk: %s: not a Clerk user export: the CSV header has no %q column%s (found %s%s); expected a Clerk CSV export or a JSON array of users",
				s.name, need, nor, clip(strings.Join(names, ", ")), read)
		}
	}
	for _, col := range []string{colPublicMetadata, colPrivateMetadata, colUnsafeMetadata} {
		if i, ok := s.cols[col]; ok {
			if s.jsonCols == nil {
				s.jsonCols = make(map[int]bool, 3)
			}
			s.jsonCols[i] = true
		}
	}
	return nil
}

// headerLookahead bounds the rows headerLater reads past the first line.
const headerLookahead = 1000

// headerLater is the error of a file whose header row is below the
// first line, nil when none of the next headerLookahead rows is one: a
// sort that took the header row along (Google Sheets sorts row 1 unless
// it is frozen), or a title above it (Numbers' "Include table names").
// The file is refused either way, so reading on costs nothing.
func (s *csvFile) headerLater() error {
	for range headerLookahead {
		row, err := s.split()
		if err != nil {
			return nil
		}
		if row.blank || row.comment || row.size > int64(len(row.data)) {
			continue
		}
		for _, sep := range headerSeps {
			f, err := parse(row, sep)
			if err != nil {
				continue
			}
			var id, email bool
			for _, h := range f {
				switch columnName(h) {
				case colID:
					id = true
				case colPrimaryEmail, colEmails:
					email = true
				}
			}
			if id && email {
				return fmt.Errorf("clerk: %s: the CSV header row is line %d, not the first: move it back to the top (a sort that took the header row along, or a title line above it?)", s.name, row.line)
			}
		}
	}
	return nil
}

// record maps one CSV row to a Record.
func (s *csvFile) record(raw rawRow) Record {
	// A record over several lines is named by all of them: when a stray
	// quote made many rows one record, the report must show which rows
	// were lost with it.
	span := ""
	if raw.quoteLine > 0 && raw.end > raw.line {
		span = fmt.Sprintf("; the record spans lines %d–%d because the quoted field opened on line %d holds line breaks (a stray quote makes every row up to the next quote part of it)",
			raw.line, raw.end, raw.quoteLine)
	}
	id := "" // known once the row is read and aligned with the header
	bad := func(format string, args ...any) Record {
		return Record{Pos: s.pos, ID: id, Err: fmt.Errorf("record %d (line %d): "+format+"%s", append(append([]any{s.pos, raw.line}, args...), span)...)}
	}
	// A row that cannot be read whole may still show whose it is.
	if raw.size > maxRecordBytes {
		id = s.salvageID(raw)
		return bad("%s", tooLarge(raw.size))
	}
	if !utf8.Valid(raw.data) {
		id = s.salvageID(raw)
		where := ""
		if row, err := s.parseRow(raw); err == nil {
			for i, c := range row {
				if !utf8.ValidString(c) {
					if i < len(s.colNames) && s.colNames[i] != "" {
						where = " in column " + quote(s.colNames[i])
					} else {
						where = fmt.Sprintf(" in field %d", i+1)
					}
					break
				}
			}
		}
		hint := notUTF8Hint
		if s.loneCR {
			hint = notUTF8MacHint
		}
		return bad("contains bytes that are not valid UTF-8%s%s", where, hint)
	}
	row, err := s.parseRow(raw)
	if err != nil {
		id = s.salvageID(raw)
		return bad("malformed CSV: %v", err)
	}
	if len(row) > s.ncols {
		// With a shifted row any cell could hold the digest, so only an
		// id-looking first value is echoed back.
		hint := ""
		if i := s.cols[colID]; i < len(row) && safeID(row[i]) {
			hint, id = fmt.Sprintf(" (id %q)", row[i]), strings.Clone(row[i])
		}
		return Record{Pos: s.pos, ID: id, Err: fmt.Errorf("record %d (line %d)%s: has %d fields, the header has %d%s", s.pos, raw.line, hint, len(row), s.ncols, span)}
	}
	if len(row) == 1 && s.ncols > 2 && strings.Count(row[0], string(rune(s.sep))) >= 2 {
		// A spreadsheet that splits lines on another separator (Excel
		// in a locale whose list separator is ';') holds each line in
		// one cell, and saving quotes the lines that have quotes: the
		// cell is the whole row, digest and all.
		if inner, err := parse(rawRow{data: []byte(row[0])}, s.sep); err == nil {
			if i := s.cols[colID]; i < len(inner) && safeID(strings.TrimSpace(inner[i])) {
				id = strings.TrimSpace(inner[i])
			}
		}
		return bad("the whole row is one quoted cell (not shown): a spreadsheet that read the file with another separator saved each line in one column; export the users from Clerk again, or open the file with %s as the separator before saving it", sepName(s.sep))
	}
	// Exports in the wild drop trailing empty fields; a missing cell reads
	// as empty (cell() handles indexes past the row's end). But a row
	// short of a middle field has every later cell in the wrong column,
	// so a short row's cells are never quoted in an error (see shown).
	short := len(row) < s.ncols
	id = s.cell(row, colID)
	if id == "" {
		return bad("empty id")
	}
	// A password digest outside its column means the cells are shifted
	// (whatever the row's length): reading on would file the digest as
	// an email or a name, which reports print.
	if col := s.misplacedDigest(row); col != "" {
		if !safeID(id) {
			id = ""
		}
		if short {
			return bad("column %s holds what looks like a password digest (not shown): the row's cells are shifted; it has %d fields, the header has %d", col, len(row), s.ncols)
		}
		return bad("column %s holds what looks like a password digest (not shown): the row's cells are in the wrong columns (swapped?)", col)
	}
	if short {
		if col := s.shiftedSecret(row); col != "" {
			if !safeID(id) {
				id = ""
			}
			return bad("column %s holds what belongs to another column (not shown): the row has %d fields, the header %d, so a field before it is missing and its cells are shifted", col, len(row), s.ncols)
		}
	}
	u := &User{
		ID:             id,
		ExternalID:     optional(s.cell(row, colExternalID)),
		FirstName:      optional(s.cell(row, colFirstName)),
		LastName:       optional(s.cell(row, colLastName)),
		Username:       optional(s.cell(row, colUsername)),
		ImageURL:       s.cell(row, colImageURL),
		PasswordDigest: Secret(s.cell(row, colPasswordDigest)),
		PasswordHasher: s.cell(row, colPasswordHasher),
	}
	// Clerk names a hasher only beside a digest: a hasher alone is a
	// digest erased (a column emptied by hand), not a user without a
	// password, who needs a reset rather than another way in.
	u.PasswordEnabled = u.PasswordDigest != "" || strings.TrimSpace(u.PasswordHasher) != ""
	// A CSV without the digest column (a trimmed or other tool's export)
	// does not say who has a password (see User.PasswordUnknown).
	u.PasswordUnknown = !s.has(colPasswordDigest)
	u.banUnknown = !s.has(colBanned)
	u.lockUnknown = !s.has(colLocked)
	// The Dashboard CSV has no external accounts (see User.OAuthUnknown).
	u.OAuthUnknown = true
	// A TOTP secret exists only once the user enrolled an authenticator;
	// only that fact is kept.
	if s.present(row, colTOTPSecret) {
		u.TOTPEnabled, u.TwoFactorEnabled = true, true
	}
	for _, f := range []struct {
		col string
		dst *bool
	}{{colBanned, &u.Banned}, {colLocked, &u.Locked}, {colHasImage, &u.HasImage}} {
		// A word that is no flag may be a cell shifted from another
		// column (a secret even): the row is refused, unlike JSON's.
		if *f.dst, err = s.flag(row, f.col, short); err != nil && !s.forPasswords {
			return bad("%v", err)
		}
	}
	// The API's three flags are read as they are; the tools' words set
	// two_factor_enabled beside, as the JSON readers do.
	for _, f := range []struct {
		col       string
		dst, also *bool
	}{{colTOTPEnabled, &u.TOTPEnabled, nil}, {colBackupCodeEnabled, &u.BackupCodeEnabled, nil}, {colTwoFactorEnabled, &u.TwoFactorEnabled, nil},
		{colBackupCodesEnabled, &u.BackupCodeEnabled, &u.TwoFactorEnabled}, {colMFAEnabled, &u.TwoFactorEnabled, nil}} {
		on, err := s.flag(row, f.col, short)
		if err != nil {
			if !s.forPasswords {
				return bad("%v", err)
			}
			// A second factor tags the user for re-enrolment: a cell
			// that cannot be read may say so, and asking a user to set
			// one up again costs less than leaving it unsaid.
			on = true
		}
		if on {
			*f.dst = true
			if f.also != nil {
				*f.also = true
			}
		}
	}
	if s.present(row, colBackupCodes) {
		u.BackupCodeEnabled, u.TwoFactorEnabled = true, true
	}
	if s.cell(row, colHasImage) == "" && strings.TrimSpace(u.ImageURL) != "" {
		// No has_image column, or no value in it (empty, null): the
		// image is the user's own, as for a JSON record without one.
		u.HasImage = true
	}
	if v := s.cell(row, colCreatedAt); v != "" {
		ms, err := parseTimestamp(v)
		switch {
		case err == nil:
			u.CreatedAt = ms
			s.noteRounded(v, raw.line)
		case !s.forPasswords:
			return bad("field %q: %s", colCreatedAt, s.shown(err, v, len(row)))
		}
	}
	if v := s.cell(row, colLegalAcceptedAt); v != "" {
		if ms, err := parseTimestamp(v); err == nil { // as in JSON: kept only when read
			u.LegalAcceptedAt = &ms
		}
	}
	if v := s.cell(row, colLastSignInAt); v != "" {
		ms, err := parseTimestamp(v)
		switch {
		case err == nil:
			u.LastSignInAt = &ms
			s.noteRounded(v, raw.line)
		case !s.forPasswords:
			return bad("field %q: %s", colLastSignInAt, s.shown(err, v, len(row)))
		}
	}
	for _, md := range []struct {
		col string
		dst *map[string]any
	}{{colPublicMetadata, &u.PublicMetadata}, {colPrivateMetadata, &u.PrivateMetadata}, {colUnsafeMetadata, &u.UnsafeMetadata}} {
		if *md.dst, err = s.metadata(row, md.col); err != nil && !s.forPasswords {
			return bad("%v", err)
		}
	}
	recoverExternalID(u)

	var primary *string
	emails := s.identLists(row, colEmails, colPrimaryEmail, colVerifiedEmails, colUnverifiedEmails, splitAddresses)
	for _, e := range emails.build("email", &primary) {
		u.EmailAddresses = append(u.EmailAddresses, EmailAddress{ID: e.ID, EmailAddress: e.Value, Verification: e.Verification})
	}
	u.PrimaryEmailAddressID, primary = primary, nil
	u.EmailStatusUnknown = emails.flat
	phones := s.identLists(row, colPhones, colPrimaryPhone, colVerifiedPhones, colUnverifiedPhones, splitPhones)
	for _, p := range phones.build("phone", &primary) {
		u.PhoneNumbers = append(u.PhoneNumbers, PhoneNumber{ID: p.ID, PhoneNumber: p.Value, Verification: p.Verification})
	}
	u.PrimaryPhoneNumberID = primary
	return Record{Pos: s.pos, User: u}
}

// identLists reads a user's emails (or phones) from the columns that
// describe them, with the meaning readLists gives the same fields in a
// JSON export: the list column is `|`- or `,`-separated with the primary
// first; a named primary is verified unless listed as unverified
// (`clerk migrate` and Clerk's import tools create the primary verified);
// once a verified or unverified column exists, an address in neither
// list is not verified.
func (s *csvFile) identLists(row []string, all, primary, verified, unverified string, split func(string) []string) identLists {
	// Empty cells, most of them, are not split: splitting allocates.
	splitCell := func(col string) []string {
		if v := s.cell(row, col); v != "" {
			return split(v)
		}
		return nil
	}
	l := identLists{
		primary:    s.cell(row, primary),
		verified:   splitCell(verified),
		unverified: splitCell(unverified),
		listed:     s.has(verified) || s.has(unverified),
		flat:       true, // every CSV value is a string
	}
	// A list where one value belongs takes its first as the primary and
	// the rest as verified, as readLists does.
	if strings.ContainsAny(l.primary, listSeps) || strings.HasPrefix(l.primary, "[") {
		p := split(l.primary)
		l.primary = ""
		if len(p) > 0 {
			l.primary = p[0]
			l.verified = append(extraPrimaries(kindOf(all), p[1:], l.unverified), l.verified...)
		}
	}
	l.primaryVerified = l.primary != ""
	for _, v := range splitCell(all) {
		l.all = append(l.all, ident{Value: v})
	}
	return l
}

// kindOf is the kind of identity a list column holds (see identKey).
func kindOf(all string) string {
	if all == colPhones {
		return "phone"
	}
	return "email"
}

// has reports whether the header has a column.
func (s *csvFile) has(col string) bool {
	_, ok := s.cols[col]
	return ok
}

// flag reads a boolean column: a flagWord, as the JSON readers read one
// (boolField), empty for false.
func (s *csvFile) flag(row []string, col string, short bool) (bool, error) {
	v := s.cell(row, col)
	if on, ok := flagWord(v); ok {
		return on, nil
	}
	got := quote(v)
	if short || !echoable(v) {
		got = "a value (not shown)"
	}
	return false, fmt.Errorf("field %q: got %s, want true or false (or 1 and 0, yes and no)", col, got)
}

// shown words a cell's parse error, which quotes the cell, for a CSV row
// of n fields. The value is quoted only when it is safe to: the row is
// as long as the header (a shorter row may have lost a middle field, so
// any cell may be the next column's: the password digest, the TOTP
// secret) and the value does not look like a secret (echoable). Otherwise
// the error names the column and the problem, never the value.
func (s *csvFile) shown(err error, v string, n int) string {
	msg := err.Error()
	if n >= s.ncols && echoable(v) {
		return msg
	}
	why := "it may be a secret"
	if n < s.ncols {
		why = fmt.Sprintf("the row has %d fields, the header %d, so it may be another column's", n, s.ncols)
	}
	hid := strings.Replace(msg, quote(v), "the value (not shown: "+why+")", 1)
	if hid == msg || strings.Contains(hid, v) {
		return "the value (not shown: " + why + ") is not a time"
	}
	return hid
}

// echoable reports whether a cell may be quoted in an error at all: at
// most 40 bytes (a timestamp or flag is shorter), no '$' (every crypt-
// style digest has one) and not a 16+ character run of letters and
// digits (a TOTP secret, a hex or base64 digest). Digits alone are a
// number, safe to show.
func echoable(v string) bool {
	if len(v) > 40 || strings.IndexByte(v, '$') >= 0 {
		return false
	}
	if len(v) < 16 {
		return true
	}
	if totpShaped(v) {
		return false // an authenticator key, maybe in its groups of four
	}
	letters := false
	for _, c := range []byte(v) {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters = true
		case c >= '0' && c <= '9', c == '+', c == '/', c == '=':
		default:
			return true // punctuation or spaces: a date, a word
		}
	}
	return !letters
}

// looksLikeDigest reports whether a cell has the shape of a stored
// password: crypt's "$id$…" (bcrypt, argon2, sha512-crypt, phpass) or
// Django's "algorithm$…$…", with no space or '@' (no name or email).
func looksLikeDigest(v string) bool {
	i := strings.IndexByte(v, '$')
	if i < 0 || len(v) < 20 || strings.Count(v, "$") < 2 || strings.ContainsAny(v, " \t@") {
		return false
	}
	for _, c := range []byte(v[:i]) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// LooksLikeDigest reports a value that looks like a password digest
// ("$2a$10$…", "$argon2id$…", "pbkdf2_sha256$…"): one pasted where a
// flag or field expects something else, never to be printed.
func LooksLikeDigest(v string) bool { return looksLikeDigest(strings.TrimSpace(v)) }

// digestInText finds a password digest inside text: one of the digest
// schemes Clerk lists ("$2a$10$…", "$argon2id$…", "pbkdf2_sha256$…",
// "$P$…", "$6$…", "scrypt$…", …) at the start of a word, then the
// characters digests are made of. Only known schemes: "$" runs in URLs,
// paths, prices and templates ("?next=$return&ref=$id", "$HOME/$USER")
// are the user's text, not to be hidden from them.
var digestInText = regexp.MustCompile(`(^|[^A-Za-z0-9_$./])((?:(?:pbkdf2_[a-z0-9]+|bcrypt_sha256|bcrypt|scrypt|sha1|sha256|sha512|md5|argon2|argon2id|argon2i)\$|\$(?:2[abxy]?\$[0-9]{2}\$|argon2(?:id|i|d)\$|[1567]\$|[PH]\$|s0\$|scrypt\$))[A-Za-z0-9./+=,$-]*)`)

// MaskDigests replaces in text (an error, a warning, an entry's detail)
// every password digest digestInText finds, that looksLikeDigest would
// take for one, with "(a password digest, not shown)": a digest quoted by
// a message about the field it was misplaced in must not reach a
// terminal, a report or a file.
func MaskDigests(s string) string {
	if strings.Count(s, "$") < 2 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range digestInText.FindAllStringSubmatchIndex(s, -1) {
		from, to := m[4], m[5]
		if !looksLikeDigest(s[from:to]) {
			continue
		}
		b.WriteString(s[last:from])
		b.WriteString("(a password digest, not shown)")
		last = to
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// holdsDigest reports a digest among the words of a cell that holds more
// than one value: a row saved as one cell (see record), a list.
func holdsDigest(v string) bool {
	for w := range strings.FieldsFuncSeq(v, func(r rune) bool { return strings.ContainsRune(",;|\t \"", r) }) {
		if looksLikeDigest(w) {
			return true
		}
	}
	return false
}

// misplacedDigest names the first column other than password_digest and
// the metadata (free JSON) whose cell looks like a password digest.
func (s *csvFile) misplacedDigest(row []string) string {
	for i, v := range row {
		if strings.IndexByte(v, '$') < 0 || i >= len(s.colNames) || s.colNames[i] == colPasswordDigest || s.jsonCols[i] {
			continue
		}
		if looksLikeDigest(strings.TrimSpace(v)) || holdsDigest(v) {
			if s.colNames[i] == "" {
				return fmt.Sprintf("number %d", i+1)
			}
			return quote(s.colNames[i])
		}
	}
	return ""
}

// shiftedSecret names the column of a short row (one that may have lost
// a middle field rather than trailing empty ones) whose cell shows the
// shift where it matters: a hasher name in password_digest, a digest in
// totp_secret, or a secret-shaped value in an email or phone column, where
// it would be stored and quoted in reports. In the Dashboard's column
// order a missing middle field moves the TOTP secret into
// unverified_phone_numbers, the digest into totp_secret and the hasher
// into password_digest. "" when the row reads as one that lost trailing
// fields only.
func (s *csvFile) shiftedSecret(row []string) string {
	// An id column after the one that lost its cell holds the next
	// column's value: an address or a secret is no id, and is never
	// quoted or kept as one.
	if v := s.cell(row, colID); s.cols[colID] > 0 && !safeID(v) && (secretShaped(v) || strings.ContainsRune(v, '@')) {
		return quote(colID)
	}
	if v := strings.TrimSpace(s.cell(row, colPasswordDigest)); v != "" && len(v) < 16 {
		return quote(colPasswordDigest) // a digest is longer than any hasher name
	}
	if v := strings.TrimSpace(s.cell(row, colTOTPSecret)); v != "" && !totpShaped(v) {
		return quote(colTOTPSecret)
	}
	for _, col := range []string{colPrimaryEmail, colVerifiedEmails, colUnverifiedEmails, colPrimaryPhone, colVerifiedPhones, colUnverifiedPhones} {
		if v := s.cell(row, col); v != "" && secretShaped(v) {
			return quote(col)
		}
	}
	return ""
}

// totpShaped reports an RFC 4648 base32 TOTP key (what the Dashboard
// exports): 16 or more of A–Z, 2–7 and padding, any case, spaces allowed.
func totpShaped(v string) bool {
	n := 0
	for _, c := range []byte(strings.ToUpper(v)) {
		switch {
		case c >= 'A' && c <= 'Z', c >= '2' && c <= '7':
			n++
		case c == '=', c == ' ':
		default:
			return false
		}
	}
	return n >= 16
}

// secretShaped reports a value that cannot be an address or phone number
// but can be a secret: a '$' (crypt-style digests) or a 16+ character run
// of letters and digits with no '@' (a TOTP key, a hex or base64 digest).
func secretShaped(v string) bool {
	if strings.IndexByte(v, '@') >= 0 {
		return false // an address (a digest here is misplacedDigest's)
	}
	if strings.IndexByte(v, '$') >= 0 || totpShaped(v) {
		return true // a TOTP key maybe in its spaced groups of four
	}
	if phoneExtension.MatchString(v) {
		return false // "+15551234567x1234"
	}
	run, letters := 0, 0
	for _, c := range []byte(v) {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
			run++
		case c >= '0' && c <= '9', c == '+' && run > 0, c == '/', c == '=':
			run++
		default:
			if run >= 16 && letters > 0 {
				return true
			}
			run, letters = 0, 0
		}
	}
	return run >= 16 && letters > 0
}

// phoneExtension is a phone number with an extension, the one value of
// an identifier column whose run of digits has a letter in it.
var phoneExtension = regexp.MustCompile(`(?i)^\+?[0-9 ().-]+(x|ext\.?|extension) ?[0-9]{1,6}$`)

// safeID reports whether a value may be given as a record's id when its
// row could not be read: a Clerk user id, nothing a secret can be.
func safeID(v string) bool {
	if !strings.HasPrefix(v, "user_") || len(v) >= 64 {
		return false
	}
	for _, c := range []byte(v) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// salvageID reads the id cell of a row that failed to read: leniently
// (bare quotes as text), from the row's head, and only when the cell is
// a safe id; "" otherwise.
func (s *csvFile) salvageID(raw rawRow) string {
	// An id is near the start: 4 KiB of the row is plenty, and parsing
	// no more keeps a huge row's cost at the copy already made.
	head := raw.data[:min(len(raw.data), 4<<10)]
	r := csv.NewReader(bytes.NewReader(head))
	r.Comma = rune(s.sep)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	fields, err := r.Read()
	i := s.cols[colID]
	if err != nil || i >= len(fields) {
		return ""
	}
	if raw.size > int64(len(head)) && i == len(fields)-1 {
		return "" // the last cell of a cut row may be cut itself
	}
	if v := strings.TrimSpace(fields[i]); utf8.ValidString(v) && safeID(v) {
		return strings.Clone(v)
	}
	return ""
}

// metadata reads a metadata column: a JSON object, or an empty cell for
// none, decoded and bounded as the JSON readers do (metadataField).
func (s *csvFile) metadata(row []string, col string) (map[string]any, error) {
	v := s.cell(row, col)
	if v == "" {
		return nil, nil
	}
	if v[0] != '{' {
		kind := "text that is not JSON"
		if json.Valid([]byte(v)) {
			kind = jsonKind([]byte(v))
		}
		return nil, fmt.Errorf("field %q: got %s, want a JSON object or an empty cell", col, kind)
	}
	return metadataField(col, view(v), false)
}

// cell returns a trimmed copy of a column's value ("" if the column is
// absent or the row short), without the TAB the Dashboard puts before
// values starting with = + - @ to stop spreadsheets running them as
// formulas. The copy matters: csv.Reader slices all fields of a row from
// one string, so keeping a substring would keep the whole row alive.
func (s *csvFile) cell(row []string, col string) string {
	i, ok := s.cols[col]
	if !ok || i >= len(row) {
		return ""
	}
	v := strings.TrimSpace(untab(row[i]))
	if nullCell(v) {
		return ""
	}
	return strings.Clone(v)
}

// nullCell reports a cell holding what JSON-to-CSV converters and SQL
// dumps write for no value: read as a value, it would be a name
// ("null"), a TOTP secret or an unknown hasher. "Null", a surname, is
// a value.
func nullCell(v string) bool { return v == "null" || v == "NULL" }

// untab undoes the Dashboard's formula escaping of one value.
func untab(v string) string {
	if len(v) >= 2 && v[0] == '\t' && strings.IndexByte("=+-@", v[1]) >= 0 {
		return v[1:]
	}
	return v
}

// present reports whether a column has a non-blank value, without copying it.
func (s *csvFile) present(row []string, col string) bool {
	i, ok := s.cols[col]
	if !ok || i >= len(row) {
		return false
	}
	v := strings.TrimSpace(row[i])
	return v != "" && !nullCell(v)
}

// splitAddresses splits a multi-value email cell.
func splitAddresses(v string) []string { return splitMulti(v, listSeps) }

// splitPhones splits a multi-value phone cell, each value unescaped.
func splitPhones(v string) []string {
	if t := strings.TrimSpace(untab(v)); sciComma.MatchString(t) {
		// One number a comma-decimal spreadsheet wrote in scientific
		// notation (4,41555E+10), not two: the import names the damage.
		return []string{t}
	}
	out := splitMulti(v, ",|")
	for i := range out {
		out[i] = strings.TrimSpace(untab(out[i]))
	}
	return out
}

// listSeps separate the email addresses of a multi-value cell or string.
// Clerk's separator is not documented: its support JSON uses `|`, CSV
// cells `,` (quoted) or `|`, and the tools that read Clerk's lists also
// take `;` (WorkOS's migrate-clerk-users splits on any of the three). An
// address with one of them would need a quoted local part, which no
// import accepts. Phone numbers split on `|` (and `,` in CSV cells)
// only: `;ext=99` (RFC 3966) and `,,123` (a dial pause) are part of one.
const listSeps = ",|;"

// splitMulti splits a multi-value cell on any of seps.
func splitMulti(v, seps string) []string {
	var out []string
	// A cell may hold a JSON array of strings instead: Clerk's own
	// importer (clerk/cli, migrate) reads list cells either way, and a
	// list copied from a JSON export into a sheet looks like this.
	if t := strings.TrimSpace(v); len(t) > 1 && t[0] == '[' && t[len(t)-1] == ']' {
		var list []string
		if json.Unmarshal([]byte(t), &list) == nil {
			for _, p := range list {
				if p = strings.TrimSpace(untab(p)); p != "" {
					out = append(out, p)
				}
			}
			return out
		}
		// Brackets around a list that is not JSON (['a@x.io', 'b@x.io'],
		// [a@x.io]): no address starts with "[", so they are the list's.
		for _, p := range strings.FieldsFunc(t[1:len(t)-1], func(r rune) bool { return strings.ContainsRune(seps, r) }) {
			if p = strings.Trim(strings.TrimSpace(p), `"'`); p != "" {
				out = append(out, strings.TrimSpace(untab(p)))
			}
		}
		return out
	}
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if p = strings.TrimSpace(untab(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// optional maps "" to nil, the way Clerk's API reports an unset field.
func optional(v string) *string {
	if v == "" {
		return nil
	}
	// Not &v: that moves v to the heap on every call, empty or not.
	p := new(string)
	*p = v
	return p
}

// headerLike reports whether a header cell looks like a column name (a
// short word, or snake_case words) rather than a value: an id, an
// address, a digest or a secret, which error messages must not echo.
// 12 letters is below the 16 of the shortest TOTP secret.
func headerLike(h string) bool {
	if len(h) > 40 {
		return false
	}
	words := strings.Split(h, "_")
	for _, w := range words {
		if w == "" {
			return false
		}
		for _, c := range w {
			if c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return len(words) > 1 || len(h) <= 12
}
