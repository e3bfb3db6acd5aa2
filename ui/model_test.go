package ui

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// A burst of events becomes a few coalesced messages that keep the last
// snapshot and every entry.
func TestEventsAreCoalesced(t *testing.T) {
	const n = 5000
	run := func(ctx context.Context, src clerk.Source, opts importer.Options) (importer.Report, error) {
		for i := 1; i <= n; i++ {
			opts.OnEvent(importer.PageRead{Fetched: i, Total: n})
			opts.OnEvent(importer.EntryFound{Entry: importer.Entry{Pos: i}})
		}
		return importer.Report{Mode: opts.Mode}, nil
	}
	open := func(onWaitFunc) (clerk.Source, error) { return &sliceSource{kind: "api"}, nil }
	r, cmd := startRun(context.Background(), open, run, importer.Options{Mode: importer.ModePreview})
	msgs, entries, last := 0, 0, 0
	next := cmd
	for {
		msg := next().(importUpdateMsg)
		msgs++
		entries += len(msg.Entries)
		if msg.Page != nil {
			last = msg.Page.Fetched
		}
		if msg.Done {
			if msg.Err != nil || msg.Report.Mode != importer.ModePreview {
				t.Fatalf("done: %v %+v", msg.Err, msg.Report)
			}
			break
		}
		next = r.wait()
	}
	if entries != n || last != n {
		t.Fatalf("entries %d last page %d, want %d", entries, last, n)
	}
	if msgs > 20 {
		t.Fatalf("%d messages for %d events: not coalesced", msgs, 2*n)
	}
}

// Abandoning a run never blocks the importer on a full channel.
func TestAbandonedRunDoesNotBlock(t *testing.T) {
	run := func(ctx context.Context, src clerk.Source, opts importer.Options) (importer.Report, error) {
		for i := 0; i < 10*eventBuffer; i++ {
			opts.OnEvent(importer.EntryFound{})
		}
		return importer.Report{}, ctx.Err()
	}
	open := func(onWaitFunc) (clerk.Source, error) { return &sliceSource{kind: "api"}, nil }
	r, cmd := startRun(context.Background(), open, run, importer.Options{})
	go cmd() // starts the goroutine and reads one message
	time.Sleep(50 * time.Millisecond)
	r.abandon()
	select {
	case <-r.finished:
	case <-time.After(5 * time.Second):
		t.Fatal("the importer goroutine is stuck after abandon")
	}
}

// Opening the source fails: the error ends the run.
func TestRunOpenError(t *testing.T) {
	open := func(onWaitFunc) (clerk.Source, error) { return nil, fmt.Errorf("boom") }
	_, cmd := startRun(context.Background(), open, nil, importer.Options{})
	msg := cmd().(importUpdateMsg)
	if !msg.Done || msg.Err == nil {
		t.Fatalf("%+v", msg)
	}
}

// Every screen fits the terminal across resizes.
func TestResizeKeepsEveryScreenInside(t *testing.T) {
	core := &fakeCore{}
	core.runEvents, core.runReport = runScript()
	fj := &journeysRecorder{}
	env := newTestEnv(t)
	cfg := testConfig(env, makeUsers(10))
	cfg.APIKey = "sk_test_0123456789"
	d := newDriver(t, cfg, 120, 40, core.install, fj.install)
	check := func() {
		t.Helper()
		for _, sz := range []struct{ w, h int }{{80, 24}, {60, 18}, {140, 50}, {100, 30}} {
			d.send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			assertFits(t, d.view(), sz.w, sz.h)
		}
	}
	check()
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings && settingsOf(d).report != nil })
	check()
	d.press("enter")
	check()
	d.press("enter")
	d.waitFor("confirm", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	check()
	d.press("y")
	d.waitFor("progress", func(m Model) bool { return m.state == stateProgress && progressOf(d).report != nil })
	check()
	d.press("enter")
	check()
	d.press("a@b.co", "tab", "B", "tab", "https://b.co/login", "tab", "https://b.co/reset", "ctrl+s")
	d.waitFor("journeys", func(m Model) bool { return journeysOf(d).result != nil })
	check()
	d.press("enter")
	d.waitFor("browser", func(m Model) bool { return m.state == stateBrowser && !browserOf(d).loading })
	check()
	d.press("?")
	check()
}

// Help toggles with ? and lists more keys.
func TestFullHelp(t *testing.T) {
	d, _ := toReview(t, 120, 40)
	short := d.view()
	d.press("?")
	full := d.view()
	if !strings.Contains(full, "previous reason") || strings.Contains(short, "previous reason") {
		t.Fatalf("full help not shown:\n%s", full)
	}
	d.press("?")
	if d.view() != short {
		t.Fatal("? did not close the full help")
	}
}

