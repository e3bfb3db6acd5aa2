// Package conformance is the test suite every ascendkit.Environment
// backend must pass: each method, the batch and error contract, undo
// restoring every table, and the concurrency cases (two imports of
// overlapping sources, activation during an import). A backend's tests
// call Run with a Backend that opens fresh environments.
package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// Backend is what the suite needs of a backend under test.
type Backend struct {
	// Open returns a new, empty environment, closed when the test ends.
	Open func(t testing.TB) ascendkit.Environment
	// Reopen returns a second, independent handle on env's data (as
	// another process would have), closed when the test ends.
	Reopen func(t testing.TB, env ascendkit.Environment) ascendkit.Environment
	// Tables lists the environment's tables.
	Tables func(t testing.TB, env ascendkit.Environment) []string
	// Query runs a read with $1… placeholders and returns its rows as
	// text ("NULL" for nulls).
	Query func(t testing.TB, env ascendkit.Environment, query string, args ...any) [][]string
	// Exec runs a write with $1… placeholders.
	Exec func(t testing.TB, env ascendkit.Environment, query string, args ...any)
}

// Count returns the rows of table.
func (be Backend) Count(t testing.TB, env ascendkit.Environment, table string) int {
	t.Helper()
	rows := be.Query(t, env, "SELECT COUNT(*) FROM "+table)
	var n int
	if _, err := fmt.Sscan(rows[0][0], &n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// Dump reads every row of every table but import_runs (a run's own record
// is meant to change), as text, in a stable order.
func (be Backend) Dump(t testing.TB, env ascendkit.Environment) map[string][]string {
	t.Helper()
	tables := be.Tables(t, env)
	if len(tables) < 12 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	out := map[string][]string{}
	for _, tb := range tables {
		if tb == "import_runs" {
			continue
		}
		var lines []string
		for _, r := range be.Query(t, env, "SELECT * FROM "+tb) {
			lines = append(lines, strings.Join(r, "\x1f"))
		}
		slices.Sort(lines)
		out[tb] = lines
	}
	return out
}

// Run runs the suite, each test in parallel on its own environment.
func Run(t *testing.T, be Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"ApplyImportCreatesAndIsIdempotent", testApplyImportCreatesAndIsIdempotent},
		{"ApplyImportCollisions", testApplyImportCollisions},
		{"SourceIDTakenWithNewEmail", testSourceIDTakenWithNewEmail},
		{"MergeOfADroppedCreate", testMergeOfADroppedCreate},
		{"Merge", testMerge},
		{"Lookups", testLookups},
		{"ListPages", testListPages},
		{"LookupLinks", testLookupLinks},
		{"NotFound", testNotFound},
		{"InvalidDataIsErrInvalid", testInvalidDataIsErrInvalid},
		{"Settings", testSettings},
		{"AddRunProvidersKeepsChangesMadeMeanwhile", testAddRunProvidersKeepsChangesMadeMeanwhile},
		{"Templates", testTemplates},
		{"TemplateTextInvalid", testTemplateTextInvalid},
		{"SignInCounts", testSignInCounts},
		{"Journeys", testJourneys},
		{"IdentityFieldsRoundTrip", testIdentityFieldsRoundTrip},
		{"MergeFillsOnlyMissingIdentity", testMergeFillsOnlyMissingIdentity},
		{"UndoCreatedAndMergedRestoresEveryTable", testUndoCreatedAndMergedRestoresEveryTable},
		{"UndoKeepsSettingsChangedSince", testUndoKeepsSettingsChangedSince},
		{"UndoRefusedWhenLaterRunMergedThenForced", testUndoRefusedWhenLaterRunMergedThenForced},
		{"KilledRunReadsInterruptedAndUndoes", testKilledRunReadsInterruptedAndUndoes},
		{"UndoCanaryKeepsProvidersLaterRunsUse", testUndoCanaryKeepsProvidersLaterRunsUse},
		{"UndoProvidersPassAlongRuns", testUndoProvidersPassAlongRuns},
		{"UndoLeavesProvidersTurnedOnByHand", testUndoLeavesProvidersTurnedOnByHand},
		{"DeadRunKeepsOnlyProvidersOfItsTime", testDeadRunKeepsOnlyProvidersOfItsTime},
		{"UndoMergeKeepsWhatAnotherRunBrought", testUndoMergeKeepsWhatAnotherRunBrought},
		{"UndoRemovesBackfilledEnrollmentOfMergedUser", testUndoRemovesBackfilledEnrollmentOfMergedUser},
		{"UndoBlockersCountDistinctUsers", testUndoBlockersCountDistinctUsers},
		{"UndoRefusedWhileAnotherRunImports", testUndoRefusedWhileAnotherRunImports},
		{"LeftoverRunWithoutHeartbeatBlocksNoUndo", testLeftoverRunWithoutHeartbeatBlocksNoUndo},
		{"MergeIntoUserRemovedMeanwhile", testMergeIntoUserRemovedMeanwhile},
		{"MergeRefusedWhenAnotherIDMergedMeanwhile", testMergeRefusedWhenAnotherIDMergedMeanwhile},
		{"MergeCarriesMetadataAndUndoRestoresIt", testMergeCarriesMetadataAndUndoRestoresIt},
		{"StaleRunOfAnotherHostSettles", testStaleRunOfAnotherHostSettles},
		{"LiveRunInAnotherPIDNamespaceStaysRunning", testLiveRunInAnotherPIDNamespaceStaysRunning},
		{"DeadRunCannotWriteOrFinish", testDeadRunCannotWriteOrFinish},
		{"LiveProcessOutlivesItsHeartbeat", testLiveProcessOutlivesItsHeartbeat},
		{"PasswordStateAndRedaction", testPasswordStateAndRedaction},
		{"UserStates", testUserStates},
		{"UserStatesOfAnyMetadata", testUserStatesOfAnyMetadata},
		{"ListSourceUsers", testListSourceUsers},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ConcurrentOverlappingImports", testConcurrentOverlappingImports},
		{"ActivationDuringImport", testActivationDuringImport},
		{"ActivationDuringUndo", testActivationDuringUndo},
		{"CreateActiveDuringUndo", testCreateActiveDuringUndo},
		{"ConcurrentMergesAndCreates", testConcurrentMergesAndCreates},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, be)
		})
	}
}

var ctx = context.Background()

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)
