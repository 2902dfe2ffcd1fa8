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
	// SIREN and VATNumber identify a business buyer, whose invoices carry
	// them, a due date and the late-payment mentions.
	SIREN     string `json:"siren,omitempty"`
	VATNumber string `json:"vatNumber,omitempty"`
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

// Tracking is a shipment's carrier and tracking number. A voided tracking
// (the shipment was undone or the order cancelled) stays on the order so that
// staff can still see which parcel it was.
type Tracking struct {
	Carrier string    `json:"carrier,omitempty"`
	Number  string    `json:"number"`
	At      time.Time `json:"at"`
	Voided  bool      `json:"voided,omitempty"`
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
	ID            string         `json:"id"`
	Number        string         `json:"number"` // display number: prefix + seq + suffix
	Seq           int64          `json:"seq"`
	Source        Source         `json:"source"`
	ExternalID    string         `json:"externalId,omitempty"`
	Customer      Customer       `json:"customer"`
	Billing       Address        `json:"billingAddress"`
	Shipping      Address        `json:"shippingAddress"`
	Lines         []LineItem     `json:"lines"`
	Discounts     []Discount     `json:"discounts,omitempty"`
	ShippingLines []ShippingLine `json:"shippingLines,omitempty"`
	// Charges are the tips, duties, fees and handling fees of the order,
	// each with its kind, name and VAT treatment (see Charge).
	Charges          []Charge    `json:"charges,omitempty"`
	PricesIncludeTax bool        `json:"pricesIncludeTax"`
	Currency         Currency    `json:"currency"`
	Totals           Totals      `json:"totals"`
	CompanyTotal     *Conversion `json:"companyTotal,omitempty"`
	PaymentMethod    string      `json:"paymentMethod,omitempty"`
	ShippingMethod   string      `json:"shippingMethod,omitempty"`
	UTM              UTM         `json:"utm"`
	Note             string      `json:"note,omitempty"`            // the customer's note
	InternalComment  string      `json:"internalComment,omitempty"` // staff only
	CustomStatus     string      `json:"customStatus,omitempty"`
	OnHold           bool        `json:"onHold,omitempty"`
	Tracking         []Tracking  `json:"tracking,omitempty"`
	// PaymentReminderAt is when the customer was last asked to pay.
	PaymentReminderAt time.Time `json:"paymentReminderAt,omitzero"`

	Payment    PaymentStatus    `json:"paymentStatus"`
	Fulfilment FulfilmentStatus `json:"fulfilmentStatus"`

	// ExternalUpdatedAt is the storefront's own modification time: a webhook
	// update older than it is ignored.
	ExternalUpdatedAt time.Time `json:"externalUpdatedAt,omitzero"`
	// CheckoutID is the storefront checkout this order completes (Shopify's
	// checkout_token; for WooCommerce and Ecwid, whose checkout becomes the
	// order, the order's own id): the tracked cart it recovers.
	CheckoutID string    `json:"checkoutId,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	// Version increases by one on every stored change; writes are
	// conditional on it and the API exposes it as the ETag.
	Version int64 `json:"version"`
}

// Limits on input, checked by Validate.
const (
	MaxLines        = 500       // lines per order
	MaxQuantity     = 1_000_000 // units per line
	MaxAdjustments  = 100       // discounts, shipping lines and charges per order, each
	maxTextRunes    = 2000      // any short text: names, address lines, SKUs, codes
	maxNoteRunes    = 10000     // the customer's note and the internal comment
	maxVATRatePerc  = 100
	maxVATRateScale = 3 // decimal places of a VAT rate (5.5, 2.1, 8.1)
)

// Validate checks the order's invariants: a known currency and source, an
// external id for storefront orders, at least one line, quantities between 1
// and MaxQuantity, amounts that are not negative (but for a fee) and within
// the bounds of ParseMoney, VAT rates between 0 and 100 %, charges whose
// kind and VAT treatment agree (see Charge), a bare e-mail address, and
// valid UTF-8 text within length limits. It returns an Invalid *Error whose
// Details name the offending field. It does not modify o.
func (o *Order) Validate() error {
	const op = "order.Validate"
	bad := func(field, code, format string, args ...any) error {
		e := E(op, Invalid, code, fmt.Sprintf(format, args...))
		e.Details = map[string]any{"field": field}
		return e
	}
	if o.Currency.IsZero() {
		return bad("currency", "unknown_currency", "currency is missing or unknown")
	}
	if _, err := ParseSource(string(o.Source)); err != nil {
		return bad("source", "unknown_source", "unknown order source %q", o.Source)
	}
	if o.Source != SourceManual && strings.TrimSpace(o.ExternalID) == "" {
		return bad("externalId", "missing_field", "externalId is required for orders from %s", o.Source)
	}
	if len(o.Lines) == 0 {
		return bad("lines", "missing_field", "an order needs at least one line")
	}
	if len(o.Lines) > MaxLines {
		return bad("lines", "too_many_lines", "an order has at most %d lines", MaxLines)
	}
	if len(o.Discounts) > MaxAdjustments || len(o.ShippingLines) > MaxAdjustments {
		return bad("discounts", "too_many_lines", "an order has at most %d discounts and %d shipping lines", MaxAdjustments, MaxAdjustments)
	}
	if len(o.Charges) > MaxAdjustments {
		return bad("charges", "too_many_lines", "an order has at most %d charges", MaxAdjustments)
	}
	// Text first: the messages below quote some of it, and must not echo
	// invalid UTF-8 back to the caller.
	for _, f := range o.textFields() {
		if !utf8.ValidString(f.value) {
			return bad(f.name, "invalid_utf8", "%s must be valid UTF-8", f.name)
		}
		if limit := f.limit(); utf8.RuneCountInString(f.value) > limit {
			return bad(f.name, "field_too_long", "%s is longer than %d characters", f.name, limit)
		}
	}
	if o.Customer.Email != "" && !ValidEmail(o.Customer.Email) {
		return bad("customer.email", "invalid_email", "customer e-mail is not an address") // never quoted: refusals are logged
	}
	for i, l := range o.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		if strings.TrimSpace(l.Name) == "" && strings.TrimSpace(l.SKU) == "" {
			return bad(field, "missing_field", "line %d needs a name or a sku", i+1)
		}
		if l.Quantity <= 0 || l.Quantity > MaxQuantity {
			return bad(field+".quantity", "invalid_quantity", "line %d: quantity must be between 1 and %d, got %d", i+1, MaxQuantity, l.Quantity)
		}
		if err := validAmount(l.UnitPrice); err != nil {
			return bad(field+".unitPrice", "invalid_amount", "line %d: unit price %v", i+1, err)
		}
		if err := validRate(l.VATRate); err != nil {
			return bad(field+".vatRate", "invalid_vat_rate", "line %d: %v", i+1, err)
		}
	}
	for i, d := range o.Discounts {
		if err := validAmount(d.Amount); err != nil {
			return bad(fmt.Sprintf("discounts[%d].amount", i), "invalid_amount", "discount %d %v", i+1, err)
		}
	}
	for i, s := range o.ShippingLines {
		field := fmt.Sprintf("shippingLines[%d]", i)
		if err := validAmount(s.Price); err != nil {
			return bad(field+".price", "invalid_amount", "shipping line %d: price %v", i+1, err)
		}
		if err := validRate(s.VATRate); err != nil {
			return bad(field+".vatRate", "invalid_vat_rate", "shipping line %d: %v", i+1, err)
		}
	}
	for i, c := range o.Charges {
		if code, why := checkCharge(c); code != "" {
			return bad(fmt.Sprintf("charges[%d]", i), code, "charge %d: %s", i+1, why)
		}
	}
	return nil
}

// ValidEmail reports whether s is a bare e-mail address such as
// "marie@example.fr": no display name, no surrounding spaces or angle
// brackets, and a dot in the domain (a customer's mailbox is never on a
// single-label host).
func ValidEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// validAmount checks an amount that must not be negative.
func validAmount(d decimal.Decimal) error {
	if why := checkAmount(d); why != "" {
		return fmt.Errorf("%s", why)
	}
	if d.IsNegative() {
		return fmt.Errorf("must not be negative")
	}
	return nil
}

func validRate(r decimal.Decimal) error {
	if r.Exponent() < -maxVATRateScale {
		return fmt.Errorf("VAT rate has more than %d decimal places", maxVATRateScale)
	}
	if r.IsNegative() || r.GreaterThan(decimal.NewFromInt(maxVATRatePerc)) {
		return fmt.Errorf("VAT rate %s%% is out of range", r)
	}
	return nil
}

type textField struct {
	name  string
	value string
	long  bool
}

func (f textField) limit() int {
	if f.long {
		return maxNoteRunes
	}
	return maxTextRunes
}

// textFields lists every free-text field of the order, so that none escapes
// the UTF-8 and length checks.
func (o *Order) textFields() []textField {
	t := []textField{
		{"id", o.ID, false}, {"number", o.Number, false}, {"externalId", o.ExternalID, false},
		{"customer.name", o.Customer.Name, false}, {"customer.email", o.Customer.Email, false},
		{"customer.phone", o.Customer.Phone, false}, {"customer.locale", o.Customer.Locale, false},
		{"customer.siren", o.Customer.SIREN, false}, {"customer.vatNumber", o.Customer.VATNumber, false},
		{"paymentMethod", o.PaymentMethod, false}, {"shippingMethod", o.ShippingMethod, false},
		{"utm.source", o.UTM.Source, false}, {"utm.medium", o.UTM.Medium, false},
		{"utm.campaign", o.UTM.Campaign, false}, {"utm.term", o.UTM.Term, false},
		{"utm.content", o.UTM.Content, false}, {"customStatus", o.CustomStatus, false},
		{"note", o.Note, true}, {"internalComment", o.InternalComment, true},
	}
	for _, a := range []struct {
		name string
		a    *Address
	}{{"billingAddress", &o.Billing}, {"shippingAddress", &o.Shipping}} {
		for _, f := range [][2]string{
			{"name", a.a.Name}, {"company", a.a.Company}, {"line1", a.a.Line1}, {"line2", a.a.Line2},
			{"postalCode", a.a.PostalCode}, {"city", a.a.City}, {"region", a.a.Region},
			{"country", a.a.Country}, {"phone", a.a.Phone},
		} {
			t = append(t, textField{a.name + "." + f[0], f[1], false})
		}
	}
	for i, l := range o.Lines {
		t = append(t, textField{fmt.Sprintf("lines[%d].sku", i), l.SKU, false},
			textField{fmt.Sprintf("lines[%d].name", i), l.Name, false})
	}
	for i, d := range o.Discounts {
		t = append(t, textField{fmt.Sprintf("discounts[%d].code", i), d.Code, false})
	}
	for i, s := range o.ShippingLines {
		t = append(t, textField{fmt.Sprintf("shippingLines[%d].title", i), s.Title, false})
	}
	for i, c := range o.Charges {
		t = append(t, textField{fmt.Sprintf("charges[%d].name", i), c.Name, false})
	}
	for i, tr := range o.Tracking {
		t = append(t, textField{fmt.Sprintf("tracking[%d].carrier", i), tr.Carrier, false},
			textField{fmt.Sprintf("tracking[%d].number", i), tr.Number, false})
	}
	return t
}

// SetPaymentStatus moves the payment axis to `to` if the table allows it,
// without recording history (the Change-returning methods in actions.go build
// on it). A refused move, including a move to the current status when the
// table has no such loop, is a Conflict with code "transition_not_allowed"
// whose Details hold "from", "to" and "allowed" (the table row, in order).
func (o *Order) SetPaymentStatus(to PaymentStatus, now time.Time) error {
	const op = "order.SetPaymentStatus"
	if to.IsZero() {
		return E(op, Invalid, "unknown_payment_status", "payment status is required")
	}
	if !o.Payment.CanTransitionTo(to) {
		return transitionRefused(op, "payment", o.Payment.String(), to.String(), statusNames(PaymentTransitions[o.Payment]))
	}
	o.Payment = to
	o.UpdatedAt = now
	return nil
}

// SetFulfilmentStatus moves the fulfilment axis to `to` if the table allows
// it, without recording history. A refused move is a Conflict with code
// "transition_not_allowed" and Details as for SetPaymentStatus. While the
// order is on hold, a move that hands goods over (READY_FOR_PICKUP, SHIPPED,
// OUT_FOR_DELIVERY, DELIVERED) is a Conflict with code "order_on_hold".
func (o *Order) SetFulfilmentStatus(to FulfilmentStatus, now time.Time) error {
	const op = "order.SetFulfilmentStatus"
	if to.IsZero() {
		return E(op, Invalid, "unknown_fulfilment_status", "fulfilment status is required")
	}
	if !o.Fulfilment.CanTransitionTo(to) {
		return transitionRefused(op, "fulfilment", o.Fulfilment.String(), to.String(), statusNames(FulfilmentTransitions[o.Fulfilment]))
	}
	if o.OnHold && to.handsOver() {
		return onHold(op, fmt.Sprintf("order is on hold: fulfilment cannot move to %s until it is resumed", to))
	}
	o.Fulfilment = to
	o.UpdatedAt = now
	return nil
}

func transitionRefused(op, axis, from, to string, allowed []string) *Error {
	e := E(op, Conflict, CodeTransitionNotAllowed, fmt.Sprintf("%s status cannot go from %s to %s", axis, from, to))
	e.Details = map[string]any{"from": from, "to": to, "allowed": allowed}
	return e
}

func onHold(op, msg string) *Error { return E(op, Conflict, CodeOrderOnHold, msg) }
