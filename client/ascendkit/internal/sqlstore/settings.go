package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

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

// AuthSettings returns the enabled providers, sorted ([] when none), and
// those last turned off by hand that are still off.
func (s *Store) AuthSettings(ctx context.Context) (ascendkit.AuthSettings, error) {
	var out ascendkit.AuthSettings
	err := s.db.Snapshot(ctx, func(q Querier) error {
		v, ok, err := getSetting(ctx, q, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		if out, err = rules.ParseAuthSettings(v, ok); err != nil {
			return err
		}
		hand, err := byHand(ctx, q)
		if err != nil {
			return err
		}
		for _, p := range slices.Sorted(maps.Keys(hand)) {
			if !hand[p].On && !slices.Contains(out.Providers, p) {
				out.OffByHand = append(out.OffByHand, p)
			}
		}
		return nil
	})
	if err != nil {
		return ascendkit.AuthSettings{}, fmt.Errorf("auth settings: %w", err)
	}
	return out, nil
}

// settingProvidersByHand records, per provider, the last change of it
// made by hand (SetAuthProvidersByHand): a JSON object of handChange.
const settingProvidersByHand = "auth.providers.by_hand"

// handChange is a provider's last change by hand: turned on or off, when.
type handChange struct {
	On bool   `json:"on"`
	At string `json:"at"`
}

// byHand reads the providers' last changes by hand; an absent or
// unreadable record (not written by this code) counts as none.
func byHand(ctx context.Context, q Querier) (map[string]handChange, error) {
	out := map[string]handChange{}
	v, ok, err := getSetting(ctx, q, settingProvidersByHand)
	if err != nil || !ok {
		return out, err
	}
	if json.Unmarshal([]byte(v), &out) != nil {
		return map[string]handChange{}, nil
	}
	return out, nil
}

// SetAuthProvidersByHand replaces the enabled providers as SetAuthProviders
// does and, in the same transaction, records each provider it turns on or
// off as changed by hand at time at. The providers setting is locked
// first, as undo locks it, so that an undo decides on the record that
// goes with the providers it sees.
func (s *Store) SetAuthProvidersByHand(ctx context.Context, providers []string, at time.Time) error {
	after := rules.NormProviders(providers)
	b, err := json.Marshal(after)
	if err != nil {
		return fmt.Errorf("set auth providers: %w", err)
	}
	err = s.db.Write(ctx, func(tx Querier) error {
		if err := s.lock(ctx, tx, `SELECT key FROM settings WHERE key = $1`, rules.SettingAuthProviders); err != nil {
			return err
		}
		cur, err := rawSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		before, _ := providerSet(cur) // unreadable: every provider named is turned on
		hand, err := byHand(ctx, tx)
		if err != nil {
			return err
		}
		changed := false
		now := rules.FormatTime(at)
		for _, p := range after {
			if !before[p] {
				hand[p], changed = handChange{On: true, At: now}, true
			}
		}
		for p := range before {
			if !slices.Contains(after, p) {
				hand[p], changed = handChange{On: false, At: now}, true
			}
		}
		if changed {
			rec, err := json.Marshal(hand)
			if err != nil {
				return err
			}
			if err := putSetting(ctx, tx, settingProvidersByHand, string(rec)); err != nil {
				return err
			}
		}
		return putSetting(ctx, tx, rules.SettingAuthProviders, string(b))
	})
	if err != nil {
		return fmt.Errorf("set auth providers: %w", err)
	}
	return nil
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

// AddRunProviders enables providers for run runID on top of those on at
// the time of the write, turning none off: an import's settings phase,
// which must neither undo a change made by hand nor drop the providers
// another run enabled while it ran. The run's row (as a batch write
// locks it: ErrRunEnded once the run is recorded ended) and then the
// providers setting are locked, in undo's order, so that the result is
// computed from what is there. TurnedBackOn are the providers it turns
// on whose last change by hand, as of the write, turned them off.
func (s *Store) AddRunProviders(ctx context.Context, runID string, providers []string) (ascendkit.ProvidersChange, error) {
	add := rules.NormProviders(providers)
	var out ascendkit.ProvidersChange
	err := s.db.Write(ctx, func(tx Querier) error {
		if err := s.CheckRunLive(ctx, tx, runID); err != nil {
			return err
		}
		if err := s.lock(ctx, tx, `SELECT key FROM settings WHERE key = $1`, rules.SettingAuthProviders); err != nil {
			return err
		}
		v, ok, err := getSetting(ctx, tx, rules.SettingAuthProviders)
		if err != nil {
			return err
		}
		cur, err := rules.ParseAuthSettings(v, ok)
		if err != nil {
			return err
		}
		hand, err := byHand(ctx, tx)
		if err != nil {
			return err
		}
		before := rules.NormProviders(cur.Providers)
		after := slices.Clone(before)
		var back []string
		for _, p := range add {
			if slices.Contains(before, p) {
				continue
			}
			after = append(after, p)
			if h, ok := hand[p]; ok && !h.On {
				back = append(back, p)
			}
		}
		after = rules.NormProviders(after)
		out = ascendkit.ProvidersChange{Before: before, After: after, TurnedBackOn: back}
		if slices.Equal(before, after) {
			return nil
		}
		b, err := json.Marshal(after)
		if err != nil {
			return err
		}
		return putSetting(ctx, tx, rules.SettingAuthProviders, string(b))
	})
	if err != nil {
		return ascendkit.ProvidersChange{}, fmt.Errorf("add auth providers: %w", err)
	}
	return out, nil
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
