package sqlstore

import (
	"context"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// SignInCounts counts the non-banned users with a checkable kept
// password, those waiting to set one, those with no way in but an emailed
// link and, per provider, those with a linked account, from one snapshot
// so the numbers agree with each other. Each is one COUNT in SQL: the
// memory used does not grow with the users.
func (s *Store) SignInCounts(ctx context.Context, tags ascendkit.SignInTags) (ascendkit.SignInCounts, error) {
	out := ascendkit.SignInCounts{Links: map[string]int{}}
	err := s.db.Snapshot(ctx, func(q Querier) error {
		const noPassword = `NOT u.banned AND NOT EXISTS (SELECT 1 FROM user_passwords p WHERE p.user_id = u.id AND p.digest <> '')`
		if err := q.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM user_passwords p JOIN users u ON u.id = p.user_id WHERE p.digest <> '' AND NOT u.banned),
			(SELECT COUNT(*) FROM users u WHERE `+noPassword+`
				AND EXISTS (SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.tag = $1)),
			(SELECT COUNT(*) FROM users u WHERE `+noPassword+`
				AND NOT EXISTS (SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.tag IN ($1, $2))
				AND NOT EXISTS (SELECT 1 FROM oauth_links l WHERE l.user_id = u.id))`, tags.Reset, tags.SSO).
			Scan(&out.Passwords, &out.ResetPending, &out.Passwordless); err != nil {
			return err
		}
		// One row per provider: a handful, however many users there are.
		rows, err := q.Query(ctx, `SELECT l.provider, COUNT(DISTINCT l.user_id) FROM oauth_links l JOIN users u ON u.id = l.user_id
			WHERE NOT u.banned GROUP BY l.provider`)
		type count struct {
			provider string
			n        int
		}
		counts, err := collect(rows, err, func(r Row) (count, error) {
			var c count
			return c, r.Scan(&c.provider, &c.n)
		})
		if err != nil {
			return err
		}
		for _, c := range counts {
			out.Links[c.provider] = c.n
		}
		return nil
	})
	if err != nil {
		return ascendkit.SignInCounts{}, fmt.Errorf("sign-in counts: %w", err)
	}
	return out, nil
}
