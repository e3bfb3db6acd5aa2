package sqlstore

import (
	"context"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// SignInCounts counts the non-banned users with a checkable kept password
// and, per provider, those with a linked account, from one snapshot so
// the numbers agree with each other.
func (s *Store) SignInCounts(ctx context.Context) (ascendkit.SignInCounts, error) {
	out := ascendkit.SignInCounts{Links: map[string]int{}}
	err := s.db.Snapshot(ctx, func(q Querier) error {
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM user_passwords p JOIN users u ON u.id = p.user_id
			WHERE p.digest <> '' AND NOT u.banned`).Scan(&out.Passwords); err != nil {
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
