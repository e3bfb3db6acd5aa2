package ui

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// candidateIDs is the Clerk ids the canary lists, in order.
func candidateIDs(s *canaryScreen) []string {
	var ids []string
	for _, u := range s.users {
		ids = append(ids, u.clerkID)
	}
	return ids
}

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
	ids := candidateIDs(s)
	if want := []string{"user_0001", "user_0002", "user_0003"}; !slices.Equal(ids, want) {
		t.Errorf("the canary lists %q, want %q (the duplicate user_0000 left out)", ids, want)
	}
}

// Which records the preview's entries exclude: by position from a file,
// by Clerk id from the API; an entry without a position by id either way.
func TestExcludedRecords(t *testing.T) {
	repeated := func(pos int, id string) importer.Entry {
		return importer.Entry{Pos: pos, SourceID: id, Kind: kindDuplicate, Reason: importer.ReasonRepeatedInSource}
	}
	entries := []importer.Entry{
		// a: created first (position 1), then listed twice again.
		repeated(7, "a"), repeated(3, "a"),
		// b: a duplicate of the environment's user, then listed again.
		{Pos: 2, SourceID: "b", Kind: kindDuplicate, Reason: importer.ReasonEmailExists},
		repeated(5, "b"),
		// c: created, then listed again banned.
		{Pos: 9, SourceID: "c", Kind: kindSkipped, Reason: importer.ReasonBanned},
		// Neither a record not imported nor one of the source.
		{Pos: 8, SourceID: "e", Kind: kindWarning, Reason: importer.ReasonNoUsableOAuth},
		{Pos: 1, SourceID: "f", File: importer.EntryFilePasswords, Kind: importer.KindPasswordsUnmatched},
		// No position: every record of g.
		{SourceID: "g", Kind: kindDuplicate, Reason: importer.ReasonAlreadyImported},
	}
	pos, ids := excludedRecords(entries, true, false)
	if want := map[int]bool{7: true, 3: true, 2: true, 5: true, 9: true}; !maps.Equal(pos, want) || !maps.Equal(ids, map[string]bool{"g": true}) {
		t.Errorf("from a file: positions %v, ids %v; want %v and g", pos, ids, want)
	}
	pos, ids = excludedRecords(entries, false, false)
	if want := map[string]bool{"a": true, "b": true, "c": true, "g": true}; len(pos) != 0 || !maps.Equal(ids, want) {
		t.Errorf("from the API: positions %v, ids %v; want none and %v", pos, ids, want)
	}
	// With banned users included (the review's b), c's banned record is
	// imported: listed.
	if pos, _ = excludedRecords(entries, true, true); pos[9] {
		t.Errorf("with banned users included, the banned record stays excluded: %v", pos)
	}
}

// A user an import made since the preview (a canary of this session) is
// not offered again: the environment has them.
func TestCanaryLeavesOutUsersImportedSince(t *testing.T) {
	users := makeUsers(4)
	env := newTestEnv(t)
	cfg := testConfig(env, users)
	d := newDriver(t, cfg, 100, 30)
	d.m.pc.sess.source = sourceChoice{Kind: "api", Key: "sk_test_x", Total: 4}
	seedUsers(t, env, users[2:3]) // the canary's user, imported after the preview
	d.send(navMsg{to: stateCanary})
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	ids := candidateIDs(s)
	if want := []string{"user_0000", "user_0001", "user_0003"}; !slices.Equal(ids, want) {
		t.Errorf("the canary lists %q, want %q (user_0002 imported already)", ids, want)
	}
}
