package intake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// manualOrderRequest is the body of POST /orders, documented in
// docs/INTAKE.md. Amounts are decimal strings ("12.50"; JSON numbers are
// read from their text, never through float64). Unknown fields are refused.
type manualOrderRequest struct {
	Customer         order.Customer   `json:"customer"`
	BillingAddress   order.Address    `json:"billingAddress"`
	ShippingAddress  order.Address    `json:"shippingAddress"`
	Lines            []manualLine     `json:"lines"`
	Discounts        []manualDiscount `json:"discounts"`
	ShippingLines    []manualShipping `json:"shippingLines"`
	PricesIncludeTax *bool            `json:"pricesIncludeTax"`
	Currency         string           `json:"currency"`
	PaymentStatus    string           `json:"paymentStatus"`
	PaymentMethod    string           `json:"paymentMethod"`
	ShippingMethod   string           `json:"shippingMethod"`
	Note             string           `json:"note"`
	InternalComment  string           `json:"internalComment"`
}

type manualLine struct {
	SKU       string  `json:"sku"`
	Name      string  `json:"name"`
	Quantity  *int64  `json:"quantity"`
	UnitPrice *amount `json:"unitPrice"`
	VATRate   *amount `json:"vatRate"`
	Digital   bool    `json:"digital"`
}

type manualDiscount struct {
	Code   string  `json:"code"`
	Amount *amount `json:"amount"`
}

type manualShipping struct {
	Title   string  `json:"title"`
	Price   *amount `json:"price"`
	VATRate *amount `json:"vatRate"`
}

// order maps the request onto the domain's input; the intake validates the
// rest (quantities, amounts, text) and computes the totals.
func (r manualOrderRequest) order() (*order.Order, error) {
	const op = "intake.ManualOrder"
	missing := func(field string) error {
		e := order.E(op, order.Invalid, "missing_field", field+" is required")
		e.Details = map[string]any{"field": field}
		return e
	}
	if strings.TrimSpace(r.Currency) == "" {
		return nil, missing("currency")
	}
	c, err := order.ParseCurrency(r.Currency)
	if err != nil {
		return nil, err
	}
	if r.PricesIncludeTax == nil {
		return nil, missing("pricesIncludeTax")
	}
	o := &order.Order{
		Source: order.SourceManual, Customer: r.Customer, Billing: r.BillingAddress, Shipping: r.ShippingAddress,
		PricesIncludeTax: *r.PricesIncludeTax, Currency: c,
		PaymentMethod: strings.TrimSpace(r.PaymentMethod), ShippingMethod: strings.TrimSpace(r.ShippingMethod),
		Note: strings.TrimSpace(r.Note), InternalComment: r.InternalComment,
	}
	if r.PaymentStatus != "" {
		if o.Payment, err = order.ParsePaymentStatus(r.PaymentStatus); err != nil {
			return nil, err
		}
	}
	if len(r.Lines) > order.MaxLines {
		return nil, order.E(op, order.Invalid, "too_many_lines", fmt.Sprintf("an order has at most %d lines", order.MaxLines))
	}
	for i, l := range r.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		switch {
		case l.Quantity == nil:
			return nil, missing(field + ".quantity")
		case l.UnitPrice == nil:
			return nil, missing(field + ".unitPrice")
		case l.VATRate == nil:
			return nil, missing(field + ".vatRate")
		}
		o.Lines = append(o.Lines, order.LineItem{SKU: strings.TrimSpace(l.SKU), Name: strings.TrimSpace(l.Name),
			Quantity: *l.Quantity, UnitPrice: l.UnitPrice.d, VATRate: l.VATRate.d, Digital: l.Digital})
	}
	for i, d := range r.Discounts {
		if d.Amount == nil {
			return nil, missing(fmt.Sprintf("discounts[%d].amount", i))
		}
		o.Discounts = append(o.Discounts, order.Discount{Code: strings.TrimSpace(d.Code), Amount: d.Amount.d})
	}
	for i, s := range r.ShippingLines {
		field := fmt.Sprintf("shippingLines[%d]", i)
		switch {
		case s.Price == nil:
			return nil, missing(field + ".price")
		case s.VATRate == nil:
			return nil, missing(field + ".vatRate")
		}
		o.ShippingLines = append(o.ShippingLines, order.ShippingLine{Title: strings.TrimSpace(s.Title), Price: s.Price.d, VATRate: s.VATRate.d})
	}
	return o, nil
}

// maxAmountChars bounds an amount's text: a literal such as 1e-999999999
// is short to send and would cost a billion digits to round.
const maxAmountChars = 40

var amountSyntax = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// amount is a decimal read from a JSON string ("12.50") or number (12.50)
// straight from its text. Exponents are refused: a price is written out.
type amount struct{ d decimal.Decimal }

// UnmarshalJSON implements json.Unmarshaler.
func (a *amount) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	s = strings.TrimSpace(s)
	shown := s
	if len(shown) > maxAmountChars {
		shown = shown[:maxAmountChars] + "..."
	}
	if len(s) > maxAmountChars || !amountSyntax.MatchString(s) {
		return order.E("intake.amount", order.Invalid, "invalid_amount", fmt.Sprintf("amount %q is not a decimal number such as \"12.50\"", shown))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return order.Wrap("intake.amount", order.Invalid, "invalid_amount", fmt.Sprintf("amount %q is not a decimal number", shown), err)
	}
	a.d = d
	return nil
}
