package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// AuthSettings returns the enabled providers, sorted ([] when none).
func (l *Local) AuthSettings(ctx context.Context) (ascendkit.AuthSettings, error) {
	v, ok, err := getSetting(ctx, l.r, rules.SettingAuthProviders)
	if err != nil {
		return ascendkit.AuthSettings{}, fmt.Errorf("auth settings: %w", err)
	}
	return rules.ParseAuthSettings(v, ok)
}

// SetAuthProviders replaces the enabled providers; names are trimmed and
// lower-cased, empty and repeated ones dropped, and the list sorted.
func (l *Local) SetAuthProviders(ctx context.Context, providers []string) error {
	ps := make([]string, 0, len(providers))
	for _, p := range providers {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	ps = slices.Compact(ps)
	b, err := json.Marshal(ps)
	if err != nil {
		return fmt.Errorf("set auth providers: %w", err)
	}
	if err := l.SetSetting(ctx, rules.SettingAuthProviders, string(b)); err != nil {
		return fmt.Errorf("set auth providers: %w", err)
	}
	return nil
}

// Setting returns the value stored under key and whether there is one.
func (l *Local) Setting(ctx context.Context, key string) (string, bool, error) {
	v, ok, err := getSetting(ctx, l.r, key)
	if err != nil {
		return "", false, fmt.Errorf("setting %q: %w", key, err)
	}
	return v, ok, nil
}

func getSetting(ctx context.Context, q queryer, key string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

// SetSetting stores value under key, replacing any previous value.
func (l *Local) SetSetting(ctx context.Context, key, value string) error {
	if key == "" {
		return errors.New("set setting: empty key")
	}
	err := l.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("set setting %q: %w", key, err)
	}
	return nil
}
