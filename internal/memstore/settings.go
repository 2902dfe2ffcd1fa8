package memstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Settings is the in-memory order.SettingsStore; the counter it raises is
// the one Create numbers orders with.
type Settings struct{ s *Store }

var _ order.SettingsStore = (*Settings)(nil)

// Settings returns the settings view of the store.
func (s *Store) Settings() *Settings { return &Settings{s: s} }

// Get implements order.SettingsStore.
func (st *Settings) Get(ctx context.Context) (order.Settings, int64, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	var out order.Settings
	if st.s.settings != nil {
		// A copy through JSON, as the table would return.
		b, err := json.Marshal(st.s.settings)
		if err != nil {
			return order.Settings{}, 0, fmt.Errorf("copy settings: %w", err)
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return order.Settings{}, 0, fmt.Errorf("copy settings: %w", err)
		}
	}
	out.Numbering.Next = st.s.last + 1
	return out, st.s.settingsVersion, nil
}

// Put implements order.SettingsStore.
func (st *Settings) Put(ctx context.Context, set order.Settings, expectedVersion int64) (int64, error) {
	const op = "memstore.Settings.Put"
	if err := set.Validate(); err != nil {
		return 0, err
	}
	if expectedVersion < 0 {
		return 0, order.E(op, order.Invalid, "invalid_version", "the expected version must not be negative")
	}
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	if st.s.settingsVersion != expectedVersion {
		e := order.E(op, order.PreconditionFailed, order.CodeVersionConflict,
			fmt.Sprintf("the settings are at version %d, not %d", st.s.settingsVersion, expectedVersion))
		e.Details = map[string]any{"expectedVersion": expectedVersion, "version": st.s.settingsVersion}
		return 0, e
	}
	b, err := json.Marshal(set)
	if err != nil {
		return 0, fmt.Errorf("copy settings: %w", err)
	}
	var stored order.Settings
	if err := json.Unmarshal(b, &stored); err != nil {
		return 0, fmt.Errorf("copy settings: %w", err)
	}
	stored.Numbering.Next = 0
	st.s.settings = &stored
	st.s.settingsVersion++
	return st.s.settingsVersion, nil
}

// RaiseNextNumber implements order.SettingsStore.
func (st *Settings) RaiseNextNumber(ctx context.Context, next int64) error {
	const op = "memstore.Settings.RaiseNextNumber"
	if next < 1 || next > order.MaxOrderNumber {
		return order.E(op, order.Invalid, "invalid_numbering",
			fmt.Sprintf("the next order number must be between 1 and %d", int64(order.MaxOrderNumber)))
	}
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	switch {
	case next == st.s.last+1:
		return nil
	case next <= st.s.last:
		e := order.E(op, order.Conflict, "next_number_too_low",
			fmt.Sprintf("the next order number can only be raised: %d is below %d", next, st.s.last+1))
		e.Details = map[string]any{"minimum": st.s.last + 1}
		return e
	}
	st.s.last = next - 1
	return nil
}
