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

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

func toReview(t *testing.T, w, h int, opts ...driverOpt) (*driver, *fakeCore) {
	t.Helper()
	d, core := toSettings(t, w, h, opts...)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.press("enter")
	if d.state() != stateDuplicates {
		t.Fatalf("state %v, want review", d.state())
	}
	return d, core
}

func reviewOf(d *driver) *duplicatesScreen { return d.m.screens[stateDuplicates].(*duplicatesScreen) }

func TestDuplicatesPolicyToggleAndBulk(t *testing.T) {
	d, _ := toReview(t, 80, 24)
	s := reviewOf(d)
	if len(s.entries) != 3 || len(s.visible) != 3 {
		t.Fatalf("entries %d visible %d", len(s.entries), len(s.visible))
	}
	d.mustSee("duplicates 2 (skip 2 · merge 0)")
	// Row 1 (email exists) → merge.
	d.press("space")
	if p := d.m.pc.sess.decisions["user_0003"]; p != importer.PolicyMerge {
		t.Fatalf("decision %q, want merge", p)
	}
	d.mustSee("(skip 1 · merge 1)")
	// Skipped rows have no policy.
	d.press("down", "down", "space")
	if len(d.m.pc.sess.decisions) != 1 {
		t.Fatalf("decisions %v", d.m.pc.sess.decisions)
	}
	// Bulk merge on the unfiltered view asks, then becomes the default
	// and clears per-row choices.
	d.press("M", "y")
	if d.m.pc.sess.onDuplicate != importer.PolicyMerge || len(d.m.pc.sess.decisions) != 0 {
		t.Fatalf("bulk: %q %v", d.m.pc.sess.onDuplicate, d.m.pc.sess.decisions)
	}
	d.mustSee("(skip 0 · merge 2)")
	d.press("up", "up", "space") // back to skip for one row, against the default
	if p := d.m.pc.sess.decisions["user_0003"]; p != importer.PolicySkip {
		t.Fatalf("decision %q, want skip", p)
	}
	d.press("S", "y")
	d.mustSee("(skip 2 · merge 0)")
}

func TestDuplicatesFilters(t *testing.T) {
	d, _ := toReview(t, 80, 24)
	s := reviewOf(d)
	d.press("tab") // first reason present: email exists
	if s.reasons[s.reason] != importer.ReasonEmailExists || len(s.visible) != 1 {
		t.Fatalf("reason %q visible %d", s.reasons[s.reason], len(s.visible))
	}
	d.press("tab", "tab") // repeated, no email
	if s.reasons[s.reason] != importer.ReasonNoEmail || len(s.visible) != 1 {
		t.Fatalf("reason %q visible %d", s.reasons[s.reason], len(s.visible))
	}
	d.press("shift+tab", "shift+tab", "shift+tab") // back to all
	if s.reason != 0 || len(s.visible) != 3 {
		t.Fatalf("reason %d visible %d", s.reason, len(s.visible))
	}
	d.press("/")
	if !s.InputFocused() {
		t.Fatal("/ did not focus the filter")
	}
	d.press("bob")
	if len(s.visible) != 1 || s.entries[s.visible[0]].SourceID != "user_0006" {
		t.Fatalf("text filter: %v", s.visible)
	}
	d.press("q") // typed, not quit
	if d.quit || len(s.visible) != 0 {
		t.Fatalf("q: quit=%v visible=%d", d.quit, len(s.visible))
	}
	d.mustSee("No row matches")
	d.press("backspace", "enter")
	if s.InputFocused() || len(s.visible) != 1 {
		t.Fatalf("after enter: focused=%v visible=%d", s.InputFocused(), len(s.visible))
	}
	// esc clears the filters first, then goes back.
	d.press("esc")
	if d.state() != stateDuplicates || len(s.visible) != 3 {
		t.Fatalf("esc: state %v visible %d", d.state(), len(s.visible))
	}
	d.press("esc")
	if d.state() != stateSettings {
		t.Fatalf("state %v, want settings", d.state())
	}
}

