package order

import (
	"encoding/json"
	"fmt"

	"github.com/shopspring/decimal"
)

// LifecyclePayload is the payload of the events the Lifecycle writes: the
// common OrderEventData plus what the consumers need so that they do not
// read the order again (the e-mail's summary, the stock's lines). It
// decodes as an OrderEventData too, since its extra fields only add keys;
// a consumer given an event from elsewhere (intake writes plain
// OrderEventData) sees HasLines false and reads the order instead.
type LifecyclePayload struct {
	OrderEventData
	CustomerName   string      `json:"customerName,omitempty"`
	Currency       Currency    `json:"currency"`
	Lines          []EventLine `json:"lines"`
	Totals         Totals      `json:"totals"`
	ShippingMethod string      `json:"shippingMethod,omitempty"`
	Shipping       Address     `json:"shippingAddress"`
	CustomStatus   string      `json:"customStatus,omitempty"`
	PaymentMethod  string      `json:"paymentMethod,omitempty"`
	// Silent is set when the staff chose not to e-mail the customer (a
	// cancellation without "Notifier le client").
	Silent bool `json:"silent,omitempty"`
	// Charges are the order's tips, duties, fees and handling fees, which
	// the e-mail's summary lists one by one.
	Charges []Charge `json:"charges,omitempty"`
}

// EventLine is an order line as events carry it.
type EventLine struct {
	SKU       string          `json:"sku,omitempty"`
	Name      string          `json:"name"`
	Quantity  int64           `json:"quantity"`
	UnitPrice decimal.Decimal `json:"unitPrice"`
	Amount    Money           `json:"amount"` // after the line's share of the discount
	Digital   bool            `json:"digital,omitempty"`
}

// referencePayload is what an event too large to carry the order's lines
// carries instead, beside its EventRef: the event's data and the staff's
// choices. It decodes as a LifecyclePayload without lines.
type referencePayload struct {
	OrderEventData
	Silent bool `json:"silent,omitempty"`
}

// Reread is the payload of an event that carries no lines (HasLines false),
// completed from the order the consumer read: the order's lines, totals and
// summary, with the event's own data and choices (Silent, the restock
// lines) kept.
func (p LifecyclePayload) Reread(o *Order) LifecyclePayload {
	full := PayloadOf(o, p.OrderEventData)
	full.Silent = p.Silent
	return full
}

// HasLines reports whether the payload carries the order's lines (it was
// written by the Lifecycle, not by a producer of plain OrderEventData).
func (p LifecyclePayload) HasLines() bool { return p.Lines != nil }

// DecodeLifecyclePayload decodes an order event's payload. Events written
// by other producers decode with only their OrderEventData part set.
func DecodeLifecyclePayload(e Event) (LifecyclePayload, error) {
	var p LifecyclePayload
	if err := e.DecodeData(&p); err != nil {
		return LifecyclePayload{}, err
	}
	return p, nil
}

// PayloadOf builds the payload of an order's event from the order itself,
// for a consumer whose event lacks the lines (see HasLines): the order's
// current lines, totals and customer over the event's own statuses and
// changes.
func PayloadOf(o *Order, data OrderEventData) LifecyclePayload {
	p := LifecyclePayload{
		OrderEventData: data,
		CustomerName:   o.Customer.Name,
		Currency:       o.Currency,
		Totals:         o.Totals,
		Charges:        o.Charges,
		ShippingMethod: o.ShippingMethod,
		Shipping:       o.Shipping,
		CustomStatus:   o.CustomStatus,
		PaymentMethod:  o.PaymentMethod,
		Lines:          make([]EventLine, 0, len(o.Lines)),
	}
	if p.Number == "" {
		p.Number = o.Number
	}
	if p.CustomerEmail == "" {
		p.CustomerEmail = o.Customer.Email
	}
	if p.Locale == "" {
		p.Locale = o.Customer.Locale
	}
	if p.Grand.Currency.IsZero() {
		p.Grand = o.Totals.Grand
	}
	for i, l := range o.Lines {
		amount := Zero(o.Currency)
		if i < len(o.Totals.LineNet) {
			amount = o.Totals.LineNet[i]
		}
		p.Lines = append(p.Lines, EventLine{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: amount, Digital: l.Digital})
	}
	return p
}

// enrichEvents replaces the payload of the order's events by a
// LifecyclePayload, with the choices of opts on the cancellation.
func enrichEvents(o *Order, events []Event, opts eventOptions) ([]Event, error) {
	const op = "order.Lifecycle.events"
	for i := range events {
		e := &events[i]
		if e.OrderID != o.ID || len(e.Data) == 0 {
			continue
		}
		var data OrderEventData
		if err := json.Unmarshal(e.Data, &data); err != nil {
			return nil, Wrap(op, Internal, "encode_event", fmt.Sprintf("decode %s data", e.Type), err)
		}
		silent := false
		if e.Type == OrderCancelled || e.Type == CreditNoteRequested {
			silent = opts.silent
			if opts.noRestock {
				data.Restock = nil
			}
		}
		p := PayloadOf(o, data)
		p.Silent = silent
		b, err := json.Marshal(p)
		if err != nil {
			return nil, Wrap(op, Internal, "encode_event", fmt.Sprintf("encode %s data", e.Type), err)
		}
		e.Data = b
		if e.CheckSize() != nil {
			// Too many lines to carry: the event data with the staff's
			// choices (restock lines or none, silence) and a reference to
			// the order, which the consumers read (HasLines is false;
			// LifecyclePayload.Reread keeps the choices).
			ref, err := json.Marshal(referencePayload{OrderEventData: data, Silent: silent})
			if err != nil {
				return nil, Wrap(op, Internal, "encode_event", fmt.Sprintf("encode %s data", e.Type), err)
			}
			e.Data, e.Ref = ref, &EventRef{OrderID: o.ID, Version: o.Version}
			if err := e.CheckSize(); err != nil {
				return nil, err
			}
		}
	}
	return events, nil
}
