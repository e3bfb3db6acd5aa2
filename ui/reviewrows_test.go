package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// reviewed is the review's rows as "kind reason id", in order.
func reviewed(s *duplicatesScreen) []string {
	var out []string
	for _, e := range s.entries {
		out = append(out, e.Kind+" "+e.Reason+" "+e.SourceID)
	}
	return out
}

// reviewFile drives the wizard on the export file path to the review,
// once the settings preview has its classification.
func reviewFile(t *testing.T, env envT, path string) (*driver, *duplicatesScreen) {
	t.Helper()
	d := newDriver(t, Config{Env: env, OpenFile: clerk.OpenFile}, 120, 40)
	d.press("2")
	d.press(path)
	d.press("enter")
	d.waitFor("the settings", func(m Model) bool { return m.state == stateSettings })
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.waitFor("the classification", func(m Model) bool { return m.pc.sess.classified != nil })
	d.press("enter")
	return d, reviewOf(d)
}

// freshRows is what a fresh preview (`import clerk preview`, with or
// without --include-banned) lists of the file, in source order.
func freshRows(t *testing.T, csv string, env envT, includeBanned bool) []string {
	t.Helper()
	src, err := clerk.OpenFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var entries []importer.Entry
	_, err = importer.Run(context.Background(), src, env, importer.Options{
		Mode: importer.ModePreview, Phases: importer.Phases{Users: true, Settings: true},
		OnDuplicate: importer.PolicySkip, IncludeBanned: includeBanned, Now: func() time.Time { return fixedNow },
		OnEvent: func(ev importer.Event) {
			if f, ok := ev.(importer.EntryFound); ok {
				entries = append(entries, f.Entry)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(entries, func(a, b importer.Entry) int { return a.Pos - b.Pos })
	var out []string
	for _, e := range entries {
		switch e.Kind {
		case kindDuplicate, kindSkipped, kindWarning:
			out = append(out, e.Kind+" "+e.Reason+" "+e.SourceID)
		}
	}
	return out
}

// b rebuilds the review's rows from the classification the header counts
// from: a banned user listed before an active one of the same address
// takes it (the active one becomes a duplicate row), a banned user whose
// address the environment has becomes a duplicate of it. The rows are
// those a fresh preview with --include-banned lists; a choice made on a
// row is kept while the row is listed and dropped, with a notice, once
// b takes the row away.
func TestReviewRowsFollowBannedSwitch(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "users.csv")
	content := "id,primary_email_address,verified_email_addresses,banned\n" +
		"user_a,a@example.com,a@example.com,true\n" + // banned, takes a@ from user_c
		"user_b,b@example.com,b@example.com,true\n" + // banned, b@ is in the environment
		"user_c,a@example.com,a@example.com,\n" +
		"user_d,d@example.com,d@example.com,\n" +
		"user_e,d@example.com,d@example.com,\n" + // repeated whatever b says
		"user_f,,,\n" // no email: skipped whatever b says
	if err := os.WriteFile(csv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	env := realEnv(t, dir)
	seed := makeUsers(1)
	seed[0].ID, seed[0].EmailAddresses[0].EmailAddress = "user_seed", "b@example.com"
	seedUsers(t, env, seed)
	without, with := freshRows(t, csv, env, false), freshRows(t, csv, env, true)
	if slices.Equal(without, with) || !slices.Contains(with, "duplicate repeated_in_source user_c") ||
		!slices.Contains(with, "duplicate email_exists user_b") {
		t.Fatalf("fixture too weak:\nwithout %q\nwith %q", without, with)
	}

	d, s := reviewFile(t, env, csv)
	if got := reviewed(s); !slices.Equal(got, without) {
		t.Fatalf("review rows %q, a fresh preview lists %q", got, without)
	}
	// A choice on a row b keeps: user_e → merge (its address is verified
	// on both sides).
	d.press("/")
	d.press("user_e")
	d.press("enter")
	d.press("space")
	if d.m.pc.sess.decisions["user_e"] != importer.PolicyMerge {
		t.Fatalf("decisions %v", d.m.pc.sess.decisions)
	}
	d.press("esc") // clear the filter

	d.press("b")
	d.waitFor("the rows recounted", func(Model) bool { return s.rowsBanned && s.recountID == 0 })
	if got := reviewed(s); !slices.Equal(got, with) {
		t.Fatalf("after b the rows are %q; a fresh preview with banned users lists %q", got, with)
	}
	// The tabs follow the rows: no banned tab, a repeated one of 2.
	if slices.Contains(s.reasons, importer.ReasonBanned) {
		t.Fatalf("tabs %q after b", s.reasons)
	}
	d.mustSee("repeated in source 2")
	d.mustSee("email exists 1")
	d.mustSee("duplicates 3 (skip 2 · merge 1)  skipped 1")
	if d.m.pc.sess.decisions["user_e"] != importer.PolicyMerge {
		t.Fatalf("the choice on user_e was lost: %v", d.m.pc.sess.decisions)
	}
	// The new row takes a choice too; b again takes the row away, and
	// its choice with it.
	d.press("/")
	d.press("user_c")
	d.press("enter")
	if e, ok := s.selected(); !ok || e.SourceID != "user_c" {
		t.Fatalf("selected %+v", e)
	}
	d.press("space")
	d.press("esc")
	if d.m.pc.sess.decisions["user_c"] != importer.PolicyMerge {
		t.Fatalf("decisions %v", d.m.pc.sess.decisions)
	}
	d.press("b")
	d.waitFor("the rows recounted", func(Model) bool { return !s.rowsBanned && s.recountID == 0 })
	if got := reviewed(s); !slices.Equal(got, without) {
		t.Fatalf("after b again the rows are %q, want %q", got, without)
	}
	if _, ok := d.m.pc.sess.decisions["user_c"]; ok || d.m.pc.sess.decisions["user_e"] != importer.PolicyMerge {
		t.Fatalf("decisions after b again %v: user_c's should be dropped, user_e's kept", d.m.pc.sess.decisions)
	}
	if !strings.Contains(s.notice, "choice for 1 row no longer listed as a duplicate was dropped: user_c.") {
		t.Fatalf("notice %q", s.notice)
	}
	d.mustSee("was dropped")
	// What the review shows is what the confirmation counts.
	d.press("b")
	d.waitFor("the rows recounted", func(Model) bool { return s.rowsBanned && s.recountID == 0 })
	d.press("enter")
	d.waitFor("the confirmation", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	u := confirmOf(d).report.Users
	skip, merge, skipped, _ := s.counts()
	if u.Duplicates != skip+merge || u.ToMerge != merge || u.Skipped != skipped {
		t.Fatalf("the confirmation counts %+v; the review showed %d to skip, %d to merge, %d skipped", u, skip, merge, skipped)
	}
}

// After a canary the review is recounted from the confirmation's new
// read: the canary user is now in the environment, so its row is an
// already-imported duplicate and the header counts it.
func TestReviewRowsAfterCanary(t *testing.T) {
	d, _ := toConfirmReal(t, 100, 30)
	s := reviewOf(d)
	if len(s.entries) != 0 {
		t.Fatalf("rows before the canary: %q", reviewed(s))
	}
	d.press("c")
	c := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !c.loading })
	d.press("bob")
	d.press("enter")
	d.waitFor("the canary run", func(Model) bool { return c.phase == canaryResult && (c.kept || c.noPw != "") })
	d.press("esc")
	d.waitFor("a fresh confirmation", func(m Model) bool {
		c, ok := m.screens[stateConfirm].(*confirmScreen)
		return m.state == stateConfirm && ok && c.report != nil
	})
	d.press("esc")
	d.waitFor("the review recounted", func(m Model) bool {
		return m.state == stateDuplicates && s.recountID == 0 && s.rowsFrom == m.pc.sess.classified
	})
	want := []string{fmt.Sprintf("%s %s user_bob", kindDuplicate, importer.ReasonAlreadyImported)}
	if got := reviewed(s); !slices.Equal(got, want) {
		t.Fatalf("rows after the canary %q, want %q", got, want)
	}
	d.mustSee("duplicates 1 (skip 1 · merge 0)")
	d.mustSee("already imported")
	if v := d.view(); strings.Contains(v, "No duplicates") {
		t.Fatalf("the review still says nothing is duplicated:\n%s", v)
	}
}

// When the environment changed since the read (another process imported
// a user), the classification is of no more use: the review reads the
// source again for its rows, which then match a fresh preview of the
// environment as it is, and the new read's classification is kept for
// the next recount.
func TestReviewRowsReadAgainWhenStale(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "users.csv")
	content := "id,primary_email_address,verified_email_addresses,banned\n" +
		"user_a,a@example.com,a@example.com,true\n" +
		"user_c,a@example.com,a@example.com,\n" +
		"user_d,d@example.com,d@example.com,\n"
	if err := os.WriteFile(csv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	env := realEnv(t, dir)
	d, s := reviewFile(t, env, csv)
	first := d.m.pc.sess.classified
	// Another process imports a user with user_d's address.
	seed := makeUsers(1)
	seed[0].ID, seed[0].EmailAddresses[0].EmailAddress = "user_other", "d@example.com"
	seedUsers(t, env, seed)
	want := freshRows(t, csv, env, true)
	if !slices.Contains(want, "duplicate email_exists user_d") {
		t.Fatalf("fixture too weak: %q", want)
	}
	d.press("b")
	d.waitFor("the rows read again", func(m Model) bool {
		return s.reread == nil && s.recountID == 0 && s.rowsBanned && m.pc.sess.classified != nil
	})
	if got := reviewed(s); !slices.Equal(got, want) {
		t.Fatalf("rows %q, a fresh preview lists %q", got, want)
	}
	if c := d.m.pc.sess.classified; c == first || s.rowsFrom != c {
		t.Fatal("the new read's classification is not the one the rows follow")
	}
	d.mustSee("duplicates 2 (skip 2 · merge 0)  skipped 0")
}

// b twice before the first recount answers: its rows (banned users
// included) must not replace the rows of the switch as it is now.
func TestReviewRowsBannedTwiceQuickly(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "users.csv")
	content := "id,primary_email_address,banned\n" +
		"user_a,a@example.com,true\n" +
		"user_c,a@example.com,\n"
	if err := os.WriteFile(csv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	env := realEnv(t, dir)
	d, s := reviewFile(t, env, csv)
	before := reviewed(s)
	// The two keys in one go: the first recount's answer comes after both.
	for _, k := range []string{"b", "b"} {
		d.update(keyMsgs(k)[0])
	}
	d.settle()
	if got := reviewed(s); !slices.Equal(got, before) || s.rowsBanned || d.m.pc.sess.includeBanned {
		t.Fatalf("after b b the rows are %q (banned %v), want %q", got, s.rowsBanned, before)
	}
}
