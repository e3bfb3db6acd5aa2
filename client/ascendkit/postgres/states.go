package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/jackc/pgx/v5"
)

// UserStates implements ascendkit.Environment: one query for all ids, a
// key probe each (see lookupSourceIDs). The metadata text is read for
// metadata.import (ascendkit.ImportOrigin, not ::json, whose operators
// refuse a \u0000 escape anywhere in one user's public metadata); of the
// digest only its SHA-256 leaves the server; the username a merge filled
// is in the identity fields it recorded for undo.
func (e *Env) UserStates(ctx context.Context, ids []string) (map[string]ascendkit.UserState, error) {
	out := make(map[string]ascendkit.UserState)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := e.pool.Query(ctx, `SELECT u.id, u.email, u.username, u.banned, u.locked, u.import_run,
		u.metadata,
		(SELECT sha256(convert_to(p.digest, 'UTF8')) FROM user_passwords p WHERE p.user_id = u.id AND p.digest <> ''),
		COALESCE((SELECT c.after::json->>'username' FROM import_merge_changes c
			WHERE c.user_id = u.id AND c.kind = 'fields' AND c.before::json->>'username' = ''
				AND c.after::json->>'username' <> '' LIMIT 1), ''),
		(SELECT COUNT(*) FROM import_sources s WHERE s.user_id = u.id)
		FROM unnest($1::text[]) AS k (id)
		CROSS JOIN LATERAL (SELECT id, email, username, banned, locked, import_run, metadata
			FROM users WHERE id = k.id OFFSET 0) u`, freshPlan, rules.Uniq(ids))
	if err != nil {
		return nil, fmt.Errorf("user states: %w", lockTimedOut(err))
	}
	var s ascendkit.UserState
	var meta []byte
	var sum []byte // NULL when no digest is stored
	if _, err := pgx.ForEachRow(rows, []any{&s.UserID, &s.Email, &s.Username, &s.Banned, &s.Locked, &s.ImportRun,
		&meta, &sum, &s.MergedUsername, &s.SourceUsers}, func() error {
		s.ImportSource, s.ImportSourceID = ascendkit.ImportOrigin(meta)
		s.HasDigest, s.DigestSum = len(sum) == sha256.Size, [sha256.Size]byte{}
		if s.HasDigest {
			s.DigestSum = [sha256.Size]byte(sum)
		}
		out[s.UserID] = s
		return nil
	}); err != nil {
		return nil, fmt.Errorf("user states: %w", lockTimedOut(err))
	}
	rows, err = e.pool.Query(ctx, `SELECT user_id, provider, provider_user_id FROM oauth_links WHERE user_id = ANY($1::text[])`,
		freshPlan, rules.Uniq(ids))
	if err != nil {
		return nil, fmt.Errorf("user states: %w", lockTimedOut(err))
	}
	var id string
	var l ascendkit.OAuthLink
	if _, err := pgx.ForEachRow(rows, []any{&id, &l.Provider, &l.ProviderUserID}, func() error {
		if s, ok := out[id]; ok {
			s.OAuthLinks = append(s.OAuthLinks, l)
			out[id] = s
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("user states: %w", lockTimedOut(err))
	}
	return out, nil
}
