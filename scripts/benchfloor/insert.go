package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
)

// The insert floor copies the rows an import wrote, value for value, so
// that it writes exactly what the import writes: a floor built from the
// export by a simpler mapping wrote a fifth fewer bytes (shorter ids,
// payloads and metadata, none of the newer columns), and on this disk,
// whose speed drifts, that fifth showed up as the import's overhead.
// (The PostgreSQL floor, scripts/pgcopybench, copies an import's tables
// the same way.)

// perTx is how many users, with their rows, go in one transaction.
const perTx = 5000

// importOrder is the order in which an import writes a batch's tables
// (client/ascendkit/sqlite/create.go): the floor writes them table by
// table in the same order. Tables of users not named here follow.
var importOrder = []string{"users", "import_sources", "oauth_links", "user_tags", "user_passwords", "events", "enrollments"}

// table is a table's rows as read from the import's database.
type table struct {
	name   string
	cols   []string
	insert string // INSERT INTO name (cols…) VALUES (?, …)
	rows   [][]any
}

// col is the index of column c, or -1.
func (t *table) col(c string) int { return slices.Index(t.cols, c) }

// readTable reads every row of name from db, in the table's order.
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

// tableNames lists db's tables in the order they were created (parents
// before the tables that refer to them).
func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rs, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var names []string
	for rs.Next() {
		var n string
		if err := rs.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rs.Err()
}

// floorResult is what one insert floor measured.
type floorResult struct {
	users, rows, transactions int
	seconds                   float64
}

// readRun reads the tables of the import's database at path: its users,
// the tables of rows that belong to a user (by user_id), and the rest.
func readRun(ctx context.Context, path string) (users *table, deps, setup []*table, err error) {
	from, err := sqlite.OpenLocal(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer func() {
		if cerr := from.Close(); err == nil {
			err = cerr
		}
	}()
	names, err := tableNames(ctx, from.WriteDB())
	if err != nil {
		return nil, nil, nil, err
	}
	for _, name := range names {
		t, err := readTable(ctx, from.WriteDB(), name)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("reading %s: %w", name, err)
		}
		switch {
		case name == "users":
			users = t
		case t.col("user_id") >= 0:
			deps = append(deps, t)
		default:
			setup = append(setup, t)
		}
	}
	if users == nil || len(users.rows) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: no users: the import wrote nothing to copy", path)
	}
	rank := func(t *table) int {
		if i := slices.Index(importOrder, t.name); i >= 0 {
			return i
		}
		return len(importOrder)
	}
	slices.SortStableFunc(deps, func(a, b *table) int { return rank(a) - rank(b) })
	return users, deps, setup, nil
}

// insertFloor reads every row an import wrote into the database at runDB,
// then times the insert of its users and their rows into a fresh
// environment at db, closing it included (as the import's time includes
// closing its database, which checkpoints the WAL). Tables of no user
// (the run record, settings, journeys) are copied before the clock
// starts.
func insertFloor(runDB, db string) (floorResult, error) {
	var res floorResult
	ctx := context.Background()
	users, deps, setup, err := readRun(ctx, runDB)
	if err != nil {
		return res, err
	}
	idCol := users.col("id")
	if idCol < 0 {
		return res, errors.New("users has no id column")
	}
	// Each user's rows go in its user's transaction; a row of a user the
	// import did not write would mean the copy is not the import's.
	byUser := make([]map[string][][]any, len(deps))
	for k, t := range deps {
		byUser[k] = make(map[string][][]any)
		uc := t.col("user_id")
		for _, r := range t.rows {
			id, ok := r[uc].(string)
			if !ok {
				return res, fmt.Errorf("%s: a row whose user_id is %T %v, not a user's id", t.name, r[uc], r[uc])
			}
			byUser[k][id] = append(byUser[k][id], r)
		}
	}
	// Each transaction's rows, per table, grouped before the clock starts:
	// the bookkeeping is the floor's, not writing's.
	nb := (len(users.rows) + perTx - 1) / perTx
	rowsOf := make([][][][]any, len(deps)) // [table][batch]rows
	for k := range deps {
		rowsOf[k] = make([][][]any, nb)
	}
	for b := range nb {
		for _, u := range users.rows[b*perTx : min((b+1)*perTx, len(users.rows))] {
			id, ok := u[idCol].(string)
			if !ok {
				return res, fmt.Errorf("users: an id that is %T %v", u[idCol], u[idCol])
			}
			for k := range deps {
				rowsOf[k][b] = append(rowsOf[k][b], byUser[k][id]...)
				delete(byUser[k], id)
			}
		}
	}
	for k, t := range deps {
		if len(byUser[k]) > 0 {
			return res, fmt.Errorf("%s: rows of %d user ids that are not in users", t.name, len(byUser[k]))
		}
	}

	env, err := sqlite.OpenLocal(db)
	if err != nil {
		return res, err
	}
	w := env.WriteDB()
	err = inTx(ctx, w, func(tx *sql.Tx) error {
		for _, t := range setup {
			// A fresh environment may hold defaults of its own.
			if err := execAll(ctx, tx, t.name, strings.Replace(t.insert, "INSERT", "INSERT OR REPLACE", 1), t.rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		env.Close()
		return res, err
	}

	// What reading left behind is collected before the clock starts.
	runtime.GC()
	start := time.Now()
	for b := 0; b < nb && err == nil; b++ {
		batch := users.rows[b*perTx : min((b+1)*perTx, len(users.rows))]
		err = inTx(ctx, w, func(tx *sql.Tx) error {
			if err := execAll(ctx, tx, users.name, users.insert, batch); err != nil {
				return err
			}
			for k, t := range deps {
				if err := execAll(ctx, tx, t.name, t.insert, rowsOf[k][b]); err != nil {
					return err
				}
				res.rows += len(rowsOf[k][b])
			}
			return nil
		})
		res.transactions++
	}
	if cerr := env.Close(); err == nil {
		err = cerr
	}
	res.seconds = time.Since(start).Seconds()
	if err != nil {
		return res, err
	}
	res.users = len(users.rows)
	res.rows += res.users
	return res, nil
}

// execAll prepares query (an INSERT of one row) in tx and runs it once per
// row, as an import's prepared statements would.
func execAll(ctx context.Context, tx *sql.Tx, name, query string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer st.Close()
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
