package importer

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/postgres/pgtest"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

// BenchmarkRerunPreview previews again, with a passwords file, an export
// of N users a run imported: every user is already imported, so what a
// re-run reads of them (usernames, bans, digests not stored) is what it
// measures, on SQLite and (with ASCENDKIT_TEST_POSTGRES) PostgreSQL,
// where each query is a round trip. Run it with -bench RerunPreview.
func BenchmarkRerunPreview(b *testing.B) {
	const n = 50_000
	path := filepath.Join(b.TempDir(), "clerk.json")
	writeExport(b, path, n)
	b.Run("sqlite", func(b *testing.B) { benchRerunPreview(b, path, n, "local:"+filepath.Join(b.TempDir(), "env.db")) })
	b.Run("postgres", func(b *testing.B) { benchRerunPreview(b, path, n, pgtest.Target(b)) })
}

func benchRerunPreview(b *testing.B, path string, n int, target string) {
	env, err := ascendkit.Open(target)
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	open := func() clerk.Source {
		src, err := clerk.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		return src
	}
	src := open()
	if _, err := Run(context.Background(), src, env, Options{Mode: ModeRun}); err != nil {
		b.Fatal(err)
	}
	src.Close()
	digest := "$2a$10$abcdefghijklmnopqrstuuFyIYHTwbgdm0GZ6Jb0nYjHrmrsxzc6e"
	pws := make([]*clerk.User, n)
	for i := range n {
		pws[i] = digestOnly(emulator.UserAt(i, n, 1).ID, "bcrypt", digest)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		src := open()
		b.StartTimer()
		rep, err := Run(context.Background(), src, env, Options{Mode: ModePreview, Passwords: newSource(500, pws...)})
		b.StopTimer()
		src.Close()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Users.DuplicateReasons[ReasonAlreadyImported] == 0 {
			b.Fatalf("none already imported: %+v", rep.Users)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
}
