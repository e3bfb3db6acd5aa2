package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/jackc/pgx/v5"
)

// CountUsers returns the number of users.
func (e *Env) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// userSelect reads users with their tags and links as JSON arrays, so a
// list costs one query.
const userSelect = `SELECT u.id, u.email, u.name, u.image, u.email_verified, u.created_at, u.last_login_at,
	u.metadata, u.banned, u.username, u.phone, u.phone_verified, u.external_id, u.secondary_emails,
	u.private_metadata, u.unsafe_metadata, u.locked,
	COALESCE((SELECT json_agg(tag ORDER BY tag) FROM user_tags WHERE user_id = u.id), '[]')::text,
	COALESCE((SELECT json_agg(json_build_object('provider', provider, 'providerUserId', provider_user_id, 'email', email)
		ORDER BY provider, provider_user_id) FROM oauth_links WHERE user_id = u.id), '[]')::text
FROM users u`

func scanUser(row pgx.Row) (ascendkit.User, error) {
	var u ascendkit.User
	var created, meta, tags, links, secondary, private, unsafe string
	var last *string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Image, &u.EmailVerified, &created, &last,
		&meta, &u.Banned, &u.Username, &u.Phone, &u.PhoneVerified, &u.ExternalID, &secondary,
		&private, &unsafe, &u.Locked, &tags, &links); err != nil {
		return ascendkit.User{}, err
	}
	var err error
	if u.CreatedAt, err = rules.ParseTime(created); err != nil {
		return ascendkit.User{}, err
	}
	if u.LastLoginAt, err = rules.ParseTimePtr(last); err != nil {
		return ascendkit.User{}, err
	}
	for _, f := range []struct {
		what string
		s    string
		dst  *map[string]any
	}{{"metadata", meta, &u.Metadata}, {"private metadata", private, &u.PrivateMetadata}, {"unsafe metadata", unsafe, &u.UnsafeMetadata}} {
		if err := rules.DecodeExact(f.s, f.dst); err != nil {
			return ascendkit.User{}, fmt.Errorf("user %s %s: %w", u.ID, f.what, err)
		}
		if *f.dst == nil {
			*f.dst = map[string]any{}
		}
	}
	if err := json.Unmarshal([]byte(secondary), &u.SecondaryEmails); err != nil {
		return ascendkit.User{}, fmt.Errorf("user %s secondary emails: %w", u.ID, err)
	}
	if u.SecondaryEmails == nil {
		u.SecondaryEmails = []ascendkit.SecondaryEmail{}
	}
	if err := json.Unmarshal([]byte(tags), &u.Tags); err != nil {
		return ascendkit.User{}, fmt.Errorf("user %s tags: %w", u.ID, err)
	}
	if err := json.Unmarshal([]byte(links), &u.OAuthLinks); err != nil {
		return ascendkit.User{}, fmt.Errorf("user %s links: %w", u.ID, err)
	}
	if u.Tags == nil {
		u.Tags = []string{}
	}
	if u.OAuthLinks == nil {
		u.OAuthLinks = []ascendkit.OAuthLink{}
	}
	// Go's order, whatever the collation the aggregate used.
	slices.Sort(u.Tags)
	slices.SortFunc(u.OAuthLinks, func(a, b ascendkit.OAuthLink) int {
		if c := strings.Compare(a.Provider, b.Provider); c != 0 {
			return c
		}
		return strings.Compare(a.ProviderUserID, b.ProviderUserID)
	})
	return u, nil
}

// GetUser finds a user by usr_ id or email (case-insensitive).
func (e *Env) GetUser(ctx context.Context, idOrEmail string) (ascendkit.User, error) {
	key := strings.TrimSpace(idOrEmail)
	u, err := scanUser(e.pool.QueryRow(ctx, userSelect+` WHERE u.id = $1 OR u.email = $2 LIMIT 1`, key, rules.NormEmail(key)))
	if errors.Is(err, pgx.ErrNoRows) {
		return ascendkit.User{}, fmt.Errorf("user %q: %w", idOrEmail, ascendkit.ErrNotFound)
	}
	if err != nil {
		return ascendkit.User{}, fmt.Errorf("user %q: %w", idOrEmail, err)
	}
	return u, nil
}

// limitArg maps "0 = no limit" to LIMIT NULL.
func limitArg(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

// ListUsers lists users ordered by creation date, then id.
func (e *Env) ListUsers(ctx context.Context, f ascendkit.UserFilter) ([]ascendkit.User, error) {
	q := userSelect + ` WHERE ($1 = '' OR u.id IN (SELECT user_id FROM user_tags WHERE tag = $1)) ORDER BY u.created_at, u.id LIMIT $2`
	rows, err := e.pool.Query(ctx, q, f.Tag, limitArg(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ascendkit.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	if out == nil {
		out = []ascendkit.User{}
	}
	return out, nil
}

// ListEvents lists events ordered by creation time, then id.
func (e *Env) ListEvents(ctx context.Context, f ascendkit.EventFilter) ([]ascendkit.Event, error) {
	rows, err := e.pool.Query(ctx, `SELECT id, type, COALESCE(user_id, ''), payload, created_at FROM events
		WHERE ($1 = '' OR type = $1) AND ($2 = '' OR user_id = $2) ORDER BY created_at, id LIMIT $3`,
		f.Type, f.UserID, limitArg(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	out := []ascendkit.Event{}
	var ev ascendkit.Event
	var payload, created string
	_, err = pgx.ForEachRow(rows, []any{&ev.ID, &ev.Type, &ev.UserID, &payload, &created}, func() error {
		e := ev
		e.Payload = nil
		if err := rules.DecodeExact(payload, &e.Payload); err != nil {
			return fmt.Errorf("event %s payload: %w", e.ID, err)
		}
		var err error
		if e.CreatedAt, err = rules.ParseTime(created); err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}
