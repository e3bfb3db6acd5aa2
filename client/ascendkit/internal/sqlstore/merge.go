package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// SourceKey is a user's (source, source id) import record.
type SourceKey struct{ Source, ID string }

// ActiveJourney is what import-time enrollment needs of a journey.
type ActiveJourney struct{ ID, Entry, Tag string }

// ActiveJourneys lists the active journeys, oldest first.
func ActiveJourneys(ctx context.Context, q Querier) ([]ActiveJourney, error) {
	rows, err := q.Query(ctx, `SELECT id, entry, audience_tag FROM journeys WHERE status = 'active' ORDER BY created_at, id`)
	return collect(rows, err, func(r Row) (ActiveJourney, error) {
		var j ActiveJourney
		return j, r.Scan(&j.ID, &j.Entry, &j.Tag)
	})
}

// MergeTx is a backend's statements for adding a Merge to an existing
// user inside the batch's write transaction. The inserts report whether
// they wrote a row (false: it was there already).
type MergeTx interface {
	// FindUser returns the user with the (normalised) email; ok is false
	// when there is none. Where writers run concurrently it locks the
	// row, so merges into one user apply one after the other.
	FindUser(ctx context.Context, email string) (id string, banned bool, metadata string, ok bool, err error)
	// OtherSource is a source id of source other than sourceID and those
	// of own recorded for the user by a run not in runs (the least), ""
	// when there is none.
	OtherSource(ctx context.Context, userID, source, sourceID string, runs, own []string) (string, error)
	// AddSource records the merge's source id for the user; false when
	// someone recorded it first.
	AddSource(ctx context.Context, source, sourceID, userID, runID string) (bool, error)
	AddLink(ctx context.Context, userID string, ln ascendkit.OAuthLink) (bool, error)
	AddTag(ctx context.Context, userID, tag string) (bool, error)
	SetMetadata(ctx context.Context, userID, metadata string) error
	// FillIdentity sets each identity field of fill the user has none
	// of yet (phone and its verification together) and returns the
	// identity columns before and after, as JSON text.
	FillIdentity(ctx context.Context, userID string, fill *ascendkit.User, ident rules.Identity) (before, after string, err error)
	// Enroll enrolls the user into a journey at its entry, now.
	Enroll(ctx context.Context, j ActiveJourney, userID, now string) (bool, error)
	// Record notes one thing a merge added, so that undo removes exactly
	// that: kind, its keys k1 and k2, and what it replaced (before,
	// after; nil when it added a row).
	Record(ctx context.Context, runID, userID, kind, k1, k2 string, before, after any) error
}

// ApplyMerges adds each Merge of the batch to the user with its email,
// recording what it added for undo: links and tags the user lacks,
// metadata.import and the source's metadata keys where absent, identity fields the user has none of, and
// enrollments into the active journeys whose audience tag the user newly
// gained (not for a banned user). The links, tags and enrollments it
// brings that were there already are recorded as held, so that undoing
// another run that added them leaves them while this one stands. A merge whose source id is in seen, or
// recorded meanwhile, is listed in Existing; one whose email matches
// nobody is listed in MergeTargetGone; a SoleID one whose user has another id of
// the same source recorded (an import created it from, or merged it
// with, another user of the source, maybe meanwhile) is listed in
// MergedWithOther. seen gains the source ids merged.
func ApplyMerges(ctx context.Context, tx MergeTx, batch ascendkit.ImportBatch, seen map[SourceKey]bool,
	journeys []ActiveJourney, now string, res *ascendkit.BatchResult) error {
	for i := range batch.Merge {
		if err := applyMerge(ctx, tx, batch.RunID, &batch.Merge[i], seen, journeys, now, res); err != nil {
			return err
		}
	}
	return nil
}

