package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// userSelect reads users with their tags and links as JSON arrays (the
// dialect's aggregates), so a list costs one query.
func userSelect(d Dialect) string {
	return `SELECT u.id, u.email, u.name, u.image, u.email_verified, u.created_at, u.last_login_at,
	u.metadata, u.banned, u.username, u.phone, u.phone_verified, u.external_id, u.secondary_emails,
	u.private_metadata, u.unsafe_metadata, u.locked,
	` + d.UserTags + `,
	` + d.UserLinks + `
FROM users u`
}

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// GetUser finds a user by usr_ id or email (case-insensitive).
func (s *Store) GetUser(ctx context.Context, idOrEmail string) (ascendkit.User, error) {
	key := strings.TrimSpace(idOrEmail)
	email := rules.NormEmail(key)
	legacy := emailaddr.Legacy(email)
	if legacy == "" {
		legacy = email
	}
	// The canonical spelling first: with both stored, that user is meant.
	u, err := scanUser(s.db.QueryRow(ctx, s.userSelect+` WHERE u.id = $1 OR u.email = $2 OR u.email = $3 ORDER BY u.email = $2 DESC LIMIT 1`, key, email, legacy))
	return found("user", idOrEmail, u, err)
}

// ListUsers lists users ordered by creation date, then id.
func (s *Store) ListUsers(ctx context.Context, f ascendkit.UserFilter) ([]ascendkit.User, error) {
	if f.IDs != nil {
		return s.listUsersByID(ctx, f)
	}
	return s.listUsers(ctx, f, nil)
}

