package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// PlanUndo says what UndoRun would remove, without writing.
func (s *Store) PlanUndo(ctx context.Context, runID string) (ascendkit.UndoPlan, error) {
	if err := s.undoable(ctx, runID); err != nil {
		return ascendkit.UndoPlan{}, err
	}
	// One snapshot for all the counts.
	var p ascendkit.UndoPlan
	err := s.db.Snapshot(ctx, func(tx Querier) error {
		var err error
		p, _, err = planUndo(ctx, tx, runID)
		return err
	})
	if err != nil {
		return ascendkit.UndoPlan{}, fmt.Errorf("plan undo %s: %w", runID, err)
	}
	return p, nil
}

// UndoRun removes what a run wrote, in one transaction: the users it
// created (cascading to their links, tags, events, enrollments, import
// records and password) and, for users it merged into, only the links,
// tags, enrollments and metadata keys it added and the empty identity
// fields it filled (unless changed since). The auth providers go
// back to what they were before the run when nothing changed them since.
// It refuses with an *UndoBlockedError when a later run merged into users
// this run created, unless force (those merges then go with the users).
// The run row is locked first, so two undos of one run cannot both
// proceed.
func (s *Store) UndoRun(ctx context.Context, runID string, force bool, at time.Time) (ascendkit.UndoPlan, error) {
	if err := s.undoable(ctx, runID); err != nil {
		return ascendkit.UndoPlan{}, err
	}
	var p ascendkit.UndoPlan
	err := s.db.Write(ctx, func(tx Querier) error {
		if s.d.LockRuns != "" {
			if _, err := tx.Exec(ctx, s.d.LockRuns); err != nil {
				return err
			}
		}
		// Checked again under the lock: a run may have started since.
		if err := s.otherRunning(ctx, tx, runID); err != nil {
			return err
		}
		// The live runs' rows (whose recorded providers decide what the
		// undo turns off, and which may take over that duty) and the
		// providers setting are locked, in one order, so that concurrent
		// undos take turns instead of each deciding on a stale view.
		if err := s.lock(ctx, tx, `SELECT id `+undoRuns, runID, ascendkit.RunUndone); err != nil {
			return err
		}
		if err := s.lock(ctx, tx, `SELECT key FROM settings WHERE key = $1`, rules.SettingAuthProviders); err != nil {
			return err
		}
		// And the journeys, which an activation updates first: one in
		// flight finishes before the undo reads (its backfill's records,
		// see recordBackfill, are then the undo's to remove), and one
		// starting waits for the undo, so that its backfill sees the
		// tags gone instead of enrolling users for them under a run
		// undone meanwhile. The whole table, not its rows: a journey
		// created active backfills on a row no row lock could cover.
		// SHARE lets readers (and imports' reads) through and holds off
		// every insert and update.
		if s.d.ForUpdate != "" {
			if _, err := tx.Exec(ctx, `LOCK TABLE journeys IN SHARE MODE`); err != nil {
				return err
			}
		}
		// Checked again inside the transaction: another undo may have won.
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM import_runs WHERE id = $1`+s.d.ForUpdate, runID).Scan(&status); err != nil {
			return err
		}
		if err := rules.Undoable(ascendkit.Run{ID: runID, Status: status}); err != nil {
			return err
		}
		var pv providerUndo
		var err error
		if p, pv, err = planUndo(ctx, tx, runID); err != nil {
			return err
		}
		if len(p.Blockers) > 0 && !force {
			return &ascendkit.UndoBlockedError{Blockers: p.Blockers, Users: p.BlockedUsers}
		}
		return s.undo(ctx, tx, runID, pv, at)
	})
	if err != nil {
		return ascendkit.UndoPlan{}, fmt.Errorf("undo %s: %w", runID, err)
	}
	return p, nil
}

// undoable says why run runID (settled, see GetRun) cannot be undone, if
// it cannot.
func (s *Store) undoable(ctx context.Context, runID string) error {
	r, err := s.GetRun(ctx, runID)
	if err != nil {
		return err
	}
	if err := rules.Undoable(r); err != nil {
		return err
	}
	return s.otherRunning(ctx, s.db, runID)
}

// otherRunning refuses an undo of run runID while another run of the
// environment is running (settled first: a dead one reads interrupted).
// That run looked its users up before the undo removed them, and would
// count them imported already: they would be lost.
// leftoverAfter is how long after its start a heartbeat-less run of
// another host stops counting as importing for undo (see otherRunning):
// far longer than an import of millions of users takes.
const leftoverAfter = 12 * time.Hour

func (s *Store) otherRunning(ctx context.Context, q Querier, runID string) error {
	var other string
	// A run of another host without a heartbeat (recorded by a version
	// before them) is never settled dead, and would refuse every undo for
	// good: one started longer ago than any import lasts is not taken for
	// a live one here. On this host the pid check settles such runs.
	host, _ := ownHost()
	err := q.QueryRow(ctx, `SELECT id FROM import_runs WHERE status = $1 AND id <> $2
		AND NOT (heartbeat_at IS NULL AND host <> $4 AND started_at < $3) ORDER BY started_at, id LIMIT 1`,
		ascendkit.RunRunning, runID, rules.FormatTime(s.clock().Add(-leftoverAfter)), host).Scan(&other)
	if errors.Is(err, ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("run %s: %w: run %s is importing now; undo %s after it ends", runID, ascendkit.ErrInvalid, other, runID)
}

// heldBy is the condition, over merge record c of the run ($1), that
// another run's merge record (of kind, added or held) brought the same
// link, tag or enrollment: undoing the run then leaves it. Every record
// left belongs to a run not undone, since undo deletes the run's records.
func heldBy(kind string) string {
	return `EXISTS (SELECT 1 FROM import_merge_changes o WHERE o.user_id = c.user_id AND o.k1 = c.k1 AND o.k2 = c.k2
		AND o.kind IN ('` + kind + `', '` + kind + `-held') AND o.run_id <> $1)`
}

// planUndo counts what undoing run runID removes, and works out which
// auth providers it turns off (see providersToUndo).
func planUndo(ctx context.Context, tx Querier, runID string) (p ascendkit.UndoPlan, pv providerUndo, err error) {
	p = ascendkit.UndoPlan{RunID: runID}
	err = tx.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE import_run = $1),
		(SELECT COUNT(*) FROM import_sources s JOIN users u ON u.id = s.user_id WHERE s.run_id = $1 AND u.import_run <> $1),
		(SELECT COUNT(*) FROM import_merge_changes c WHERE run_id = $1 AND kind = 'link' AND NOT `+heldBy("link")+`),
		(SELECT COUNT(*) FROM import_merge_changes c WHERE run_id = $1 AND kind = 'tag' AND NOT `+heldBy("tag")+`),
		(SELECT COUNT(DISTINCT user_id) FROM import_merge_changes WHERE run_id = $1 AND kind = 'meta'),
		(SELECT COUNT(*) FROM import_merge_changes WHERE run_id = $1 AND kind = 'fields'),
		(SELECT COUNT(*) FROM import_merge_changes c WHERE run_id = $1 AND kind = 'enrollment' AND NOT `+heldBy("enrollment")+`),
		(SELECT COUNT(DISTINCT u.id) FROM users u JOIN import_sources s ON s.user_id = u.id WHERE u.import_run = $1 AND s.run_id <> $1),
		(SELECT COUNT(*) FROM (
			SELECT e.user_id FROM enrollments e JOIN users u ON u.id = e.user_id WHERE u.import_run = $1
			UNION
			SELECT c.user_id FROM import_merge_changes c WHERE run_id = $1 AND kind = 'enrollment' AND NOT `+heldBy("enrollment")+`) AS enrolled)`, runID).
		Scan(&p.Users, &p.MergedUsers, &p.Links, &p.Tags, &p.Metadata, &p.Fields, &p.Enrollments, &p.BlockedUsers, &p.EnrolledUsers)
	if err != nil {
		return p, pv, err
	}
	// One line per user (the first later run that merged into it), so
	// that the list and the count agree.
	rows, err := tx.Query(ctx, `SELECT MIN(s.run_id), u.id, u.email FROM users u JOIN import_sources s ON s.user_id = u.id
		WHERE u.import_run = $1 AND s.run_id <> $1 GROUP BY u.id, u.email ORDER BY MIN(s.run_id), u.email LIMIT $2`, runID, rules.MaxBlockers)
	p.Blockers, err = collect(rows, err, func(r Row) (ascendkit.UndoBlocker, error) {
		var b ascendkit.UndoBlocker
		err := r.Scan(&b.RunID, &b.UserID, &b.Email)
		return b, err
	})
	if err != nil {
		return p, pv, err
	}
	if pv, err = providersToUndo(ctx, tx, runID); err != nil {
		return p, pv, err
	}
	p.Settings = len(pv.remove) > 0
	return p, pv, nil
}

// undo removes what run runID wrote and turns off the auth providers pv
// says.
func (s *Store) undo(ctx context.Context, tx Querier, runID string, pv providerUndo, at time.Time) error {
	steps := []struct{ what, query string }{
		// Merges: remove exactly what each merge added, but a link, tag
		// or enrollment only when no other run brought it too.
		{"links", `DELETE FROM oauth_links WHERE (user_id, provider, provider_user_id) IN
			(SELECT c.user_id, c.k1, c.k2 FROM import_merge_changes c WHERE c.run_id = $1 AND c.kind = 'link' AND NOT ` + heldBy("link") + `)`},
		{"tags", `DELETE FROM user_tags WHERE (user_id, tag) IN
			(SELECT c.user_id, c.k1 FROM import_merge_changes c WHERE c.run_id = $1 AND c.kind = 'tag' AND NOT ` + heldBy("tag") + `)`},
		{"enrollments", `DELETE FROM enrollments WHERE (journey_id, user_id) IN
			(SELECT c.k1, c.user_id FROM import_merge_changes c WHERE c.run_id = $1 AND c.kind = 'enrollment' AND NOT ` + heldBy("enrollment") + `)`},
		// What the run added and another run holds is now that run's to
		// remove: its held record becomes an added one, so that undoing
		// the last run that brought it removes it, while a tag the user
		// had before any import (only ever held) stays.
		{"held links", handOver("link")},
		{"held tags", handOver("tag")},
		{"held enrollments", handOver("enrollment")},
		{"metadata", s.d.UndoMetadata},
		{"metadata changed since", ""}, // undoMetadata
		{"identity fields", s.d.UndoIdentity},
		{"merge records", `DELETE FROM import_merge_changes WHERE run_id = $1`},
		{"import records", `DELETE FROM import_sources WHERE run_id = $1`},
		// Created users: the foreign keys would cascade to their rows, but
		// deleting each child table in bulk first is faster than row-by-row
		// cascades (SQLite, 100k users: 8.6 s → 5.6 s in BenchmarkUndo100k);
		// the cascade still catches anything else that references them.
		{"events", `DELETE FROM events WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"user links", `DELETE FROM oauth_links WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"user tags", `DELETE FROM user_tags WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"enrollments", `DELETE FROM enrollments WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"passwords", `DELETE FROM user_passwords WHERE user_id IN (SELECT id FROM users WHERE import_run = $1)`},
		{"users", `DELETE FROM users WHERE import_run = $1`},
	}
	for _, st := range steps {
		if st.query == "" {
			if err := undoMetadata(ctx, tx, runID); err != nil {
				return fmt.Errorf("removing %s: %w", st.what, err)
			}
			continue
		}
		if _, err := tx.Exec(ctx, st.query, runID); err != nil {
			return fmt.Errorf("removing %s: %w", st.what, err)
		}
	}
	if err := pv.apply(ctx, tx); err != nil {
		return fmt.Errorf("restoring auth settings: %w", err)
	}
	_, err := tx.Exec(ctx, `UPDATE import_runs SET status = $1, undone_at = $2 WHERE id = $3`, ascendkit.RunUndone, rules.FormatTime(at), runID)
	return err
}

// handOver turns the other runs' held records of what run $1 added (kind
// is "link", "tag" or "enrollment") into added ones. A run that recorded
// it added already keeps that record (the primary key allows one).
func handOver(kind string) string {
	return `UPDATE import_merge_changes SET kind = '` + kind + `' WHERE kind = '` + kind + `-held' AND run_id <> $1
		AND (user_id, k1, k2) IN (SELECT user_id, k1, k2 FROM import_merge_changes WHERE run_id = $1 AND kind = '` + kind + `')
		AND NOT EXISTS (SELECT 1 FROM import_merge_changes a WHERE a.run_id = import_merge_changes.run_id
			AND a.user_id = import_merge_changes.user_id AND a.kind = '` + kind + `'
			AND a.k1 = import_merge_changes.k1 AND a.k2 = import_merge_changes.k2)`
}

// providerUndo is what undoing a run does to the auth providers: the
// ones it turns off, and the ones live runs take over (owned: each such
// run's providers_owned after the undo).
type providerUndo struct {
	remove []string
	// set is the providers setting to write (nil: delete it), when
	// remove is not empty.
	set   *string
	owned map[string]string
}

// undoRuns are the runs an undo of run $1 locks and then reads to decide
// which providers it turns off (run $1 and every run not $2, undone): one
// text, so that the lock covers exactly what the decision reads.
const undoRuns = `FROM import_runs WHERE id = $1 OR status <> $2 ORDER BY id`

// providersToUndo works out which auth providers undoing run runID turns
// off. The run is answerable for the providers it enabled (on at its end,
// off at its start) and those passed to it by runs undone before. Of
// those, a provider still on goes unless another live run finished with
// it on: that run's users may sign in with it, so it stays, and turning
// it off passes to that run. A run recording no end (killed) may rely on
// any provider. The providers a run finished with are the signal, not
// its report's detected providers: they are recorded by the store for
// every finished run, also when the settings phase was skipped or the
// providers overridden, and they are never fewer than the run's users
// need. A provider someone enabled by hand is never removed: one no run
// enabled is not the run's, and one whose last change by hand (auth
// update) turned it on stays too, even when the run enabled it first,
// since a person asked for it since. Nor is one turned back on (undo only
// turns off).
func providersToUndo(ctx context.Context, tx Querier, runID string) (providerUndo, error) {
	var pv providerUndo
	cur, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
	if err != nil {
		return pv, err
	}
	now, ok := providerSet(cur)
	if !ok {
		return pv, nil // unreadable: someone else's, left alone
	}
	type runProviders struct {
		id, status, started, lastSeen  string
		finished, before, after, owned *string
	}
	rows, err := tx.Query(ctx, `SELECT id, status, started_at, COALESCE(heartbeat_at, started_at), finished_at,
		providers_before, providers_after, providers_owned `+undoRuns, runID, ascendkit.RunUndone)
	runs, err := collect(rows, err, func(r Row) (runProviders, error) {
		var x runProviders
		return x, r.Scan(&x.id, &x.status, &x.started, &x.lastSeen, &x.finished, &x.before, &x.after, &x.owned)
	})
	if err != nil {
		return pv, err
	}
	var before *string
	var started time.Time
	answerable := map[string]bool{}
	for _, r := range runs {
		if r.id != runID {
			continue
		}
		before = r.before
		started, _ = rules.ParseTime(r.started)
		owned, _ := providerSet(r.owned)
		for p := range owned {
			answerable[p] = true
		}
		if r.finished != nil {
			b, okB := providerSet(r.before)
			a, okA := providerSet(r.after)
			for p := range a {
				if okA && okB && !b[p] {
					answerable[p] = true
				}
			}
		}
	}
	hand, err := byHand(ctx, tx)
	if err != nil {
		return pv, err
	}
	candidates := map[string]bool{}
	for p := range answerable {
		if now[p] && !hand[p].On {
			candidates[p] = true
		}
	}
	if len(candidates) == 0 {
		return pv, nil
	}
	relied := map[string]bool{}
	for _, r := range runs {
		if r.id == runID {
			continue
		}
		after, ok := providerSet(r.after)
		if r.finished == nil || !ok {
			// No end recorded. A run still going, or one that was alive
			// after this run started, may rely on any provider; one that
			// died before this run started relied on those of its start.
			after = now
			last, err := rules.ParseTime(r.lastSeen)
			if b, okB := providerSet(r.before); r.status != ascendkit.RunRunning && err == nil && !started.IsZero() && last.Before(started) && okB {
				after = b
			}
		}
		var took []string
		for p := range candidates {
			if after[p] {
				relied[p] = true
				took = append(took, p)
			}
		}
		if len(took) == 0 {
			continue
		}
		owned, _ := providerSet(r.owned)
		for _, p := range took {
			owned[p] = true
		}
		if pv.owned == nil {
			pv.owned = map[string]string{}
		}
		pv.owned[r.id] = providerJSON(owned)
	}
	left := map[string]bool{}
	for p := range now {
		if candidates[p] && !relied[p] {
			pv.remove = append(pv.remove, p)
		} else {
			left[p] = true
		}
	}
	slices.Sort(pv.remove)
	if len(pv.remove) == 0 {
		return pv, nil
	}
	// Back to the text from before the run when that is what is left,
	// so an undo that turns off all the run added leaves no trace.
	if b, ok := providerSet(before); ok && maps.Equal(b, left) {
		pv.set = before
	} else if len(left) > 0 {
		v := providerJSON(left)
		pv.set = &v
	}
	return pv, nil
}

// apply writes what pv says, inside the undo's transaction.
func (pv providerUndo) apply(ctx context.Context, tx Querier) error {
	for id, owned := range pv.owned {
		if _, err := tx.Exec(ctx, `UPDATE import_runs SET providers_owned = $1 WHERE id = $2`, owned, id); err != nil {
			return err
		}
	}
	if len(pv.remove) == 0 {
		return nil
	}
	if pv.set != nil {
		return putSetting(ctx, tx, rules.SettingAuthProviders, *pv.set)
	}
	_, err := tx.Exec(ctx, `DELETE FROM settings WHERE key = $1`, rules.SettingAuthProviders)
	return err
}

// providerSet reads a providers setting (nil: absent, no providers);
// ok is false when the text is not a JSON array of names.
func providerSet(v *string) (map[string]bool, bool) {
	set := map[string]bool{}
	if v == nil || *v == "" {
		return set, true
	}
	var ps []string
	if err := json.Unmarshal([]byte(*v), &ps); err != nil {
		return set, false
	}
	for _, p := range rules.NormProviders(ps) {
		set[p] = true
	}
	return set, true
}

// providerJSON is a provider set as stored: a sorted JSON array.
func providerJSON(set map[string]bool) string {
	b, _ := json.Marshal(slices.Sorted(maps.Keys(set))) // []string always marshals
	return string(b)
}

// undoMetadataPage is how many users undoMetadata reads at a time.
const undoMetadataPage = 500

// metaChange is a merge's record of the metadata it changed.
type metaChange struct{ before, after string }

// undoMetadata puts back the metadata of the users run runID merged into
// that the dialect's UndoMetadata (run first) left: those the run merged
// into more than once, and those whose metadata changed since. The run's
// merges are unwound last first, each while the metadata is still what
// it wrote. What is left of them then (the metadata changed since) goes
// key by key: a key a merge added goes where it still has the merge's
// value ("import" whatever its value, as the import's own record), and
// everything else stays.
func undoMetadata(ctx context.Context, tx Querier, runID string) error {
	const pending = `FROM import_merge_changes c JOIN users u ON u.id = c.user_id
		WHERE c.run_id = $1 AND c.kind = 'meta'`
	last := ""
	for {
		rows, err := tx.Query(ctx, `SELECT DISTINCT c.user_id `+pending+` AND c.user_id > $2
			AND ((c.after <> u.metadata AND c.before <> u.metadata) OR EXISTS (SELECT 1 FROM import_merge_changes d
				WHERE d.run_id = $1 AND d.kind = 'meta' AND d.user_id = c.user_id AND d.k1 <> c.k1))
			ORDER BY c.user_id LIMIT $3`, runID, last, undoMetadataPage)
		ids, err := collect(rows, err, func(r Row) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
		type change struct {
			user, current string
			metaChange
		}
		rows, err = tx.Query(ctx, `SELECT c.user_id, u.metadata, c.before, c.after `+pending+` AND c.user_id > $2 AND c.user_id <= $3`,
			runID, last, ids[len(ids)-1])
		changes, err := collect(rows, err, func(r Row) (change, error) {
			var c change
			return c, r.Scan(&c.user, &c.current, &c.before, &c.after)
		})
		if err != nil {
			return err
		}
		byUser := map[string][]metaChange{}
		current := map[string]string{}
		for _, c := range changes {
			if want[c.user] {
				byUser[c.user] = append(byUser[c.user], c.metaChange)
				current[c.user] = c.current
			}
		}
		for _, id := range ids {
			cur := current[id]
			next, err := unwindMetadata(cur, byUser[id])
			if err != nil {
				return fmt.Errorf("user %s: %w", id, err)
			}
			if next != cur {
				if _, err := tx.Exec(ctx, `UPDATE users SET metadata = $1 WHERE id = $2`, next, id); err != nil {
					return err
				}
			}
		}
		if len(ids) < undoMetadataPage {
			return nil
		}
		last = ids[len(ids)-1]
	}
}

// unwindMetadata is metadata cur with the changes of one run's merges
// undone (see undoMetadata). Metadata that is not a JSON object then is
// someone else's, and stays.
func unwindMetadata(cur string, changes []metaChange) (string, error) {
	left := slices.Clone(changes)
	// Each merge wrote after over before: while the metadata is one's
	// after, nothing changed it since, and its before goes back.
	for {
		i := slices.IndexFunc(left, func(c metaChange) bool { return c.after == cur })
		if i < 0 {
			break
		}
		cur = left[i].before // before Delete moves the records
		left = slices.Delete(left, i, i+1)
	}
	if len(left) == 0 {
		return cur, nil
	}
	var md map[string]any
	if err := rules.DecodeExact(cur, &md); err != nil || md == nil {
		return cur, nil
	}
	changed := false
	for _, c := range left {
		var before, after map[string]any
		if err := rules.DecodeExact(c.after, &after); err != nil {
			continue // not written by a merge: nothing of it is known
		}
		if rules.DecodeExact(c.before, &before) != nil {
			before = nil // started over: every key was the merge's
		}
		for k, v := range after {
			if _, had := before[k]; had {
				continue
			}
			now, ok := md[k]
			if !ok {
				continue
			}
			same, err := sameJSON(now, v)
			if err != nil {
				return "", err
			}
			if same || k == "import" {
				delete(md, k)
				changed = true
			}
		}
	}
	if !changed {
		return cur, nil
	}
	return rules.MarshalObject(md)
}
