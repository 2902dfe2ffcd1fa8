package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Ecwid webhook event types we handle.
const (
	EcwidOrderCreated           = "order.created"
	EcwidOrderUpdated           = "order.updated"
	EcwidUnfinishedOrderCreated = "unfinished_order.created"
	EcwidUnfinishedOrderUpdated = "unfinished_order.updated"
)

// EcwidClient fetches an order from the Ecwid REST API: Ecwid webhooks only
// name the order that changed. EcwidHTTP is the real implementation.
type EcwidClient interface {
	Order(ctx context.Context, storeID, orderID string) (EcwidOrder, error)
}

// EcwidOrder is an order as the Ecwid REST API returns it.
type EcwidOrder struct {
	// JSON is the body of GET /{storeId}/orders/{orderId}, undecoded: the
	// webhook package decodes it, amounts included, without float64.
	JSON []byte
	// Currency is the store's ISO 4217 currency: Ecwid stores sell in one
	// currency and their orders do not repeat it.
	Currency string
}

// MaxEcwidEventAge is how old a signed Ecwid event may be. Ecwid signs only
// eventCreated and eventId, and resends a failed event with both unchanged
// for up to 24 hours; an hour more allows for the last attempt's own delay
// and for clocks. An older event is a replayed signature: refused before
// anything is read or fetched. It stays below order.DefaultDeliveryTTL, so
// that an event young enough to pass is one whose delivery record, once
// written, still answers its replays.
const MaxEcwidEventAge = 25 * time.Hour

// ecwidEvent is an Ecwid webhook body. Only eventCreated and eventId are
// signed; storeId must be the configured store, the ids must be well formed
// before they go into a URL, and the rest is trusted only as far as the
// order fetched with our own token confirms it.
type ecwidEvent struct {
	EventID      string `json:"eventId"`
	EventCreated flexID `json:"eventCreated"`
	StoreID      flexID `json:"storeId"`
	EntityID     flexID `json:"entityId"`
	EventType    string `json:"eventType"`
	Data         struct {
		OrderID flexID `json:"orderId"`
	} `json:"data"`
}

// ecwidSignedPayload is what Ecwid signs: "{eventCreated}.{eventId}".
func ecwidSignedPayload(ev ecwidEvent) []byte {
	return []byte(string(ev.EventCreated) + "." + ev.EventID)
}

// ecwidPayment maps paymentStatus; the names are ours. INCOMPLETE is the
// status of an unfinished checkout: on an order it means nothing was paid.
var ecwidPayment = map[string]order.PaymentStatus{
	"":                   order.AwaitingPayment,
	"AWAITING_PAYMENT":   order.AwaitingPayment,
	"PAID":               order.Paid,
	"CANCELLED":          order.PaymentCancelled,
	"REFUNDED":           order.Refunded,
	"PARTIALLY_REFUNDED": order.PartiallyRefunded,
	"INCOMPLETE":         order.AwaitingPayment,
}

// ecwidStatuses maps Ecwid's two axes onto ours: 1:1 names, see ecwidPayment.
func ecwidStatuses(payment, fulfillment string) (order.PaymentStatus, order.FulfilmentStatus, error) {
	const op = "webhook.ecwidStatuses"
	p, ok := ecwidPayment[payment]
	if !ok {
		return p, order.FulfilmentStatus{}, order.E(op, order.Invalid, "unknown_status", fmt.Sprintf("unknown Ecwid paymentStatus %q", payment))
	}
	if fulfillment == "" {
		return p, order.AwaitingProcessing, nil
	}
	f, err := order.ParseFulfilmentStatus(fulfillment)
	if err != nil {
		return p, f, order.E(op, order.Invalid, "unknown_status", fmt.Sprintf("unknown Ecwid fulfillmentStatus %q", fulfillment))
	}
	return p, f, nil
}

type ecwidTax struct {
	Value order.JSONDecimal `json:"value"` // a percentage: 20 is 20 %
	// IncludeInPrice says the tax is included in the price it applies to;
	// nil when the answer does not say.
	IncludeInPrice *bool `json:"includeInPrice"`
}

// ecwidHandlingFee is Ecwid's handlingFee (HandlingFeeInfo): value is in
// the store's tax mode, valueWithoutTax without tax, taxes those applied.
type ecwidHandlingFee struct {
	Name            string            `json:"name"`
	Value           order.JSONDecimal `json:"value"`
	ValueWithoutTax order.JSONDecimal `json:"valueWithoutTax"`
	Taxes           []ecwidTax        `json:"taxes"`
}

