package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

func getSetting(ctx context.Context, q Querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

// putSetting stores value under key, replacing any previous value.
func putSetting(ctx context.Context, q Querier, key, value string) error {
	_, err := q.Exec(ctx,
		`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// rawSetting is a setting's stored text, or nil when it is absent.
func rawSetting(ctx context.Context, q Querier, key string) (*string, error) {
	v, ok, err := getSetting(ctx, q, key)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

// AuthSettings returns the enabled providers, sorted ([] when none).
func (s *Store) AuthSettings(ctx context.Context) (ascendkit.AuthSettings, error) {
	v, ok, err := getSetting(ctx, s.db, rules.SettingAuthProviders)
	if err != nil {
		return ascendkit.AuthSettings{}, fmt.Errorf("auth settings: %w", err)
	}
	return rules.ParseAuthSettings(v, ok)
}

// SetAuthProviders replaces the enabled providers; names are trimmed and
// lower-cased, empty and repeated ones dropped, and the list sorted.
func (s *Store) SetAuthProviders(ctx context.Context, providers []string) error {
	b, err := json.Marshal(rules.NormProviders(providers))
	if err != nil {
		return fmt.Errorf("set auth providers: %w", err)
	}
	if err := s.SetSetting(ctx, rules.SettingAuthProviders, string(b)); err != nil {
		return fmt.Errorf("set auth providers: %w", err)
	}
	return nil
}

// Setting returns the value stored under key and whether there is one.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	v, ok, err := getSetting(ctx, s.db, key)
	if err != nil {
		return "", false, fmt.Errorf("setting %q: %w", key, err)
	}
	return v, ok, nil
}

// SetSetting stores value under key, replacing any previous value.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	if key == "" {
		return errors.New("set setting: empty key")
	}
	err := s.db.Write(ctx, func(tx Querier) error {
		return putSetting(ctx, tx, key, value)
	})
	if err != nil {
		return fmt.Errorf("set setting %q: %w", key, err)
	}
	return nil
}