// listUsers is one ListUsers query, of the users with ids (all for nil).
func (s *Store) listUsers(ctx context.Context, f ascendkit.UserFilter, ids []string) ([]ascendkit.User, error) {
	var w where
	if f.Tag != "" {
		// A probe per user, not the tag's whole id list: the planner then
		// walks the (created_at, id) index from the page's start and stops
		// at a page, rather than sorting all the tag's users for each one.
		w.and(`EXISTS (SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.tag = $%d)`, f.Tag)
	}
	if ids != nil {
		w.andIn(`u.id`, ids)
	}
	w.after(`u.`, f.After)
	rows, err := s.db.Query(ctx, s.userSelect+w.sql()+` ORDER BY u.created_at, u.id`+w.limit(f.Limit), w.args...)
	out, err := collect(rows, err, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// idBatch is how many ids one query of a batch lookup names: well within
// every backend's limit on parameters.
const idBatch = 500

// listUsersByID is ListUsers of f.IDs: a query per idBatch ids, the
// users then put in the list's order (fixed-width times order as text).
func (s *Store) listUsersByID(ctx context.Context, f ascendkit.UserFilter) ([]ascendkit.User, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(f.IDs)))
	out := []ascendkit.User{}
	for batch := range slices.Chunk(ids, idBatch) {
		us, err := s.listUsers(ctx, f, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
	}
	slices.SortFunc(out, func(a, b ascendkit.User) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// ListEvents lists events ordered by creation time, then id.
func (s *Store) ListEvents(ctx context.Context, f ascendkit.EventFilter) ([]ascendkit.Event, error) {
	var w where
	if f.Type != "" {
		w.and(`type = $%d`, f.Type)
	}
	if f.UserID != "" {
		w.and(`user_id = $%d`, f.UserID)
	}
	w.after(``, f.After)
	rows, err := s.db.Query(ctx, `SELECT id, type, COALESCE(user_id, ''), payload, created_at FROM events`+
		w.sql()+` ORDER BY created_at, id`+w.limit(f.Limit), w.args...)
	out, err := collect(rows, err, func(r Row) (ascendkit.Event, error) {
		var e ascendkit.Event
		var payload, created string
		if err := r.Scan(&e.ID, &e.Type, &e.UserID, &payload, &created); err != nil {
			return e, err
		}
		if err := rules.DecodeExact(payload, &e.Payload); err != nil {
			return e, fmt.Errorf("event %s payload: %w", e.ID, err)
		}
		var err error
		if e.CreatedAt, err = rules.ParseTime(created); err != nil {
			return e, fmt.Errorf("event %s: %w", e.ID, err)
		}
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}

// where builds the optional conditions of a list query: only the filters
// given become SQL (as the SQLite backend always built them), so the
// planner sees plain conditions rather than "$1 = ” OR …".
type where struct {
	conds []string
	args  []any
}

// and adds a condition whose one %d is its parameter's number.
func (w *where) and(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, fmt.Sprintf(cond, len(w.args)))
}

// andIn adds "col IN (…)" of vals, one parameter each.
func (w *where) andIn(col string, vals []string) {
	if len(vals) == 0 {
		w.conds = append(w.conds, "1 = 0") // IN () is not SQL
		return
	}
	ps := make([]string, len(vals))
	for i, v := range vals {
		w.args = append(w.args, v)
		ps[i] = fmt.Sprintf("$%d", len(w.args))
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(ps, ", ")+")")
}

// after adds the keyset condition "after p in (created_at, id) order" for
// columns with the given prefix, nothing for nil p. A row value, which
// both backends answer from their (created_at, id) indexes; times compare
// as stored text, which is fixed-width and so in time order.
func (w *where) after(prefix string, p *ascendkit.ListPosition) {
	if p == nil {
		return
	}
	w.args = append(w.args, rules.FormatTime(p.CreatedAt), p.ID)
	n := len(w.args)
	w.conds = append(w.conds, fmt.Sprintf("(%screated_at, %sid) > ($%d, $%d)", prefix, prefix, n-1, n))
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit is the LIMIT clause of n rows, none for n <= 0 ("no limit": the
// backends spell an unbounded LIMIT differently, -1 or NULL).
func (w *where) limit(n int) string {
	if n <= 0 {
		return ""
	}
	w.args = append(w.args, n)
	return fmt.Sprintf(" LIMIT $%d", len(w.args))
}

// scanUser reads a row of userSelect.
func scanUser(row Row) (ascendkit.User, error) {
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

// PasswordState finds a user by usr_ id or email and returns what is
// known of their password.
func (s *Store) PasswordState(ctx context.Context, idOrEmail string) (ascendkit.PasswordState, error) {
	u, err := s.GetUser(ctx, idOrEmail)
	if err != nil {
		return ascendkit.PasswordState{}, err
	}
	st := ascendkit.PasswordState{UserID: u.ID, Email: u.Email}
	var hasher, digest *string
	err = s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_sources WHERE user_id = $1),
		COALESCE((SELECT import_run FROM users WHERE id = $1), ''),
		(SELECT hasher FROM user_passwords WHERE user_id = $1), (SELECT digest FROM user_passwords WHERE user_id = $1)`,
		u.ID).Scan(&st.Imported, &st.ImportRun, &hasher, &digest)
	if err != nil {
		// The error names the user, never the digest.
		return ascendkit.PasswordState{}, fmt.Errorf("password of %s: %w", u.ID, err)
	}
	if hasher != nil {
		st.Hasher = *hasher
	}
	if digest != nil {
		st.Digest = ascendkit.Digest(*digest)
	}
	return st, nil
}

// ListSourceUsers lists the ids of f.Source recorded by imports not
// undone, in id order from f.After: the (source, source_id) primary key
// walks them in that order and stops at a page, so no index is needed.
// Undo deletes its run's ids; the status test only guards a run marked
// undone without that (none should be).
func (s *Store) ListSourceUsers(ctx context.Context, f ascendkit.SourceUserFilter) ([]ascendkit.SourceUser, error) {
	var w where
	w.and(`s.source = $%d`, f.Source)
	if f.After != "" {
		w.and(`s.source_id > $%d`, f.After)
	}
	if f.UserIDs != nil {
		w.andIn(`s.user_id`, f.UserIDs)
	}
	if !f.StartedBefore.IsZero() {
		// Times compare as their fixed-width text.
		w.and(`(r.started_at IS NULL OR r.started_at < $%d)`, rules.FormatTime(f.StartedBefore))
	}
	w.conds = append(w.conds, `(r.status IS NULL OR r.status <> 'undone')`)
	query := `SELECT s.source_id, s.user_id, u.email, s.run_id, u.import_run
		FROM import_sources s JOIN users u ON u.id = s.user_id LEFT JOIN import_runs r ON r.id = s.run_id` +
		w.sql() + ` ORDER BY s.source_id` + w.limit(f.Limit)
	list := func(q Querier) ([]ascendkit.SourceUser, error) {
		rows, err := q.Query(ctx, query, w.args...)
		return collect(rows, err, func(r Row) (ascendkit.SourceUser, error) {
			var su ascendkit.SourceUser
			var importRun string
			err := r.Scan(&su.SourceID, &su.UserID, &su.Email, &su.RunID, &importRun)
			// The run that recorded the id made the user: a merge
			// records its id on a user another run (or nobody) made.
			su.Created = su.RunID != "" && importRun == su.RunID
			return su, err
		})
	}
	var out []ascendkit.SourceUser
	var err error
	if s.d.KeysetScan == "" || f.UserIDs != nil {
		// Some users' ids: the user_id index finds them, where the keyset
		// scan's plan would walk every id of the source.
		out, err = list(s.db)
	} else {
		err = s.db.Snapshot(ctx, func(tx Querier) error {
			if _, err := tx.Exec(ctx, s.d.KeysetScan); err != nil {
				return err
			}
			out, err = list(tx)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("list imported users: %w", err)
	}
	return out, nil
}
