package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

const journeySelect = `SELECT j.id, j.name, j.description, j.status, j.audience_tag, j.entry, j.definition,
	j.created_at, j.activated_at,
	COUNT(e.user_id), COUNT(e.user_id) FILTER (WHERE e.status = 'active'), COUNT(e.user_id) FILTER (WHERE e.status = 'completed')
FROM journeys j LEFT JOIN enrollments e ON e.journey_id = j.id`

// journeyRef resolves a journey by id, else by exact name ($1).
const journeyRef = `(SELECT id FROM journeys WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1)`

func scanJourney(row Row) (ascendkit.Journey, error) {
	var j ascendkit.Journey
	var def, created string
	var activated *string
	if err := row.Scan(&j.ID, &j.Name, &j.Description, &j.Status, &j.Audience.Tag, &j.Entry, &def,
		&created, &activated, &j.Stats.Enrolled, &j.Stats.Active, &j.Stats.Completed); err != nil {
		return ascendkit.Journey{}, err
	}
	var d rules.Definition
	if err := json.Unmarshal([]byte(def), &d); err != nil {
		return ascendkit.Journey{}, fmt.Errorf("journey %s definition: %w", j.ID, err)
	}
	j.Nodes, j.Transitions = d.Nodes, d.Transitions
	if j.Nodes == nil {
		j.Nodes = []ascendkit.Node{}
	}
	if j.Transitions == nil {
		j.Transitions = []ascendkit.Transition{}
	}
	var err error
	if j.CreatedAt, err = rules.ParseTime(created); err != nil {
		return ascendkit.Journey{}, err
	}
	if j.ActivatedAt, err = rules.ParseTimePtr(activated); err != nil {
		return ascendkit.Journey{}, err
	}
	return j, nil
}

// getJourney finds a journey by id, else by exact name.
func getJourney(ctx context.Context, q Querier, idOrName string) (ascendkit.Journey, error) {
	return readJourney(ctx, q, idOrName, journeyRef)
}

// readJourney reads the journey whose id the subquery ref selects from key.
func readJourney(ctx context.Context, q Querier, key, ref string) (ascendkit.Journey, error) {
	j, err := scanJourney(q.QueryRow(ctx, journeySelect+` WHERE j.id = `+ref+` GROUP BY j.id`, key))
	return found("journey", key, j, err)
}

// CreateJourney creates a journey unless one with its name exists, in
// which case that one is returned unchanged with false (of two writers
// creating one name at once, the loser reads the winner's: the name is
// unique). Status defaults to draft, Entry to the first node, node actions
// to none and transition ids to "<from>-to-<to>"; a transition's trigger
// is inferred from On or After when empty. A journey created active is
// backfilled as by ActivateJourney.
func (s *Store) CreateJourney(ctx context.Context, j ascendkit.Journey) (ascendkit.Journey, bool, error) {
	if err := rules.NormalizeJourney(&j); err != nil {
		return ascendkit.Journey{}, false, fmt.Errorf("create journey %q: %w", j.Name, err)
	}
	def, err := json.Marshal(rules.Definition{Nodes: j.Nodes, Transitions: j.Transitions})
	if err != nil {
		return ascendkit.Journey{}, false, fmt.Errorf("create journey %q: %w", j.Name, err)
	}
	var out ascendkit.Journey
	var created bool
	err = s.db.Write(ctx, func(tx Querier) error {
		id := rules.NewID(rules.PrefixJourney)
		now := time.Now().UTC()
		n, err := tx.Exec(ctx, `INSERT INTO journeys (id, name, description, status, audience_tag, entry, definition, created_at)
			VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING`,
			id, j.Name, j.Description, j.Audience.Tag, j.Entry, string(def), rules.FormatTime(now))
		if err != nil {
			return err
		}
		if created = n == 1; !created {
			// By name only: another journey's id may be spelled like it.
			out, err = readJourney(ctx, tx, j.Name, `(SELECT id FROM journeys WHERE name = $1)`)
			return err
		}
		switch j.Status {
		case ascendkit.StatusActive:
			if _, err := activate(ctx, tx, id, now); err != nil {
				return err
			}
		case ascendkit.StatusPaused:
			if _, err := tx.Exec(ctx, `UPDATE journeys SET status = 'paused' WHERE id = $1`, id); err != nil {
				return err
			}
		}
		out, err = getJourney(ctx, tx, id)
		return err
	})
	if err != nil {
		return ascendkit.Journey{}, false, fmt.Errorf("create journey %q: %w", j.Name, err)
	}
	return out, created, nil
}

