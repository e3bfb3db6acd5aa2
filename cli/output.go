package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ascendkit/ascendkit/importer"
)

// printJSON writes v as one indented JSON document.
func printJSON(w io.Writer, v any) error {
	return newJSONWriter(w, "  ").Encode(v)
}

// jsonWriter is the one JSON writer of every --json output and the entries
// file. encoding/json leaves C1 controls and bidi controls as raw
// characters; a terminal acts on C1 (U+009B is a CSI) and bidi controls
// reorder what a reader sees, so both are written as \uXXXX escapes.
type jsonWriter struct {
	w      io.Writer
	indent string
	buf    bytes.Buffer
	out    []byte
}

func newJSONWriter(w io.Writer, indent string) *jsonWriter {
	return &jsonWriter{w: w, indent: indent}
}

// Encode writes v as one JSON value followed by a newline.
func (j *jsonWriter) Encode(v any) error {
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", j.indent)
	if err := enc.Encode(v); err != nil {
		return err
	}
	j.out = escapeJSONText(j.out[:0], j.buf.Bytes())
	_, err := j.w.Write(j.out)
	return err
}

// escapeJSONText copies encoded JSON into dst with C1 and bidi controls
// escaped. Such characters can only occur inside strings (the syntax is
// ASCII), where \uXXXX means the same character, so the value is unchanged.
func escapeJSONText(dst, src []byte) []byte {
	for len(src) > 0 {
		if src[0] < utf8.RuneSelf {
			dst = append(dst, src[0])
			src = src[1:]
			continue
		}
		r, n := utf8.DecodeRune(src)
		if (r >= 0x80 && r <= 0x9F) || unicode.Is(unicode.Bidi_Control, r) {
			dst = fmt.Appendf(dst, `\u%04x`, r)
		} else {
			dst = append(dst, src[:n]...)
		}
		src = src[n:]
	}
	return dst
}

// progress shows import progress on stderr: one redrawn line on a
// terminal, nothing but notices otherwise (logs stay clean).
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	started  time.Time
	last     time.Time
	total    int
	fetched  int
	written  int
	mode     importer.Mode
	drawn    bool
	interval time.Duration
	// waitEnds holds, per wait reason, when the last wait announced ends:
	// concurrent requests hitting the same cause (one per window in
	// flight) pause together, and one line says so for all of them.
	waitEnds map[string]time.Time
	now      func() time.Time
}

func newProgress(ios *IO) *progress {
	return &progress{w: ios.ErrOut, tty: ios.StderrTTY, started: time.Now(), interval: 100 * time.Millisecond,
		waitEnds: map[string]time.Time{}, now: time.Now}
}

// wait is the Clerk client's notice that it is pausing (rate limit, retry).
func (p *progress) wait(reason string, d time.Duration) {
	// Pacing under the rate limit pauses a fraction of a second before
	// most requests; only pauses a person would notice are worth a line.
	if d < time.Second {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if end, ok := p.waitEnds[reason]; ok && now.Before(end) && !now.Add(d).After(end.Add(time.Second)) {
		return // a request of the same pause: already announced
	}
	// A first notice, or a pause that lasts well past the one announced
	// (a longer Retry-After): the user must not sit through it untold.
	p.waitEnds[reason] = now.Add(d)
	p.clearLine()
	fmt.Fprintf(p.w, "%s: waiting %s\n", reason, d.Round(100*time.Millisecond))
}

func (p *progress) event(ev importer.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case importer.Checking:
		if p.tty {
			fmt.Fprint(p.w, "\r\x1b[2KChecking the whole file before writing anything…")
			p.drawn = true
		}
		return
	case importer.Started:
		p.total, p.mode = e.Total, e.Mode
	case importer.PageRead:
		p.fetched = e.Fetched
	case importer.BatchApplied:
		p.written = e.Counts.Imported + e.Counts.Merged
	default:
		return
	}
	if !p.tty || time.Since(p.last) < p.interval {
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf("Reading users: %d", p.fetched)
	if p.total >= 0 {
		pct := 0
		if p.total > 0 {
			pct = p.fetched * 100 / p.total
		}
		line += fmt.Sprintf("/%d (%d%%)", p.total, pct)
	}
	if p.mode == importer.ModeRun {
		line += fmt.Sprintf(" · written %d", p.written)
	}
	if secs := time.Since(p.started).Seconds(); secs > 0.5 {
		line += fmt.Sprintf(" · %.0f users/s", float64(p.fetched)/secs)
	}
	fmt.Fprintf(p.w, "\r\x1b[2K%s", line)
	p.drawn = true
}

func (p *progress) clearLine() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[2K")
		p.drawn = false
	}
}

// done clears the progress line before the summary is printed.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLine()
}