func TestDuplicatesEmptyState(t *testing.T) {
	d, _ := toSettings(t, 80, 24)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.m.pc.sess.entries = nil
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	d.mustSee("No duplicates and no skipped users")
	d.press("enter")
	if d.state() != stateConfirm {
		t.Fatalf("state %v", d.state())
	}
}

// hostileEntries have escape sequences and many rows.
func hostileEntries() []importer.Entry {
	out := []importer.Entry{{
		SourceID: "user_evil\x1b]0;pwned\x07", Email: "evil\x1b[2J@example.com", Name: "\x1b[31mRed\x1b[0m",
		Kind: "duplicate", Reason: importer.ReasonEmailExists, ExistingUserID: "usr_\x1b[1mx",
	}}
	out = append(out, importer.Entry{
		SourceID: "user_link\x1b[5m", Email: "linked@example.com", Kind: "warning", Reason: importer.ReasonLinkConflict,
		ExistingUserID: "usr_owner", Detail: "imported without its github link: that account \x1b[31mbelongs\x1b[0m to usr_owner",
	})
	reasons := []string{importer.ReasonAlreadyImported, importer.ReasonRepeatedInSource, importer.ReasonBanned, importer.ReasonInvalidEmail}
	for i := 0; i < 40; i++ {
		r := reasons[i%len(reasons)]
		kind := "duplicate"
		if r == importer.ReasonBanned || r == importer.ReasonInvalidEmail {
			kind = "skipped"
		}
		out = append(out, importer.Entry{
			SourceID: fmt.Sprintf("user_2x%08d", i), Email: fmt.Sprintf("person.%02d@very-long-company-domain.example.com", i),
			Kind: kind, Reason: r, ExistingUserID: fmt.Sprintf("usr_%06d", i*7),
		})
	}
	return out
}

func TestDuplicatesSanitizes(t *testing.T) {
	d, _ := toSettings(t, 80, 24)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.m.pc.sess.entries = hostileEntries()
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	raw := d.m.View().Content
	for _, bad := range []string{"\x1b[2J", "\x1b]0;", "\x07", "\x1b[31mRed"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("view contains %q", bad)
		}
	}
	d.press("tab") // the flagged tab: its detail is shown
	raw = d.m.View().Content
	if !strings.Contains(d.view(), "belongs to usr_owner") {
		t.Fatalf("flagged detail not shown:\n%s", d.view())
	}
	for _, bad := range []string{"\x1b[5m", "\x1b[31mbelongs"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("view contains %q", bad)
		}
	}
}

// Users imported with an OAuth link left out are listed under their own
// tab with what was left out; they are neither duplicates nor skipped and
// have no policy.
func TestDuplicatesFlagged(t *testing.T) {
	d, _ := toSettings(t, 100, 30)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	entries := append([]importer.Entry(nil), d.m.pc.sess.entries...)
	entries = append(entries,
		importer.Entry{Pos: 4, SourceID: "user_0004", Email: "cat@example.com", Kind: "warning", Reason: importer.ReasonLinkConflict,
			ExistingUserID: "usr_owner", Detail: "imported without its google link: that google account belongs to usr_owner"},
		importer.Entry{Pos: 5, SourceID: "user_0005", Email: "dan@example.com", Kind: "warning", Reason: importer.ReasonLinkInvalid,
			Detail: "imported without its github link: the account id is empty"},
	)
	d.m.pc.sess.entries = entries
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	s := reviewOf(d)
	if skip, merge, skipped, flagged := s.counts(); skip != 2 || merge != 0 || skipped != 1 || flagged != 2 {
		t.Fatalf("counts skip %d merge %d skipped %d flagged %d", skip, merge, skipped, flagged)
	}
	d.mustSee("duplicates 2 (skip 2 · merge 0)  skipped 1  flagged 2")
	// One tab for both warning reasons, next to "all".
	if s.reasons[1] != tabFlagged || slices.Contains(s.reasons, importer.ReasonLinkConflict) {
		t.Fatalf("tabs %q", s.reasons)
	}
	d.press("tab")
	if len(s.visible) != 2 {
		t.Fatalf("flagged tab shows %d rows, want 2", len(s.visible))
	}
	v := d.view()
	for _, want := range []string{"flagged", "link conflict", "link invalid", "user_0004 · cat@example.com → usr_owner · imported",
		"⚠ imported without its google link: that google account belongs to usr_owner"} {
		if !strings.Contains(v, want) {
			t.Fatalf("screen lacks %q:\n%s", want, v)
		}
	}
	for _, row := range s.table.Rows() {
		if pol := row[len(row)-1]; pol != "—" {
			t.Fatalf("flagged row %v has policy %q", row, pol)
		}
	}
	// No policy: space and the bulk keys leave no decision for them.
	d.press("space", "down", "space")
	if len(d.m.pc.sess.decisions) != 0 {
		t.Fatalf("decisions %v", d.m.pc.sess.decisions)
	}
	d.mustSee("⚠ imported without its github link: the account id is empty")
	// The duplicate tabs do not list them.
	for range s.reasons[2:] {
		d.press("tab")
		for _, i := range s.visible {
			if s.entries[i].Kind == "warning" {
				t.Fatalf("reason tab %q lists a flagged user", s.reasons[s.reason])
			}
		}
	}
}

