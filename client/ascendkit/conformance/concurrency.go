package conformance

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// handles opens an environment and a second handle on it, as two
// processes (or two machines) would have.
func handles(t *testing.T, be Backend) [2]ascendkit.Environment {
	l := be.Open(t)
	return [2]ascendkit.Environment{l, be.Reopen(t, l)}
}

func testConcurrentWriters(t *testing.T, be Backend) {
	envs := handles(t, be)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			l := envs[w%2]
			for b := 0; b < 5; b++ {
				var batch ascendkit.ImportBatch
				for i := 0; i < 20; i++ {
					batch.Create = append(batch.Create, imported(w*1000+b*100+i))
				}
				if _, err := l.ApplyImport(ctx, batch, t0); err != nil {
					errs <- err
					return
				}
				if _, err := l.ListUsers(ctx, ascendkit.UserFilter{Limit: 10}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := envs[0].CountUsers(ctx); n != 400 {
		t.Errorf("%d users", n)
	}
}

// testConcurrentOverlappingImports runs two imports of the same 600 users
// at once through two handles, one front to back and one back to front
// (so they collide on every user), in batches. Every user must end up
// exactly once, with its rows once, and each importer must account for
// every user as created or already imported.
func testConcurrentOverlappingImports(t *testing.T, be Backend) {
	envs := handles(t, be)
	const n, batchSize = 600, 50
	var wg sync.WaitGroup
	results := make([]ascendkit.BatchResult, 2)
	errs := make(chan error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < n/batchSize; b++ {
				batch := ascendkit.ImportBatch{RunID: fmt.Sprintf("run_%d", w)}
				for i := 0; i < batchSize; i++ {
					k := b*batchSize + i
					if w == 1 {
						k = n - 1 - k
					}
					batch.Create = append(batch.Create, imported(k, "import:needs-password-reset"))
				}
				res, err := envs[w].ApplyImport(ctx, batch, t0)
				if err != nil {
					errs <- fmt.Errorf("importer %d: %w", w, err)
					return
				}
				results[w].Created += res.Created
				results[w].Links += res.Links
				results[w].Events += res.Events
				results[w].Existing = append(results[w].Existing, res.Existing...)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	l := envs[0]
	for table, want := range map[string]int{"users": n, "import_sources": n, "oauth_links": n, "user_tags": 2 * n, "events": 2 * n} {
		if got := be.Count(t, l, table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
	}
	if got := results[0].Created + results[1].Created; got != n {
		t.Errorf("created %d + %d, want %d in all", results[0].Created, results[1].Created, n)
	}
	if got := results[0].Links + results[1].Links; got != n {
		t.Errorf("links %d in all, want %d", got, n)
	}
	for w, r := range results {
		if r.Created+len(r.Existing) != n {
			t.Errorf("importer %d: created %d + existing %d, want %d", w, r.Created, len(r.Existing), n)
		}
		seen := map[string]bool{}
		for _, id := range r.Existing {
			if seen[id] {
				t.Errorf("importer %d: %s reported existing twice", w, id)
			}
			seen[id] = true
		}
	}
	// Each user's import record points at the user that holds its email.
	rows := be.Query(t, l, `SELECT COUNT(*) FROM import_sources s JOIN users u ON u.id = s.user_id
		WHERE u.email = lower('User' || substr(s.source_id, 6) || '@Example.com')`)
	if rows[0][0] != fmt.Sprint(n) {
		t.Errorf("%s import records match their user's email, want %d", rows[0][0], n)
	}
	t.Logf("overlapping imports: importer 0 created %d, importer 1 created %d, %d users in the end",
		results[0].Created, results[1].Created, be.Count(t, l, "users"))
}

// testActivationDuringImport activates a journey through one handle while
// another imports its audience in batches: every audience user must be
// enrolled exactly once, by the import or by the activation's backfill.
func testActivationDuringImport(t *testing.T, be Backend) {
	envs := handles(t, be)
	j, _, err := envs[0].CreateJourney(ctx, testJourney("Welcome cadence", "import:clerk"))
	if err != nil {
		t.Fatal(err)
	}
	const n, batchSize = 600, 20
	var wg sync.WaitGroup
	var enrolledByImport, enrolledByActivation int
	errs := make(chan error, 2)
	firstBatch := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		for b := 0; b < n/batchSize; b++ {
			var batch ascendkit.ImportBatch
			for i := 0; i < batchSize; i++ {
				u := imported(b*batchSize + i)
				if i%10 == 9 {
					u.User.Banned = true // never enrolled
				}
				batch.Create = append(batch.Create, u)
			}
			res, err := envs[0].ApplyImport(ctx, batch, t0)
			if err != nil {
				errs <- err
				return
			}
			enrolledByImport += res.Enrolled
			if b == 0 {
				close(firstBatch)
			}
		}
	}()
	go func() {
		defer wg.Done()
		<-firstBatch
		k, err := envs[1].ActivateJourney(ctx, j.ID, t0)
		if err != nil {
			errs <- err
			return
		}
		enrolledByActivation = k
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const audience = n - n/10
	if got := be.Count(t, envs[0], "enrollments"); got != audience {
		t.Errorf("%d enrollments, want %d", got, audience)
	}
	if enrolledByImport+enrolledByActivation != audience {
		t.Errorf("enrolled %d by the import + %d by activation, want %d", enrolledByImport, enrolledByActivation, audience)
	}
	if total, notEnrolled, err := envs[1].AudienceSize(ctx, j.ID); err != nil || total != audience || notEnrolled != 0 {
		t.Errorf("AudienceSize = %d, %d, %v", total, notEnrolled, err)
	}
	t.Logf("activation during import: %d enrolled by import batches, %d by the activation backfill", enrolledByImport, enrolledByActivation)
}

// testConcurrentMergesAndCreates merges two sources into the same existing
// users at once, while a third writer creates new users: every merge is
// applied once, with its links and tags once and one record per source id.
func testConcurrentMergesAndCreates(t *testing.T, be Backend) {
	envs := handles(t, be)
	const n = 100
	var base ascendkit.ImportBatch
	for i := 0; i < n; i++ {
		u := imported(i)
		u.Source = "signup"
		base.Create = append(base.Create, u)
	}
	if _, err := envs[0].ApplyImport(ctx, base, t0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	merged := make([]int, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < n/10; b++ {
				batch := ascendkit.ImportBatch{RunID: fmt.Sprintf("merge_%d", w)}
				for i := 0; i < 10; i++ {
					k := b*10 + i
					if w == 1 {
						k = n - 1 - k
					}
					batch.Merge = append(batch.Merge, ascendkit.Merge{
						Email: fmt.Sprintf("user%d@example.com", k), Source: fmt.Sprintf("crm%d", w), SourceID: fmt.Sprintf("c%d", k),
						Tags:       []string{"import:clerk", fmt.Sprintf("from:%d", w)},
						OAuthLinks: []ascendkit.OAuthLink{{Provider: "github", ProviderUserID: fmt.Sprintf("gh%d", k)}},
						ImportMeta: map[string]any{"by": w},
					})
				}
				res, err := envs[w].ApplyImport(ctx, batch, t0)
				if err != nil {
					errs <- err
					return
				}
				merged[w] += res.Merged
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		var batch ascendkit.ImportBatch
		for i := n; i < 2*n; i++ {
			batch.Create = append(batch.Create, imported(i))
		}
		if _, err := envs[1].ApplyImport(ctx, batch, t0); err != nil {
			errs <- err
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if merged[0] != n || merged[1] != n {
		t.Errorf("merged %v, want %d each", merged, n)
	}
	l := envs[0]
	for table, want := range map[string]int{
		"users":          2 * n,
		"import_sources": 4 * n,   // signup, crm0, crm1, clerk
		"oauth_links":    2*n + n, // google for all, github once per merged user
		"user_tags":      4 * n,   // import:clerk for all (once), from:0 and from:1 for merged
	} {
		if got := be.Count(t, l, table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
	}
	// One of the two merges set metadata.import; the other found it set.
	if got := be.Count(t, l, "import_merge_changes WHERE kind = 'meta'"); got != 0 {
		// Base users were imported with metadata.import already set.
		t.Errorf("%d meta merge records, want 0", got)
	}
}
