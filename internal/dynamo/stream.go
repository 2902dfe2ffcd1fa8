package dynamo

import (
	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Stream reads the records of the table's stream for its consumers: what a
// record asks for, in the domain's terms, since only this package knows the
// items. The zero value is ready to use.
type Stream struct{}

// AcceptedOrderID says which accepted order, still waiting for its number,
// a record shows: an INSERT or MODIFY whose new image is a pending order.
// ok is false for every other write (the numbering's own among them).
func (Stream) AcceptedOrderID(rec events.DynamoDBEventRecord) (id string, ok bool) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) && rec.EventName != string(events.DynamoDBOperationTypeModify) {
		return "", false
	}
	return pendingOrderID(rec.Change.NewImage)
}

// OutboxEvent is the event an outbox INSERT carries. ok is false for every
// other write (an outbox item's removal by its TTL included); an error is
// an outbox item that cannot be read.
func (Stream) OutboxEvent(rec events.DynamoDBEventRecord) (e order.Event, ok bool, err error) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
		return order.Event{}, false, nil
	}
	return outboxEvent(rec.Change.NewImage)
}
