package sqlite

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/conformance"
)

// TestConformance runs the backend-agnostic suite on SQLite files in temp
// dirs.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Backend{
		Open: func(t testing.TB) ascendkit.Environment { return openTest(t) },
		Reopen: func(t testing.TB, env ascendkit.Environment) ascendkit.Environment {
			l, err := OpenLocal(env.(*Local).Path())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return l
		},
		Tables: func(t testing.TB, env ascendkit.Environment) []string {
			var out []string
			for _, r := range query(t, env.(*Local).r, `SELECT name FROM sqlite_master WHERE type = 'table'`) {
				out = append(out, r[0])
			}
			return out
		},
		Query: func(t testing.TB, env ascendkit.Environment, q string, args ...any) [][]string {
			return query(t, env.(*Local).r, q, args...)
		},
		Exec: func(t testing.TB, env ascendkit.Environment, q string, args ...any) {
			t.Helper()
			if _, err := env.(*Local).w.Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		},
	})
}

func query(t testing.TB, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := make([]string, len(cols))
		for i, v := range vals {
			r[i] = "NULL"
			if v.Valid {
				r[i] = fmt.Sprint(v.String)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
