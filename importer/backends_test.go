package importer

import (
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	_ "github.com/ascendkit/ascendkit/client/ascendkit/postgres"
	"github.com/ascendkit/ascendkit/client/ascendkit/postgres/pgtest"
)

// eachBackend runs an end-to-end test on a SQLite environment and on a
// PostgreSQL one (see pgtest for how the server is found).
func eachBackend(t *testing.T, test func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment)) {
	t.Run("sqlite", func(t *testing.T) { test(t, openEnv) })
	t.Run("postgres", func(t *testing.T) {
		test(t, func(t *testing.T) ascendkit.Environment {
			t.Helper()
			env, err := ascendkit.Open(pgtest.Target(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { env.Close() })
			return env
		})
	})
}