func applyMerge(ctx context.Context, tx MergeTx, runID string, m *ascendkit.Merge, seen map[SourceKey]bool,
	journeys []ActiveJourney, now string, res *ascendkit.BatchResult) error {
	key := SourceKey{Source: m.Source, ID: m.SourceID}
	if seen[key] {
		res.Existing = append(res.Existing, m.SourceID)
		return nil
	}
	email := rules.NormEmail(m.Email)
	id, banned, meta, ok, err := tx.FindUser(ctx, email)
	if err == nil && !ok {
		if l := emailaddr.Legacy(email); l != "" {
			id, banned, meta, ok, err = tx.FindUser(ctx, l) // stored by an earlier version
		}
	}
	if err != nil {
		return fmt.Errorf("merge %s: %w", m.SourceID, err)
	}
	if !ok {
		// The caller found a user with this email before the batch, and
		// it is gone now (undone or deleted meanwhile): the merge cannot
		// happen, and must not pass for done.
		res.MergeTargetGone = append(res.MergeTargetGone, m.SourceID)
		return nil
	}
	// Two ids of one source are two accounts: the lookup refused a user
	// recorded with another by an earlier run, and this refuses one
	// recorded meanwhile (another run's merge or create committed since),
	// under the user's row lock where writers run concurrently. The run's
	// own records do not count: a later listing of the source merges into
	// an earlier one's user by the caller's rules.
	if m.SoleID {
		other, err := tx.OtherSource(ctx, id, m.Source, m.SourceID, append([]string{runID}, m.Resumes...), m.Own)
		if err != nil {
			return fmt.Errorf("merge %s: %w", m.SourceID, err)
		}
		if other != "" {
			res.MergedWithOther = append(res.MergedWithOther, ascendkit.OtherSourceMerge{SourceID: m.SourceID, UserID: id, OtherID: other})
			return nil
		}
	}
	seen[key] = true
	// The import record goes first: when another writer recorded this
	// source id meanwhile, the merge is theirs and nothing is added.
	added, err := tx.AddSource(ctx, m.Source, m.SourceID, id, runID)
	if err != nil {
		return fmt.Errorf("source id %s: %w", m.SourceID, err)
	}
	if !added {
		res.Existing = append(res.Existing, m.SourceID)
		return nil
	}
	record := func(kind, k1, k2 string, before, after any) error {
		if err := tx.Record(ctx, runID, id, kind, k1, k2, before, after); err != nil {
			return fmt.Errorf("record merge of %s: %w", id, err)
		}
		return nil
	}
	for _, ln := range m.OAuthLinks {
		ln.Email = rules.NormEmail(ln.Email)
		added, err := tx.AddLink(ctx, id, ln)
		if err != nil {
			return fmt.Errorf("link %s of %s: %w", ln.Provider, m.SourceID, err)
		}
		// A link there already is recorded as held, like a tag below
		// (harmless when the link is another user's: undo matches the
		// user too).
		kind := "link-held"
		if added {
			res.Links++
			kind = "link"
		}
		if err := record(kind, ln.Provider, ln.ProviderUserID, nil, nil); err != nil {
			return err
		}
	}
	// A tag the user has already is recorded as held: undoing another
	// run that brought it then leaves it while this run stands.
	tags := rules.CleanTags(m.Tags)
	var gained []string
	for _, t := range tags {
		added, err := tx.AddTag(ctx, id, t)
		if err != nil {
			return fmt.Errorf("tag %s of %s: %w", t, m.SourceID, err)
		}
		kind := "tag-held"
		if added {
			gained, kind = append(gained, t), "tag"
		}
		if err := record(kind, t, "", nil, nil); err != nil {
			return err
		}
	}
	// The source's metadata (Fill.Metadata: its public metadata as
	// mapped, its own import key moved aside) is added key by key where
	// the user has none; metadata.import is the merge's own record.
	md, changed, kept, err := mergeMetadata(meta, m.ImportMeta, m.Fill.Metadata)
	if err != nil {
		return fmt.Errorf("merge %s metadata: %w", m.SourceID, err)
	}
	if len(kept) > 0 {
		res.MetadataKept = append(res.MetadataKept, ascendkit.KeptMetadata{SourceID: m.SourceID, Keys: kept})
	}
	if changed {
		if err := tx.SetMetadata(ctx, id, md); err != nil {
			return fmt.Errorf("merge %s metadata: %w", m.SourceID, err)
		}
		// Keyed by the source id: two merges of one run into one user
		// each keep their own record, which undo unwinds in turn.
		if err := record("meta", m.SourceID, "", meta, md); err != nil {
			return err
		}
	}
	ident, err := rules.IdentityArgs(&m.Fill)
	if err != nil {
		return fmt.Errorf("merge %s: %w", m.SourceID, err)
	}
	// A merge never overwrites. The identity columns before and after the
	// fill are recorded when they differ, so that undo can put back
	// exactly what was there.
	before, after, err := tx.FillIdentity(ctx, id, &m.Fill, ident)
	if err != nil {
		return fmt.Errorf("merge %s identity: %w", m.SourceID, err)
	}
	if after != before {
		if err := record("fields", "", "", before, after); err != nil {
			return err
		}
	}
	if !banned {
		for _, j := range journeys {
			if j.Tag == "" || !slices.Contains(tags, j.Tag) {
				continue
			}
			// Only a newly gained tag enrolls; for one the user had, the
			// enrollment it implies is recorded as held, like the tag.
			kind := "enrollment-held"
			if slices.Contains(gained, j.Tag) {
				added, err := tx.Enroll(ctx, j, id, now)
				if err != nil {
					return fmt.Errorf("enroll %s: %w", m.SourceID, err)
				}
				if added {
					res.Enrolled++
					kind = "enrollment"
				}
			}
			if err := record(kind, j.ID, "", nil, nil); err != nil {
				return err
			}
		}
	}
	res.Merged++
	return nil
}

