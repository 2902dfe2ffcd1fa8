package order

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// ExchangeRate is the value of one unit of Currency in the company currency
// on Date: 1 USD = 0.9231 EUR is {USD, 2024-03-01, 0.9231} for a euro
// company. Rates are given in that one direction only; Convert never inverts
// them.
type ExchangeRate struct {
	Currency Currency        `json:"currency"`
	Date     Date            `json:"date"`
	Rate     decimal.Decimal `json:"rate"`
}

// maxRateScale bounds the decimal places of a rate (the ECB publishes 4 to 6
// significant digits; 16 places leave room for any currency pair).
const maxRateScale = 16

// Validate checks that the rate names a currency and a day and is positive.
// It returns an Invalid *Error with code "invalid_exchange_rate".
func (r ExchangeRate) Validate() error {
	bad := func(why string) error {
		return E("order.ExchangeRate.Validate", Invalid, "invalid_exchange_rate", "exchange rate "+why)
	}
	switch {
	case r.Currency.IsZero():
		return bad("has no currency")
	case r.Date.IsZero():
		return bad("has no date")
	case r.Rate.Exponent() < -maxRateScale || r.Rate.Exponent() > MaxAmountDigits:
		return bad(fmt.Sprintf("must have at most %d decimal places", maxRateScale))
	case !r.Rate.IsPositive():
		return bad("must be positive")
	case r.Rate.GreaterThanOrEqual(MaxAmount):
		return bad("is out of range")
	}
	return nil
}

// Convert expresses total in the company currency, for reports that add up
// orders in several currencies. The rate used is, for total's currency, the
// one published on the date on, else the latest one published before it;
// rates after that date are never used. Without such a rate the result is
// Conversion{Missing: true} with a zero Total: a missing rate is never
// silently taken as 1. A total already in the company currency converts at
// exactly 1 with no rate looked up (empty RateDate).
//
// Rounding: Total is total × rate, rounded once to the company currency's
// minor unit, half away from zero (Money.Round). Rates that fail Validate are
// ignored; of two rates for the same currency and day, the later in the
// slice wins.
func Convert(total Money, company Currency, on Date, rates []ExchangeRate) Conversion {
	if !company.IsZero() && total.Currency == company {
		return Conversion{Total: total.Round(), Rate: decimal.NewFromInt(1)}
	}
	missing := Conversion{Total: Zero(company), Rate: decimal.Zero, Missing: true}
	if company.IsZero() || total.Currency.IsZero() || on.IsZero() {
		return missing
	}
	var best *ExchangeRate
	for i := range rates {
		r := &rates[i]
		if r.Currency != total.Currency || r.Date.After(on) || r.Validate() != nil {
			continue
		}
		if best == nil || !r.Date.Before(best.Date) {
			best = r
		}
	}
	if best == nil {
		return missing
	}
	return Conversion{
		Total:    NewMoney(total.Amount.Mul(best.Rate), company).Round(),
		Rate:     best.Rate,
		RateDate: best.Date.String(),
	}
}

// ConvertOrder converts the order's grand total into the company currency at
// the rate of the order's creation day (in UTC, the day rates are keyed by)
// and stores it in o.CompanyTotal. It returns the conversion.
func ConvertOrder(o *Order, company Currency, rates []ExchangeRate) Conversion {
	c := Convert(o.Totals.Grand, company, DateOf(o.CreatedAt, time.UTC), rates)
	o.CompanyTotal = &c
	return c
}
