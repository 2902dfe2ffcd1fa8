package order

import (
	"context"
	"errors"
	"fmt"
)

// SettingsAdmin is the service behind the settings and exchange-rate admin
// routes: the shop's settings (numbering, zero-total payment status, company
// currency...) and the exchange-rate table the intake converts totals with.
type SettingsAdmin struct {
	settings SettingsStore
	rates    RateStore
	defaults Settings
}

// NewSettingsAdmin returns the service. defaults are the settings shown
// before any were saved (DefaultSettings with the deployment's sender).
func NewSettingsAdmin(settings SettingsStore, rates RateStore, defaults Settings) (*SettingsAdmin, error) {
	if settings == nil || rates == nil {
		return nil, errors.New("new settings admin: the settings and rate stores are required")
	}
	return &SettingsAdmin{settings: settings, rates: rates, defaults: defaults}, nil
}

// Settings returns the shop's settings and their version (0 when none were
// ever saved: the defaults are returned), with Numbering.Next read from the
// order-number counter.
func (a *SettingsAdmin) Settings(ctx context.Context) (Settings, int64, error) {
	s, version, err := ReadSettings(ctx, a.settings, a.defaults)
	if err != nil {
		return Settings{}, 0, fmt.Errorf("read settings: %w", err)
	}
	return s, version, nil
}

// CodeNextNumberTooLow is the Conflict of a next order number below the
// counter: lowering it would give two orders the same number.
const CodeNextNumberTooLow = "next_number_too_low"

// UpdateSettings replaces the settings if they are still at expectedVersion
// (otherwise a PreconditionFailed error) and returns them with their new
// version. A negative expectedVersion asks for no precondition: the write is
// then conditional on the version just read, so a concurrent change is still
// refused rather than overwritten. Numbering.Next may only be raised: a lower number is a Conflict
// next_number_too_low whose Details give the minimum; zero keeps the current
// one. A raise is applied before the settings are saved, so a retry after a
// failed save finds it done and goes on.
func (a *SettingsAdmin) UpdateSettings(ctx context.Context, s Settings, expectedVersion int64) (Settings, int64, error) {
	const op = "order.SettingsAdmin.UpdateSettings"
	cur, version, err := a.Settings(ctx)
	if err != nil {
		return Settings{}, 0, err
	}
	if expectedVersion < 0 {
		expectedVersion = version
	}
	if version != expectedVersion {
		e := E(op, PreconditionFailed, CodeVersionConflict, fmt.Sprintf("the settings are at version %d, not %d", version, expectedVersion))
		e.Details = map[string]any{"expectedVersion": expectedVersion, "version": version}
		return Settings{}, 0, e
	}
	if s.Numbering.Next == 0 {
		s.Numbering.Next = cur.Numbering.Next
	}
	if s.Numbering.Next < cur.Numbering.Next {
		e := E(op, Conflict, CodeNextNumberTooLow,
			fmt.Sprintf("the next order number can only be raised: %d is below %d", s.Numbering.Next, cur.Numbering.Next))
		e.Details = map[string]any{"minimum": cur.Numbering.Next}
		return Settings{}, 0, e
	}
	if err := s.Validate(); err != nil {
		return Settings{}, 0, err
	}
	if s.Numbering.Next > cur.Numbering.Next {
		if err := a.settings.RaiseNextNumber(ctx, s.Numbering.Next); err != nil {
			return Settings{}, 0, err
		}
	}
	v, err := a.settings.Put(ctx, s, expectedVersion)
	if err != nil {
		return Settings{}, 0, err
	}
	return s, v, nil
}

// PutRate stores (or corrects) the exchange rate of r.Currency on r.Date: 1
// unit of it is r.Rate units of the company currency. A rate of the company
// currency itself is Invalid: it is 1 by definition.
func (a *SettingsAdmin) PutRate(ctx context.Context, r ExchangeRate) error {
	const op = "order.SettingsAdmin.PutRate"
	if err := r.Validate(); err != nil {
		return err
	}
	s, _, err := a.Settings(ctx)
	if err != nil {
		return err
	}
	if r.Currency == s.CompanyCurrency {
		return E(op, Invalid, "company_currency_rate", fmt.Sprintf("%s is the company currency: its rate is always 1", r.Currency))
	}
	if err := a.rates.Put(ctx, r); err != nil {
		return fmt.Errorf("save the %s rate of %s: %w", r.Currency, r.Date, err)
	}
	return nil
}

// RateOn returns the rate an order of that currency and day converts with:
// the day's, else the latest before it; NotFound when there is none.
func (a *SettingsAdmin) RateOn(ctx context.Context, c Currency, day Date) (ExchangeRate, error) {
	return a.rates.RateOn(ctx, c, day)
}
