package sqlite

import (
	"context"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// UndoRun is the shared store's, with SQLite's temporary storage on disk
// while it runs (withTempFiles). An import's statements each cover a
// batch, so their statement journals and temporary tables are kept in
// memory (writePragmas); an undo's cover the whole run: every user it
// merged into, metadata and all. In memory, undoing a merge into 80,000
// users carrying 15 KB of metadata took 4.7 GB, and into 8,000 such
// users 556 MB, against 97 MB with temporary files.
func (l *Local) UndoRun(ctx context.Context, runID string, force bool, at time.Time) (p ascendkit.UndoPlan, err error) {
	err = l.withTempFiles(ctx, func() error {
		p, err = l.Store.UndoRun(ctx, runID, force, at)
		return err
	})
	return p, err
}

// withTempFiles runs fn with the write connection's temporary storage in
// files, then puts it back in memory. The write pool is one connection,
// so fn's writes are on it.
func (l *Local) withTempFiles(ctx context.Context, fn func() error) error {
	if _, err := l.w.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
		return markBusy(err)
	}
	defer l.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA temp_store = MEMORY")
	return fn()
}
