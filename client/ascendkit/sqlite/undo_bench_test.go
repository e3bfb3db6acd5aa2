package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// BenchmarkUndo100k undoes a run that created 100,000 users, each with a
// link, two tags, two events and a kept password (run with -benchtime 1x;
// scripts/bench-cutover.sh does the same through the CLI).
func BenchmarkUndo100k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		l := openTest(b)
		if err := l.StartRun(ctx, ascendkit.Run{ID: "run_big", StartedAt: t0}); err != nil {
			b.Fatal(err)
		}
		const n, batch = 100_000, 1000
		for i := 0; i < n; i += batch {
			var cs []ascendkit.ImportedUser
			for j := i; j < i+batch; j++ {
				u := imported(j, "import:password-kept")
				u.Password = &ascendkit.Password{Hasher: "bcrypt", Digest: ascendkit.Digest(fmt.Sprintf("$2a$10$%053d", j))}
				cs = append(cs, u)
			}
			if _, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_big", Create: cs}, t0); err != nil {
				b.Fatal(err)
			}
		}
		if err := l.FinishRun(ctx, "run_big", ascendkit.RunFinish{Status: ascendkit.RunCompleted, At: t0}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		p, err := l.UndoRun(ctx, "run_big", false, t0)
		if err != nil || p.Users != n {
			b.Fatal(p, err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/undo")
		b.StopTimer()
		l.Close()
	}
}
