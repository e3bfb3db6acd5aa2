package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// flaggedEntries are n warnings, one a user, from position from.
func flaggedEntries(from, n int) []importer.Entry {
	out := make([]importer.Entry, n)
	for i := range out {
		out[i] = importer.Entry{Pos: from + i, SourceID: fmt.Sprintf("user_f%07d", from+i), Email: fmt.Sprintf("f%07d@example.com", from+i),
			Kind: kindWarning, Reason: importer.ReasonPhoneInvalid, Detail: "phone +1 555 not kept"}
	}
	return out
}

// The settings preview keeps every row a choice acts on (duplicates,
// skips) and the first reviewRowsCap of each listing-only tab (flagged
// users, each reason of the passwords file's records), counting the
// rest: a source whose every user is flagged no longer holds a row for
// each.
func TestSettingsPreviewBoundsListingOnlyRows(t *testing.T) {
	pc := &programContext{width: 80, height: 24, styles: newStyles(true)}
	s := newSettingsScreen(pc)
	const extra = 7
	dups := manyEntries(reviewRowsCap + 3) // more than the bound, all kept
	flagged := flaggedEntries(len(dups)+1, reviewRowsCap+extra)
	var unmatched []importer.Entry
	for i := range 5 {
		unmatched = append(unmatched, importer.Entry{Pos: i + 1, File: importer.EntryFilePasswords, Kind: kindSkipped,
			Reason: importer.ReasonPasswordUnmatched, SourceID: fmt.Sprintf("user_gone%d", i)})
	}
	all := slices.Concat(dups, flagged, unmatched)
	for len(all) > 0 { // in pages, as the preview sends them
		n := min(len(all), 500)
		s.apply(importUpdateMsg{Entries: all[:n]})
		all = all[n:]
	}
	kept := map[string]int{}
	for _, e := range s.entries {
		kept[tabOf(e)]++
	}
	if kept[importer.ReasonEmailExists]+kept[importer.ReasonInvalidEmail] != len(dups) ||
		kept[tabFlagged] != reviewRowsCap || kept[tabPasswords+importer.ReasonPasswordUnmatched] != 5 {
		t.Errorf("rows kept by tab: %v", kept)
	}
	if want := map[string]int{tabFlagged: extra}; fmt.Sprint(s.bound.omitted) != fmt.Sprint(want) {
		t.Errorf("omitted %v, want %v", s.bound.omitted, want)
	}
	// The first of the flagged are the ones kept.
	if e := s.entries[len(dups)+reviewRowsCap-1]; e.SourceID != flagged[reviewRowsCap-1].SourceID {
		t.Errorf("last flagged row kept: %s, want %s", e.SourceID, flagged[reviewRowsCap-1].SourceID)
	}
}

// The review counts the rows left out in its tabs and header, and says
// on a tab that has some how many are not listed and where they all are.
func TestDuplicatesCountsRowsNotListed(t *testing.T) {
	pc := &programContext{width: 120, height: 30, styles: newStyles(true)}
	pc.sess.entries = slices.Concat(manyEntries(6), flaggedEntries(7, 4))
	pc.sess.entriesOmitted = map[string]int{tabFlagged: 12345, tabPasswords + importer.ReasonPasswordUnmatched: 3}
	pc.sess.entries = append(pc.sess.entries, importer.Entry{Pos: 1, File: importer.EntryFilePasswords, Kind: kindSkipped,
		Reason: importer.ReasonPasswordUnmatched, SourceID: "user_gone"})
	s := newDuplicatesScreen(pc)
	at := slices.Index(s.reasons, tabFlagged)
	if at < 0 || s.tabCounts[at] != 4+12345 || s.tabCounts[0] != 6+4+1+12345+3 {
		t.Fatalf("tabs %q counts %v", s.reasons, s.tabCounts)
	}
	if _, _, _, flagged := s.counts(); flagged != 4+12345 || s.passwords != 1+3 {
		t.Errorf("header counts: flagged %d, passwords file %d", flagged, s.passwords)
	}
	view := s.View()
	for _, want := range []string{"flagged 12,349", "(12,348 more not listed: --entries lists every row)"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	s.reason = at
	s.refilter()
	if view := s.View(); !strings.Contains(view, "showing 4 of 11 (12,345 more not listed") {
		t.Errorf("flagged tab:\n%s", view)
	}
	s.reason = slices.Index(s.reasons, importer.ReasonEmailExists)
	s.refilter()
	if view := s.View(); strings.Contains(view, "not listed") {
		t.Errorf("a tab with every row listed says some are not:\n%s", view)
	}
	// A recount's rows bring their own count of the flagged left out; the
	// passwords file's stay the preview's.
	s.applyRows(reviewRowsMsg{rows: flaggedEntries(7, 2), omitted: 9})
	at = slices.Index(s.reasons, tabFlagged)
	pw := slices.Index(s.reasons, tabPasswords+importer.ReasonPasswordUnmatched)
	if at < 0 || pw < 0 || s.tabCounts[at] != 2+9 || s.tabCounts[pw] != 1+3 {
		t.Errorf("after a recount: tabs %q counts %v", s.reasons, s.tabCounts)
	}
}
