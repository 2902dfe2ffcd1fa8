package order

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Source says where an order came from.
type Source string

// The sources we accept orders from.
const (
	SourceShopify     Source = "shopify"
	SourceWooCommerce Source = "woocommerce"
	SourceEcwid       Source = "ecwid"
	SourceGeneric     Source = "generic"
	SourceManual      Source = "manual"
)

// ParseSource returns the Source named s, or an Invalid error.
func ParseSource(s string) (Source, error) {
	switch src := Source(s); src {
	case SourceShopify, SourceWooCommerce, SourceEcwid, SourceGeneric, SourceManual:
		return src, nil
	}
	return "", E("order.ParseSource", Invalid, "unknown_source", fmt.Sprintf("unknown order source %q", s))
}

// Customer is the buyer as the order knows them.
type Customer struct {
	Name   string `json:"name"`
	Email  string `json:"email"`
	Phone  string `json:"phone,omitempty"`
	Locale string `json:"locale,omitempty"` // BCP 47, e.g. "fr-FR"; chooses the e-mail language
}

// Address is a postal address.
type Address struct {
	Name       string `json:"name,omitempty"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Phone      string `json:"phone,omitempty"`
}

// LineItem is one product line. UnitPrice is tax-inclusive or not according
// to Order.PricesIncludeTax. VATRate is a percentage: 20, 10, 5.5, 2.1, 0.
type LineItem struct {
	SKU       string          `json:"sku"`
	Name      string          `json:"name"`
	Quantity  int64           `json:"quantity"`
	UnitPrice decimal.Decimal `json:"unitPrice"`
	VATRate   decimal.Decimal `json:"vatRate"`
	Digital   bool            `json:"digital,omitempty"`
}

// Discount is an order-level discount (a coupon code or a manual reduction),
// allocated across the lines by Totals. Amount is positive and in the same
// tax mode as the prices.
type Discount struct {
	Code   string          `json:"code,omitempty"`
	Amount decimal.Decimal `json:"amount"`
}

// ShippingLine is a shipping charge with its own VAT rate.
type ShippingLine struct {
	Title   string          `json:"title"`
	Price   decimal.Decimal `json:"price"`
	VATRate decimal.Decimal `json:"vatRate"`
}

// UTM holds the campaign tags the storefront captured.
type UTM struct {
	Source   string `json:"source,omitempty"`
	Medium   string `json:"medium,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	Term     string `json:"term,omitempty"`
	Content  string `json:"content,omitempty"`
}

// Tracking is a shipment's carrier and tracking number.
type Tracking struct {
	Carrier string    `json:"carrier,omitempty"`
	Number  string    `json:"number"`
	At      time.Time `json:"at"`
}

// Conversion is the order total in the company currency. When no exchange
// rate was known, Missing is true and Total is zero: a rate is never silently 1.
type Conversion struct {
	Total    Money           `json:"total"`
	Rate     decimal.Decimal `json:"rate"`
	RateDate string          `json:"rateDate,omitempty"` // YYYY-MM-DD of the rate used
	Missing  bool            `json:"missing,omitempty"`
}

// Order is a customer order from any source. Its statuses change only
// through its methods, which enforce the transition tables.
type Order struct {
	ID               string         `json:"id"`
	Number           string         `json:"number"` // display number: prefix + seq + suffix
	Seq              int64          `json:"seq"`
	Source           Source         `json:"source"`
	ExternalID       string         `json:"externalId,omitempty"`
	Customer         Customer       `json:"customer"`
	Billing          Address        `json:"billingAddress"`
	Shipping         Address        `json:"shippingAddress"`
	Lines            []LineItem     `json:"lines"`
	Discounts        []Discount     `json:"discounts,omitempty"`
	ShippingLines    []ShippingLine `json:"shippingLines,omitempty"`
	PricesIncludeTax bool           `json:"pricesIncludeTax"`
	Currency         Currency       `json:"currency"`
	Totals           Totals         `json:"totals"`
	CompanyTotal     *Conversion    `json:"companyTotal,omitempty"`
	PaymentMethod    string         `json:"paymentMethod,omitempty"`
	ShippingMethod   string         `json:"shippingMethod,omitempty"`
	UTM              UTM            `json:"utm"`
	Note             string         `json:"note,omitempty"`            // the customer's note
	InternalComment  string         `json:"internalComment,omitempty"` // staff only
	CustomStatus     string         `json:"customStatus,omitempty"`
	OnHold           bool           `json:"onHold,omitempty"`
	Tracking         []Tracking     `json:"tracking,omitempty"`

	Payment    PaymentStatus    `json:"paymentStatus"`
	Fulfilment FulfilmentStatus `json:"fulfilmentStatus"`

	// ExternalUpdatedAt is the storefront's own modification time: a webhook
	// update older than it is ignored.
	ExternalUpdatedAt time.Time `json:"externalUpdatedAt,omitzero"`
	CreatedAt         time.Time `json:"createdAt"`
	UpdatedAt         time.Time `json:"updatedAt"`
	// Version increases by one on every stored change; writes are
	// conditional on it and the API exposes it as the ETag.
	Version int64 `json:"version"`
}

// Limits on input, checked by Validate.
const (
	MaxLines       = 500
	MaxQuantity    = 1_000_000
	maxTextRunes   = 2000
	maxNoteRunes   = 10000
	maxVATRatePerc = 100
)

