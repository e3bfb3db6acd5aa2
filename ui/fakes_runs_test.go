package ui

// The run-history and password methods of ascendkit.Environment, which the
// wizard does not use yet (its runs tab and canary come with issue 7's UI
// part): the fake records nothing and finds nothing.

import (
	"context"
	"fmt"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func (e *fakeEnv) StartRun(context.Context, ascendkit.Run) error                { return nil }
func (e *fakeEnv) FinishRun(context.Context, string, ascendkit.RunFinish) error { return nil }
func (e *fakeEnv) ListRuns(context.Context) ([]ascendkit.Run, error)            { return []ascendkit.Run{}, nil }
func (e *fakeEnv) GetRun(_ context.Context, id string) (ascendkit.Run, error) {
	return ascendkit.Run{}, fmt.Errorf("run %q: %w", id, ascendkit.ErrNotFound)
}
func (e *fakeEnv) PlanUndo(_ context.Context, id string) (ascendkit.UndoPlan, error) {
	return ascendkit.UndoPlan{}, fmt.Errorf("run %q: %w", id, ascendkit.ErrNotFound)
}
func (e *fakeEnv) UndoRun(_ context.Context, id string, _ bool, _ time.Time) (ascendkit.UndoPlan, error) {
	return ascendkit.UndoPlan{}, fmt.Errorf("run %q: %w", id, ascendkit.ErrNotFound)
}
func (e *fakeEnv) PasswordState(_ context.Context, who string) (ascendkit.PasswordState, error) {
	return ascendkit.PasswordState{}, fmt.Errorf("user %q: %w", who, ascendkit.ErrNotFound)
}