// RecordedMerges adds to seen the source ids of merges that are recorded
// already, found with lookup (the backend's source id lookup, run in the
// batch's transaction), one call per source.
func RecordedMerges(ctx context.Context, merges []ascendkit.Merge, seen map[SourceKey]bool,
	lookup func(ctx context.Context, source string, ids []string) (map[string]ascendkit.Match, error)) error {
	if len(merges) == 0 {
		return nil
	}
	bySource := make(map[string][]string)
	for _, m := range merges {
		bySource[m.Source] = append(bySource[m.Source], m.SourceID)
	}
	for src, ids := range bySource {
		found, err := lookup(ctx, src, ids)
		if err != nil {
			return err
		}
		for id := range found {
			seen[SourceKey{Source: src, ID: id}] = true
		}
	}
	return nil
}

// mergeMetadata is the user's stored metadata (text meta) with what a
// merge brings: metadata.import (importMeta) when absent, and each key of
// source but "import" the user does not have. It never overwrites: kept
// lists, sorted, the source keys the user has with another value (the
// user's value stays). changed says whether out differs from meta.
// Unreadable or null metadata is started over (undo puts the text back).
func mergeMetadata(meta string, importMeta, source map[string]any) (out string, changed bool, kept []string, err error) {
	if importMeta == nil && len(source) == 0 {
		return meta, false, nil, nil
	}
	var md map[string]any
	if err := rules.DecodeExact(meta, &md); err != nil || md == nil {
		md = map[string]any{}
	}
	add := func(k string, v any) error {
		have, ok := md[k]
		if !ok {
			md[k], changed = v, true
			return nil
		}
		same, err := sameJSON(have, v)
		if err == nil && !same {
			kept = append(kept, k)
		}
		return err
	}
	if importMeta != nil {
		if _, ok := md["import"]; !ok {
			md["import"], changed = importMeta, true
		}
	}
	for k, v := range source {
		if k == "import" {
			continue // the import's own record, as importMeta
		}
		if err := add(k, v); err != nil {
			return "", false, nil, fmt.Errorf("key %q: %w", k, err)
		}
	}
	slices.Sort(kept)
	if !changed {
		return meta, false, kept, nil
	}
	out, err = rules.MarshalObject(md)
	return out, err == nil, kept, err
}

// sameJSON reports whether a and b are written as the same JSON (numbers
// are json.Number on both sides, so they compare by their text).
func sameJSON(a, b any) (bool, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	return string(ja) == string(jb), nil
}
