package ui

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// A duplicate the importer will not merge (an unverified address) shows
// skip whatever is chosen, refuses a merge with the reason, and is left
// out of a bulk merge's count.
func TestDuplicatesUnmergeableRow(t *testing.T) {
	entries := []importer.Entry{
		{SourceID: "user_m", Email: "victim@example.com", Kind: "duplicate", Reason: importer.ReasonEmailExists,
			ExistingUserID: "usr_1", Policy: importer.PolicySkip,
			Detail: "not merged: victim@example.com is not verified in Clerk, so it does not prove the same person"},
		{SourceID: "user_ok", Email: "ok@example.com", Kind: "duplicate", Reason: importer.ReasonEmailExists, ExistingUserID: "usr_2"},
	}
	if !importer.Unmergeable(entries[0]) || importer.Unmergeable(entries[1]) {
		t.Fatal("importer.Unmergeable does not tell the rows apart")
	}
	d := toReviewOf(t, 100, 30, entries)
	d.press("space")
	if _, ok := d.m.pc.sess.decisions["user_m"]; ok {
		t.Fatalf("a merge was recorded for a row that cannot merge: %v", d.m.pc.sess.decisions)
	}
	d.mustSee("This duplicate can only be skipped: victim@example.com is not verified in Clerk")
	d.press("M")
	v := flatten(d.view())
	if !strings.Contains(v, "1 duplicate") || strings.Contains(v, "2 duplicates") {
		t.Fatalf("the bulk merge counts the row that cannot merge:\n%s", d.view())
	}
	d.press("y")
	d.mustSee("(skip 1 · merge 1)")
}

// A user an earlier run imported is never merged by the importer (it is
// that very user), whatever policy it is given: the review refuses the
// merge with the reason, leaves it out of a bulk merge and never counts it
// as one.
func TestDuplicatesAlreadyImportedRowCannotMerge(t *testing.T) {
	entries := []importer.Entry{
		{SourceID: "user_a", Email: "again@example.com", Kind: "duplicate", Reason: importer.ReasonAlreadyImported,
			ExistingUserID: "usr_1", Policy: importer.PolicySkip},
		{SourceID: "user_ok", Email: "ok@example.com", Kind: "duplicate", Reason: importer.ReasonEmailExists, ExistingUserID: "usr_2"},
	}
	d := toReviewOf(t, 100, 30, entries)
	d.press("space")
	if p, ok := d.m.pc.sess.decisions["user_a"]; ok {
		t.Fatalf("a %s was recorded for an already imported row: %v", p, d.m.pc.sess.decisions)
	}
	d.mustSee("(skip 2 · merge 0)")
	d.mustSee("This duplicate can only be skipped: an earlier import already brought this Clerk user in")
	d.press("M")
	v := flatten(d.view())
	if !strings.Contains(v, "1 duplicate") || strings.Contains(v, "2 duplicates") {
		t.Fatalf("the bulk merge counts the already imported row:\n%s", d.view())
	}
	d.press("y")
	d.mustSee("(skip 1 · merge 1)")
	// On its reason's tab alone, a bulk merge has nothing to do, and says
	// why rather than that the row is merged already.
	d.press("tab")
	if r := d.m.screens[stateDuplicates].(*duplicatesScreen); r.reasons[r.reason] != importer.ReasonAlreadyImported {
		t.Fatalf("tab is on %q", r.reasons[r.reason])
	}
	d.press("M")
	d.mustSee("Nothing to merge here: 1 duplicate shown can only be skipped")
}