func TestDuplicatesGolden(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toSettings(t, w, h)
		d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
		d.m.pc.sess.entries = hostileEntries()
		d.m.pc.sess.previewGen++
		d.send(navMsg{to: stateDuplicates})
		d.press("down", "space")
		return d
	})
}

func TestDuplicatesResize(t *testing.T) {
	d, _ := toReview(t, 120, 40)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	assertFits(t, d.view(), 80, 24)
	d.send(tea.WindowSizeMsg{Width: 60, Height: 16})
	assertFits(t, d.view(), 60, 16)
}

// On a narrow terminal the reason tabs scroll to keep the current one in view.
func TestDuplicatesTabsScroll(t *testing.T) {
	d, _ := toSettings(t, 80, 24)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.m.pc.sess.entries = hostileEntries()
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	tabLine := func() string { return strings.Split(d.view(), "\n")[4] }
	if strings.Contains(tabLine(), "banned") {
		t.Fatalf("test is moot: every tab fits: %q", tabLine())
	}
	d.press("shift+tab") // the last tab
	if s := reviewOf(d); s.reasons[s.reason] != importer.ReasonBanned {
		t.Fatalf("last tab %q", s.reasons[s.reason])
	}
	if l := tabLine(); !strings.Contains(l, "banned") || !strings.HasPrefix(l, "…") {
		t.Fatalf("current tab not in view: %q", l)
	}
}

// manyEntries are n duplicates (every 3rd one skipped instead).
func manyEntries(n int) []importer.Entry {
	out := make([]importer.Entry, n)
	for i := range out {
		out[i] = importer.Entry{
			Pos: i + 1, SourceID: fmt.Sprintf("user_2x%08d", i), Email: fmt.Sprintf("person.%05d@example.com", i),
			Name: fmt.Sprintf("Person %d", i), Kind: "duplicate", Reason: importer.ReasonEmailExists,
			ExistingUserID: fmt.Sprintf("usr_019a8f3c2b1e%012d", i),
		}
		if i%3 == 2 {
			out[i].Kind, out[i].Reason, out[i].ExistingUserID = "skipped", importer.ReasonInvalidEmail, ""
		}
	}
	return out
}

func toReviewOf(t *testing.T, w, h int, entries []importer.Entry, opts ...driverOpt) *driver {
	t.Helper()
	d, _ := toSettings(t, w, h, opts...)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.m.pc.sess.entries = entries
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	return d
}

