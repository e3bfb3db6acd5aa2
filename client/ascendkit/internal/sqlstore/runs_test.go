package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/conformance"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
)

// A started run's heartbeat is refreshed by the store's own timer, so it
// stays running past the stale window for as long as the timer ticks;
// finishing it stops the timer. The ticks are sent by hand: an unbuffered
// send returns once the timer loop took it, so sending one more tick
// means the previous heartbeat was written.
func TestRunHeartbeatTimerKeepsRunAlive(t *testing.T) {
	each(t, func(t *testing.T, env ascendkit.Environment) {
		ticks := make(chan time.Time)
		t.Cleanup(sqlstore.SwapBeatTicks(ticks))
		clock := conformance.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		env.(interface{ SetClock(func() time.Time) }).SetClock(clock.Now)
		if err := env.StartRun(ctx, ascendkit.Run{ID: "run_beat", StartedAt: clock.Now()}); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			clock.Add(ascendkit.RunStaleAfter / 2)
			ticks <- clock.Now()
			ticks <- clock.Now() // the first tick's beat is written
			clock.Add(ascendkit.RunStaleAfter / 2)
			if r, err := env.GetRun(ctx, "run_beat"); err != nil || r.Status != ascendkit.RunRunning {
				t.Fatalf("beating run: %+v, %v", r, err)
			}
		}
		if err := env.FinishRun(ctx, "run_beat", ascendkit.RunFinish{Status: ascendkit.RunCompleted, At: clock.Now()}); err != nil {
			t.Fatal(err)
		}
		if r, _ := env.GetRun(ctx, "run_beat"); r.Status != ascendkit.RunCompleted {
			t.Fatalf("finished run reads %s", r.Status)
		}
		// A run whose timer is stopped (its process hung or cut off from
		// the database) is dead once the window passes.
		if err := env.StartRun(ctx, ascendkit.Run{ID: "run_hung", StartedAt: clock.Now()}); err != nil {
			t.Fatal(err)
		}
		env.(interface{ StopHeartbeats() }).StopHeartbeats()
		env.(interface{ SetAway(bool) }).SetAway(true) // judged from another host
		clock.Add(ascendkit.RunStaleAfter + time.Second)
		if r, _ := env.GetRun(ctx, "run_hung"); r.Status != ascendkit.RunInterrupted {
			t.Fatalf("run without beats reads %s", r.Status)
		}
		err := env.FinishRun(ctx, "run_hung", ascendkit.RunFinish{Status: ascendkit.RunCompleted, At: clock.Now()})
		if !errors.Is(err, ascendkit.ErrRunEnded) {
			t.Fatalf("finish of a dead run: %v", err)
		}
	})
}