type ecwidItem struct {
	SKU                string            `json:"sku"`
	Name               string            `json:"name"`
	Quantity           *quantity         `json:"quantity"`
	Price              order.JSONDecimal `json:"price"`
	PriceWithoutTax    order.JSONDecimal `json:"priceWithoutTax"`
	IsShippingRequired *bool             `json:"isShippingRequired"`
	Taxes              []ecwidTax        `json:"taxes"`
}

type ecwidPerson struct {
	Name                string `json:"name"`
	CompanyName         string `json:"companyName"`
	Street              string `json:"street"`
	City                string `json:"city"`
	CountryCode         string `json:"countryCode"`
	PostalCode          string `json:"postalCode"`
	StateOrProvinceCode string `json:"stateOrProvinceCode"`
	Phone               string `json:"phone"`
}

type ecwidShippingOption struct {
	ShippingMethodName     string            `json:"shippingMethodName"`
	ShippingRate           order.JSONDecimal `json:"shippingRate"`
	ShippingRateWithoutTax order.JSONDecimal `json:"shippingRateWithoutTax"`
}

// ecwidOrder is the subset of Ecwid's order we read. Amounts are JSON
// numbers, decoded from their text.
type ecwidOrder struct {
	ID                flexID               `json:"id"`
	Email             string               `json:"email"`
	PaymentMethod     string               `json:"paymentMethod"`
	PaymentStatus     string               `json:"paymentStatus"`
	FulfillmentStatus string               `json:"fulfillmentStatus"`
	Total             order.JSONDecimal    `json:"total"`
	Tax               order.JSONDecimal    `json:"tax"`
	CouponDiscount    order.JSONDecimal    `json:"couponDiscount"`
	Discount          order.JSONDecimal    `json:"discount"`         // every discount but the coupon
	PricesIncludeTax  *bool                `json:"pricesIncludeTax"` // absent in older API answers
	HandlingFee       *ecwidHandlingFee    `json:"handlingFee"`
	UpdateTimestamp   flexID               `json:"updateTimestamp"`
	OrderComments     string               `json:"orderComments"`
	GlobalReferer     string               `json:"globalReferer"`
	Items             []ecwidItem          `json:"items"`
	BillingPerson     *ecwidPerson         `json:"billingPerson"`
	ShippingPerson    *ecwidPerson         `json:"shippingPerson"`
	ShippingOption    *ecwidShippingOption `json:"shippingOption"`
	TaxesOnShipping   []ecwidTax           `json:"taxesOnShipping"`
	DiscountCoupon    *struct {
		Code string `json:"code"`
	} `json:"discountCoupon"`
	UTMData *struct {
		Source   string `json:"source"`
		Medium   string `json:"medium"`
		Campaign string `json:"campaign"`
		Term     string `json:"term"`
		Content  string `json:"content"`
	} `json:"utmData"`
}

