package order

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// CodeInvalidAmount is the Invalid error of an amount that is not a decimal
// number within the domain's bounds.
const CodeInvalidAmount = "invalid_amount"

// MaxDecimalChars bounds the text of a decimal read from JSON: a literal
// such as 1e-999999999 is short to send and would cost a billion digits to
// round, and no amount or rate needs more.
const MaxDecimalChars = 40

// decimalSyntax is a decimal literal: digits with an optional fraction and
// exponent, as JSON writes numbers (no "NaN", no "Inf", no thousands
// separators, no leading "+").
var decimalSyntax = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// JSONDecimal is a decimal read from a JSON number (12.5) or string
// ("12.50") straight from its text, never through float64: every decoder of
// amounts and rates (storefront webhooks, manual orders, exchange rates)
// uses it. null and "" leave it unset (storefronts send both for "not
// applicable"); a required field checks Set.
//
// Its text is bounded (MaxDecimalChars) and so is its value: an exponent
// outside the places a rate may have (maxRateScale) or the integer digits
// an amount may have (MaxAmountDigits), or an absolute value reaching
// MaxAmount, is refused as it is decoded, so that no huge literal ever
// reaches decimal arithmetic. Finer bounds (an amount's MaxAmountScale, a
// rate's sign) are the domain's checks of the value. Every refusal is an
// Invalid error with code invalid_amount.
type JSONDecimal struct {
	Decimal decimal.Decimal
	Set     bool // false for null or "" (and for a field left out)
	exp     bool // written with an exponent: "1e3"
}

// JSONText returns the text of a JSON scalar as a field decoder reads it: a
// string unquoted and trimmed, anything else as written. ok is false for
// null.
func JSONText(b []byte) (s string, ok bool, err error) {
	s = string(b)
	if s == "null" {
		return "", false, nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false, err
		}
		s = strings.TrimSpace(s)
	}
	return s, true, nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (j *JSONDecimal) UnmarshalJSON(b []byte) error {
	*j = JSONDecimal{}
	s, ok, err := JSONText(b)
	if err != nil || !ok || s == "" {
		return err
	}
	d, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*j = JSONDecimal{Decimal: d, Set: true, exp: strings.ContainsAny(s, "eE")}
	return nil
}

// WrittenOut reports whether the value was written without an exponent
// ("1000", not "1e3"): our own API asks for amounts written out.
func (j JSONDecimal) WrittenOut() bool { return !j.exp }

// Or returns the value, or def when it was not set.
func (j JSONDecimal) Or(def decimal.Decimal) decimal.Decimal {
	if j.Set {
		return j.Decimal
	}
	return def
}

// Ptr returns a pointer to the value, or nil when it was not set: the
// shape of ReportedTotals.
func (j JSONDecimal) Ptr() *decimal.Decimal {
	if !j.Set {
		return nil
	}
	d := j.Decimal
	return &d
}

// ParseDecimal parses a decimal literal within JSONDecimal's bounds.
func ParseDecimal(s string) (decimal.Decimal, error) {
	bad := func(why string) error {
		shown := s
		if len(shown) > MaxDecimalChars {
			shown = shown[:MaxDecimalChars] + "..."
		}
		return E("order.ParseDecimal", Invalid, CodeInvalidAmount, fmt.Sprintf("amount %q %s", shown, why))
	}
	if len(s) > MaxDecimalChars || !decimalSyntax.MatchString(s) {
		return decimal.Decimal{}, bad("is not a decimal number")
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, bad("is not a decimal number")
	}
	// The exponent first: comparing a decimal with a huge exponent
	// rescales it into a huge integer.
	if e := d.Exponent(); e < -maxRateScale || e > MaxAmountDigits {
		return decimal.Decimal{}, bad("is out of range")
	}
	if d.Abs().GreaterThanOrEqual(MaxAmount) {
		return decimal.Decimal{}, bad("is out of range")
	}
	return d, nil
}