// With 60,000 rows, moving the cursor, toggling a row and typing a filter
// do not sanitize or rebuild the rows: their text is cleaned once and
// their cells built once per column layout; typing more of a filter only
// narrows the rows shown.
func TestDuplicatesManyRowsWorkIsBounded(t *testing.T) {
	const n = 60000
	d := toReviewOf(t, 80, 24, manyEntries(n))
	s := reviewOf(d)
	if s.work.sanitized != n || s.work.rowsBuilt != n {
		t.Fatalf("building: sanitized %d, rows built %d; want %d each", s.work.sanitized, s.work.rowsBuilt, n)
	}
	for i := 0; i < 30; i++ {
		d.update(keyMsgs("down")[0])
	}
	d.press("space") // row 30: a duplicate → merge
	if got := s.table.Rows()[30][colPolicy]; got != "merge" {
		t.Fatalf("toggled row shows %q", got)
	}
	d.mustSee("(skip 39,999 · merge 1)")
	d.press("pgdown", "pgdown")
	if s.work.sanitized != n || s.work.rowsBuilt != n {
		t.Fatalf("cursor moves and a toggle: sanitized %d, rows built %d; want %d each", s.work.sanitized, s.work.rowsBuilt, n)
	}
	d.press("M", "y") // bulk: policies change, rows are not rebuilt
	if s.work.rowsBuilt != n || s.table.Rows()[0][colPolicy] != "merge" {
		t.Fatalf("bulk merge: rows built %d, row 0 policy %q", s.work.rowsBuilt, s.table.Rows()[0][colPolicy])
	}
	d.press("/")
	// The first key tests every row; each next key only the rows it
	// leaves (typing more narrows).
	for i, r := range "person.0123" {
		before, scanned := len(s.visible), s.work.scanned
		d.update(keyMsgs(string(r))[0])
		if got := s.work.scanned - scanned; i > 0 && got > before {
			t.Fatalf("key %q tested %d rows, more than the %d shown", r, got, before)
		}
	}
	if len(s.visible) != 10 || s.work.rowsBuilt != n || s.work.sanitized != n {
		t.Fatalf("visible %d, rows built %d, sanitized %d", len(s.visible), s.work.rowsBuilt, s.work.sanitized)
	}
	// A resize that changes the columns builds the cells again, once.
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	if s.work.rowsBuilt != 2*n || s.work.sanitized != n {
		t.Fatalf("resize: rows built %d, sanitized %d", s.work.rowsBuilt, s.work.sanitized)
	}
}

func BenchmarkDuplicatesCursor(b *testing.B) {
	pc := &programContext{width: 80, height: 24, styles: newStyles(true)}
	pc.sess.entries = manyEntries(63000)
	s := newDuplicatesScreen(pc)
	down, up := keyMsgs("down")[0], keyMsgs("up")[0]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			s.Update(down)
		} else {
			s.Update(up)
		}
		_ = s.View()
	}
}

func BenchmarkDuplicatesFilterKey(b *testing.B) {
	pc := &programContext{width: 80, height: 24, styles: newStyles(true)}
	pc.sess.entries = manyEntries(63000)
	s := newDuplicatesScreen(pc)
	s.Update(keyMsgs("/")[0])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Update(keyMsgs("5")[0])
		s.Update(keyMsgs("backspace")[0])
	}
}

// The existing user's id is cut in the middle in the table (its tail
// tells users apart), shown whole on the detail line with the user's
// email once looked up; a long detail (a malformed record) is wrapped,
// not cut.
func TestDuplicatesExistingUserAndLongDetail(t *testing.T) {
	long := "record 17: created_at is not a number (\"yesterday\"); email_addresses[0] has no id; the record is left out of the import"
	entries := []importer.Entry{
		{SourceID: "user_2xAAAA0001", Email: "Ada@Example.com", Kind: "duplicate", Reason: importer.ReasonAlreadyImported, ExistingUserID: "usr_019a8f3c2b1e0d197b29a4f1"},
		{SourceID: "user_2xAAAA0002", Email: "bob@example.com", Kind: "duplicate", Reason: importer.ReasonAlreadyImported, ExistingUserID: "usr_019a8f3c2b1e0d197b29a4f2"},
		{SourceID: "user_2xAAAA0003", Kind: "skipped", Reason: importer.ReasonMalformed, Detail: long},
	}
	d, _ := toSettings(t, 80, 24)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	// The existing user, written as an earlier import would have.
	if _, err := d.m.pc.env.ApplyImport(context.Background(), ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User: ascendkit.User{ID: "usr_019a8f3c2b1e0d197b29a4f1", Email: "ada.lovelace@example.com",
			Name: "Ada Lovelace", CreatedAt: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Tags: []string{"signup:direct", "beta"}},
		Source: "clerk", SourceID: "user_2xAAAA0001",
	}}}, fixedNow); err != nil {
		t.Fatal(err)
	}
	d.m.pc.sess.entries = entries
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	v := flatten(d.view())
	for _, want := range []string{"a4f1 ", "a4f2 ", "› user_2xAAAA0001 · Ada@Example.com → usr_019a8f3c2b1e0d197b29a4f1 <ada.lovelace@example.com>"} {
		if !strings.Contains(v, want) {
			t.Fatalf("screen lacks %q:\n%s", want, d.view())
		}
	}
	// The existing user a merge writes into shows beside the Clerk one.
	// The environment keeps tags sorted.
	d.mustSee("existing: Ada Lovelace · created 2025-03-01 · tags beta, signup:direct")
	d.press("down", "down")
	if flat := flatten(d.view()); !strings.Contains(flat, long) {
		t.Fatalf("the malformed detail is cut:\n%s", d.view())
	}
	assertFits(t, d.view(), 80, 24)
}

