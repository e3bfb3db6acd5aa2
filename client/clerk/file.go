package clerk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// OpenFile opens a Clerk export for streaming. The format is found from
// the content, never the file name: `[` or `{` first is JSON (an array of
// users, {"users": […]}, or the `clerk migrate` envelope; the records'
// shape tells Backend API users from flat support records), anything else
// the Dashboard's CSV export. A file saved as UTF-16 (with a byte-order
// mark, or without one when it starts with ASCII) is read as the UTF-8 it
// encodes. The source implements Formatter. Structural problems inside the file surface from Next, after
// the records before them, so a damaged tail does not hide a good head.
func OpenFile(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("clerk: %w", err)
	}
	return open(path, f)
}

// OpenReader is OpenFile on what r gives (standard input), named name in
// messages. Closing the source does not close r.
func OpenReader(name string, r io.Reader) (Source, error) {
	return open(name, io.NopCloser(r))
}

func open(path string, f io.ReadCloser) (Source, error) {
	cr := &ctxReader{r: f}
	br := bufio.NewReaderSize(cr, 64<<10)
	// UTF-16 is decoded before anything looks at the content, so both
	// readers, their hints and their errors see what a UTF-8 file shows.
	if detectUTF32(br) {
		f.Close()
		return nil, fmt.Errorf("clerk: %s is saved as UTF-32, which is not read; convert it to UTF-8 (iconv -f UTF-32 -t UTF-8 FILE > FILE.utf8) and import that", path)
	}
	var u16 *utf16Reader
	if big, bom, ok := detectUTF16(br); ok {
		br.Discard(bom) //nolint:errcheck // peeked
		u16 = newUTF16Reader(br, big, int64(bom))
		br = bufio.NewReaderSize(u16, 64<<10)
	}
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
		return nil, fmt.Errorf("clerk: %s %s", path, hint)
	}
	if first == '[' || first == '{' {
		j := newJSONFile(path, f, br, skipped)
		j.cr = cr
		if u16 != nil {
			j.u16 = u16
			j.markEnd()
		}
		return j, nil
	}
	if kind := jsonScalarFile(br); kind != "" {
		f.Close()
		return nil, fmt.Errorf("clerk: %s: not a Clerk user export: the file is JSON %s; expected a JSON array of users or a Clerk CSV export", path, kind)
	}
	c := newCSVFile(path, f, br, lines)
	c.cr = cr
	return c, nil
}

// ctxReader ends reads once the context of the current Next is done, so
// that a file that never ends (a device, an endless pipe) stops with the
// import instead of being read on after a cancel.
type ctxReader struct {
	r   io.Reader
	ctx context.Context
}

// Read implements io.Reader.
func (c *ctxReader) Read(p []byte) (int, error) {
	if c.ctx != nil {
		if err := c.ctx.Err(); err != nil {
			return 0, err
		}
	}
	return c.r.Read(p)
}

// jsonScalarFile names the JSON value a small file holds when that value
// is not an array or object (null, a number, a string…), which would
// otherwise be read as a CSV without its header; "" for anything else.
func jsonScalarFile(br *bufio.Reader) string {
	b, err := br.Peek(br.Size())
	if !errors.Is(err, io.EOF) || !json.Valid(b) {
		return "" // larger than the buffer, or not JSON: a CSV
	}
	return jsonKind(trimSpace(b))
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

// JoinNoter is a Noter whose notes differ when a passwords file is joined
// to it (a format without digests lacks none then).
type JoinNoter interface {
	NotesJoined() []string
}

// checkPath drains a fresh reader of path, keeping nothing. Records are
// counted by the byte-level scanners, not copied or decoded: the check is
// about the file's structure, and decoding every user would cost more
// than half of its time.
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
	f    io.Closer
	cr   *ctxReader // under the file's buffer; nil in tests that build sources by hand
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

// sniff consumes leading whitespace and a UTF-8 byte-order mark (which
// spreadsheet tools like to add) and returns the first significant byte,
// left unread, and how many bytes and lines were skipped (so error
// positions still match what an editor shows). Lines end as the CSV
// reader ends them: at LF, CRLF or a lone CR (Excel for Mac).
func sniff(br *bufio.Reader) (skipped int64, lines int, first byte, err error) {
	afterCR := false
	for {
		r, size, err := br.ReadRune()
		if err != nil {
			return skipped, lines, 0, err
		}
		if r == '\uFEFF' || unicode.IsSpace(r) {
			skipped += int64(size)
			if r == '\r' || (r == '\n' && !afterCR) {
				lines++
			}
			afterCR = r == '\r'
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
	b, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		// A spreadsheet saved from the Dashboard's CSV is a zip too, but
		// extracting it gives XML: it is to be saved as CSV instead.
		if len(b) >= 30 {
			n := int(b[26]) | int(b[27])<<8
			name := string(b[30:min(len(b), 30+n)])
			rest := string(b[min(len(b), 30+n):])
			switch {
			case name == "[Content_Types].xml" || strings.HasPrefix(name, "xl/") || strings.HasPrefix(name, "docProps/"):
				return "is an Excel workbook (.xlsx), not a CSV: save it as CSV UTF-8 (File › Save As) and import that"
			case name == "mimetype" && strings.Contains(rest, "opendocument.spreadsheet"):
				return "is an OpenDocument spreadsheet (.ods), not a CSV: save it as CSV (UTF-8) and import that"
			}
		}
		return "is a zip archive; extract the export first"
	case bytes.HasPrefix(b, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}):
		return "is an Excel 97-2003 workbook (.xls), not a CSV: save it as CSV UTF-8 and import that"
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return "is gzip-compressed; extract the export first (gunzip)"
	}
	return ""
}

// using makes reads during a call stop when ctx is done.
func (e *exportFile) using(ctx context.Context) {
	if e.cr != nil {
		e.cr.ctx = ctx
	}
}
