// Command pgcopybench measures the floor an import into PostgreSQL is
// compared with: a raw COPY of the same rows. It reads every table of the
// schema an import wrote (-from), then, in one transaction, COPYs those
// rows into the same tables in a new schema (migrated as an environment
// would be, so with the same indexes and constraints), and prints the
// seconds the COPY took. The import's tables are vacuumed first so that
// no autovacuum of them runs during the COPY. The new schema is dropped
// afterwards.
//
//	go run ./scripts/pgcopybench -url "$ASCENDKIT_TEST_POSTGRES" -from bench_import
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/postgres"
	"github.com/jackc/pgx/v5"
)

func main() {
	base := flag.String("url", os.Getenv("ASCENDKIT_TEST_POSTGRES"), "database URL (default $ASCENDKIT_TEST_POSTGRES)")
	from := flag.String("from", "", "schema an import wrote")
	flag.Parse()
	if *base == "" || *from == "" {
		fmt.Fprintln(os.Stderr, "usage: pgcopybench -url postgres://… -from <schema>")
		os.Exit(2)
	}
	secs, rows, err := run(context.Background(), *base, *from)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgcopybench:", err)
		os.Exit(1)
	}
	fmt.Printf("%.3f %d\n", secs, rows)
}

func run(ctx context.Context, base, from string) (float64, int64, error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return 0, 0, fmt.Errorf("connect %s: %w", ascendkit.RedactURL(base), err)
	}
	defer conn.Close(ctx)
	to := pgx.Identifier{from + "_copy"}.Sanitize()
	src := pgx.Identifier{from}.Sanitize()
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+to+` CASCADE; CREATE SCHEMA `+to); err != nil {
		return 0, 0, err
	}
	defer conn.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+to+` CASCADE`)

	// The target tables are made by migrating an environment there.
	u, err := url.Parse(base)
	if err != nil {
		return 0, 0, err
	}
	q := u.Query()
	q.Set("search_path", from+"_copy")
	u.RawQuery = q.Encode()
	env, err := postgres.Open(ctx, u.String())
	if err != nil {
		return 0, 0, err
	}
	env.Close()

	// Parents before children, for the foreign keys.
	tables := []string{"users", "oauth_links", "user_tags", "import_sources", "events", "settings", "templates",
		"template_versions", "journeys", "enrollments", "import_runs", "user_passwords", "import_merge_changes"}
	data := make(map[string]*bytes.Buffer, len(tables))
	for _, t := range tables {
		var b bytes.Buffer
		if _, err := conn.PgConn().CopyTo(ctx, &b, `COPY `+src+`.`+t+` TO STDOUT`); err != nil {
			return 0, 0, fmt.Errorf("read %s: %w", t, err)
		}
		data[t] = &b
	}
	// The import's tables are vacuumed and analyzed first, and a
	// checkpoint taken, so that the autovacuum and checkpoint the import
	// left due do not run during the COPY and slow the floor down (on a
	// small machine they took CPU from it). Untimed: the floor is the
	// COPY alone, on a server doing nothing else.
	for _, t := range tables {
		if _, err := conn.Exec(ctx, `VACUUM (ANALYZE) `+src+`.`+t); err != nil {
			return 0, 0, fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	// CHECKPOINT needs a superuser or pg_checkpoint: without, the floor
	// is measured as before.
	_, _ = conn.Exec(ctx, `CHECKPOINT`)
	start := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	var rows int64
	for _, t := range tables {
		tag, err := conn.PgConn().CopyFrom(ctx, data[t], `COPY `+to+`.`+t+` FROM STDIN`)
		if err != nil {
			tx.Rollback(ctx)
			return 0, 0, fmt.Errorf("copy %s: %w", t, err)
		}
		rows += tag.RowsAffected()
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, err
	}
	return time.Since(start).Seconds(), rows, nil
}
