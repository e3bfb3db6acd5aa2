package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// stateColumns are the columns of an ascendkit.UserState, of users u.
// The metadata text is read for metadata.import (ascendkit.ImportOrigin,
// not json_type: SQLite refuses JSON nested past 1000 levels, which one
// user's public metadata may be); the digest is read only to be hashed
// (scanStates);
// the username a merge filled is in the identity fields it recorded for
// undo.
const stateColumns = `u.id, u.email, u.username, u.banned, u.locked, u.import_run,
	u.metadata,
	COALESCE((SELECT p.digest FROM user_passwords p WHERE p.user_id = u.id), ''),
	COALESCE((SELECT json_extract(c.after, '$.username') FROM import_merge_changes c
		WHERE c.user_id = u.id AND c.kind = 'fields' AND json_extract(c.before, '$.username') = ''
			AND json_extract(c.after, '$.username') <> '' LIMIT 1), ''),
	(SELECT COUNT(*) FROM import_sources s WHERE s.user_id = u.id)`

// statesSQL reads the states of the ids given as one JSON array, a key
// probe each, as the lookups do (see sourceIDsSQL).
const statesSQL = `SELECT ` + stateColumns + ` FROM json_each(?1) k CROSS JOIN users u ON u.id = k.value`

// UserStates implements ascendkit.Environment.
func (l *Local) UserStates(ctx context.Context, ids []string) (map[string]ascendkit.UserState, error) {
	out := make(map[string]ascendkit.UserState)
	if len(ids) == 0 {
		return out, nil
	}
	if err := userStates(ctx, preparedReads{l}, rules.Uniq(ids), out); err != nil {
		return nil, fmt.Errorf("user states: %w", err)
	}
	return out, nil
}

// statesLinksSQL reads the OAuth links of the ids given as one JSON
// array, by the links' user_id index.
const statesLinksSQL = `SELECT l.user_id, l.provider, l.provider_user_id FROM json_each(?1) k CROSS JOIN oauth_links l ON l.user_id = k.value`

func userStates(ctx context.Context, q rowsQueryer, ids []string, out map[string]ascendkit.UserState) error {
	// read reads the states, then their users' links, of the ids args
	// give to the two queries.
	read := func(states, links string, args ...any) error {
		rows, err := q.QueryContext(ctx, states, args...)
		if err != nil {
			return err
		}
		if err := scanStates(rows, out); err != nil {
			return err
		}
		if rows, err = q.QueryContext(ctx, links, args...); err != nil {
			return err
		}
		return scanStateLinks(rows, out)
	}
	if keys, ok := jsonKeys(ids); ok {
		return read(statesSQL, statesLinksSQL, keys)
	}
	return inChunks(nil, ids, func(marks string, args []any) error {
		return read(`SELECT `+stateColumns+` FROM users u WHERE u.id IN (`+marks+`)`,
			`SELECT user_id, provider, provider_user_id FROM oauth_links WHERE user_id IN (`+marks+`)`, args...)
	})
}

// scanStateLinks adds the links read to the states of their users.
func scanStateLinks(rows *sql.Rows, out map[string]ascendkit.UserState) error {
	for rows.Next() {
		var id string
		var l ascendkit.OAuthLink
		if err := rows.Scan(&id, &l.Provider, &l.ProviderUserID); err != nil {
			rows.Close()
			return err
		}
		if s, ok := out[id]; ok {
			s.OAuthLinks = append(s.OAuthLinks, l)
			out[id] = s
		}
	}
	return closeRows(rows)
}

func scanStates(rows *sql.Rows, out map[string]ascendkit.UserState) error {
	for rows.Next() {
		var s ascendkit.UserState
		var meta, digest sql.RawBytes // the driver's memory, valid until Next
		if err := rows.Scan(&s.UserID, &s.Email, &s.Username, &s.Banned, &s.Locked, &s.ImportRun,
			&meta, &digest, &s.MergedUsername, &s.SourceUsers); err != nil {
			rows.Close()
			return err
		}
		s.ImportSource, s.ImportSourceID = ascendkit.ImportOrigin(meta)
		if s.HasDigest = len(digest) > 0; s.HasDigest {
			s.DigestSum = sha256.Sum256(digest)
		}
		out[s.UserID] = s
	}
	return closeRows(rows)
}
