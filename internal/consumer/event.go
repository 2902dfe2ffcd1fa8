package consumer

import (
	"encoding/json"

	"github.com/ordersmith/ordersmith/internal/order"
)

// DecodeEvent reads an SQS message body that is an outbox event (an
// order.Event as JSON, as the relay publishes it). A body that is not one is
// Invalid, code malformed_event.
func DecodeEvent(op, body string) (order.Event, error) {
	var e order.Event
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return order.Event{}, order.Wrap(op, order.Invalid, "malformed_event", "the message is not an event", err)
	}
	if e.ID == "" || e.Type == "" {
		return order.Event{}, order.E(op, order.Invalid, "malformed_event", "the message has no event id or type")
	}
	return e, nil
}

// EventOutcome is the Outcome naming event e (its id and its order).
func EventOutcome(e order.Event) Outcome {
	return Outcome{EventID: e.ID, OrderID: e.OrderID}
}
