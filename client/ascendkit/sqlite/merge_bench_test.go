package sqlite

import (
	"fmt"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// BenchmarkApplyMerge measures the merge path: batches of merges into
// users that exist, each adding a link, a tag that enrolls, the import
// metadata and an identity field, all recorded for undo.
func BenchmarkApplyMerge(b *testing.B) {
	l := openWithJourney(b, "import:merged")
	const batchSize = 250
	n := 0
	for b.Loop() {
		b.StopTimer()
		create := ascendkit.ImportBatch{RunID: "made", Create: make([]ascendkit.ImportedUser, batchSize)}
		merge := ascendkit.ImportBatch{RunID: "bench", Merge: make([]ascendkit.Merge, batchSize)}
		for k := range create.Create {
			u := imported(n)
			create.Create[k] = u
			merge.Merge[k] = ascendkit.Merge{
				Email:      u.User.Email,
				Source:     "other",
				SourceID:   fmt.Sprintf("o_%d", n),
				Tags:       []string{"import:merged"},
				OAuthLinks: []ascendkit.OAuthLink{{Provider: "github", ProviderUserID: fmt.Sprintf("gh%d", n)}},
				ImportMeta: map[string]any{"sourceId": fmt.Sprintf("o_%d", n)},
				Fill:       ascendkit.User{Username: fmt.Sprintf("user%d", n)},
			}
			n++
		}
		if _, err := l.ApplyImport(ctx, create, t0); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := l.ApplyImport(ctx, merge, t0)
		if err != nil {
			b.Fatal(err)
		}
		if res.Merged != batchSize || res.Enrolled != batchSize || res.Links != batchSize {
			b.Fatalf("merged %d, enrolled %d, links %d", res.Merged, res.Enrolled, res.Links)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "merges/s")
}
