package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
)

// The insert floor copies the rows an import wrote, byte for byte, so
// that it writes exactly what the import writes: a floor built from the
// export by a simpler mapping wrote a quarter fewer bytes (shorter ids,
// payloads and metadata, none of the newer columns), and on this disk,
// whose speed drifts, that quarter showed up as the import's overhead.
// (The PostgreSQL floor, scripts/pgcopybench, copies an import's tables
// the same way.)

// perTx is how many users, with their rows, go in one transaction.
const perTx = 5000

// userTables are the tables whose rows belong to one user (by user_id),
// inserted with it; the users table itself comes first.
var userTables = []string{"oauth_links", "user_tags", "import_sources", "events", "user_passwords", "enrollments"}

// setupTables are copied before the clock starts: what the import wrote
// once, not per user, that users' rows refer to.
var setupTables = []string{"import_runs", "journeys"}

// table is a table's rows as read from the import's database.
type table struct {
	name   string
	cols   []string
	insert string // INSERT INTO name (cols…) VALUES (?, …)
	rows   [][]any
}

// col is the index of column c, or -1.
func (t *table) col(c string) int {
	for i, x := range t.cols {
		if x == c {
			return i
		}
	}
	return -1
}

// readTable reads every row of name from db.
func readTable(ctx context.Context, db *sql.DB, name string) (*table, error) {
	rs, err := db.QueryContext(ctx, "SELECT * FROM "+name)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	t := &table{name: name, cols: cols, insert: fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)",
		name, strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))}
	for rs.Next() {
		r := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		t.rows = append(t.rows, r)
	}
	return t, rs.Err()
}

// insertFloor reads what an import wrote into the database at runDB, then
// times only the insert of its users and their rows into a fresh
// environment at db.
func insertFloor(runDB, db string) error {
	ctx := context.Background()
	from, err := sqlite.OpenLocal(runDB)
	if err != nil {
		return err
	}
	defer from.Close()
	read := func(names []string) ([]*table, error) {
		var out []*table
		for _, name := range names {
			t, err := readTable(ctx, from.WriteDB(), name)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", name, err)
			}
			out = append(out, t)
		}
		return out, nil
	}
	setup, err := read(setupTables)
	if err != nil {
		return err
	}
	users, err := read([]string{"users"})
	if err != nil {
		return err
	}
	deps, err := read(userTables)
	if err != nil {
		return err
	}
	if len(users[0].rows) == 0 {
		return fmt.Errorf("%s: no users: the import wrote nothing to copy", runDB)
	}

	env, err := sqlite.OpenLocal(db)
	if err != nil {
		return err
	}
	defer env.Close()
	w := env.WriteDB()
	if err := inTx(ctx, w, func(tx *sql.Tx) error {
		for _, t := range setup {
			if err := insertAll(ctx, tx, t, t.rows); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}

	// Each user's rows go in its transaction; rows of no user (none in an
	// import today) go in the last.
	byUser := make([]map[string][][]any, len(deps))
	loose := make([][][]any, len(deps))
	for k, t := range deps {
		byUser[k] = make(map[string][][]any)
		uc := t.col("user_id")
		for _, r := range t.rows {
			var id string
			if uc >= 0 {
				id, _ = r[uc].(string)
			}
			if id != "" {
				byUser[k][id] = append(byUser[k][id], r)
			} else {
				loose[k] = append(loose[k], r)
			}
		}
	}
	ut := users[0]
	idCol := ut.col("id")
	if idCol < 0 {
		return fmt.Errorf("users has no id column")
	}

	start := time.Now()
	for lo := 0; lo < len(ut.rows); lo += perTx {
		batch := ut.rows[lo:min(lo+perTx, len(ut.rows))]
		last := lo+perTx >= len(ut.rows)
		err := inTx(ctx, w, func(tx *sql.Tx) error {
			stmts := make([]*sql.Stmt, len(deps))
			for k, t := range deps {
				st, err := tx.PrepareContext(ctx, t.insert)
				if err != nil {
					return err
				}
				defer st.Close()
				stmts[k] = st
			}
			user, err := tx.PrepareContext(ctx, ut.insert)
			if err != nil {
				return err
			}
			defer user.Close()
			for _, r := range batch {
				if _, err := user.ExecContext(ctx, r...); err != nil {
					return fmt.Errorf("users: %w", err)
				}
				id, _ := r[idCol].(string)
				for k, t := range deps {
					if err := execAll(ctx, stmts[k], t.name, byUser[k][id]); err != nil {
						return err
					}
				}
			}
			if last {
				for k, t := range deps {
					if err := execAll(ctx, stmts[k], t.name, loose[k]); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	rows := len(ut.rows)
	for _, t := range deps {
		rows += len(t.rows)
	}
	fmt.Printf("users=%d inserted=%d rows=%d seconds=%.3f\n", len(ut.rows), len(ut.rows), rows, time.Since(start).Seconds())
	return nil
}

// insertAll inserts rows into t one statement each.
func insertAll(ctx context.Context, tx *sql.Tx, t *table, rows [][]any) error {
	st, err := tx.PrepareContext(ctx, t.insert)
	if err != nil {
		return err
	}
	defer st.Close()
	return execAll(ctx, st, t.name, rows)
}

// execAll runs st once per row of table name.
func execAll(ctx context.Context, st *sql.Stmt, name string, rows [][]any) error {
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r...); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// inTx runs fn in a transaction of db, committed if fn succeeds.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
