package importer

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

func withPublic(md map[string]any) userOpt {
	return func(u *clerk.User) { u.PublicMetadata = md }
}

func TestMergeCarriesPublicMetadata(t *testing.T) { eachBackend(t, testMergeCarriesPublicMetadata) }

// A merge carries the Clerk user's public_metadata keys the user merged
// into lacks (the user's own import key under publicImport, as a created
// user's), keeps the user's value for a key it has, and warns when that
// value differs; undoing the run puts the metadata back.
func testMergeCarriesPublicMetadata(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ctx := context.Background()
	seedTaken(t, env) // taken@example.com, metadata {"plan": "pro"}
	before, err := env.GetUser(ctx, "taken@example.com")
	if err != nil {
		t.Fatal(err)
	}
	src := func() *sliceSource {
		return newSource(2,
			mkUser("user_a", "ada@example.com", withPassword),
			// Repeated in the source: merged into user_a, created by the run.
			mkUser("user_b", "Ada@Example.com", withPublic(map[string]any{"role": "admin", "plan": "pro", "import": "own"})),
			// Into an AscendKit user: its plan stays, and differs.
			mkUser("user_t", "taken@example.com", withPublic(map[string]any{"plan": "team", "role": "member"})),
		)
	}
	pre := run(t, src(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge})
	var warned []Entry
	opts := Options{Mode: ModeRun, OnDuplicate: PolicyMerge, OnEvent: func(ev Event) {
		if e, ok := ev.(EntryFound); ok && e.Entry.Kind == "warning" {
			warned = append(warned, e.Entry)
		}
	}}
	rep := run(t, src(), env, opts)
	if rep.Users.Merged != 2 || rep.Users.Imported != 1 || pre.Users.ToMerge != rep.Users.Merged || pre.Users.ToImport != rep.Users.Imported ||
		pre.Users.Duplicates != rep.Users.Duplicates || pre.OAuthLinks != rep.OAuthLinks {
		t.Fatalf("preview %+v, run %+v", pre.Users, rep.Users)
	}
	ada, _ := env.GetUser(ctx, "ada@example.com")
	if ada.Metadata["role"] != "admin" || ada.Metadata["plan"] != "pro" || ada.Metadata["publicImport"] != "own" {
		t.Errorf("public_metadata not merged: %v", ada.Metadata)
	}
	if imp, _ := ada.Metadata["import"].(map[string]any); imp["sourceId"] != "user_a" {
		t.Errorf("metadata.import %v, want user_a's", ada.Metadata["import"])
	}
	taken, _ := env.GetUser(ctx, "taken@example.com")
	if taken.Metadata["plan"] != "pro" || taken.Metadata["role"] != "member" {
		t.Errorf("merged into an AscendKit user: %v", taken.Metadata)
	}
	if rep.MetadataKept != 1 || len(warned) != 1 || warned[0].Reason != ReasonMetadataKept || warned[0].SourceID != "user_t" ||
		!strings.Contains(warned[0].Detail, `"plan"`) || strings.Contains(warned[0].Detail, "role") {
		t.Fatalf("kept %d, warnings %+v", rep.MetadataKept, warned)
	}
	if pre.MetadataKept != 0 {
		t.Errorf("preview counted %d kept: it does not read the users", pre.MetadataKept)
	}
	if _, err := Undo(ctx, env, rep.RunID, false, now); err != nil {
		t.Fatal(err)
	}
	after, _ := env.GetUser(ctx, "taken@example.com")
	if !reflect.DeepEqual(after.Metadata, before.Metadata) {
		t.Errorf("undo left metadata %v, want %v", after.Metadata, before.Metadata)
	}
}

func TestTwoMergesOfARunUndoTheirFields(t *testing.T) {
	eachBackend(t, testTwoMergesOfARunUndoTheirFields)
}

// Two Clerk users of one run merged into one AscendKit user each fill an
// identity field it lacked; undoing the run empties both again (the
// second merge's record used to be dropped, and undo then restored
// neither, as the fields matched neither record's after).
func testTwoMergesOfARunUndoTheirFields(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ctx := context.Background()
	seedTaken(t, env)
	src := newSource(1,
		mkUser("user_u", "taken@example.com", func(u *clerk.User) { u.Username = strp("bob") }),
		mkUser("user_x", "Taken@Example.com", func(u *clerk.User) { u.ExternalID = strp("ext9") }),
	)
	rep := run(t, src, env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if rep.Users.Merged != 2 {
		t.Fatalf("merged %d, want 2: %+v", rep.Users.Merged, rep.Users)
	}
	u, _ := env.GetUser(ctx, "taken@example.com")
	if u.Username != "bob" || u.ExternalID != "ext9" {
		t.Fatalf("after the merges: username %q, externalId %q", u.Username, u.ExternalID)
	}
	if _, err := Undo(ctx, env, rep.RunID, false, now); err != nil {
		t.Fatal(err)
	}
	u, _ = env.GetUser(ctx, "taken@example.com")
	if u.Username != "" || u.ExternalID != "" {
		t.Errorf("after undo: username %q, externalId %q, want both empty again", u.Username, u.ExternalID)
	}
}
