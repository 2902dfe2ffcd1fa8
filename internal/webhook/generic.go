package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Generic format event types.
const (
	GenericOrderCreated = "order.created"
	GenericOrderUpdated = "order.updated"
)

// genericEnvelope is our own webhook format, published as a JSON Schema in
// docs/generic-order.schema.json. Unknown fields are refused: a typo in a
// sender's field name must not silently drop data.
type genericEnvelope struct {
	EventID   string        `json:"eventId"`
	EventType string        `json:"eventType"`
	Order     *genericOrder `json:"order"`
}

type genericOrder struct {
	ExternalID       string            `json:"externalId"`
	UpdatedAt        string            `json:"updatedAt"`
	Currency         string            `json:"currency"`
	PricesIncludeTax *bool             `json:"pricesIncludeTax"`
	Customer         order.Customer    `json:"customer"`
	BillingAddress   order.Address     `json:"billingAddress"`
	ShippingAddress  order.Address     `json:"shippingAddress"`
	Lines            []genericLine     `json:"lines"`
	Discounts        []genericDiscount `json:"discounts"`
	ShippingLines    []genericShipping `json:"shippingLines"`
	PaymentStatus    string            `json:"paymentStatus"`
	FulfilmentStatus string            `json:"fulfilmentStatus"`
	Cancelled        bool              `json:"cancelled"`
	PaymentMethod    string            `json:"paymentMethod"`
	ShippingMethod   string            `json:"shippingMethod"`
	Note             string            `json:"note"`
	UTM              order.UTM         `json:"utm"`
	Totals           *struct {
		Grand order.JSONDecimal `json:"grand"`
		VAT   order.JSONDecimal `json:"vat"`
	} `json:"totals"`
}

type genericLine struct {
	SKU       string            `json:"sku"`
	Name      string            `json:"name"`
	Quantity  *quantity         `json:"quantity"`
	UnitPrice order.JSONDecimal `json:"unitPrice"`
	VATRate   order.JSONDecimal `json:"vatRate"`
	Digital   bool              `json:"digital"`
}

type genericDiscount struct {
	Code   string            `json:"code"`
	Amount order.JSONDecimal `json:"amount"`
}

type genericShipping struct {
	Title   string            `json:"title"`
	Price   order.JSONDecimal `json:"price"`
	VATRate order.JSONDecimal `json:"vatRate"`
}

