package ui

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// The API lists users created in the same millisecond in any order from
// one walk to the next (and a user deleted since moves everyone up): the
// preview found user_0000 a duplicate at position 1, and the canary's own
// walk has it at position 2. The canary leaves out that user, not the
// one now at position 1, who would be created.
func TestCanaryExcludesByIDWhenPositionsShift(t *testing.T) {
	users := makeUsers(4)
	cfg := testConfig(newTestEnv(t), users)
	reordered := []clerk.User{users[1], users[0], users[2], users[3]}
	cfg.OpenAPI = func(string, func(string, time.Duration)) (clerk.Source, error) {
		return &sliceSource{kind: "api", users: reordered, pageSize: 4}, nil
	}
	d := newDriver(t, cfg, 100, 30)
	d.m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: 4}
	d.m.pc.sess.entries = []importer.Entry{{Pos: 1, SourceID: "user_0000", Kind: kindDuplicate, Reason: importer.ReasonEmailExists}}
	d.send(navMsg{to: stateCanary})
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	var ids []string
	for _, u := range s.users {
		ids = append(ids, u.clerkID)
	}
	if want := []string{"user_0001", "user_0002", "user_0003"}; !slices.Equal(ids, want) {
		t.Errorf("the canary lists %q, want %q (the duplicate user_0000 left out)", ids, want)
	}
}

// Which listings of an id the preview's entries exclude: an id's records
// all have entries but the one created, which precedes the first that
// repeats it.
func TestExcludedListings(t *testing.T) {
	repeated := func(pos int, id string) importer.Entry {
		return importer.Entry{Pos: pos, SourceID: id, Kind: kindDuplicate, Reason: importer.ReasonRepeatedInSource,
			Detail: "not merged: " + repeatedListingDetail + "; only its first listing counts, this one's data is dropped"}
	}
	entries := []importer.Entry{
		// a: created first, then listed twice again.
		repeated(7, "a"), repeated(3, "a"),
		// b: a duplicate of the environment's user, then listed again.
		{Pos: 2, SourceID: "b", Kind: kindDuplicate, Reason: importer.ReasonEmailExists},
		repeated(5, "b"),
		// c: skipped without an address, then created, then listed again.
		{Pos: 4, SourceID: "c", Kind: kindSkipped, Reason: importer.ReasonInvalidEmail},
		repeated(9, "c"),
		// d: another id's address (no repeat of d): its first listing.
		{Pos: 6, SourceID: "d", Kind: kindDuplicate, Reason: importer.ReasonRepeatedInSource, Detail: "not merged: d@example.com is not verified in Clerk"},
		// Neither a record not imported nor one of the source.
		{Pos: 8, SourceID: "e", Kind: kindWarning, Reason: importer.ReasonNoUsableOAuth},
		{Pos: 1, SourceID: "f", File: importer.EntryFilePasswords, Kind: importer.KindPasswordsUnmatched},
		// No position: every listing of g.
		{SourceID: "g", Kind: kindDuplicate, Reason: importer.ReasonAlreadyImported},
	}
	excluded, excludedID := excludedListings(entries)
	want := map[listing]bool{{"a", 2}: true, {"a", 3}: true, {"b", 1}: true, {"b", 2}: true,
		{"c", 1}: true, {"c", 3}: true, {"d", 1}: true}
	if !maps.Equal(excluded, want) {
		t.Errorf("excluded listings %v, want %v", excluded, want)
	}
	if !maps.Equal(excludedID, map[string]bool{"g": true}) {
		t.Errorf("ids excluded whatever the listing %v, want g", excludedID)
	}
}
