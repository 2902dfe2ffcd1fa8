package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// decodeJSON decodes a storefront body into v. Invalid UTF-8 and malformed
// JSON are Invalid errors; a typed error raised by a field decoder (an
// amount that is not a decimal, a bad quantity) is returned as is.
func decodeJSON(op string, body []byte, v any) error {
	if !utf8.Valid(body) {
		return order.E(op, order.Invalid, "invalid_utf8", "the body is not valid UTF-8")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var oe *order.Error
		if errors.As(err, &oe) {
			return oe
		}
		// The decoder's message is about the caller's own body: safe and
		// useful to show ("invalid character ... looking for beginning of value").
		return order.E(op, order.Invalid, "malformed_json", "the body is not JSON of the expected shape: "+err.Error())
	}
	return nil
}

// quantity is an item count decoded from a JSON integer (or a string holding
// one, or a number with a zero fraction such as 2.0). Anything else is an
// Invalid "invalid_quantity" error; the sign is checked where the line is
// mapped, so that the message can name the line.
type quantity int64

// UnmarshalJSON implements json.Unmarshaler.
func (q *quantity) UnmarshalJSON(b []byte) error {
	s, ok, err := order.JSONText(b)
	if err != nil || !ok {
		*q = 0
		return err
	}
	bad := func() error {
		return order.E("webhook.quantity", order.Invalid, "invalid_quantity", fmt.Sprintf("quantity %.40q is not a whole number", s))
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*q = quantity(n)
		return nil
	}
	d, err := order.ParseDecimal(s)
	if err != nil || !d.IsInteger() || !d.Abs().LessThan(decimal.NewFromInt(order.MaxQuantity+1)) {
		return bad()
	}
	*q = quantity(d.IntPart())
	return nil
}

// flexID is an identifier sent as a JSON string or number. Numbers keep
// their exact text: Shopify ids exceed 2^53 and would lose digits as float64.
type flexID string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexID(n.String())
	}
	return nil
}

// checkQuantity validates the quantity of line i (0-based; 1-based in messages).
func checkQuantity(op string, i int, q quantity) error {
	if q <= 0 || q > order.MaxQuantity {
		return order.E(op, order.Invalid, "invalid_quantity",
			fmt.Sprintf("line %d: quantity must be between 1 and %d, got %d", i+1, order.MaxQuantity, q))
	}
	return nil
}

// percentFromFraction turns a storefront's fractional rate (0.2, 0.055)
// into our percentage (20, 5.5).
func percentFromFraction(r decimal.Decimal) decimal.Decimal { return r.Shift(2) }

// utmFromURL reads utm_* parameters from a landing URL or path such as
// "/collections/the?utm_source=newsletter&utm_medium=email". A URL that does
// not parse yields no UTM: it is a marketing hint, not worth refusing an
// order over.
func utmFromURL(raw string) order.UTM {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return order.UTM{}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return order.UTM{}
	}
	q := u.Query()
	return order.UTM{
		Source:   q.Get("utm_source"),
		Medium:   q.Get("utm_medium"),
		Campaign: q.Get("utm_campaign"),
		Term:     q.Get("utm_term"),
		Content:  q.Get("utm_content"),
	}
}

// maxHintRunes bounds a marketing hint: a UTM tag or a referrer host.
const maxHintRunes = 200

// hint cleans a marketing hint the visitor controls (a landing URL's query,
// an attribution cookie): trimmed, made valid UTF-8 (a query may
// percent-encode any byte) and cut at maxHintRunes, so that a crafted link
// can never make an order fail validation.
func hint(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > maxHintRunes {
		s = string([]rune(s)[:maxHintRunes])
	}
	return s
}

// cleanUTM applies hint to every tag of a storefront's UTM.
func cleanUTM(u order.UTM) order.UTM {
	return order.UTM{Source: hint(u.Source), Medium: hint(u.Medium), Campaign: hint(u.Campaign), Term: hint(u.Term), Content: hint(u.Content)}
}

// referrerHost returns the host of a referring URL, without "www.".
func referrerHost(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// fullName joins first and last names, skipping empty parts.
func fullName(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// firstNonEmpty returns the first argument that is not blank.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// currency parses a storefront currency code; a missing one names the field.
func currency(op, field, code string) (order.Currency, error) {
	if strings.TrimSpace(code) == "" {
		return order.Currency{}, missing(op, field)
	}
	c, err := order.ParseCurrency(code)
	if err != nil {
		return order.Currency{}, err
	}
	return c, nil
}
