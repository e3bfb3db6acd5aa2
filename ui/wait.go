package ui

import (
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/ui/termtext"
)

// waitBanner is a screen's notice of a pause of the Clerk client (rate
// limit, retry backoff), counting down until the pause is over, so a long
// pause does not look like a frozen screen.
type waitBanner struct {
	notice *waitNotice
	// gen numbers the notices: a tick of an earlier notice is ignored, so
	// at most one countdown ticks.
	gen int
}

// waitTickMsg redraws the countdown of one banner's notice.
type waitTickMsg struct {
	banner *waitBanner
	gen    int
}

// set shows n and returns the command that ticks its countdown.
func (b *waitBanner) set(n waitNotice, now time.Time) tea.Cmd {
	b.notice = &n
	b.gen++
	return b.schedule(now)
}

// clear hides the notice (the run is over).
func (b *waitBanner) clear() {
	b.notice = nil
	b.gen++
}

// update follows a run's coalesced update: a notice runs until its pause
// is over (a page does not end it: the concurrent walk's pages sent before
// the pause keep arriving during it, and the pauses that follow join it
// unannounced), the end of the run ends it, and a newer pause replaces
// it. It returns the countdown's tick, if any.
func (b *waitBanner) update(msg importUpdateMsg, now time.Time) tea.Cmd {
	if msg.Done {
		b.clear()
	}
	if msg.Wait != nil && !msg.Done {
		return b.set(*msg.Wait, now)
	}
	return nil
}

// active reports a notice whose pause has not ended yet.
func (b *waitBanner) active(now time.Time) bool {
	return b.notice != nil && now.Before(b.notice.Until)
}

// tick handles a waitTickMsg of this banner: the notice ends once its
// time has passed, otherwise the countdown ticks on.
func (b *waitBanner) tick(msg waitTickMsg, now time.Time) tea.Cmd {
	if msg.banner != b || msg.gen != b.gen {
		return nil
	}
	if !b.active(now) {
		b.notice = nil
		return nil
	}
	return b.schedule(now)
}

// schedule ticks when the whole seconds shown next change.
func (b *waitBanner) schedule(now time.Time) tea.Cmd {
	if !b.active(now) {
		return nil
	}
	d := b.notice.Until.Sub(now) % time.Second
	if d <= 0 {
		d = time.Second
	}
	d = max(d+10*time.Millisecond, 100*time.Millisecond)
	gen := b.gen
	return tea.Tick(d, func(time.Time) tea.Msg { return waitTickMsg{banner: b, gen: gen} })
}

// view is the notice's line ("" when there is no pause now), e.g.
// "⚠ Rate limited by Clerk: waiting 8s (the import continues by itself)".
func (b *waitBanner) view(st Styles, now time.Time, what string, width int) string {
	if !b.active(now) {
		return ""
	}
	left := b.notice.Until.Sub(now)
	left = (left + time.Second - 1).Truncate(time.Second) // 7.2 s left shows 8s
	reason := capitalize(strings.TrimSpace(termtext.Clean(b.notice.Reason)))
	if reason == "" {
		reason = "Waiting for Clerk"
	}
	text := "⚠ " + reason + ": waiting " + fmtDuration(left) + " (" + what + " continues by itself)"
	return st.Warning.Render(ansiTruncate(text, width))
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// waitFeed carries pauses from the Clerk client's goroutine to the UI
// without ever blocking the client: a notice that finds the channel full
// is dropped (a newer one follows with the next pause).
type waitFeed struct {
	mu     sync.Mutex
	ch     chan waitNotice
	closed bool
}

func (f *waitFeed) send(n waitNotice) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	select {
	case f.ch <- n:
	default:
	}
}

func (f *waitFeed) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.ch)
	}
}
