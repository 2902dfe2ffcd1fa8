package order

import (
	"context"
	"fmt"
	"time"
)

func (s *Intake) shopSettings(ctx context.Context) (Settings, error) {
	now := s.now()
	s.mu.Lock()
	if c := s.settings; c != nil && s.cfg.CacheMaxAge > 0 && now.Sub(c.at) < s.cfg.CacheMaxAge {
		s.mu.Unlock()
		return c.s, nil
	}
	s.mu.Unlock()
	set, _, err := ReadSettings(ctx, s.deps.Settings, DefaultSettings("", ""))
	if err != nil {
		return Settings{}, fmt.Errorf("read shop settings: %w", err)
	}
	s.mu.Lock()
	s.settings = &cachedSettings{s: set, at: now}
	s.mu.Unlock()
	return set, nil
}

// convert sets o.CompanyTotal: the grand total in the company currency at
// the rate of the order's day, else the latest rate before it, else marked
// missing. An order in the company currency needs no rate.
func (s *Intake) convert(ctx context.Context, o *Order, set Settings) (Conversion, error) {
	company := set.CompanyCurrency
	if company.IsZero() {
		company = EUR
	}
	if o.Currency == company {
		return ConvertOrder(o, company, nil), nil
	}
	day := DateOf(o.CreatedAt, time.UTC)
	rate, err := s.rateOn(ctx, o.Currency, day)
	if err != nil {
		return Conversion{}, err
	}
	var rates []ExchangeRate
	if rate != nil {
		rates = []ExchangeRate{*rate}
	}
	return ConvertOrder(o, company, rates), nil
}

// rateOn reads the rate of currency on day (or the latest before it),
// cached for CacheMaxAge; nil when there is none.
func (s *Intake) rateOn(ctx context.Context, c Currency, day Date) (*ExchangeRate, error) {
	now := s.now()
	k := rateKey{c.Code(), day}
	s.mu.Lock()
	if r, ok := s.rates[k]; ok && s.cfg.CacheMaxAge > 0 && now.Before(r.until) {
		s.mu.Unlock()
		return r.rate, nil
	}
	s.mu.Unlock()
	r, err := s.deps.Rates.RateOn(ctx, c, day)
	var found *ExchangeRate
	switch {
	case err == nil:
		found = &r
	case IsKind(err, NotFound):
	default:
		return nil, fmt.Errorf("read the %s exchange rate of %s: %w", c, day, err)
	}
	s.mu.Lock()
	if len(s.rates) > 1000 {
		clear(s.rates) // a bound, not a policy: an instance sees a handful of currencies a day
	}
	s.rates[k] = cachedRate{rate: found, until: now.Add(s.cfg.CacheMaxAge)}
	s.mu.Unlock()
	return found, nil
}