func parseEcwid(ctx context.Context, h map[string]string, body []byte, deps Deps) (*Delivery, error) {
	const op = "webhook.parseEcwid"
	sig := header(h, "x-ecwid-webhook-signature")
	if sig == "" {
		return nil, order.E(op, order.Unauthenticated, "missing_signature", "the X-Ecwid-Webhook-Signature header is missing")
	}
	// Ecwid signs fields of the body, not the body: it must be decoded
	// before the signature can be checked.
	var ev ecwidEvent
	if err := decodeJSON(op, body, &ev); err != nil {
		return nil, err
	}
	if strings.TrimSpace(ev.EventID) == "" {
		return nil, missing(op, "eventId")
	}
	if ev.EventCreated == "" {
		return nil, missing(op, "eventCreated")
	}
	if err := verifyBase64MAC(ctx, op, deps, order.SourceEcwid, "X-Ecwid-Webhook-Signature", sig, ecwidSignedPayload(ev)); err != nil {
		return nil, err
	}
	// Authentic from here on, as far as eventCreated and eventId go.
	if deps.EcwidStoreID == "" || deps.Ecwid == nil {
		return nil, order.E(op, order.Internal, "ecwid_not_configured", "no Ecwid store is configured")
	}
	if err := checkEcwidEventTime(op, ev.EventCreated, deps.now()); err != nil {
		return nil, err
	}
	var kind Kind
	switch ev.EventType {
	case EcwidOrderCreated, EcwidOrderUpdated:
		kind = KindOrder
	case EcwidUnfinishedOrderCreated, EcwidUnfinishedOrderUpdated:
		kind = KindCart
	case "":
		return nil, missing(op, "eventType")
	default:
		return nil, unknownTopic(op, order.SourceEcwid, ev.EventType)
	}
	storeID := string(ev.StoreID)
	if storeID == "" {
		return nil, missing(op, "storeId")
	}
	if storeID != deps.EcwidStoreID {
		// The store id is not signed: an event of another store (or of no
		// store id at all: the configured one is digits only, so nothing
		// else reaches the API's URL) is a signature captured elsewhere, or
		// a forgery.
		return nil, order.E(op, order.Unauthenticated, "unknown_store", "the event is not for the configured Ecwid store")
	}
	orderID := firstNonEmpty(string(ev.Data.OrderID), string(ev.EntityID))
	if orderID == "" {
		return nil, missing(op, "data.orderId")
	}
	if err := checkEcwidID(op, "data.orderId", orderID, ecwidOrderIDPattern); err != nil {
		return nil, err
	}
	d := &Delivery{Source: order.SourceEcwid, Kind: kind, Topic: ev.EventType, DeliveryID: ev.EventID, EventID: ev.EventID,
		Creation: ev.EventType == EcwidOrderCreated}
	d.Fetch = func(ctx context.Context) (*Delivery, error) {
		fetched, err := deps.Ecwid.Order(ctx, storeID, orderID)
		if err != nil {
			var oe *order.Error
			if errors.As(err, &oe) {
				return nil, err
			}
			return nil, order.Wrap(op, order.Transient, "ecwid_unavailable", "the order could not be fetched from Ecwid",
				fmt.Errorf("fetch Ecwid order %s of store %s: %w", orderID, storeID, err))
		}
		return mapEcwid(ev, kind, orderID, fetched)
	}
	return d, nil
}

// checkEcwidEventTime refuses a signed eventCreated (unix seconds) older
// than MaxEcwidEventAge, or further in the future than GenericTolerance (a
// wrong clock), as the generic format refuses a stale timestamp.
func checkEcwidEventTime(op string, created flexID, now time.Time) error {
	n, err := strconv.ParseInt(string(created), 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return order.E(op, order.Invalid, "invalid_date", fmt.Sprintf("eventCreated %.40q is not unix seconds", created))
	}
	at := time.Unix(n, 0)
	if age := now.Sub(at); age > MaxEcwidEventAge || age < -GenericTolerance {
		e := order.E(op, order.Unauthenticated, "stale_timestamp",
			fmt.Sprintf("the event was created %s away from now; at most %s before or %s after is accepted",
				age.Round(time.Second).Abs(), MaxEcwidEventAge, GenericTolerance))
		e.Details = map[string]any{"eventCreated": at.UTC().Format(time.RFC3339), "now": now.UTC().Format(time.RFC3339)}
		return e
	}
	return nil
}

