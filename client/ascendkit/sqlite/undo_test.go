package sqlite

import (
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// TestUndoRemovesSettingsAbsentBefore: a run that set the auth providers
// where there were none leaves none after its undo (the conformance suite
// covers a setting that existed before).
func TestUndoRemovesSettingsAbsentBefore(t *testing.T) {
	l := openTest(t)
	if err := l.StartRun(ctx, ascendkit.Run{ID: "run_a", StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetAuthProviders(ctx, []string{"google"}); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishRun(ctx, "run_a", ascendkit.RunFinish{Status: ascendkit.RunCompleted, At: t0}); err != nil {
		t.Fatal(err)
	}
	if p, err := l.PlanUndo(ctx, "run_a"); err != nil || !p.Settings {
		t.Fatalf("plan = %+v, %v", p, err)
	}
	p, err := l.UndoRun(ctx, "run_a", false, t0)
	if err != nil || !p.Settings {
		t.Fatalf("undo = %+v, %v", p, err)
	}
	if _, ok, err := l.Setting(ctx, rules.SettingAuthProviders); err != nil || ok {
		t.Errorf("auth providers still stored after undo (ok %v, err %v)", ok, err)
	}
}

// An undo's statements keep their temporary storage in files (UndoRun),
// and the write connection is back in memory for the imports after.
func TestWithTempFiles(t *testing.T) {
	l := openTest(t)
	tempStore := func() int {
		var v int
		if err := l.w.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	const file, memory = 1, 2
	if v := tempStore(); v != memory {
		t.Fatalf("temp_store %d before, want %d (writePragmas)", v, memory)
	}
	err := l.withTempFiles(ctx, func() error {
		if v := tempStore(); v != file {
			t.Errorf("temp_store %d inside, want %d", v, file)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := tempStore(); v != memory {
		t.Errorf("temp_store %d after, want %d", v, memory)
	}
}
