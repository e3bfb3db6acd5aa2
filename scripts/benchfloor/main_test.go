package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/importer"
)

// The insert floor is only a floor for run --file if it writes what an
// import writes: every row of every table the import filled, byte for
// byte.
func TestInsertFloorWritesTheImportsRows(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "clerk.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := emulator.WriteJSON(f, 12000, 1); err != nil { // more than two transactions
		t.Fatal(err)
	}
	f.Close()

	imported, err := sqlite.OpenLocal(filepath.Join(dir, "import.db"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := importer.Run(context.Background(), src, imported, importer.Options{
		Mode: importer.ModeRun, Phases: importer.Phases{Users: true, Settings: true}, // as the CLI does
	}); err != nil {
		t.Fatal(err)
	}
	imported.Close()

	res, err := insertFloor(filepath.Join(dir, "import.db"), filepath.Join(dir, "floor.db"))
	if err != nil {
		t.Fatal(err)
	}
	// The floor: 5,000 users per transaction.
	if want := (res.users + 4999) / 5000; res.transactions != want || res.users < 11000 {
		t.Errorf("%d users in %d transactions, want %d of at most 5,000 users", res.users, res.transactions, want)
	}
	a, err := sqlite.OpenLocal(filepath.Join(dir, "import.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.OpenLocal(filepath.Join(dir, "floor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Every table of the import, not only those the floor knows of.
	var tables []string
	rs, err := a.WriteDB().Query("SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var name string
		if err := rs.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rs.Close()
	for _, name := range tables {
		want, got := dump(t, a, name), dump(t, b, name)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the floor wrote %d rows, the import %d, or they differ", name, len(got), len(want))
		}
		if len(want) == 0 && (name == "users" || name == "events" || name == "user_tags" || name == "import_sources") {
			t.Errorf("%s: the import wrote nothing: the test proves nothing", name)
		}
	}
}

// dump is every row of a table, printed and sorted.
func dump(t *testing.T, env *sqlite.Local, name string) []string {
	t.Helper()
	tb, err := readTable(context.Background(), env.WriteDB(), name)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(tb.rows))
	for i, r := range tb.rows {
		var b strings.Builder
		for _, v := range r {
			fmt.Fprintf(&b, "%T %q, ", v, v) // a TEXT copied as a BLOB differs
		}
		out[i] = b.String()
	}
	slices.Sort(out)
	return out
}

// An import that wrote no users leaves the floor nothing to measure.
func TestInsertFloorRefusesAnEmptyImport(t *testing.T) {
	dir := t.TempDir()
	env, err := sqlite.OpenLocal(filepath.Join(dir, "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	env.Close()
	if _, err := insertFloor(filepath.Join(dir, "empty.db"), filepath.Join(dir, "floor.db")); err == nil {
		t.Fatal("no error for an import of no users")
	}
}

// The API figure counts only if the preview read every user through the
// emulator, as the file preview did; api fails otherwise.
func TestAPIPreviewReadsEveryUser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clerk.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := emulator.WriteJSON(f, 1200, 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := run([]string{"api", "1200", path}); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"api", "1201", path}); err == nil {
		t.Error("a file of other users passed")
	}
	if err := run([]string{"decode", path}); err != nil {
		t.Fatal(err)
	}
}
