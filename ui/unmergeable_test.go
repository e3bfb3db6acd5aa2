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