// Bug 1: on a filtered tab, M changes only the duplicates shown (not the
// hidden ones, nor their per-row choices), says how many and asks first;
// u undoes it; each reason tab shows its count.
func TestDuplicatesBulkOnlyOnFilteredRows(t *testing.T) {
	entries := sixExistFourRepeated()
	d := toReviewOf(t, 120, 40, entries)
	s := reviewOf(d)
	d.mustSee("all 10")
	d.mustSee("email exists 6")
	d.mustSee("repeated in source 4")
	// A per-row choice on a hidden row must survive.
	d.press("tab", "tab") // repeated in source
	d.press("space")
	if d.m.pc.sess.decisions["user_r0"] != importer.PolicyMerge {
		t.Fatalf("row toggle: %v", d.m.pc.sess.decisions)
	}
	d.press("shift+tab") // email exists
	d.press("/", "e", "enter")
	if len(s.visible) != 6 {
		t.Fatalf("filtered rows %d", len(s.visible))
	}
	d.press("M")
	d.mustSee("Merge the 6 duplicates this filter shows (hidden rows stay)? y / n")
	if d.m.pc.sess.onDuplicate == importer.PolicyMerge || len(d.m.pc.sess.decisions) != 1 {
		t.Fatal("M changed the policy before it was confirmed")
	}
	d.press("n")
	if len(d.m.pc.sess.decisions) != 1 {
		t.Fatalf("n changed decisions: %v", d.m.pc.sess.decisions)
	}
	d.press("M", "y")
	dec := d.m.pc.sess.decisions
	if d.m.pc.sess.onDuplicate != importer.PolicySkip {
		t.Fatalf("a filtered bulk change changed the default to %q", d.m.pc.sess.onDuplicate)
	}
	for i := range 6 {
		if dec[fmt.Sprintf("user_e%d", i)] != importer.PolicyMerge {
			t.Fatalf("shown row %d not merged: %v", i, dec)
		}
	}
	if dec["user_r0"] != importer.PolicyMerge || len(dec) != 7 {
		t.Fatalf("hidden rows changed: %v", dec)
	}
	d.mustSee("(skip 3 · merge 7)")
	d.mustSee("u undo bulk")
	d.press("u")
	dec = d.m.pc.sess.decisions
	if len(dec) != 1 || dec["user_r0"] != importer.PolicyMerge {
		t.Fatalf("u did not restore the choices before M: %v", dec)
	}
	d.mustSee("(skip 9 · merge 1)")
	d.mustSee("Undone: merge 6 duplicates.")
}

// u undoes the bulk change only: a row set by hand (space) after it keeps
// that choice, and the notice says so.
func TestUndoBulkKeepsLaterRowChoices(t *testing.T) {
	entries := sixExistFourRepeated()
	d := toReviewOf(t, 120, 40, entries)
	d.press("tab") // email exists
	d.press("M", "y")
	d.mustSee("(skip 4 · merge 6)")
	d.press("tab") // repeated in source
	d.press("space")
	d.mustSee("(skip 3 · merge 7)")
	d.press("u")
	dec := d.m.pc.sess.decisions
	if d.m.pc.sess.onDuplicate == importer.PolicyMerge || len(dec) != 1 || dec["user_r0"] != importer.PolicyMerge {
		t.Fatalf("after u: default %q, decisions %v; want only user_r0 merged (set by hand after M)", d.m.pc.sess.onDuplicate, dec)
	}
	d.mustSee("(skip 9 · merge 1)")
	d.mustSee("Undone: merge 6 duplicates; 1 row set by hand since kept.")
}

