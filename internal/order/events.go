package order

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/oklog/ulid/v2"
)

// EventType names a domain event. Events are written to the outbox in the
// same transaction as the change that caused them, and consumers (the mailer,
// the invoicer, the stock keeper) act on them.
type EventType string

// The domain events.
const (
	OrderCreated             EventType = "OrderCreated"
	OrderUpdated             EventType = "OrderUpdated" // content, hold, custom status or comment changed
	OrderPaid                EventType = "OrderPaid"
	OrderCancelled           EventType = "OrderCancelled"
	OrderStatusChanged       EventType = "OrderStatusChanged" // any other payment or fulfilment move
	OrderShipped             EventType = "OrderShipped"
	OrderDelivered           EventType = "OrderDelivered"
	PaymentReminderRequested EventType = "PaymentReminderRequested"
	CreditNoteRequested      EventType = "CreditNoteRequested"
	CartAbandoned            EventType = "CartAbandoned"
	CartReminderDue          EventType = "CartReminderDue"
	CartRecovered            EventType = "CartRecovered"
)

// AllEventTypes lists every event type.
var AllEventTypes = []EventType{OrderCreated, OrderUpdated, OrderPaid, OrderCancelled, OrderStatusChanged,
	OrderShipped, OrderDelivered, PaymentReminderRequested, CreditNoteRequested, CartAbandoned, CartReminderDue, CartRecovered}

// ParseEventType returns the EventType named s, or an Invalid error with
// code "unknown_event_type".
func ParseEventType(s string) (EventType, error) {
	for _, t := range AllEventTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", E("order.ParseEventType", Invalid, "unknown_event_type", fmt.Sprintf("unknown event type %q", s))
}

// Notification returns the customer e-mail an event triggers, if any. One
// change triggers at most one e-mail: a delivery sends "order delivered",
// not also "status changed"; a payment sends "status changed".
func (t EventType) Notification() (NotificationKind, bool) {
	switch t {
	case OrderCreated:
		return NotifyOrderConfirmed, true
	case OrderPaid, OrderStatusChanged:
		return NotifyStatusChanged, true
	case OrderShipped:
		return NotifyShipped, true
	case OrderDelivered:
		return NotifyDelivered, true
	case OrderCancelled:
		return NotifyCancelled, true
	case PaymentReminderRequested:
		return NotifyPaymentReminder, true
	case CartReminderDue:
		return NotifyAbandonedCart, true
	}
	return "", false
}

// Event is something that happened to an order (or to an abandoned cart),
// recorded in the outbox and published once committed.
type Event struct {
	// ID is a ULID whose time part is At, so that IDs sort by time; it is
	// the deduplication key of every consumer.
	ID      string    `json:"id"`
	Type    EventType `json:"type"`
	OrderID string    `json:"orderId,omitempty"`
	CartID  string    `json:"cartId,omitempty"` // for the Cart* events
	At      time.Time `json:"at"`
	Actor   Actor     `json:"actor"`
	// Data is the JSON of the type's payload: OrderEventData for the Order*,
	// PaymentReminderRequested and CreditNoteRequested events, CartEventData
	// for the Cart* events.
	Data json.RawMessage `json:"data,omitempty"`
	// Ref is set when the full payload would have made the event larger
	// than MaxEventBytes: Data then holds the plain OrderEventData (no
	// lines), and a consumer needing more reads the order, at Ref.Version
	// or later.
	Ref *EventRef `json:"ref,omitempty"`
}

// MaxEventBytes bounds an event as published (its JSON). SQS takes up to
// 256 KiB a message, but bills every 64 KiB chunk as one request and takes
// 256 KiB per batch of ten: at 64 KiB an event costs one request to send,
// receive and delete, ten fit most batches, and the outbox item stays far
// below DynamoDB's 400 KB item limit. A larger payload is replaced by a
// reference to the order (see Event.Ref).
const MaxEventBytes = 64 << 10

// EventRef names the order an event's consumers read instead of a payload
// too large to carry.
type EventRef struct {
	OrderID string `json:"orderId"`
	Version int64  `json:"version"`
}