// mapEcwid maps the order fetched for event ev onto a delivery of the
// given kind. The fetched JSON is as untrusted as a webhook body: it gets
// the same size, UTF-8 and decoding checks.
func mapEcwid(ev ecwidEvent, kind Kind, orderID string, fetched EcwidOrder) (*Delivery, error) {
	const op = "webhook.mapEcwid"
	if len(fetched.JSON) > MaxBodyBytes {
		return nil, order.E(op, order.TooLarge, "body_too_large", "the Ecwid order is over the size limit")
	}
	var eo ecwidOrder
	if err := decodeJSON(op, fetched.JSON, &eo); err != nil {
		return nil, err
	}
	c, err := currency(op, "the Ecwid store currency", fetched.Currency)
	if err != nil {
		return nil, err
	}
	updated, err := ecwidTime(op, eo.UpdateTimestamp)
	if err != nil {
		return nil, err
	}
	inclusive, err := ecwidTaxMode(op, eo)
	if err != nil {
		return nil, err
	}
	lines, err := ecwidLines(op, eo, inclusive)
	if err != nil {
		return nil, err
	}
	var discounts []order.Discount
	if amt := eo.CouponDiscount.Or(decimal.Zero); amt.IsPositive() {
		code := ""
		if eo.DiscountCoupon != nil {
			code = strings.TrimSpace(eo.DiscountCoupon.Code)
		}
		discounts = append(discounts, order.Discount{Code: code, Amount: amt})
	}
	if amt := eo.Discount.Or(decimal.Zero); amt.IsPositive() {
		discounts = append(discounts, order.Discount{Amount: amt})
	}
	var shipping []order.ShippingLine
	method := ""
	if so := eo.ShippingOption; so != nil && (so.ShippingRate.Set || so.ShippingRateWithoutTax.Set) {
		price := so.ShippingRate.Or(decimal.Zero)
		if !inclusive {
			price = so.ShippingRateWithoutTax.Or(price)
		}
		method = strings.TrimSpace(so.ShippingMethodName)
		shipping = append(shipping, order.ShippingLine{Title: method, Price: price, VATRate: ecwidRate(eo.TaxesOnShipping)})
	}
	var bill, ship ecwidPerson
	if eo.BillingPerson != nil {
		bill = *eo.BillingPerson
	}
	if eo.ShippingPerson != nil {
		ship = *eo.ShippingPerson
	}
	customer := order.Customer{
		Name:  firstNonEmpty(bill.Name, ship.Name),
		Email: strings.TrimSpace(eo.Email),
		Phone: firstNonEmpty(bill.Phone, ship.Phone),
	}
	var utm order.UTM
	if u := eo.UTMData; u != nil {
		utm = cleanUTM(order.UTM{Source: u.Source, Medium: u.Medium, Campaign: u.Campaign, Term: u.Term, Content: u.Content})
	}
	if utm.Source == "" {
		if host := hint(referrerHost(eo.GlobalReferer)); host != "" {
			utm.Source, utm.Medium = host, "referral"
		}
	}
	externalID := firstNonEmpty(string(eo.ID), orderID)
	d := &Delivery{Source: order.SourceEcwid, Kind: kind, Topic: ev.EventType, DeliveryID: ev.EventID, EventID: ev.EventID}
	if kind == KindCart {
		if len(lines) == 0 {
			return emptiedCheckout(d), nil
		}
		d.Cart = newCart(order.SourceEcwid, externalID, customer, lines, c, eo.Total, "", updated)
		return d, nil
	}
	if len(lines) == 0 {
		return nil, missing(op, "items")
	}
	pay, ful, err := ecwidStatuses(eo.PaymentStatus, eo.FulfillmentStatus)
	if err != nil {
		return nil, err
	}
	d.Cancelled = eo.PaymentStatus == "CANCELLED"
	d.Creation = ev.EventType == EcwidOrderCreated
	d.Order = &order.Order{
		Source:            order.SourceEcwid,
		ExternalID:        externalID,
		Customer:          customer,
		Billing:           ecwidAddress(eo.BillingPerson),
		Shipping:          ecwidAddress(eo.ShippingPerson),
		Lines:             lines,
		Discounts:         discounts,
		ShippingLines:     shipping,
		Charges:           ecwidCharges(eo.HandlingFee, inclusive),
		PricesIncludeTax:  inclusive,
		Currency:          c,
		PaymentMethod:     strings.TrimSpace(eo.PaymentMethod),
		ShippingMethod:    method,
		UTM:               utm,
		Note:              strings.TrimSpace(eo.OrderComments),
		Payment:           pay,
		Fulfilment:        ful,
		ExternalUpdatedAt: updated,
	}
	d.Reported = order.ReportedTotals{Grand: eo.Total.Ptr(), VAT: eo.Tax.Ptr()}
	d.CartExternalID = externalID
	return d, nil
}

// ecwidTime reads updateTimestamp (unix seconds).
func ecwidTime(op string, ts flexID) (time.Time, error) {
	if ts == "" {
		return time.Time{}, missing(op, "updateTimestamp")
	}
	n, err := strconv.ParseInt(string(ts), 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}, order.E(op, order.Invalid, "invalid_date", fmt.Sprintf("updateTimestamp %.40q is not unix seconds", ts))
	}
	return time.Unix(n, 0).UTC(), nil
}

// ecwidRate sums the percentages of the taxes applied.
func ecwidRate(taxes []ecwidTax) decimal.Decimal {
	r := decimal.Zero
	for _, t := range taxes {
		r = r.Add(t.Value.Or(decimal.Zero))
	}
	return r
}

