package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

const journeySelect = `SELECT j.id, j.name, j.description, j.status, j.audience_tag, j.entry, j.definition,
	j.created_at, j.activated_at,
	COUNT(e.user_id), COALESCE(SUM(e.status = 'active'), 0), COALESCE(SUM(e.status = 'completed'), 0)
FROM journeys j LEFT JOIN enrollments e ON e.journey_id = j.id`

func scanJourney(row interface{ Scan(...any) error }) (ascendkit.Journey, error) {
	var j ascendkit.Journey
	var def, created string
	var activated sql.NullString
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
	if j.ActivatedAt, err = parseTimePtr(activated); err != nil {
		return ascendkit.Journey{}, err
	}
	return j, nil
}

func getJourney(ctx context.Context, q queryer, idOrName string) (ascendkit.Journey, error) {
	j, err := scanJourney(q.QueryRowContext(ctx,
		journeySelect+` WHERE j.id = (SELECT id FROM journeys WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1) GROUP BY j.id`, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return ascendkit.Journey{}, fmt.Errorf("journey %q: %w", idOrName, ascendkit.ErrNotFound)
	}
	if err != nil {
		return ascendkit.Journey{}, fmt.Errorf("journey %q: %w", idOrName, err)
	}
	return j, nil
}

// CreateJourney creates a journey unless one with its name exists, in
// which case that one is returned unchanged with false. Status defaults to
// draft, Entry to the first node, node actions to none and transition ids
// to "<from>-to-<to>"; a transition's trigger is inferred from On or After
// when empty. A journey created active is backfilled as by ActivateJourney.
func (l *Local) CreateJourney(ctx context.Context, j ascendkit.Journey) (ascendkit.Journey, bool, error) {
	if err := rules.NormalizeJourney(&j); err != nil {
		return ascendkit.Journey{}, false, fmt.Errorf("create journey %q: %w", j.Name, err)
	}
	def, err := json.Marshal(rules.Definition{Nodes: j.Nodes, Transitions: j.Transitions})
	if err != nil {
		return ascendkit.Journey{}, false, fmt.Errorf("create journey %q: %w", j.Name, err)
	}
	var out ascendkit.Journey
	var created bool
	err = l.write(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM journeys WHERE name = ?`, j.Name).Scan(&id)
		if err == nil {
			out, err = getJourney(ctx, tx, id)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		id = rules.NewID(rules.PrefixJourney)
		now := time.Now().UTC()
		if _, err := tx.ExecContext(ctx, `INSERT INTO journeys (id, name, description, status, audience_tag, entry, definition, created_at)
			VALUES (?, ?, ?, 'draft', ?, ?, ?, ?)`,
			id, j.Name, j.Description, j.Audience.Tag, j.Entry, string(def), rules.FormatTime(now)); err != nil {
			return err
		}
		switch j.Status {
		case ascendkit.StatusActive:
			if _, err := activate(ctx, tx, id, now); err != nil {
				return err
			}
		case ascendkit.StatusPaused:
			if _, err := tx.ExecContext(ctx, `UPDATE journeys SET status = 'paused' WHERE id = ?`, id); err != nil {
				return err
			}
		}
		created = true
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
// stay. An id that is not a node of the journey is an error.
func (l *Local) UpdateJourneyNodes(ctx context.Context, id string, nodes []ascendkit.Node) (ascendkit.Journey, error) {
	var out ascendkit.Journey
	err := l.write(ctx, func(tx *sql.Tx) error {
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
		if _, err := tx.ExecContext(ctx, `UPDATE journeys SET definition = ? WHERE id = ?`, string(def), j.ID); err != nil {
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
func (l *Local) ListJourneys(ctx context.Context) ([]ascendkit.Journey, error) {
	rows, err := l.r.QueryContext(ctx, journeySelect+` GROUP BY j.id ORDER BY j.created_at, j.id`)
	if err != nil {
		return nil, fmt.Errorf("list journeys: %w", err)
	}
	out := []ascendkit.Journey{}
	for rows.Next() {
		j, err := scanJourney(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list journeys: %w", err)
		}
		out = append(out, j)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("list journeys: %w", err)
	}
	return out, nil
}

// GetJourney finds a journey by jrn_ id or exact name, with its stats.
func (l *Local) GetJourney(ctx context.Context, idOrName string) (ascendkit.Journey, error) {
	return getJourney(ctx, l.r, idOrName)
}

// Audience queries. An empty audience tag selects every user.
const (
	audienceByTag = `FROM user_tags t JOIN users u ON u.id = t.user_id WHERE t.tag = ?2 AND u.banned = 0`
	audienceAll   = `FROM users u WHERE u.banned = 0 AND ?2 = ''`
)

func audienceFrom(tag string) string {
	if tag == "" {
		return audienceAll
	}
	return audienceByTag
}

// AudienceSize returns how many non-banned users are in the journey's
// audience (every user when its tag is empty) and how many of them are
// not enrolled yet.
func (l *Local) AudienceSize(ctx context.Context, id string) (total, notEnrolled int, err error) {
	jid, tag, err := journeyAudience(ctx, l.r, id)
	if err != nil {
		return 0, 0, err
	}
	err = l.r.QueryRowContext(ctx,
		`SELECT COUNT(*), COALESCE(SUM(NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.journey_id = ?1 AND e.user_id = u.id)), 0) `+
			audienceFrom(tag), jid, tag).Scan(&total, &notEnrolled)
	if err != nil {
		return 0, 0, fmt.Errorf("journey %q audience: %w", id, err)
	}
	return total, notEnrolled, nil
}

// journeyAudience resolves a journey id or name to its id and audience
// tag, without the enrollment counts getJourney computes for its stats.
func journeyAudience(ctx context.Context, q queryer, ref string) (id, tag string, err error) {
	err = q.QueryRowContext(ctx, `SELECT id, audience_tag FROM journeys WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1`, ref).
		Scan(&id, &tag)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("journey %q: %w", ref, ascendkit.ErrNotFound)
	}
	return id, tag, err
}

// activate sets journey id active (activated_at the first time) and
// enrolls, in one statement, every non-banned audience user not enrolled
// yet, at `at` on the entry node.
func activate(ctx context.Context, tx *sql.Tx, id string, at time.Time) (int, error) {
	var tag, entry string
	if err := tx.QueryRowContext(ctx, `SELECT audience_tag, entry FROM journeys WHERE id = ?`, id).Scan(&tag, &entry); err != nil {
		return 0, err
	}
	atS := rules.FormatTime(at)
	if _, err := tx.ExecContext(ctx, `UPDATE journeys SET status = 'active', activated_at = COALESCE(activated_at, ?) WHERE id = ?`,
		atS, id); err != nil {
		return 0, err
	}
	r, err := tx.ExecContext(ctx,
		`INSERT INTO enrollments (journey_id, user_id, status, current_node, enrolled_at, next_step_at)
		SELECT ?1, u.id, 'active', ?3, ?4, ?4 `+audienceFrom(tag)+`
		ON CONFLICT (journey_id, user_id) DO NOTHING`, id, tag, entry, atS)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// ActivateJourney sets the journey (by id or name) active and backfills
// its audience; see Environment. Activating an active journey only
// backfills.
func (l *Local) ActivateJourney(ctx context.Context, id string, at time.Time) (int, error) {
	var n int
	err := l.write(ctx, func(tx *sql.Tx) error {
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
func (l *Local) PauseJourney(ctx context.Context, id string) error {
	err := l.write(ctx, func(tx *sql.Tx) error {
		var jid, name, status string
		err := tx.QueryRowContext(ctx, `SELECT id, name, status FROM journeys WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1`, id).
			Scan(&jid, &name, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("journey %q: %w", id, ascendkit.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status != ascendkit.StatusActive {
			return fmt.Errorf("journey %q is %s: only an active journey can be paused", name, status)
		}
		_, err = tx.ExecContext(ctx, `UPDATE journeys SET status = 'paused' WHERE id = ?`, jid)
		return err
	})
	if err != nil {
		return fmt.Errorf("pause journey: %w", err)
	}
	return nil
}

// ListEnrollments lists the enrollments of a journey (by id or name),
// oldest first.
func (l *Local) ListEnrollments(ctx context.Context, journeyID string) ([]ascendkit.Enrollment, error) {
	j, err := getJourney(ctx, l.r, journeyID)
	if err != nil {
		return nil, err
	}
	rows, err := l.r.QueryContext(ctx, `SELECT journey_id, user_id, status, current_node, enrolled_at, next_step_at
		FROM enrollments WHERE journey_id = ? ORDER BY enrolled_at, user_id`, j.ID)
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	out := []ascendkit.Enrollment{}
	for rows.Next() {
		var e ascendkit.Enrollment
		var enrolled, next string
		if err := rows.Scan(&e.JourneyID, &e.UserID, &e.Status, &e.CurrentNode, &enrolled, &next); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list enrollments: %w", err)
		}
		if e.EnrolledAt, err = rules.ParseTime(enrolled); err == nil {
			e.NextStepAt, err = rules.ParseTime(next)
		}
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list enrollments: %w", err)
		}
		out = append(out, e)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	return out, nil
}