func parseGeneric(ctx context.Context, h map[string]string, body []byte, deps Deps) (*Delivery, error) {
	const op = "webhook.parseGeneric"
	if err := verifyGeneric(ctx, op, deps, header(h, "x-signature"), body); err != nil {
		return nil, err
	}
	var env genericEnvelope
	if err := decodeStrict(op, body, &env); err != nil {
		return nil, err
	}
	topic := header(h, "x-event-type")
	if bt := strings.TrimSpace(env.EventType); bt != "" {
		if topic != "" && topic != bt {
			return nil, order.E(op, order.Invalid, "event_type_mismatch",
				fmt.Sprintf("X-Event-Type %q and eventType %q disagree", topic, bt))
		}
		topic = bt
	}
	switch topic {
	case GenericOrderCreated, GenericOrderUpdated:
	case "":
		return nil, missing(op, "eventType (or the X-Event-Type header)")
	default:
		return nil, unknownTopic(op, order.SourceGeneric, topic)
	}
	// The signed eventId wins: an Idempotency-Key header is not signed, and
	// must not make a replayed body a new delivery. It only names a
	// delivery whose body has no eventId.
	deliveryID := firstNonEmpty(env.EventID, header(h, "idempotency-key"))
	if deliveryID == "" {
		return nil, missing(op, "eventId (or the Idempotency-Key header)")
	}
	g := env.Order
	if g == nil {
		return nil, missing(op, "order")
	}
	if strings.TrimSpace(g.ExternalID) == "" {
		return nil, missing(op, "order.externalId")
	}
	if g.PricesIncludeTax == nil {
		return nil, missing(op, "order.pricesIncludeTax")
	}
	if strings.TrimSpace(g.UpdatedAt) == "" {
		return nil, missing(op, "order.updatedAt")
	}
	updated, err := time.Parse(time.RFC3339, strings.TrimSpace(g.UpdatedAt))
	if err != nil {
		return nil, order.E(op, order.Invalid, "invalid_date", fmt.Sprintf("order.updatedAt %.40q is not an RFC 3339 time", g.UpdatedAt))
	}
	c, err := currency(op, "order.currency", g.Currency)
	if err != nil {
		return nil, err
	}
	if len(g.Lines) == 0 {
		return nil, missing(op, "order.lines")
	}
	if len(g.Lines) > order.MaxLines {
		return nil, order.E(op, order.Invalid, "too_many_lines", fmt.Sprintf("an order has at most %d lines", order.MaxLines))
	}
	customer := g.Customer
	customer.Name, customer.Email = strings.TrimSpace(customer.Name), strings.TrimSpace(customer.Email)
	customer.Phone, customer.Locale = strings.TrimSpace(customer.Phone), strings.TrimSpace(customer.Locale)
	o := &order.Order{
		Source:            order.SourceGeneric,
		ExternalID:        strings.TrimSpace(g.ExternalID),
		Customer:          customer,
		Billing:           g.BillingAddress,
		Shipping:          g.ShippingAddress,
		PricesIncludeTax:  *g.PricesIncludeTax,
		Currency:          c,
		PaymentMethod:     strings.TrimSpace(g.PaymentMethod),
		ShippingMethod:    strings.TrimSpace(g.ShippingMethod),
		UTM:               g.UTM,
		Note:              strings.TrimSpace(g.Note),
		ExternalUpdatedAt: updated.UTC(),
	}
	for i, l := range g.Lines {
		if l.Quantity == nil {
			return nil, missing(op, fmt.Sprintf("order.lines[%d].quantity", i))
		}
		if err := checkQuantity(op, i, *l.Quantity); err != nil {
			return nil, err
		}
		if !l.UnitPrice.Set {
			return nil, missing(op, fmt.Sprintf("order.lines[%d].unitPrice", i))
		}
		if !l.VATRate.Set {
			return nil, missing(op, fmt.Sprintf("order.lines[%d].vatRate", i))
		}
		o.Lines = append(o.Lines, order.LineItem{SKU: strings.TrimSpace(l.SKU), Name: strings.TrimSpace(l.Name),
			Quantity: int64(*l.Quantity), UnitPrice: l.UnitPrice.Decimal, VATRate: l.VATRate.Decimal, Digital: l.Digital})
	}
	for i, dc := range g.Discounts {
		if !dc.Amount.Set {
			return nil, missing(op, fmt.Sprintf("order.discounts[%d].amount", i))
		}
		o.Discounts = append(o.Discounts, order.Discount{Code: strings.TrimSpace(dc.Code), Amount: dc.Amount.Decimal})
	}
	for i, s := range g.ShippingLines {
		if !s.Price.Set {
			return nil, missing(op, fmt.Sprintf("order.shippingLines[%d].price", i))
		}
		if !s.VATRate.Set {
			return nil, missing(op, fmt.Sprintf("order.shippingLines[%d].vatRate", i))
		}
		o.ShippingLines = append(o.ShippingLines, order.ShippingLine{Title: strings.TrimSpace(s.Title), Price: s.Price.Decimal, VATRate: s.VATRate.Decimal})
	}
	if o.Payment, err = genericPayment(g.PaymentStatus); err != nil {
		return nil, err
	}
	if o.Fulfilment, err = genericFulfilment(g.FulfilmentStatus); err != nil {
		return nil, err
	}
	d := &Delivery{
		Source:     order.SourceGeneric,
		Kind:       KindOrder,
		Topic:      topic,
		Creation:   topic == GenericOrderCreated,
		DeliveryID: deliveryID,
		EventID:    strings.TrimSpace(env.EventID),
		Order:      o,
		Cancelled:  g.Cancelled || o.Payment == order.PaymentCancelled,
	}
	if g.Totals != nil {
		d.Reported = order.ReportedTotals{Grand: g.Totals.Grand.Ptr(), VAT: g.Totals.VAT.Ptr()}
	}
	return d, nil
}

// genericPayment reads our own payment status names; absent means unpaid.
func genericPayment(s string) (order.PaymentStatus, error) {
	if s == "" {
		return order.AwaitingPayment, nil
	}
	return order.ParsePaymentStatus(s)
}

// genericFulfilment reads our own fulfilment status names; absent means
// nothing was done yet.
func genericFulfilment(s string) (order.FulfilmentStatus, error) {
	if s == "" {
		return order.AwaitingProcessing, nil
	}
	return order.ParseFulfilmentStatus(s)
}

// decodeStrict is decodeJSON refusing unknown fields and trailing data.
func decodeStrict(op string, body []byte, v any) error {
	if !utf8.Valid(body) {
		return order.E(op, order.Invalid, "invalid_utf8", "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("unexpected data after the JSON value")
		}
	}
	if err != nil {
		var oe *order.Error
		if errors.As(err, &oe) {
			return oe
		}
		return order.E(op, order.Invalid, "malformed_json", "the body does not match the generic order format: "+err.Error())
	}
	return nil
}
