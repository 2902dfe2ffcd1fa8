package order

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 currency with the number of digits of its minor
// unit (EUR 2, JPY 0, KWD 3). The zero Currency is invalid.
type Currency struct {
	code  string
	minor int32
}

// iso4217 lists the currencies we accept and their minor units. It is data,
// not code: add a row to accept a currency.
var iso4217 = map[string]int32{
	"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "NZD": 2,
	"SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "RON": 2,
	"BGN": 2, "MAD": 2, "XOF": 0, "XAF": 0, "XPF": 0, "TND": 3, "DZD": 2,
	"JPY": 0, "KRW": 0, "CNY": 2, "HKD": 2, "SGD": 2, "INR": 2, "BRL": 2,
	"MXN": 2, "ZAR": 2, "TRY": 2, "AED": 2, "SAR": 2, "ILS": 2, "KWD": 3,
	"BHD": 3, "OMR": 3, "JOD": 3, "ISK": 0, "CLP": 0, "VND": 0,
}

// ParseCurrency returns the Currency for an ISO 4217 code (case-insensitive).
// An unknown code is an Invalid error with code "unknown_currency".
func ParseCurrency(code string) (Currency, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	minor, ok := iso4217[c]
	if !ok {
		return Currency{}, E("order.ParseCurrency", Invalid, "unknown_currency", fmt.Sprintf("unknown currency %q", code))
	}
	return Currency{code: c, minor: minor}, nil
}

// MustCurrency is ParseCurrency for constants in code and tests; it panics on
// an unknown code.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// EUR is the euro, the default currency of the shops we serve.
var EUR = MustCurrency("EUR")

// Code returns the ISO 4217 code, e.g. "EUR".
func (c Currency) Code() string { return c.code }

// MinorUnits returns the number of decimal digits of the minor unit.
func (c Currency) MinorUnits() int32 { return c.minor }

// IsZero reports whether c is the invalid zero Currency.
func (c Currency) IsZero() bool { return c.code == "" }

// String returns the code.
func (c Currency) String() string { return c.code }

// MarshalJSON encodes the currency as its code.
func (c Currency) MarshalJSON() ([]byte, error) { return json.Marshal(c.code) }

// UnmarshalJSON accepts an ISO 4217 code.
func (c *Currency) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p, err := ParseCurrency(s)
	if err != nil {
		return err
	}
	*c = p
	return nil
}

// Money is an exact decimal amount in a currency. Arithmetic keeps full
// precision; rounding to the currency's minor unit happens only where
// Round is called, and that place is the documented rounding rule.
type Money struct {
	Amount   decimal.Decimal `json:"amount"`
	Currency Currency        `json:"currency"`
}

// NewMoney builds a Money from a decimal and a currency.
func NewMoney(amount decimal.Decimal, c Currency) Money { return Money{Amount: amount, Currency: c} }

// ParseMoney parses a decimal string such as "12.50" (a dot; storefronts send
// strings). It does not round.
func ParseMoney(s string, c Currency) (Money, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return Money{}, Wrap("order.ParseMoney", Invalid, "invalid_amount", fmt.Sprintf("invalid amount %q", s), err)
	}
	return Money{Amount: d, Currency: c}, nil
}

// MustMoney is ParseMoney for tests and constants; it panics on bad input.
func MustMoney(s string, c Currency) Money {
	m, err := ParseMoney(s, c)
	if err != nil {
		panic(err)
	}
	return m
}

// Zero returns zero in currency c.
func Zero(c Currency) Money { return Money{Amount: decimal.Zero, Currency: c} }

func (m Money) mustSame(o Money) {
	if m.Currency != o.Currency {
		panic(fmt.Sprintf("order: money currency mismatch %s vs %s", m.Currency, o.Currency))
	}
}

// Add returns m+o. Both must share a currency (a mismatch is a programming
// error and panics: amounts are validated to one currency at the edge).
func (m Money) Add(o Money) Money { m.mustSame(o); return Money{m.Amount.Add(o.Amount), m.Currency} }

// Sub returns m-o (same currency, as Add).
func (m Money) Sub(o Money) Money { m.mustSame(o); return Money{m.Amount.Sub(o.Amount), m.Currency} }

// Mul returns m×q, unrounded.
func (m Money) Mul(q decimal.Decimal) Money { return Money{m.Amount.Mul(q), m.Currency} }

// Neg returns -m.
func (m Money) Neg() Money { return Money{m.Amount.Neg(), m.Currency} }

// Round rounds to the currency's minor unit, half away from zero (the
// "arrondi commercial" used on French invoices): 0.125 EUR → 0.13,
// -0.125 EUR → -0.13.
func (m Money) Round() Money { return Money{m.Amount.Round(m.Currency.minor), m.Currency} }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount.IsZero() }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.Amount.IsNegative() }

// Equal reports whether m and o have the same currency and value.
func (m Money) Equal(o Money) bool { return m.Currency == o.Currency && m.Amount.Equal(o.Amount) }

// MinorUnits returns the amount in minor units (cents). m must already be
// rounded; an unrounded amount is truncated toward zero, so call Round first.
func (m Money) MinorUnits() int64 { return m.Amount.Shift(m.Currency.minor).IntPart() }

// FromMinorUnits builds a Money from an integer count of minor units.
func FromMinorUnits(units int64, c Currency) Money {
	return Money{Amount: decimal.New(units, -c.minor), Currency: c}
}

// String formats as "12.50 EUR" with exactly the minor-unit digits.
func (m Money) String() string { return m.Amount.StringFixed(m.Currency.minor) + " " + m.Currency.code }

// Allocate splits m (rounded to the minor unit first) into len(weights)
// parts proportional to the weights, in minor units, by the largest-remainder
// method: every cent is allocated, so the parts always sum to m. Ties go to
// the earlier part. All weights zero splits evenly. Weights must not be
// negative.
func (m Money) Allocate(weights []decimal.Decimal) []Money {
	n := len(weights)
	if n == 0 {
		return nil
	}
	total := m.Round().MinorUnits()
	sumW := decimal.Zero
	for _, w := range weights {
		if w.IsNegative() {
			panic("order: negative allocation weight")
		}
		sumW = sumW.Add(w)
	}
	if sumW.IsZero() {
		weights = make([]decimal.Decimal, n)
		for i := range weights {
			weights[i] = decimal.NewFromInt(1)
		}
		sumW = decimal.NewFromInt(int64(n))
	}
	sign := int64(1)
	if total < 0 {
		sign, total = -1, -total
	}
	parts := make([]int64, n)
	rems := make([]decimal.Decimal, n)
	var given int64
	T := decimal.NewFromInt(total)
	for i, w := range weights {
		exact := T.Mul(w).Div(sumW)
		fl := exact.Floor()
		parts[i] = fl.IntPart()
		rems[i] = exact.Sub(fl)
		given += parts[i]
	}
	for left := total - given; left > 0; left-- {
		best := -1
		for i := range rems {
			if best == -1 || rems[i].GreaterThan(rems[best]) {
				best = i
			}
		}
		parts[best]++
		rems[best] = decimal.NewFromInt(-1)
	}
	out := make([]Money, n)
	for i, p := range parts {
		out[i] = FromMinorUnits(sign*p, m.Currency)
	}
	return out
}
