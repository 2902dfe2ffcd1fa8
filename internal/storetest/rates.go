package storetest

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RunRateStore runs the RateStore contract.
func RunRateStore(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	usd, gbp := order.MustCurrency("USD"), order.MustCurrency("GBP")
	for _, r := range []order.ExchangeRate{
		{Currency: usd, Date: order.MustDate(2025, 3, 10), Rate: decimal.RequireFromString("0.9231")},
		{Currency: usd, Date: order.MustDate(2025, 3, 12), Rate: decimal.RequireFromString("0.9187")},
		{Currency: usd, Date: order.MustDate(2025, 3, 12), Rate: decimal.RequireFromString("0.9190")}, // a correction
		{Currency: usd, Date: order.MustDate(2025, 3, 20), Rate: decimal.RequireFromString("0.9300")},
		{Currency: gbp, Date: order.MustDate(2025, 3, 11), Rate: decimal.RequireFromString("1.187654321")},
	} {
		if err := s.Rates.Put(ctx, r); err != nil {
			t.Fatalf("put %v: %v", r, err)
		}
	}
	cases := []struct {
		name     string
		currency order.Currency
		date     order.Date
		wantDate string
		wantRate string
	}{
		{"exact day", usd, order.MustDate(2025, 3, 10), "2025-03-10", "0.9231"},
		{"corrected day", usd, order.MustDate(2025, 3, 12), "2025-03-12", "0.919"},
		{"weekend takes the day before", usd, order.MustDate(2025, 3, 15), "2025-03-12", "0.919"},
		{"never a later rate", usd, order.MustDate(2025, 3, 19), "2025-03-12", "0.919"},
		{"other currency", gbp, order.MustDate(2025, 4, 1), "2025-03-11", "1.187654321"},
		{"before the first", usd, order.MustDate(2025, 3, 9), "", ""},
		{"unknown currency", order.MustCurrency("JPY"), order.MustDate(2025, 3, 12), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := s.Rates.RateOn(ctx, c.currency, c.date)
			if c.wantDate == "" {
				wantKind(t, err, order.NotFound, "")
				return
			}
			if err != nil {
				t.Fatalf("RateOn: %v", err)
			}
			if r.Date.String() != c.wantDate || !r.Rate.Equal(decimal.RequireFromString(c.wantRate)) || r.Currency != c.currency {
				t.Fatalf("RateOn = %v %s %s, want %s %s", r.Currency, r.Date, r.Rate, c.wantDate, c.wantRate)
			}
		})
	}
	err := s.Rates.Put(ctx, order.ExchangeRate{Currency: usd, Date: order.MustDate(2025, 3, 1), Rate: decimal.NewFromInt(-1)})
	wantKind(t, err, order.Invalid, "invalid_exchange_rate")
}