// UpdateJourneyNodes updates the nodes of journey id (or name) that have
// the ids of the given nodes: From and Variables are replaced as given,
// TemplateSlug when not empty. Actions, the node set and the transitions
// stay. An id that is not a node of the journey is an error. The journey
// row is locked first, so concurrent updates apply one after the other.
func (s *Store) UpdateJourneyNodes(ctx context.Context, id string, nodes []ascendkit.Node) (ascendkit.Journey, error) {
	var out ascendkit.Journey
	err := s.db.Write(ctx, func(tx Querier) error {
		if err := s.lock(ctx, tx, `SELECT 1 FROM journeys WHERE id = `+journeyRef, id); err != nil {
			return err
		}
		j, err := getJourney(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := rules.ApplyNodeUpdates(&j, nodes); err != nil {
			return err
		}
		def, err := json.Marshal(rules.Definition{Nodes: j.Nodes, Transitions: j.Transitions})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE journeys SET definition = $1 WHERE id = $2`, string(def), j.ID); err != nil {
			return err
		}
		out, err = getJourney(ctx, tx, j.ID)
		return err
	})
	if err != nil {
		return ascendkit.Journey{}, fmt.Errorf("update journey nodes: %w", err)
	}
	return out, nil
}

// ListJourneys lists journeys, oldest first, with their stats.
func (s *Store) ListJourneys(ctx context.Context) ([]ascendkit.Journey, error) {
	rows, err := s.db.Query(ctx, journeySelect+` GROUP BY j.id ORDER BY j.created_at, j.id`)
	out, err := collect(rows, err, scanJourney)
	if err != nil {
		return nil, fmt.Errorf("list journeys: %w", err)
	}
	return out, nil
}

// GetJourney finds a journey by jrn_ id or exact name, with its stats.
func (s *Store) GetJourney(ctx context.Context, idOrName string) (ascendkit.Journey, error) {
	return getJourney(ctx, s.db, idOrName)
}

// audienceFrom selects a journey's audience ($2 is its tag; an empty tag
// selects every user). Banned users are never in it.
func audienceFrom(tag string) string {
	if tag == "" {
		return `FROM users u WHERE NOT u.banned AND $2 = ''`
	}
	return `FROM user_tags t JOIN users u ON u.id = t.user_id WHERE t.tag = $2 AND NOT u.banned`
}

// journeyAudience is the id and audience tag of journey id (an id or a
// name): only those, since getJourney would count every enrollment too.
func (s *Store) journeyAudience(ctx context.Context, id string) (jid, tag string, err error) {
	err = s.db.QueryRow(ctx, `SELECT id, audience_tag FROM journeys WHERE id = `+journeyRef, id).Scan(&jid, &tag)
	if errors.Is(err, ErrNoRows) {
		return "", "", fmt.Errorf("journey %q: %w", id, ascendkit.ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("journey %q audience: %w", id, err)
	}
	return jid, tag, nil
}

// AudienceSize returns how many non-banned users are in the journey's
// audience (every user when its tag is empty) and how many of them are
// not enrolled yet.
func (s *Store) AudienceSize(ctx context.Context, id string) (total, notEnrolled int, err error) {
	jid, tag, err := s.journeyAudience(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	err = s.db.QueryRow(ctx,
		`SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.journey_id = $1 AND e.user_id = u.id)) `+
			audienceFrom(tag), jid, tag).Scan(&total, &notEnrolled)
	if err != nil {
		return 0, 0, fmt.Errorf("journey %q audience: %w", id, err)
	}
	return total, notEnrolled, nil
}

// UnnamedInAudience counts the users activating journey id would enroll
// (non-banned audience users not enrolled yet) who have no name: emails
// that greet them by {{userName}} render it empty. A name of invisible
// characters only (a zero-width space, white space) is none
// (ascendkit.BlankName): trimmed of them it is empty (Dialect.Btrim).
func (s *Store) UnnamedInAudience(ctx context.Context, id string) (int, error) {
	jid, tag, err := s.journeyAudience(ctx, id)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) `+audienceFrom(tag)+` AND `+s.d.Btrim+`(u.name, $3) = ''
		AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.journey_id = $1 AND e.user_id = u.id)`, jid, tag, ascendkit.BlankNameRunes).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("journey %q audience: %w", id, err)
	}
	return n, nil
}

