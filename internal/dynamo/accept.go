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

// Attributes of an accepted order record: "pending" holds the
// order.PendingCreation as JSON until the order is numbered; "delivery" the
// delivery that created it, which stays until the order's first change.
const (
	attrPending  = "pending"
	attrDelivery = "delivery"
)

// Accept implements order.OrderStore: one conditional PutItem of the order
// record, whose key is derived from (source, external id). A duplicate
// costs that one request too: the failed condition returns the stored
// record.
func (s *Store) Accept(ctx context.Context, in *order.Order, p order.PendingCreation) (*order.Order, error) {
	const op = "dynamo.Accept"
	o, err := order.PrepareAccepted(op, in, s.now())
	if err != nil {
		return nil, err
	}
	oi, err := orderItem(o)
	if err != nil {
		return nil, mapErr(op, err)
	}
	if len(getS(oi, attrData)) > maxOrderData {
		return nil, order.E(op, order.TooLarge, "order_too_large", "the order is too large to store")
	}
	pending, err := json.Marshal(p)
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("encode the pending creation of order %s: %w", o.ID, err))
	}
	oi[attrPending] = str(string(pending))
	// GSI5 is sparse: an accepted order is in it until the numbering puts
	// the order record back without these keys.
	oi[attrGSI5PK] = str(pkPending)
	oi[attrGSI5SK] = str(orderTimeSK(s.now(), o.ID))
	if p.Delivery != "" {
		oi[attrDelivery] = str(p.Delivery)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                oi,
		ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, ok := isConditionFailed(err); ok {
		return nil, existingOrder(op, o.ID, old)
	}
	if err != nil {
		return nil, mapErr(op, fmt.Errorf("accept order %s: %w", o.ID, err))
	}
	return o, nil
}

// PendingBefore implements order.PendingOrders: a query of GSI5's PENDING
// partition, keys only.
func (s *Store) PendingBefore(ctx context.Context, t time.Time, page order.PageRequest) (order.Page[string], error) {
	items, next, err := s.sparseBefore(ctx, "dynamo.PendingBefore", pkPending, t, page)
	if err != nil {
		return order.Page[string]{}, err
	}
	out := order.Page[string]{Items: make([]string, 0, len(items)), Next: next}
	for _, it := range items {
		out.Items = append(out.Items, strings.TrimPrefix(getS(it, attrPK), "ORDER#"))
	}
	return out, nil
}

// sparseBefore is one page of a partition of the sparse index GSI5 (the
// pending orders, the unpublished outbox events), whose sort keys start
// with a time: the items before t, oldest first, and the next page's
// cursor ("" after the last).
func (s *Store) sparseBefore(ctx context.Context, op, partition string, t time.Time, page order.PageRequest) ([]item, string, error) {
	limit, err := page.EffectiveLimit()
	if err != nil {
		return nil, "", err
	}
	scope := strings.ToLower(partition)
	c, err := decodeCursor(op, page.Cursor, scope)
	if err != nil {
		return nil, "", err
	}
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(indexGSI5),
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk < :bound"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI5PK, "#sk": attrGSI5SK},
		ExpressionAttributeValues: item{":pk": str(partition), ":bound": str(fmtTime(t))},
		ExclusiveStartKey:         c.startKey(),
	}, limit)
	if err != nil {
		return nil, "", mapErr(op, fmt.Errorf("list GSI5 %s: %w", partition, err))
	}
	if next == nil {
		return items, "", nil
	}
	return items, encodeCursor(cursor{Scope: c.Scope, Key: next}), nil
}

// existingOrder is the already_exists error of a creation that found the
// order record old (its image from the failed condition).
func existingOrder(op, id string, old item) error {
	return order.AlreadyExistsWith(op, "order", order.AlreadyExists{ID: id, Delivery: getS(old, attrDelivery)})
}

// pendingOrderID reports whether a stream image (a NewImage) is an accepted
// order still waiting for its number, and its id: what the numbering
// consumer acts on.
func pendingOrderID(image map[string]events.DynamoDBAttributeValue) (string, bool) {
	pk, ok := image[attrPK]
	if !ok || pk.DataType() != events.DataTypeString || !strings.HasPrefix(pk.String(), "ORDER#") {
		return "", false
	}
	sk, ok := image[attrSK]
	if !ok || sk.DataType() != events.DataTypeString || sk.String() != skOrder {
		return "", false
	}
	p, ok := image[attrPending]
	if !ok || p.DataType() != events.DataTypeString || p.String() == "" {
		return "", false
	}
	return strings.TrimPrefix(pk.String(), "ORDER#"), true
}

