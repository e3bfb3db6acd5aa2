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
