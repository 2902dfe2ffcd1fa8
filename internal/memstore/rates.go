package memstore

import (
	"context"
	"fmt"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Rates is the in-memory order.RateStore.
type Rates struct{ s *Store }

var _ order.RateStore = (*Rates)(nil)

// Rates returns the rate view of the store.
func (s *Store) Rates() *Rates { return &Rates{s: s} }

// Put implements order.RateStore.
func (r *Rates) Put(ctx context.Context, rate order.ExchangeRate) error {
	if err := rate.Validate(); err != nil {
		return err
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	byDate, ok := r.s.rates[rate.Currency.Code()]
	if !ok {
		byDate = map[string]order.ExchangeRate{}
		r.s.rates[rate.Currency.Code()] = byDate
	}
	byDate[rate.Date.String()] = rate
	return nil
}

// RateOn implements order.RateStore.
func (r *Rates) RateOn(ctx context.Context, currency order.Currency, date order.Date) (order.ExchangeRate, error) {
	const op = "memstore.Rates.RateOn"
	if currency.IsZero() || date.IsZero() {
		return order.ExchangeRate{}, order.E(op, order.Invalid, "invalid_exchange_rate", "a rate lookup needs a currency and a date")
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var best *order.ExchangeRate
	for _, rate := range r.s.rates[currency.Code()] {
		if rate.Date.After(date) {
			continue
		}
		if best == nil || rate.Date.After(best.Date) {
			b := rate
			best = &b
		}
	}
	if best == nil {
		return order.ExchangeRate{}, order.E(op, order.NotFound, order.CodeNotFound,
			fmt.Sprintf("exchange rate %q not found", currency.Code()+" on or before "+date.String()))
	}
	return *best, nil
}