// CheckSize returns a TooLarge error (code event_too_large) when the event
// is larger than MaxEventBytes as JSON: the check every store makes before
// writing an event to its outbox.
func (e Event) CheckSize() error {
	b, err := json.Marshal(e)
	if err != nil {
		return Wrap("order.Event.CheckSize", Internal, "encode_event", fmt.Sprintf("encode event %s", e.ID), err)
	}
	if len(b) > MaxEventBytes {
		return E("order.Event.CheckSize", TooLarge, "event_too_large", fmt.Sprintf("event %s is %d bytes, over the %d-byte bound", e.ID, len(b), MaxEventBytes))
	}
	return nil
}

// CheckRef returns a Transient error when o, read by a consumer of e, is
// older than the version e refers to (a read that has not caught up): the
// consumer retries later.
func (e Event) CheckRef(o *Order) error {
	if e.Ref == nil || o == nil || o.Version >= e.Ref.Version {
		return nil
	}
	return E("order.Event.CheckRef", Transient, "order_behind_event",
		fmt.Sprintf("order %s is at version %d, event %s refers to version %d", o.ID, o.Version, e.ID, e.Ref.Version))
}

// OrderEventData is the payload of an order's events: enough for a consumer
// (an e-mail, an invoice) to act without reading the order again.
type OrderEventData struct {
	Number           string        `json:"number"`
	PaymentStatus    string        `json:"paymentStatus"`
	FulfilmentStatus string        `json:"fulfilmentStatus"`
	CustomerEmail    string        `json:"customerEmail,omitempty"`
	Locale           string        `json:"locale,omitempty"`
	Grand            Money         `json:"grand"`
	Changes          []Change      `json:"changes,omitempty"`  // the rows that caused the event
	Tracking         []Tracking    `json:"tracking,omitempty"` // active tracking numbers, for OrderShipped
	CreditNote       bool          `json:"creditNote,omitempty"`
	Restock          []RestockLine `json:"restock,omitempty"` // for OrderCancelled
	// Version is the order's version the event was written with: the
	// stock keeper orders an order's moves by it.
	Version int64 `json:"version,omitempty"`
}

// CartEventData is the payload of an abandoned cart's events.
type CartEventData struct {
	CustomerEmail    string `json:"customerEmail,omitempty"`
	Locale           string `json:"locale,omitempty"`
	Total            Money  `json:"total"`
	RecoveryURL      string `json:"recoveryUrl,omitempty"`
	RemindersSent    int    `json:"remindersSent"`
	RecoveredOrderID string `json:"recoveredOrderId,omitempty"`
}

// NewEventID returns a fresh ULID for an event at t. IDs made within one
// millisecond by this process increase monotonically.
func NewEventID(t time.Time) string {
	return ulid.MustNew(ulid.Timestamp(t), ulid.DefaultEntropy()).String()
}

// NewEvent builds an event with a fresh ID and data encoded as JSON (nil data
// gives no Data). The actor must be valid: an event nobody caused is a bug.
func NewEvent(typ EventType, orderID string, a Actor, at time.Time, data any) (Event, error) {
	const op = "order.NewEvent"
	if _, err := ParseEventType(string(typ)); err != nil {
		return Event{}, err
	}
	if err := a.Validate(); err != nil {
		return Event{}, Wrap(op, Internal, "invalid_actor", "an event needs a valid actor", err)
	}
	e := Event{ID: NewEventID(at), Type: typ, OrderID: orderID, At: at, Actor: a}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return Event{}, Wrap(op, Internal, "encode_event", fmt.Sprintf("encode %s data", typ), err)
		}
		e.Data = b
	}
	return e, nil
}

// DecodeData decodes the event's payload into v (a *OrderEventData or a
// *CartEventData).
func (e Event) DecodeData(v any) error {
	if len(e.Data) == 0 {
		return E("order.Event.DecodeData", Invalid, "missing_event_data", fmt.Sprintf("event %s has no data", e.ID))
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return Wrap("order.Event.DecodeData", Invalid, "invalid_event_data", fmt.Sprintf("decode data of event %s", e.ID), err)
	}
	return nil
}

