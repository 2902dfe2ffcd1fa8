package dynamo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// OutboxRetention is how long an outbox item stays in the table (its TTL).
// The stream relay publishes it on INSERT; the item itself is only kept for
// inspection and replays.
const OutboxRetention = 7 * 24 * time.Hour

// outboxItem is an event waiting in the outbox: the whole event as JSON in
// "data", with its type and order beside it for readers of the raw table.
func outboxItem(orderID string, e order.Event, now time.Time) (item, error) {
	if e.OrderID == "" && e.CartID == "" {
		e.OrderID = orderID
	}
	if order.ValidID("dynamo.outbox", "event id", e.ID) != nil {
		return nil, order.E("dynamo.outbox", order.Internal, "invalid_event", fmt.Sprintf("event %q of order %s has no valid id", e.ID, orderID))
	}
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	it := item{
		attrPK:      str(outboxPK(orElse(e.OrderID, e.CartID))),
		attrSK:      str(outboxSK(e.ID)),
		attrType:    str(typeOutbox),
		"eventType": str(string(e.Type)),
		"at":        str(fmtTime(e.At)),
		attrData:    str(string(data)),
		attrTTL:     num(now.Add(OutboxRetention).Unix()),
	}
	if e.OrderID != "" {
		it[attrOrderID] = str(e.OrderID)
	}
	if e.CartID != "" {
		it["cartId"] = str(e.CartID)
	}
	if n := itemBytes(it); n > maxItemBytes {
		return nil, order.E("dynamo.outbox", order.TooLarge, "event_too_large", fmt.Sprintf("the outbox item of event %s is %d bytes, over DynamoDB's item limit", e.ID, n))
	}
	return it, nil
}

// maxItemBytes is DynamoDB's item size limit (400 KB).
const maxItemBytes = 400 * 1024

// itemBytes is the size DynamoDB counts for an item of string and number
// attributes: each name's length plus its value's (a number's digits
// approximate its stored size from above).
func itemBytes(it item) int {
	n := 0
	for name, v := range it {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += len(v.Value)
		}
	}
	return n
}

// outboxEvent reads the event out of a DynamoDB stream image (the NewImage
// of an INSERT). It returns false for an image that is not an outbox item,
// so that the relay can skip the table's other writes.
func outboxEvent(image map[string]events.DynamoDBAttributeValue) (order.Event, bool, error) {
	pk, ok := image[attrPK]
	if !ok || pk.DataType() != events.DataTypeString || !strings.HasPrefix(pk.String(), "OUTBOX#") {
		return order.Event{}, false, nil
	}
	data, ok := image[attrData]
	if !ok || data.DataType() != events.DataTypeString {
		return order.Event{}, true, fmt.Errorf("outbox item %s has no data", pk.String())
	}
	var e order.Event
	if err := json.Unmarshal([]byte(data.String()), &e); err != nil {
		return order.Event{}, true, fmt.Errorf("decode outbox item %s: %w", pk.String(), err)
	}
	return e, true, nil
}

// orElse is a, or b when a is empty.
func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
