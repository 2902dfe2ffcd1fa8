package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

var _ order.Outbox = (*Store)(nil)

// OutboxRetention is how long an outbox item stays in the table (its TTL).
// The stream relay publishes it on INSERT; the item itself is only kept for
// inspection and replays.
const OutboxRetention = 7 * 24 * time.Hour

// pkUnpublished is the GSI5 partition of the outbox items not yet marked
// published: GSI5 is sparse, and an item leaves it when the relay (or the
// sweeper) has published its event.
const pkUnpublished = "OUTBOX"

// outboxItem is an event waiting in the outbox: the whole event as JSON in
// "data", with its type and order beside it for readers of the raw table,
// listed in GSI5 until it is marked published.
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
		attrGSI5PK:  str(pkUnpublished),
		attrGSI5SK:  str(fmtTime(now) + "#" + e.ID),
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

// UnpublishedBefore implements order.Outbox: a query of GSI5's OUTBOX
// partition (keys only), then one BatchGetItem of the page's items.
func (s *Store) UnpublishedBefore(ctx context.Context, t time.Time, page order.PageRequest) (order.Page[order.Event], error) {
	const op = "dynamo.UnpublishedBefore"
	listed, next, err := s.sparseBefore(ctx, op, pkUnpublished, t, page)
	if err != nil {
		return order.Page[order.Event]{}, err
	}
	keys := make([]item, len(listed))
	for i, it := range listed {
		keys[i] = key(getS(it, attrPK), getS(it, attrSK))
	}
	items, err := s.batchGet(ctx, "outbox items", keys)
	if err != nil {
		return order.Page[order.Event]{}, mapErr(op, err)
	}
	byKey := make(map[string]item, len(items))
	for _, it := range items {
		byKey[getS(it, attrPK)+"\x00"+getS(it, attrSK)] = it
	}
	out := order.Page[order.Event]{Items: make([]order.Event, 0, len(listed)), Next: next}
	for _, k := range listed {
		it, ok := byKey[getS(k, attrPK)+"\x00"+getS(k, attrSK)]
		if !ok || getS(it, attrGSI5PK) != pkUnpublished {
			continue // gone with its TTL, or marked since the index was read
		}
		var e order.Event
		if err := json.Unmarshal([]byte(getS(it, attrData)), &e); err != nil {
			return order.Page[order.Event]{}, order.Wrap(op, order.Internal, "corrupt_outbox_item",
				fmt.Sprintf("outbox item %s %s cannot be read", getS(it, attrPK), getS(it, attrSK)), err)
		}
		out.Items = append(out.Items, e)
	}
	return out, nil
}

// MarkPublished implements order.Outbox: one UpdateItem per event that
// removes the item's GSI5 keys, conditional on the item's existence so
// that an item gone with its TTL is not written again as a stub.
func (s *Store) MarkPublished(ctx context.Context, events []order.Event) error {
	const op = "dynamo.MarkPublished"
	for _, e := range events {
		owner := orElse(e.OrderID, e.CartID)
		if owner == "" || order.ValidID(op, "event id", e.ID) != nil {
			return order.E(op, order.Invalid, "invalid_event", fmt.Sprintf("event %q names no order or cart: it has no outbox item", e.ID))
		}
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                aws.String(s.table),
			Key:                      item{attrPK: str(outboxPK(owner)), attrSK: str(outboxSK(e.ID))},
			UpdateExpression:         aws.String("REMOVE #gpk, #gsk"),
			ConditionExpression:      aws.String("attribute_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#gpk": attrGSI5PK, "#gsk": attrGSI5SK, "#pk": attrPK},
		})
		if _, gone := isConditionFailed(err); gone {
			continue
		}
		if err != nil {
			return mapErr(op, fmt.Errorf("mark event %s published: %w", e.ID, err))
		}
	}
	return nil
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
