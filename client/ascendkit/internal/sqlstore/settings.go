package sqlstore

import (
	"context"
	"errors"
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

// rawSetting is a setting's stored text, or nil when it is absent.
func rawSetting(ctx context.Context, q Querier, key string) (*string, error) {
	v, ok, err := getSetting(ctx, q, key)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}