// ecwidTaxMode says whether the order's prices include tax: the order's
// pricesIncludeTax when the answer has it; otherwise what its taxes say
// with includeInPrice (older API answers omit the order-level field, and
// reading them as tax-exclusive refuses every gross-price order). Taxes
// that disagree are refused: no single tax mode reconciles them. Without
// either, prices are without tax.
func ecwidTaxMode(op string, eo ecwidOrder) (bool, error) {
	if eo.PricesIncludeTax != nil {
		return *eo.PricesIncludeTax, nil
	}
	taxes := slices.Clone(eo.TaxesOnShipping)
	for _, it := range eo.Items {
		taxes = append(taxes, it.Taxes...)
	}
	if eo.HandlingFee != nil {
		taxes = append(taxes, eo.HandlingFee.Taxes...)
	}
	var included, excluded bool
	for _, t := range taxes {
		if t.IncludeInPrice != nil {
			included = included || *t.IncludeInPrice
			excluded = excluded || !*t.IncludeInPrice
		}
	}
	if included && excluded {
		return false, order.E(op, order.Invalid, "mixed_tax_modes",
			"the order has no pricesIncludeTax and its taxes disagree on includeInPrice")
	}
	return included, nil
}

// ecwidCharges maps the handling fee: in the store's tax mode (value, or
// valueWithoutTax for a net-price store), at the sum of its taxes' rates.
func ecwidCharges(hf *ecwidHandlingFee, inclusive bool) []order.Charge {
	if hf == nil {
		return nil
	}
	amt := hf.Value.Or(decimal.Zero)
	if !inclusive {
		amt = hf.ValueWithoutTax.Or(amt)
	}
	if amt.IsZero() {
		return nil
	}
	return []order.Charge{{Kind: order.ChargeHandling, Name: firstNonEmpty(hf.Name, "Handling fee"), Amount: amt,
		VATRate: ecwidRate(hf.Taxes), Taxable: true}}
}

func ecwidLines(op string, eo ecwidOrder, inclusive bool) ([]order.LineItem, error) {
	if len(eo.Items) > order.MaxLines {
		return nil, order.E(op, order.Invalid, "too_many_lines", fmt.Sprintf("an order has at most %d lines", order.MaxLines))
	}
	lines := make([]order.LineItem, 0, len(eo.Items))
	for i, it := range eo.Items {
		if it.Quantity == nil {
			return nil, missing(op, fmt.Sprintf("items[%d].quantity", i))
		}
		if err := checkQuantity(op, i, *it.Quantity); err != nil {
			return nil, err
		}
		if !it.Price.Set && !it.PriceWithoutTax.Set {
			return nil, missing(op, fmt.Sprintf("items[%d].price", i))
		}
		// price is what the customer saw: tax included in a gross-price
		// store; priceWithoutTax is the net price.
		price := it.Price.Or(decimal.Zero)
		if !inclusive {
			price = it.PriceWithoutTax.Or(price)
		}
		lines = append(lines, order.LineItem{
			SKU:       strings.TrimSpace(it.SKU),
			Name:      strings.TrimSpace(it.Name),
			Quantity:  int64(*it.Quantity),
			UnitPrice: price,
			VATRate:   ecwidRate(it.Taxes),
			Digital:   it.IsShippingRequired != nil && !*it.IsShippingRequired,
		})
	}
	return lines, nil
}

func ecwidAddress(p *ecwidPerson) order.Address {
	if p == nil {
		return order.Address{}
	}
	// Ecwid keeps the street in one field, lines separated by a newline.
	l1, l2, _ := strings.Cut(strings.TrimSpace(p.Street), "\n")
	return order.Address{
		Name:       strings.TrimSpace(p.Name),
		Company:    strings.TrimSpace(p.CompanyName),
		Line1:      strings.TrimSpace(l1),
		Line2:      strings.TrimSpace(l2),
		PostalCode: strings.TrimSpace(p.PostalCode),
		City:       strings.TrimSpace(p.City),
		Region:     strings.TrimSpace(p.StateOrProvinceCode),
		Country:    strings.ToUpper(strings.TrimSpace(p.CountryCode)),
		Phone:      strings.TrimSpace(p.Phone),
	}
}