// Validate checks the order's invariants: a known currency and source, at
// least one line, quantities > 0, non-negative prices and rates, valid UTF-8
// text, a plausible e-mail. It returns an Invalid *Error naming the field.
func (o *Order) Validate() error {
	const op = "order.Validate"
	bad := func(code, format string, args ...any) error {
		return E(op, Invalid, code, fmt.Sprintf(format, args...))
	}
	if o.Currency.IsZero() {
		return bad("unknown_currency", "currency is missing or unknown")
	}
	if _, err := ParseSource(string(o.Source)); err != nil {
		return err
	}
	if o.Source != SourceManual && strings.TrimSpace(o.ExternalID) == "" {
		return bad("missing_field", "externalId is required for orders from %s", o.Source)
	}
	if len(o.Lines) == 0 {
		return bad("missing_field", "an order needs at least one line")
	}
	if len(o.Lines) > MaxLines {
		return bad("too_many_lines", "an order has at most %d lines", MaxLines)
	}
	if o.Customer.Email != "" {
		if _, err := mail.ParseAddress(o.Customer.Email); err != nil {
			return bad("invalid_email", "customer e-mail %q is not an address", o.Customer.Email)
		}
	}
	for i, l := range o.Lines {
		if strings.TrimSpace(l.Name) == "" && strings.TrimSpace(l.SKU) == "" {
			return bad("missing_field", "line %d needs a name or a sku", i+1)
		}
		if l.Quantity <= 0 || l.Quantity > MaxQuantity {
			return bad("invalid_quantity", "line %d: quantity must be between 1 and %d, got %d", i+1, MaxQuantity, l.Quantity)
		}
		if l.UnitPrice.IsNegative() {
			return bad("invalid_amount", "line %d: unit price must not be negative", i+1)
		}
		if err := validRate(l.VATRate); err != nil {
			return bad("invalid_vat_rate", "line %d: %v", i+1, err)
		}
	}
	for i, d := range o.Discounts {
		if d.Amount.IsNegative() {
			return bad("invalid_amount", "discount %d must not be negative", i+1)
		}
	}
	for i, s := range o.ShippingLines {
		if s.Price.IsNegative() {
			return bad("invalid_amount", "shipping line %d must not be negative", i+1)
		}
		if err := validRate(s.VATRate); err != nil {
			return bad("invalid_vat_rate", "shipping line %d: %v", i+1, err)
		}
	}
	for _, t := range o.texts() {
		if !utf8.ValidString(t) {
			return bad("invalid_utf8", "text fields must be valid UTF-8")
		}
		if utf8.RuneCountInString(t) > maxNoteRunes {
			return bad("field_too_long", "a text field is longer than %d characters", maxNoteRunes)
		}
	}
	return nil
}

func validRate(r decimal.Decimal) error {
	if r.IsNegative() || r.GreaterThan(decimal.NewFromInt(maxVATRatePerc)) {
		return fmt.Errorf("VAT rate %s%% is out of range", r)
	}
	return nil
}

func (o *Order) texts() []string {
	t := []string{o.ExternalID, o.Customer.Name, o.Customer.Email, o.Customer.Phone, o.Note, o.InternalComment,
		o.PaymentMethod, o.ShippingMethod, o.Billing.Line1, o.Billing.City, o.Shipping.Line1, o.Shipping.City}
	for _, l := range o.Lines {
		t = append(t, l.SKU, l.Name)
	}
	return t
}

// SetPaymentStatus moves the payment axis to `to` if the table allows it. A
// refused move is a Conflict whose Details list the allowed targets.
func (o *Order) SetPaymentStatus(to PaymentStatus, now time.Time) error {
	if to.IsZero() {
		return E("order.SetPaymentStatus", Invalid, "unknown_payment_status", "payment status is required")
	}
	if !o.Payment.CanTransitionTo(to) {
		allowed := make([]string, 0, len(PaymentTransitions[o.Payment]))
		for _, s := range PaymentTransitions[o.Payment] {
			allowed = append(allowed, s.String())
		}
		e := E("order.SetPaymentStatus", Conflict, "transition_not_allowed",
			fmt.Sprintf("payment status cannot go from %s to %s", o.Payment, to))
		e.Details = map[string]any{"from": o.Payment.String(), "to": to.String(), "allowed": allowed}
		return e
	}
	o.Payment = to
	o.UpdatedAt = now
	return nil
}

// SetFulfilmentStatus moves the fulfilment axis to `to` if the table allows
// it. A refused move is a Conflict whose Details list the allowed targets.
func (o *Order) SetFulfilmentStatus(to FulfilmentStatus, now time.Time) error {
	if to.IsZero() {
		return E("order.SetFulfilmentStatus", Invalid, "unknown_fulfilment_status", "fulfilment status is required")
	}
	if !o.Fulfilment.CanTransitionTo(to) {
		allowed := make([]string, 0, len(FulfilmentTransitions[o.Fulfilment]))
		for _, s := range FulfilmentTransitions[o.Fulfilment] {
			allowed = append(allowed, s.String())
		}
		e := E("order.SetFulfilmentStatus", Conflict, "transition_not_allowed",
			fmt.Sprintf("fulfilment status cannot go from %s to %s", o.Fulfilment, to))
		e.Details = map[string]any{"from": o.Fulfilment.String(), "to": to.String(), "allowed": allowed}
		return e
	}
	o.Fulfilment = to
	o.UpdatedAt = now
	return nil
}