// AssignNumber implements order.OrderStore.
func (s *Store) AssignNumber(ctx context.Context, id string) (*order.Order, error) {
	const op = "dynamo.AssignNumber"
	it, err := s.getOrderItem(ctx, op, id)
	if err != nil {
		return nil, err
	}
	if it, err = s.assignNumber(ctx, op, it); err != nil {
		return nil, err
	}
	o, err := decodeOrder(it)
	return o, mapErr(op, err)
}

// assignNumber numbers the order of record it if it is still pending, and
// returns the record as stored afterwards: numberLoop with the order record
// put back over the pending one instead of created.
func (s *Store) assignNumber(ctx context.Context, op string, it item) (item, error) {
	if getS(it, attrPending) == "" {
		return it, nil
	}
	var (
		o       *order.Order
		written item
	)
	err := s.numberLoop(ctx, op, getS(it, "id"), numberRound{
		build: func(prev int64, known bool) (*tx, error) {
			raw := getS(it, attrPending)
			if raw == "" {
				written = it // numbered meanwhile
				return nil, nil
			}
			var p order.PendingCreation
			if err := json.Unmarshal([]byte(raw), &p); err != nil {
				return nil, order.Wrap(op, order.Internal, "invalid_pending", fmt.Sprintf("the pending creation of %s cannot be read", getS(it, attrPK)), err)
			}
			cur, err := decodeOrder(it)
			if err != nil {
				return nil, mapErr(op, err)
			}
			if o, err = order.CloneOrder(cur); err != nil {
				return nil, order.Wrap(op, order.Internal, "invalid_order", "the stored order cannot be copied", err)
			}
			o.Seq = prev + 1
			o.Number = order.FormatNumber(p.Prefix, o.Seq, p.Suffix)
			t, oi, err := s.numberTx(ctx, op, o, prev, known, p, getS(it, attrDelivery))
			written = oi
			return t, err
		},
		settle: func(reasons []types.CancellationReason, t *tx) (bool, error) {
			// Numbered (or changed) by another writer meanwhile: go on
			// from its image.
			if i := t.index(roleOrder); reasonCode(reasons, i) == reasonConditionalCheck {
				if len(reasons[i].Item) == 0 {
					return true, notFound(op, "order", o.ID)
				}
				it = reasons[i].Item
			}
			return false, nil
		},
		taken: func() error {
			// A prefix or suffix change made this number collide with an
			// older order's: skip it (the one gap numbering leaves).
			return s.skipNumber(ctx, op, o)
		},
	})
	if err != nil {
		return nil, err
	}
	return written, nil
}

// numberTx builds the numbering transaction of o (numbered o.Seq over the
// counter value prev): the counter, the order record (put over the pending
// one, conditionally on it still being pending at the same version), the
// number's guard, the creation's history rows and events, the customer's
// counters and the SKU index entries. It returns the order record written.
func (s *Store) numberTx(ctx context.Context, op string, o *order.Order, prev int64, known bool, p order.PendingCreation, delivery string) (*tx, item, error) {
	now := s.now()
	t := &tx{}
	t.add(roleCounter, s.counterUpdate(o, prev, known))
	oi, err := orderItem(o)
	if err != nil {
		return nil, nil, mapErr(op, err)
	}
	if delivery != "" {
		oi[attrDelivery] = str(delivery)
	}
	t.add(roleOrder, s.put(oi, "attribute_exists(#pending) AND #version = :v",
		map[string]string{"#pending": attrPending, "#version": attrVersion}, item{":v": num(o.Version)}))
	t.add(roleNumber, s.numberGuard(o))
	if err := s.addCreationRecords(t, o, p.Options(), now); err != nil {
		return nil, nil, mapErr(op, err)
	}
	lines := lineIndexItems(o)
	if len(t.items)+len(lines) > maxTransactItems {
		// A very large order: as in Create, the entries that do not fit
		// go first, outside the transaction (a stray entry is skipped by
		// the listings).
		room := max(maxTransactItems-len(t.items), 0)
		if err := s.batchPut(ctx, lines[room:]); err != nil {
			return nil, nil, mapErr(op, fmt.Errorf("index lines of order %s: %w", o.ID, err))
		}
		lines = lines[:room]
	}
	for _, l := range lines {
		t.add(roleOther, s.put(l, "", nil, nil))
	}
	return t, oi, nil
}

// skipNumber moves the counter past prev+1 without an order: the number is
// taken by an older order (a display-number collision after a prefix or
// suffix change).
func (s *Store) skipNumber(ctx context.Context, op string, o *order.Order) error {
	u := s.counterUpdate(o, o.Seq-1, s.lastSet).Update
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, ok := isConditionFailed(err); ok {
		// Someone else moved it: learn where it is and go on.
		last, _ := getN(old, attrLast)
		s.last, s.lastSet = last, true
		return nil
	}
	if err != nil {
		return mapErr(op, fmt.Errorf("skip order number %s: %w", o.Number, err))
	}
	s.last, s.lastSet = o.Seq, true
	return nil
}