func orderData(o *Order, changes []Change) OrderEventData {
	return OrderEventData{
		Number: o.Number, PaymentStatus: o.Payment.String(), FulfilmentStatus: o.Fulfilment.String(),
		CustomerEmail: o.Customer.Email, Locale: o.Customer.Locale, Grand: o.Totals.Grand, Changes: changes,
		Version: o.Version,
	}
}

// OrderCreatedEvent is the event of a new order (the confirmation e-mail).
func OrderCreatedEvent(o *Order, a Actor) (Event, error) {
	return NewEvent(OrderCreated, o.ID, a, o.CreatedAt, orderData(o, nil))
}

// EventsFor turns the Change rows of one call into events, in order: one
// event per run of rows with the same action and actor, of the type the
// action and its target call for. A cancellation of a paid order also yields
// CreditNoteRequested. When the rows include the order's creation, the rule
// rows (ApplyStatusRules) make no event of their own: the confirmation already
// shows the final statuses, and a second e-mail would say nothing new. The
// rows must carry their actor (see Stamp): a row without one is an Internal
// error. No rows give no events.
func EventsFor(o *Order, changes []Change) ([]Event, error) {
	creating := slices.ContainsFunc(changes, func(c Change) bool { return c.Action == ActionCreate })
	var events []Event
	for start := 0; start < len(changes); {
		end := start + 1
		for end < len(changes) && changes[end].Action == changes[start].Action && changes[end].Actor == changes[start].Actor {
			end++
		}
		group := changes[start:end]
		start = end
		if creating && isRule(group[0].Action) {
			continue
		}

		first := group[0]
		data := orderData(o, group)
		typ := eventTypeOf(group)
		switch typ {
		case OrderShipped:
			data.Tracking = o.ActiveTracking()
		case OrderCancelled:
			for _, c := range group {
				if c.Field == FieldPaymentStatus && (c.From == Paid.String() || c.From == PartiallyRefunded.String()) {
					data.CreditNote = true
				}
			}
			// Stock comes back only when this cancellation stopped the
			// delivery (see Cancel).
			if slices.ContainsFunc(group, func(c Change) bool { return c.Field == FieldFulfilmentStatus }) {
				data.Restock = o.RestockLines()
			}
		}
		e, err := NewEvent(typ, o.ID, first.Actor, first.At, data)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
		if typ == OrderCancelled && data.CreditNote {
			cn, err := NewEvent(CreditNoteRequested, o.ID, first.Actor, first.At, data)
			if err != nil {
				return nil, err
			}
			events = append(events, cn)
		}
	}
	return events, nil
}

func isRule(action string) bool {
	return action == ActionRuleZeroTotal || action == ActionRuleDigitalDelivered
}

// eventTypeOf chooses the event of one action's rows.
func eventTypeOf(group []Change) EventType {
	switch group[0].Action {
	case ActionCreate:
		return OrderCreated
	case ActionCancel:
		return OrderCancelled
	case ActionPaymentReminder:
		return PaymentReminderRequested
	}
	// A status move: the target decides. Paid and shipped take precedence
	// over a delivery in the same action (none does both today).
	typ := OrderUpdated
	for _, c := range group {
		switch {
		case c.Field == FieldPaymentStatus && c.To == Paid.String():
			return OrderPaid
		case c.Field == FieldFulfilmentStatus && c.To == Shipped.String():
			return OrderShipped
		case c.Field == FieldFulfilmentStatus && c.To == Delivered.String():
			typ = OrderDelivered
		case (c.Field == FieldPaymentStatus || c.Field == FieldFulfilmentStatus) && typ == OrderUpdated:
			typ = OrderStatusChanged
		case c.Field == FieldTracking && c.To != "" && typ == OrderUpdated:
			// A tracking number added to an order already shipped: the
			// customer gets the new number.
			typ = OrderShipped
		}
	}
	return typ
}