// activate sets journey id active (activated_at the first time) and
// enrolls, in one statement, every non-banned audience user not enrolled
// yet, at `at` on the entry node. On PostgreSQL the UPDATE takes the
// journeys lock that imports hold in SHARE mode (see its applyImport), so
// the backfill runs after in-flight imports commit and sees their users.
// The enrollments of merged-into users are recorded for undo first (see
// recordBackfill).
func activate(ctx context.Context, tx Querier, id string, at time.Time) (int, error) {
	atS := rules.FormatTime(at)
	var tag, entry string
	if err := tx.QueryRow(ctx, `UPDATE journeys SET status = 'active', activated_at = COALESCE(activated_at, $1) WHERE id = $2
		RETURNING audience_tag, entry`, atS, id).Scan(&tag, &entry); err != nil {
		return 0, err
	}
	if err := recordBackfill(ctx, tx, id, tag); err != nil {
		return 0, fmt.Errorf("record backfill for undo: %w", err)
	}
	n, err := tx.Exec(ctx,
		`INSERT INTO enrollments (journey_id, user_id, status, current_node, enrolled_at, next_step_at)
		SELECT $1, u.id, 'active', $3, $4, $4 `+audienceFrom(tag)+`
		ON CONFLICT (journey_id, user_id) DO NOTHING`, id, tag, entry, atS)
	return int(n), err
}

// recordBackfill records, for each user the backfill of journey id
// (audience tag) is about to enroll, the enrollment under every run whose
// merge brought the user that tag, as an import-time enrollment of the
// merge would have been: "enrollment" under the run that added the tag,
// "enrollment-held" under a run that found it there. Undo then treats it
// like the tag that caused it: it goes with the last live run that
// brought the tag, in any undo order, and stays for a user who had the
// tag before any import (only ever held). Without the record, undoing the
// run left a user it merged into enrolled, and mailed, for an audience
// they were no longer in. The rows read are exactly those the backfill
// inserts (same transaction, and on PostgreSQL imports are held off by
// the journeys lock); a journey whose audience is every user owes no
// enrollment to any run.
func recordBackfill(ctx context.Context, tx Querier, id, tag string) error {
	if tag == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO import_merge_changes (run_id, user_id, kind, k1, k2)
		SELECT c.run_id, c.user_id, CASE c.kind WHEN 'tag' THEN 'enrollment' ELSE 'enrollment-held' END, $1, ''
		FROM import_merge_changes c JOIN users u ON u.id = c.user_id
		WHERE c.kind IN ('tag', 'tag-held') AND c.k1 = $2 AND c.k2 = '' AND NOT u.banned
			AND EXISTS (SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.tag = $2)
			AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.journey_id = $1 AND e.user_id = u.id)
		ON CONFLICT DO NOTHING`, id, tag)
	return err
}

// ActivateJourney sets the journey (by id or name) active and backfills
// its audience; see ascendkit.Environment. Activating an active journey
// only backfills.
func (s *Store) ActivateJourney(ctx context.Context, id string, at time.Time) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx Querier) error {
		j, err := getJourney(ctx, tx, id)
		if err != nil {
			return err
		}
		n, err = activate(ctx, tx, j.ID, at)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("activate journey: %w", err)
	}
	return n, nil
}

// PauseJourney sets an active journey (by id or name) to paused; any other
// status is an error.
func (s *Store) PauseJourney(ctx context.Context, id string) error {
	err := s.db.Write(ctx, func(tx Querier) error {
		var jid, name, status string
		err := tx.QueryRow(ctx, `SELECT id, name, status FROM journeys WHERE id = `+journeyRef+s.d.ForUpdate, id).Scan(&jid, &name, &status)
		if errors.Is(err, ErrNoRows) {
			return fmt.Errorf("journey %q: %w", id, ascendkit.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status != ascendkit.StatusActive {
			return fmt.Errorf("journey %q is %s: only an active journey can be paused", name, status)
		}
		_, err = tx.Exec(ctx, `UPDATE journeys SET status = 'paused' WHERE id = $1`, jid)
		return err
	})
	if err != nil {
		return fmt.Errorf("pause journey: %w", err)
	}
	return nil
}

// ListEnrollments lists the enrollments of a journey (by id or name),
// oldest first.
func (s *Store) ListEnrollments(ctx context.Context, journeyID string) ([]ascendkit.Enrollment, error) {
	j, err := getJourney(ctx, s.db, journeyID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT journey_id, user_id, status, current_node, enrolled_at, next_step_at
		FROM enrollments WHERE journey_id = $1 ORDER BY enrolled_at, user_id`, j.ID)
	out, err := collect(rows, err, func(r Row) (ascendkit.Enrollment, error) {
		var e ascendkit.Enrollment
		var enrolled, next string
		if err := r.Scan(&e.JourneyID, &e.UserID, &e.Status, &e.CurrentNode, &enrolled, &next); err != nil {
			return e, err
		}
		var err error
		if e.EnrolledAt, err = rules.ParseTime(enrolled); err == nil {
			e.NextStepAt, err = rules.ParseTime(next)
		}
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	return out, nil
}
