package ui

import (
	"slices"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// Users an earlier import created that the source no longer has have no
// position (Pos 0): the review lists them after the source's rows, as
// importer.ReviewEntries orders them, whatever order they arrive in.
func TestReviewListsUsersNotInSourceLast(t *testing.T) {
	entries := []importer.Entry{
		{SourceID: "user_gone", Kind: kindWarning, Reason: importer.ReasonImportedNotInSource, ExistingUserID: "usr_gone"},
		{Pos: 2, SourceID: "user_two", Email: "two@example.com", Kind: kindDuplicate, Reason: importer.ReasonEmailExists},
		{Pos: 1, SourceID: "user_one", Kind: kindSkipped, Reason: importer.ReasonInvalidEmail},
	}
	d := toReviewOf(t, 120, 40, entries)
	got := reviewed(reviewOf(d))
	want := []string{
		kindSkipped + " " + importer.ReasonInvalidEmail + " user_one",
		kindDuplicate + " " + importer.ReasonEmailExists + " user_two",
		kindWarning + " " + importer.ReasonImportedNotInSource + " user_gone",
	}
	if !slices.Equal(got, want) {
		t.Errorf("review rows %q, want %q", got, want)
	}
}