var sgrColor = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])[;m]`)

// NO_COLOR: the renderer's profile carries no colour, so frames are
// written without colour sequences.
func TestNoColor(t *testing.T) {
	p := colorprofile.Env([]string{"NO_COLOR=1", "TERM=xterm-256color", "COLORTERM=truecolor"})
	if p > colorprofile.Ascii {
		t.Fatalf("NO_COLOR profile %v", p)
	}
	d, _ := toConfirm(t, 80, 24)
	frame := d.m.View().Content
	if !sgrColor.MatchString(frame) {
		t.Fatal("test is moot: the frame has no colour to strip")
	}
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: p}
	if _, err := w.Write([]byte(frame)); err != nil {
		t.Fatal(err)
	}
	if loc := sgrColor.FindStringIndex(buf.String()); loc != nil {
		t.Fatalf("colour left under NO_COLOR: %q", buf.String()[loc[0]:min(loc[1]+10, buf.Len())])
	}
}

// Run drives a real program on the given input and returns the plain
// summary, not the last frame.
func TestRunReturnsPlainSummary(t *testing.T) {
	env := newTestEnv(t)
	in := strings.NewReader("q")
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sum, err := Run(ctx, testConfig(env, nil), in, &out)
	if err != nil {
		t.Fatal(err)
	}
	if sum != "Nothing was changed.\n" {
		t.Fatalf("summary %q", sum)
	}
}

func TestSummaryAfterPreviewOnly(t *testing.T) {
	d, _ := toConfirm(t, 80, 24)
	if s := d.m.Summary(); !strings.Contains(s, "No import was run") {
		t.Fatalf("summary %q", s)
	}
}

// Screens never write the session: a screen's Update posts its result,
// and only the root model applies it.
func TestScreensPostResultsOnlyTheRootApplies(t *testing.T) {
	d, _ := toReview(t, 80, 24)
	s := reviewOf(d)
	before := len(d.m.pc.sess.decisions)
	s.Update(keyMsgs("space")[0]) // the screen alone, not through the root
	if len(d.m.pc.sess.decisions) != before {
		t.Fatal("the review screen wrote the session itself")
	}
	if len(d.m.pc.outbox) != 1 {
		t.Fatalf("outbox %v, want the row's policy", d.m.pc.outbox)
	}
	d.m.pc.applyResults() // what the root does after each Update
	if d.m.pc.sess.decisions["user_0003"] != importer.PolicyMerge || len(d.m.pc.outbox) != 0 {
		t.Fatalf("decisions %v outbox %v", d.m.pc.sess.decisions, d.m.pc.outbox)
	}
	d.press("space") // through the root: back to the default, applied at once
	if _, ok := d.m.pc.sess.decisions["user_0003"]; ok || len(d.m.pc.outbox) != 0 {
		t.Fatalf("decisions %v outbox %v", d.m.pc.sess.decisions, d.m.pc.outbox)
	}
}

// The header names the environment the wizard writes to.
func TestHeaderShowsEnvironment(t *testing.T) {
	env := newTestEnv(t)
	d, _ := sourceDriver(t, testConfig(env, nil), 120, 40)
	if first := strings.Split(d.view(), "\n")[0]; !strings.Contains(first, "→ local:/tmp/ascendkit-test/local.db") {
		t.Fatalf("header %q", first)
	}
}

// A canary left before its result (ctrl+c at once) was recorded as a run:
// the summary must not say no import ran.
func TestSummaryAfterAnUnreportedCanary(t *testing.T) {
	d, _ := toConfirm(t, 80, 24)
	canaryStarted{}.apply(&d.m.pc.sess)
	if s := d.m.Summary(); strings.Contains(s, "No import was run") || !strings.Contains(s, "A canary run was stopped before it reported") {
		t.Fatalf("summary %q", s)
	}
}

// ? lists every key on a narrow terminal too: the full help's columns go
// into rows rather than the last being cut to "…".
func TestFullHelpFitsNarrow(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {60, 20}} {
		d, _ := toReview(t, sz.w, sz.h)
		d.press("?")
		v := d.view()
		assertFits(t, v, sz.w, sz.h)
		for _, k := range []string{"ctrl+c", "merge all", "skip all", "back"} {
			if !strings.Contains(flatten(v), k) {
				t.Errorf("%dx%d: full help lacks %q:\n%s", sz.w, sz.h, k, v)
			}
		}
	}
}
