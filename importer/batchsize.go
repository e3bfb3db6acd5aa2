package importer

import (
	"encoding/json"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// batchFull says the pending batch is due: it has batchLimit writes, or
// carries maxBatchBytes.
func (r *runner) batchFull() bool {
	return len(r.pending.Create)+len(r.pending.Merge) >= r.batchLimit || r.pendingBytes >= maxBatchBytes
}

// userOverhead is about what a user costs in a batch beside its metadata
// (ids, addresses, tags, links, events): the bench's usual users.
const userOverhead = 1 << 10

// userBytes is about how much memory u holds: its metadata, which is
// where users differ by orders of magnitude, walked, plus userOverhead.
// It is an estimate for bounding batches, not an exact count.
func userBytes(u *ascendkit.User) int {
	n := userOverhead
	for _, m := range []map[string]any{u.Metadata, u.PrivateMetadata, u.UnsafeMetadata} {
		n += valueBytes(m)
	}
	return n
}

// valueBytes estimates a decoded JSON value's size: its strings' bytes
// plus a word or two per value for the headers that hold them.
func valueBytes(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := 48
		for k, e := range v {
			n += len(k) + 16 + valueBytes(e)
		}
		return n
	case []any:
		n := 24
		for _, e := range v {
			n += valueBytes(e)
		}
		return n
	case string:
		return len(v) + 16
	case json.Number:
		return len(v) + 16
	default:
		return 16
	}
}
