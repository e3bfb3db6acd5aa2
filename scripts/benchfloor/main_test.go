package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/importer"
)

// The insert floor is only a floor for run --file if it writes what an
// import writes: the same users, links, tags, source ids and events.
func TestInsertFloorWritesTheImportsRows(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "clerk.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := emulator.WriteJSON(f, 3000, 1); err != nil {
		t.Fatal(err)
	}
	f.Close()

	imported, err := sqlite.OpenLocal(filepath.Join(dir, "import.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer imported.Close()
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := importer.Run(context.Background(), src, imported, importer.Options{
		Mode: importer.ModeRun, Phases: importer.Phases{Users: true},
	}); err != nil {
		t.Fatal(err)
	}

	var rows []row
	seen := map[string]bool{}
	if _, err := decodeFile(path, func(u *smallUser) {
		if r, ok := toRow(u, len(rows), seen); ok {
			rows = append(rows, r)
		}
	}); err != nil {
		t.Fatal(err)
	}
	floor, err := sqlite.OpenLocal(filepath.Join(dir, "floor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer floor.Close()
	if err := insertRows(context.Background(), floor, rows); err != nil {
		t.Fatal(err)
	}

	for _, q := range []string{
		"SELECT COUNT(*) FROM users",
		"SELECT COUNT(*) FROM oauth_links",
		"SELECT COUNT(*) FROM user_tags",
		"SELECT COUNT(*) FROM import_sources",
		"SELECT COUNT(*) FROM events",
		"SELECT COUNT(*) FROM users WHERE last_login_at IS NOT NULL",
	} {
		var want, got int
		if err := imported.WriteDB().QueryRow(q).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if err := floor.WriteDB().QueryRow(q).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want || want == 0 {
			t.Errorf("%s: floor %d, import %d", q, got, want)
		}
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
