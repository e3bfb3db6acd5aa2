package clerk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	// secondsBelow: an integer timestamp below it is in seconds. 1e11 ms
	// is March 1973; 1e11 s is the year 5138.
	secondsBelow = 1e11
	// maxMillis is the last millisecond of the year 9999.
	maxMillis = 253402300799999
)

// parseMillisField is parseMillis with the field named in its error.
func parseMillisField(name string, raw []byte) (Millis, bool, error) {
	v, set, err := parseMillis(raw)
	if err != nil {
		return 0, false, fmt.Errorf("field %q: %w", name, err)
	}
	return v, set, nil
}

// parseMillis reads a JSON timestamp (see Millis.UnmarshalJSON); set is
// false for null or an absent value.
func parseMillis(raw []byte) (Millis, bool, error) {
	raw = trimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, nil
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false, errors.New("invalid string")
		}
		if noTime(s) {
			return 0, false, nil
		}
		v, err := parseTimestamp(s)
		return v, err == nil, err
	case c == '-' || (c >= '0' && c <= '9'):
		// Every API timestamp: plain digits, read without a string copy.
		if ms, ok := digitsMillis(raw); ok {
			return ms, true, nil
		}
		v, err := parseNumberStamp(string(raw))
		return v, err == nil, err
	}
	return 0, false, fmt.Errorf("got %s, want a number or an RFC 3339 string", jsonKind(raw))
}

// digitsMillis is parseNumberStamp for 1 to 15 digits without a leading
// zero and nothing else (15 digits hold maxMillis); ok is false for
// anything else, which parseNumberStamp then reads (or words the error
// for).
func digitsMillis(raw []byte) (Millis, bool) {
	if len(raw) == 0 || len(raw) > 15 || raw[0] == '0' || len(raw) == 8 {
		return 0, false // 8 digits may be a compact date: parseNumberStamp
	}
	var n int64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n < secondsBelow {
		n *= 1000
	}
	if n > maxMillis {
		return 0, false
	}
	return Millis(n), true
}

// textLayouts are the ISO 8601 forms other than RFC 3339 that exports
// and spreadsheets write: a space for the T (SQL dumps), no zone (read as
// UTC, the zone Clerk keeps every time in) or a date alone (midnight
// UTC). Each is unambiguous; day/month orders are not guessed.
var textLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04Z0700",
	"2006-01-02T15:04Z07",
	"2006-01-02 15:04Z07",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	// ISO 8601's basic format (no separators).
	"20060102T150405.999999999Z07:00",
	"20060102T150405.999999999Z0700",
	"20060102T150405.999999999Z07",
	"20060102T150405.999999999",
	"20060102T1504Z0700",
	"20060102T1504Z07",
	"20060102T1504",
	// RFC 1123 (HTTP dates, JavaScript's toUTCString), its GMT made a Z
	// above (Go reads the weekday and does not check it).
	"Mon, 02 Jan 2006 15:04:05Z07:00",
	"Mon, 02 Jan 2006 15:04:05 -0700",
}

// spreadsheetDate is how a spreadsheet displays a date and time in most
// locales (5/1/2024 4:37, 01.05.24 16:37:53, 5-1-2024 4:37 PM): what it
// saves in a CSV once it has read Clerk's timestamp as a date.
var spreadsheetDate = regexp.MustCompile(`^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(,? \d{1,2}:\d{2}(:\d{2})?( ?[AaPp][Mm])?)?$`)

// noTime reports whether a timestamp written as a JSON string says there
// is none: empty, or null written as text.
func noTime(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || strings.EqualFold(s, "null")
}

