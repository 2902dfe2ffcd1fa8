package intake

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// manualOrderRequest is the body of POST /orders, documented in
// docs/INTAKE.md. Amounts are decimal strings ("12.50"; JSON numbers are
// read from their text, never through float64: order.JSONDecimal), written
// out without an exponent. Unknown fields are refused.
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
	SKU       string            `json:"sku"`
	Name      string            `json:"name"`
	Quantity  *int64            `json:"quantity"`
	UnitPrice order.JSONDecimal `json:"unitPrice"`
	VATRate   order.JSONDecimal `json:"vatRate"`
	Digital   bool              `json:"digital"`
}

type manualDiscount struct {
	Code   string            `json:"code"`
	Amount order.JSONDecimal `json:"amount"`
}

type manualShipping struct {
	Title   string            `json:"title"`
	Price   order.JSONDecimal `json:"price"`
	VATRate order.JSONDecimal `json:"vatRate"`
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
	amount := func(field string, a order.JSONDecimal) (decimal.Decimal, error) {
		if !a.Set {
			return decimal.Decimal{}, missing(field)
		}
		if !a.WrittenOut() {
			e := order.E(op, order.Invalid, order.CodeInvalidAmount, fmt.Sprintf("%s must be written out, such as \"12.50\", not with an exponent", field))
			e.Details = map[string]any{"field": field}
			return decimal.Decimal{}, e
		}
		return a.Decimal, nil
	}
	for i, l := range r.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		if l.Quantity == nil {
			return nil, missing(field + ".quantity")
		}
		price, err := amount(field+".unitPrice", l.UnitPrice)
		if err != nil {
			return nil, err
		}
		rate, err := amount(field+".vatRate", l.VATRate)
		if err != nil {
			return nil, err
		}
		o.Lines = append(o.Lines, order.LineItem{SKU: strings.TrimSpace(l.SKU), Name: strings.TrimSpace(l.Name),
			Quantity: *l.Quantity, UnitPrice: price, VATRate: rate, Digital: l.Digital})
	}
	for i, d := range r.Discounts {
		value, err := amount(fmt.Sprintf("discounts[%d].amount", i), d.Amount)
		if err != nil {
			return nil, err
		}
		o.Discounts = append(o.Discounts, order.Discount{Code: strings.TrimSpace(d.Code), Amount: value})
	}
	for i, s := range r.ShippingLines {
		field := fmt.Sprintf("shippingLines[%d]", i)
		price, err := amount(field+".price", s.Price)
		if err != nil {
			return nil, err
		}
		rate, err := amount(field+".vatRate", s.VATRate)
		if err != nil {
			return nil, err
		}
		o.ShippingLines = append(o.ShippingLines, order.ShippingLine{Title: strings.TrimSpace(s.Title), Price: price, VATRate: rate})
	}
	return o, nil
}
