package importer

import (
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestImportedListingHoldsNoAddress: a Clerk user an earlier import made
// whose address in Clerk changed since does not hold the new address in
// this source: a later user with it is new, not a repeat of nobody (with
// merge it failed, "the user this would merge into was removed").
func TestImportedListingHoldsNoAddress(t *testing.T) {
	eachBackend(t, testImportedListingHoldsNoAddress)
}

func testImportedListingHoldsNoAddress(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	run(t, newSource(10, mkUser("user_a", "a@example.com")), env, Options{Mode: ModeRun})
	for _, policy := range []Policy{PolicySkip, PolicyMerge} {
		src := func() *sliceSource {
			return newSource(10, mkUser("user_a", "x@example.com"), mkUser("user_b", "x@example.com"))
		}
		pre := run(t, src(), env, Options{Mode: ModePreview, OnDuplicate: policy})
		if pre.Users.ToImport != 1 || pre.Users.DuplicateReasons[ReasonRepeatedInSource] != 0 {
			t.Fatalf("%s preview %+v", policy, pre.Users)
		}
	}
	rep := run(t, newSource(10, mkUser("user_a", "x@example.com"), mkUser("user_b", "x@example.com")), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if rep.Users.Imported != 1 || rep.Users.Failed != 0 || rep.Users.DuplicateReasons[ReasonAlreadyImported] != 1 {
		t.Fatalf("run %+v", rep.Users)
	}
	if _, err := env.GetUser(ctx, "x@example.com"); err != nil {
		t.Errorf("user_b not imported: %v", err)
	}
}

// TestRerunOfThreeHoldersOfOneAddress: a re-run of an unchanged source
// classifies its users as the first run did: the second and third users
// of an address are repeated in the source, not (the third) a user whose
// address moved from another Clerk user ("email of another import").
func TestRerunOfThreeHoldersOfOneAddress(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		src := func() *sliceSource {
			return newSource(10, mkUser("user_a1", "same@x.io"), mkUser("user_a2", "same@x.io"), mkUser("user_a3", "same@x.io"))
		}
		first := run(t, src(), env, Options{Mode: ModeRun})
		if first.Users.Imported != 1 || first.Users.DuplicateReasons[ReasonRepeatedInSource] != 2 {
			t.Fatalf("first run %+v", first.Users)
		}
		for _, mode := range []Mode{ModePreview, ModeRun} {
			again := run(t, src(), env, Options{Mode: mode})
			d := again.Users.DuplicateReasons
			if d[ReasonAlreadyImported] != 1 || d[ReasonRepeatedInSource] != 2 || d[ReasonEmailExists] != 0 || again.EmailOfOtherImport != 0 {
				t.Errorf("%s again: duplicates %v, email of another import %d; want 1 already imported, 2 repeated", mode, d, again.EmailOfOtherImport)
			}
		}
	})
}