// parseTimestamp reads a timestamp written as text (CSV cells, JSON
// strings): digits as a number, otherwise RFC 3339 or one of textLayouts.
func parseTimestamp(s string) (Millis, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty timestamp")
	}
	if s[0] == '-' || (s[0] >= '0' && s[0] <= '9') {
		if _, err := strconv.ParseFloat(decimalPoint(s), 64); err == nil {
			return parseNumberStamp(decimalPoint(s))
		}
	}
	// RFC 3339 (5.6) lets the T and Z be lower case; Go's layouts do not.
	iso := s
	if t := strings.IndexByte(iso, 't'); t == 8 || t == 10 {
		iso = iso[:t] + "T" + iso[t+1:]
	}
	if strings.HasSuffix(iso, "z") {
		iso = iso[:len(iso)-1] + "Z"
	}
	// A zone written as UTC or GMT (SQL dumps, HTTP dates): other zone
	// names are not read, as Go would take one it does not know for UTC.
	for _, z := range []string{" UTC", " GMT"} {
		if len(iso) > len(z) && strings.EqualFold(iso[len(iso)-len(z):], z) {
			iso = iso[:len(iso)-len(z)] + "Z"
			break
		}
	}
	t, err := time.Parse(time.RFC3339Nano, iso)
	for _, layout := range textLayouts {
		if err == nil {
			break
		}
		t, err = time.Parse(layout, iso)
	}
	if err != nil {
		hint := ""
		if spreadsheetDate.MatchString(s) {
			hint = ": it looks like a spreadsheet's display of a date, which rewrote Clerk's timestamp (the order of day and month unknown, often the seconds lost); export the users from Clerk again, or format the column as yyyy-mm-dd hh:mm:ss before saving"
		}
		return 0, fmt.Errorf("%s is neither a Unix time nor an ISO 8601 date and time%s", quote(s), hint)
	}
	return checkRange(t.UnixMilli(), s)
}

// sciComma is a number in scientific notation with a decimal comma, as a
// spreadsheet in a comma-decimal locale (the ones that save CSV with ';')
// writes a long number: 1,71456E+12.
var sciComma = regexp.MustCompile(`^-?\d+,\d+[eE][+-]?\d+$`)

// decimalPoint writes a number in scientific notation with a decimal
// comma with a point; anything else is returned as it is. No list or
// thousands grouping is written that way.
func decimalPoint(s string) string {
	if sciComma.MatchString(s) {
		return strings.Replace(s, ",", ".", 1)
	}
	return s
}

// parseNumberStamp reads an integer timestamp in seconds, ms, µs or ns
// (or a compact date), told apart by size: seconds until the year 5138,
// ms until 9999; from 16 digits µs (what Postgres and Python write, since
// 2001) and from 19 ns (Go, Java). Values between these say no time and
// are refused.
func parseNumberStamp(s string) (Millis, error) {
	// Eight digits are a compact ISO 8601 date (20240305) when they read
	// as one: as seconds they would be 1970–1973, before any Clerk user.
	if len(s) == 8 {
		if t, err := time.Parse("20060102", s); err == nil && t.Year() >= 1970 {
			return checkRange(t.UnixMilli(), s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		whole := f == math.Trunc(f)
		switch {
		case ferr != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > maxMillis || (f < 0 && !whole):
			return 0, fmt.Errorf("%s is not a Unix time in the years 1970–9999", quote(s))
		case !whole && f < secondsBelow:
			// Seconds with a fraction, as Python's time.time() and
			// datetime.timestamp() write them: to the millisecond.
			return checkRange(int64(math.Round(f*1000)), s)
		}
		// Whole, or milliseconds with a fraction (JavaScript's
		// performance clock), which is below Clerk's precision.
		n = int64(f)
	}
	switch {
	case n >= 0 && n < secondsBelow:
		n *= 1000
	case n >= 1e18:
		n /= 1_000_000
	case n >= 1e15 && n <= maxMillis*1000:
		n /= 1000
	}
	return checkRange(n, s)
}

func checkRange(ms int64, s string) (Millis, error) {
	if ms < 0 || ms > maxMillis {
		return 0, fmt.Errorf("%s is outside the years 1970–9999", quote(s))
	}
	return Millis(ms), nil
}
