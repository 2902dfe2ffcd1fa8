package order

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
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

// UnmarshalJSON accepts an ISO 4217 code. An empty string or null decodes to
// the zero Currency, so that a zero Money survives a JSON round trip;
// Order.Validate is where a missing currency is refused.
func (c *Currency) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*c = Currency{}
		return nil
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

// Bounds on every amount the domain accepts. They keep arithmetic cheap
// ("1e-9999" is seven characters to parse and ten thousand digits to format
// or compare) and keep every total, in minor units, far inside an int64.
const (
	// MaxAmountDigits is the number of integer digits an amount may have:
	// amounts are below 10^12 in major units.
	MaxAmountDigits = 12
	// MaxAmountScale is the number of decimal places an amount may have.
	MaxAmountScale = 12
)

// MaxAmount is the first amount too large to accept: 10^MaxAmountDigits.
// Every amount and rate is below it in absolute value.
var MaxAmount = decimal.New(1, MaxAmountDigits)

// checkAmount reports why d is not an acceptable amount, or "" when it is.
// The exponent is checked before any comparison, because comparing a decimal
// with a huge exponent rescales it into a huge integer.
func checkAmount(d decimal.Decimal) string {
	if e := d.Exponent(); e < -MaxAmountScale {
		return fmt.Sprintf("has more than %d decimal places", MaxAmountScale)
	} else if e > MaxAmountDigits {
		return fmt.Sprintf("has more than %d integer digits", MaxAmountDigits)
	}
	if d.Abs().GreaterThanOrEqual(MaxAmount) {
		return fmt.Sprintf("has more than %d integer digits", MaxAmountDigits)
	}
	return ""
}

// ParseMoney parses a decimal string such as "12.50" (a dot; storefronts send
// strings). It does not round. A malformed amount, or one with more than
// MaxAmountDigits integer digits or MaxAmountScale decimal places, is an
// Invalid error with code "invalid_amount".
func ParseMoney(s string, c Currency) (Money, error) {
	const op = "order.ParseMoney"
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return Money{}, Wrap(op, Invalid, "invalid_amount", fmt.Sprintf("invalid amount %q", s), err)
	}
	if why := checkAmount(d); why != "" {
		return Money{}, E(op, Invalid, "invalid_amount", fmt.Sprintf("amount %q %s", s, why))
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

// Cmp compares m and o (same currency, as Add): -1 if m < o, 0 if equal, +1
// if m > o.
func (m Money) Cmp(o Money) int { m.mustSame(o); return m.Amount.Cmp(o.Amount) }

// MinorUnits returns the amount in minor units (cents). m must already be
// rounded; an unrounded amount is truncated toward zero, so call Round first.
// Amounts within the bounds ParseMoney and Validate enforce always fit.
func (m Money) MinorUnits() int64 { return m.Amount.Shift(m.Currency.minor).IntPart() }

// FromMinorUnits builds a Money from an integer count of minor units.
func FromMinorUnits(units int64, c Currency) Money {
	return Money{Amount: decimal.New(units, -c.minor), Currency: c}
}

// String formats as "12.50 EUR" with exactly the minor-unit digits.
func (m Money) String() string { return m.Amount.StringFixed(m.Currency.minor) + " " + m.Currency.code }

// MarshalJSON encodes {"amount":"12.50","currency":"EUR"}: the amount is a
// string (a JSON number would go through float64 in many clients) with at
// least the currency's minor-unit digits, and more only when the amount is
// not yet rounded, so no precision is lost.
func (m Money) MarshalJSON() ([]byte, error) {
	places := m.Currency.minor
	if e := -m.Amount.Exponent(); e > places {
		places = e
	}
	return json.Marshal(struct {
		Amount   string   `json:"amount"`
		Currency Currency `json:"currency"`
	}{m.Amount.StringFixed(places), m.Currency})
}

// Allocate splits m (rounded to the minor unit first) into len(weights)
// parts proportional to the weights, in minor units, by the largest-remainder
// method: every minor unit is allocated, so the parts always sum to the
// rounded m. Each part is its exact share rounded down, plus one minor unit
// for the parts with the largest remainders; ties go to the earlier part. A
// negative m is split as its absolute value and every part negated, so the
// rule is symmetric. All weights zero splits evenly. A negative weight is a
// programming error and panics. No weights gives nil.
func (m Money) Allocate(weights []decimal.Decimal) []Money {
	n := len(weights)
	if n == 0 {
		return nil
	}
	// Exact integer arithmetic throughout: the shares are total×wᵢ/Σw, and
	// comparing their remainders over the common denominator Σw needs no
	// rounding at all (a decimal division would round to 16 places and could
	// push a share of 2.99999999999999999 up to 3, inventing a cent).
	total := m.Round().Amount.Shift(m.Currency.minor).BigInt()
	negative := total.Sign() < 0
	total.Abs(total)

	ints := scaledWeights(weights)
	sumW := new(big.Int)
	for _, w := range ints {
		sumW.Add(sumW, w)
	}
	if sumW.Sign() == 0 {
		for i := range ints {
			ints[i] = big.NewInt(1)
		}
		sumW.SetInt64(int64(n))
	}

	parts := make([]*big.Int, n)
	rems := make([]*big.Int, n)
	given := new(big.Int)
	for i, w := range ints {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(total, w), sumW, new(big.Int))
		parts[i], rems[i] = q, r
		given.Add(given, q)
	}
	// Fewer than n units are left over, since each share lost less than one.
	left := new(big.Int).Sub(total, given).Int64()
	byRemainder := make([]int, n)
	for i := range byRemainder {
		byRemainder[i] = i
	}
	sort.SliceStable(byRemainder, func(a, b int) bool { return rems[byRemainder[a]].Cmp(rems[byRemainder[b]]) > 0 })
	for k := int64(0); k < left; k++ {
		parts[byRemainder[k]].Add(parts[byRemainder[k]], big.NewInt(1))
	}
	out := make([]Money, n)
	for i, p := range parts {
		if negative {
			p.Neg(p)
		}
		out[i] = Money{Amount: decimal.NewFromBigInt(p, -m.Currency.minor), Currency: m.Currency}
	}
	return out
}

// scaledWeights turns decimal weights into integers with the same ratios, by
// shifting them all to the smallest exponent among them. It panics on a
// negative weight.
func scaledWeights(weights []decimal.Decimal) []*big.Int {
	minExp := int32(0)
	for _, w := range weights {
		if w.IsNegative() {
			panic("order: negative allocation weight")
		}
		if e := w.Exponent(); e < minExp {
			minExp = e
		}
	}
	out := make([]*big.Int, len(weights))
	for i, w := range weights {
		out[i] = w.Shift(-minExp).BigInt()
	}
	return out
}