// Bug 7: the columns share the width by content (at 60 columns the email
// keeps at least the room of the reason), and the filter's match count
// is never cut.
func TestDuplicatesColumnsShareWidthAndCountStays(t *testing.T) {
	var entries []importer.Entry
	for i := range 106 {
		entries = append(entries, importer.Entry{SourceID: fmt.Sprintf("user_2x%08d", i), Email: fmt.Sprintf("person.%03d@company.example.com", i),
			Kind: kindDuplicate, Reason: importer.ReasonRepeatedInSource})
	}
	for _, w := range []int{60, 80, 120} {
		d := toReviewOf(t, w, 30, entries)
		s := reviewOf(d)
		if s.colW[colEmail] < s.colW[colReason] {
			t.Errorf("at %d columns the email gets %d cells, the reason %d", w, s.colW[colEmail], s.colW[colReason])
		}
		d.press("/", "person.03")
		v := d.view()
		assertFits(t, v, w, 30)
		if !strings.Contains(v, "10 of 106") {
			t.Errorf("at %d columns the match count is cut:\n%s", w, v)
		}
	}
}

// --include-banned has a wizard switch: b on the review imports banned
// users (ban kept), and the confirmation previews with it, as the
// import will run.
func TestDuplicatesIncludeBannedSwitch(t *testing.T) {
	entries := []importer.Entry{
		{SourceID: "user_b1", Email: "banned@example.com", Kind: kindSkipped, Reason: importer.ReasonBanned},
		{SourceID: "user_d1", Email: "dup@example.com", Kind: kindDuplicate, Reason: importer.ReasonRepeatedInSource},
	}
	d, core := toSettings(t, 120, 40)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.m.pc.sess.entries = entries
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	s := reviewOf(d)
	d.press("space") // on the banned row: says why and how
	d.mustSee("press b")
	d.press("b")
	if !d.m.pc.sess.includeBanned || s.table.Rows()[0][colPolicy] != "import" {
		t.Fatalf("b: session %v, cell %q", d.m.pc.sess.includeBanned, s.table.Rows()[0][colPolicy])
	}
	d.mustSee("imported with their ban kept")
	if v := d.view(); strings.Contains(v, "--include-banned") || strings.Contains(v, "will be imported") {
		t.Fatalf("b's notice speaks of a flag or promises the import:\n%s", v)
	}
	d.press("enter")
	d.waitFor("the confirmation's preview", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	calls := core.callList()
	if last := calls[len(calls)-1]; !last.IncludeBanned || last.Mode != importer.ModePreview {
		t.Fatalf("confirmation previewed with %+v", last)
	}
	if !d.m.pc.runOptions(importer.ModeRun).IncludeBanned {
		t.Fatal("the import would run without --include-banned")
	}
}

// Issue 6's skip reasons get a tab each, in the order of reasonOrder,
// with readable labels; the unverified-link and phone warnings are
// listed under "flagged" with their own labels.
func TestDuplicatesIdentitySkipReasons(t *testing.T) {
	entries := []importer.Entry{
		{Pos: 1, SourceID: "user_w3", Kind: "skipped", Reason: importer.ReasonWeb3Only},
		{Pos: 2, SourceID: "user_ph", Name: "Phone Person", Kind: "skipped", Reason: importer.ReasonPhoneOnly},
		{Pos: 3, SourceID: "user_un", Kind: "skipped", Reason: importer.ReasonUsernameOnly},
		{Pos: 4, SourceID: "user_ph2", Kind: "skipped", Reason: importer.ReasonPhoneOnly},
		{Pos: 5, SourceID: "user_lk", Email: "lk@example.com", Kind: "warning", Reason: importer.ReasonLinkUnverified,
			Detail: "imported without its github link: Clerk never verified it"},
		{Pos: 6, SourceID: "user_pi", Email: "pi@example.com", Kind: "warning", Reason: importer.ReasonPhoneInvalid,
			Detail: "phone 12345 is not an international number"},
	}
	d := toReviewOf(t, 120, 30, entries)
	s := reviewOf(d)
	want := []string{"", tabFlagged, importer.ReasonPhoneOnly, importer.ReasonUsernameOnly, importer.ReasonWeb3Only}
	if !slices.Equal(s.reasons, want) {
		t.Fatalf("tabs %q, want %q", s.reasons, want)
	}
	d.mustSee("phone only 2")
	d.mustSee("username only 1")
	d.mustSee("web3 wallet only 1")
	d.mustSee("flagged 2")
	d.press("tab")
	d.mustSee("unverified link")
	d.mustSee("phone invalid")
	d.press("tab") // phone only
	if len(s.visible) != 2 || s.entries[s.visible[0]].SourceID != "user_ph" {
		t.Fatalf("phone-only tab rows %v", s.visible)
	}
	d.press("space")
	d.mustSee("Signs in to Clerk with a phone and has no email")
	if len(d.m.pc.sess.decisions) != 0 {
		t.Fatalf("a skipped row got a policy: %v", d.m.pc.sess.decisions)
	}
	d.press("tab", "tab", "space")
	d.mustSee("Signs in to Clerk with a web3 wallet and has no email")
}

// b recounts the header for banned users included, with the real
// importer: a banned user makes a later one with its email a duplicate,
// so the header says what the confirmation (and --include-banned) will.
func TestDuplicatesHeaderRecountsWithBanned(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "users.csv")
	content := "id,primary_email_address,banned\n" +
		"user_a,a@example.com,true\n" +
		"user_b,b@example.com,true\n" +
		"user_c,a@example.com,\n" +
		"user_d,d@example.com,\n" +
		"user_e,d@example.com,\n"
	if err := os.WriteFile(csv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	env := realEnv(t, dir)
	d := newDriver(t, Config{Env: env, OpenFile: clerk.OpenFile}, 120, 40)
	d.press("2")
	d.send(tea.PasteMsg{Content: csv})
	d.press("enter")
	d.waitFor("the settings", func(m Model) bool { return m.state == stateSettings })
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	d.waitFor("the classification", func(m Model) bool { return m.pc.sess.classified != nil })
	d.press("enter")
	s := reviewOf(d)
	d.mustSee("duplicates 1 (skip 1 · merge 0)  skipped 2")
	d.press("b")
	d.waitFor("the recount", func(m Model) bool { return s.rowsBanned })
	d.mustSee("duplicates 2 (skip 2 · merge 0)  skipped 0")
	d.press("enter")
	d.waitFor("the confirmation", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	if u := confirmOf(d).report.Users; u.Duplicates != 2 || u.Skipped != 0 {
		t.Fatalf("the confirmation counts %d duplicates, %d skipped", u.Duplicates, u.Skipped)
	}
	// Back on the review, banned still included: the header is recounted
	// again, and b takes it back to the preview's counts.
	d.press("esc")
	d.waitFor("the review", func(m Model) bool { return m.state == stateDuplicates })
	d.press("b")
	d.mustSee("duplicates 1 (skip 1 · merge 0)  skipped 2")
	// b then enter at once: the recount may answer the confirmation, not
	// the review; back on the review it is asked again.
	d.press("b")
	d.press("enter")
	d.waitFor("the confirmation", func(m Model) bool { return m.state == stateConfirm && confirmOf(d).report != nil })
	d.press("esc")
	d.waitFor("the review recounted", func(m Model) bool {
		return m.state == stateDuplicates && strings.Contains(d.view(), "duplicates 2 (skip 2 · merge 0)  skipped 0")
	})
}

// A flagged user who is also a duplicate (the core lists what its import
// leaves out before deciding duplicates) is not shown as imported.
func TestDuplicatesFlaggedDuplicateIsNotImported(t *testing.T) {
	d, _ := toSettings(t, 100, 30)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	dup := d.m.pc.sess.entries[1] // user_0006, repeated in the source
	entries := append([]importer.Entry{{Pos: dup.Pos, SourceID: dup.SourceID, Email: dup.Email, Kind: "warning",
		Reason: importer.ReasonNoUsableOAuth, Detail: "no password, and signed in to Clerk only with OAuth accounts that do not sign in to AscendKit"}},
		d.m.pc.sess.entries...)
	d.m.pc.sess.entries = entries
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	d.press("tab") // flagged
	v := d.view()
	if !strings.Contains(v, dup.SourceID+" · "+dup.Email+" · also a duplicate (see its row)") || strings.Contains(v, dup.Email+" · imported") {
		t.Fatalf("the flagged duplicate reads as imported:\n%s", v)
	}
	d.press("space")
	if n := reviewOf(d).notice; !strings.Contains(n, "also a duplicate") {
		t.Errorf("space on it says %q", n)
	}
}

// A re-run's difference (password, ban, OAuth accounts) says much, and
// its detail was cut at four lines under a table of empty rows, with no
// way to read the rest: what differs was never shown. A table with few
// rows now leaves the detail the lines it does not use.
func TestDuplicatesLongDetailShownWhole(t *testing.T) {
	d, _ := toSettings(t, 80, 24)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	detail := "Clerk and AscendKit differ for this user an earlier run imported (changed in Clerk, or in AscendKit, since); AscendKit keeps what it has (" +
		"password: the digest in Clerk is not the one stored here (changed in Clerk since the import, or hashed again there?), and the stored one is what signs in here; " +
		"ban: AscendKit bans the user, Clerk does not (unbanned there since?); google account \"g-1\" is linked in AscendKit but not a verified account of the user in Clerk (unlinked there?))"
	d.m.pc.sess.entries = []importer.Entry{{Pos: 1, SourceID: "user_h3", Email: "h3@x.example", Kind: "warning", Reason: importer.ReasonChangedInSource, Detail: detail}}
	d.m.pc.sess.previewGen++
	d.send(navMsg{to: stateDuplicates})
	v := d.view()
	assertFits(t, v, 80, 24)
	flat := strings.Join(strings.Fields(v), " ")
	if !strings.Contains(flat, "(unlinked there?))") || !strings.Contains(flat, "ban: AscendKit bans the user") {
		t.Errorf("the detail is cut:\n%s", v)
	}
}

// M and S with no duplicate shown (a source without any, or a tab of
// skipped users) say there is nothing to change: "already set to merge"
// was false, and a change of zero rows turned the default over unseen.
func TestBulkWithNoDuplicateShown(t *testing.T) {
	pc := &programContext{width: 100, height: 30, styles: newStyles(true)}
	pc.sess.entries = []importer.Entry{{Pos: 1, SourceID: "user_s", Email: "s@example.com", Kind: kindSkipped, Reason: importer.ReasonInvalidEmail}}
	s := newDuplicatesScreen(pc)
	for _, p := range []importer.Policy{importer.PolicyMerge, importer.PolicySkip} {
		s.askBulk(p)
		if s.pending != nil || !strings.Contains(s.notice, "No duplicate is shown here") {
			t.Errorf("%s: pending %+v, notice %q", p, s.pending, s.notice)
		}
	}
}

// sixExistFourRepeated is 6 duplicates whose address AscendKit has, then
// 4 repeated in the source.
func sixExistFourRepeated() []importer.Entry {
	var entries []importer.Entry
	for i := range 6 {
		entries = append(entries, importer.Entry{SourceID: fmt.Sprintf("user_e%d", i), Email: fmt.Sprintf("e%d@example.com", i),
			Kind: kindDuplicate, Reason: importer.ReasonEmailExists, ExistingUserID: fmt.Sprintf("usr_%d", i)})
	}
	for i := range 4 {
		entries = append(entries, importer.Entry{SourceID: fmt.Sprintf("user_r%d", i), Email: fmt.Sprintf("r%d@example.com", i),
			Kind: kindDuplicate, Reason: importer.ReasonRepeatedInSource})
	}
	return entries
}
