package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Update implements order.OrderStore.
func (s *Store) Update(ctx context.Context, id string, fn order.UpdateFunc) (*order.Order, error) {
	return s.update(ctx, "dynamo.Update", id, -1, fn)
}

// UpdateIfVersion implements order.OrderStore.
func (s *Store) UpdateIfVersion(ctx context.Context, id string, expectedVersion int64, fn order.UpdateFunc) (*order.Order, error) {
	if expectedVersion < 1 {
		return nil, order.E("dynamo.UpdateIfVersion", order.Invalid, "invalid_version", "the expected version must be at least 1")
	}
	return s.update(ctx, "dynamo.UpdateIfVersion", id, expectedVersion, fn)
}

// update is the read, apply, conditional write loop of Update (expected < 0)
// and UpdateIfVersion. A lost race reads the winner's image from the failed
// condition (ALL_OLD), so each retry costs one request, not two.
func (s *Store) update(ctx context.Context, op, id string, expected int64, fn order.UpdateFunc) (*order.Order, error) {
	it, err := s.getOrderItem(ctx, op, id)
	if err != nil {
		return nil, err
	}
	if err := order.NumberBeforeUpdate(getS(it, attrPending) != "", func() (err error) {
		it, err = s.assignNumber(ctx, op, it)
		return err
	}); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		cur, err := decodeOrder(it)
		if err != nil {
			return nil, mapErr(op, err)
		}
		if expected >= 0 && cur.Version != expected {
			return nil, order.VersionMismatch(op, id, expected, cur.Version)
		}
		next, changes, events, changed, err := order.ApplyUpdate(op, cur, fn, s.now())
		if err != nil {
			return nil, err
		}
		if !changed {
			return cur, nil
		}
		old, err := s.writeUpdate(ctx, op, cur, next, changes, events)
		if err == nil {
			return next, nil
		}
		if old == nil {
			return nil, err
		}
		// Lost the race to another writer (or only collided with one, when
		// the version did not move: then an If-Match still holds).
		if v, _ := getN(old, attrVersion); expected >= 0 && v != expected {
			return nil, order.VersionMismatch(op, id, expected, v)
		}
		// Each lost race is another writer's commit, and old is its
		// result: retry at once on it, with a little jitter. The bound
		// only stops a pile-up of writers on one order.
		if attempt+1 >= s.updateAttempts {
			return nil, order.Wrap(op, order.Conflict, order.CodeVersionConflict,
				fmt.Sprintf("order %s kept changing under this update; retry", id), err)
		}
		if err := s.jitter(ctx); err != nil {
			return nil, mapErr(op, err)
		}
		it = old
	}
}

// writeUpdate writes next over cur, conditionally on cur's version. On a
// lost race it returns the current image of the order (nil if it is gone)
// with the error; any other failure returns a nil image.
func (s *Store) writeUpdate(ctx context.Context, op string, cur, next *order.Order, changes []order.Change, events []order.Event) (item, error) {
	oi, err := orderItem(next)
	if err != nil {
		return nil, mapErr(op, err)
	}
	if len(getS(oi, attrData)) > maxOrderData {
		return nil, order.E(op, order.TooLarge, "order_too_large", "the order is too large to store")
	}
	cond, names, values := "#version = :v", map[string]string{"#version": attrVersion}, item{":v": num(cur.Version)}
	extra, index, err := s.updateExtras(cur, next, changes, events)
	if err != nil {
		return nil, err
	}
	if len(extra)+1 > maxTransactItems {
		return nil, order.E(op, order.Invalid, "too_many_events",
			fmt.Sprintf("an update writes at most %d history rows and events", maxTransactItems-1))
	}
	// SKU index changes ride in the transaction while there is room. The
	// rest (an edit of a very large order) go in batches: new entries
	// before the commit, removed ones after it. Either way a stray entry
	// is harmless, because listings check that the order still has the SKU.
	n := min(maxTransactItems-1-len(extra), len(index))
	for _, w := range index[:n] {
		extra = append(extra, w.tx)
	}
	var before, after []types.WriteRequest
	for _, w := range index[n:] {
		if w.batch.PutRequest != nil {
			before = append(before, w.batch)
		} else {
			after = append(after, w.batch)
		}
	}
	if err := s.batchWrite(ctx, before); err != nil {
		return nil, mapErr(op, fmt.Errorf("index lines of order %s: %w", cur.ID, err))
	}
	if len(extra) == 0 {
		// A bare status change: one conditional put, half the write cost
		// of a transaction.
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table), Item: oi,
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if old, ok := isConditionFailed(err); ok {
			return lostRace(op, cur.ID, old, err)
		}
		if err != nil {
			return nil, mapErr(op, fmt.Errorf("save order %s: %w", cur.ID, err))
		}
		s.dropIndexAfter(ctx, after)
		return nil, nil
	}
	t := &tx{}
	t.add(roleOrder, s.put(oi, cond, names, values))
	for _, w := range extra {
		t.add(roleOther, w)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
	if err == nil {
		s.dropIndexAfter(ctx, after)
		return nil, nil
	}
	if reasons, ok := cancellation(err); ok {
		i := t.index(roleOrder)
		if reasonCode(reasons, i) == reasonConditionalCheck {
			return lostRace(op, cur.ID, reasons[i].Item, err)
		}
		if retryableCancellation(reasons) {
			// Contention on the same order: the current image is unknown,
			// so read it again and let the loop retry.
			it, gerr := s.getOrderItem(ctx, op, cur.ID)
			if gerr != nil {
				return nil, gerr
			}
			return it, err
		}
	}
	return nil, mapErr(op, fmt.Errorf("save order %s: %w", cur.ID, err))
}

// lostRace returns the winner's image, or NotFound if the order is gone.
func lostRace(op, id string, old item, err error) (item, error) {
	if len(old) == 0 {
		return nil, notFound(op, "order", id)
	}
	return old, err
}

// indexWrite is one change of the SKU index, as a transaction item and as
// a batch request.
type indexWrite struct {
	tx    types.TransactWriteItem
	batch types.WriteRequest
}

// dropIndexAfter deletes the index entries of removed lines that did not
// fit in the transaction. The update is committed by then, and an entry
// left behind is skipped by the listings, so a failure here is not the
// caller's: it is dropped.
func (s *Store) dropIndexAfter(ctx context.Context, reqs []types.WriteRequest) {
	_ = s.batchWrite(ctx, reqs)
}

// updateExtras are the writes that go with an order update: history rows and
// outbox events (in the transaction), and the SKU index entries that the edit
// added, changed or removed.
func (s *Store) updateExtras(cur, next *order.Order, changes []order.Change, events []order.Event) ([]types.TransactWriteItem, []indexWrite, error) {
	var w []types.TransactWriteItem
	for _, sh := range order.CustomerMoves(cur, next) {
		w = append(w, s.customerUpdate(sh, next.CreatedAt, false))
	}
	for i, c := range changes {
		it, err := historyItem(next.ID, next.Version, i, c)
		if err != nil {
			return nil, nil, err
		}
		w = append(w, s.put(it, "", nil, nil))
	}
	now := s.now()
	for _, e := range events {
		it, err := outboxItem(next.ID, e, now)
		if err != nil {
			return nil, nil, err
		}
		w = append(w, s.put(it, "attribute_not_exists(PK)", nil, nil))
	}
	oldLines := map[string]item{}
	for _, it := range lineIndexItems(cur) {
		oldLines[getS(it, attrSK)] = it
	}
	var index []indexWrite
	for _, it := range lineIndexItems(next) {
		sk := getS(it, attrSK)
		old, ok := oldLines[sk]
		delete(oldLines, sk)
		if ok && sameLine(old, it) {
			continue
		}
		index = append(index, indexWrite{tx: s.put(it, "", nil, nil), batch: types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}})
	}
	for sk := range oldLines {
		k := key(orderPK(next.ID), sk)
		index = append(index, indexWrite{
			tx:    types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: k}},
			batch: types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}},
		})
	}
	return w, index, nil
}

// sameLine reports whether two SKU index entries hold the same data.
func sameLine(a, b item) bool {
	return getS(a, "sku") == getS(b, "sku") && getNS(a, "quantity") == getNS(b, "quantity") &&
		getS(a, attrGSI1SK) == getS(b, attrGSI1SK)
}

// History implements order.OrderStore: the history rows of the order's
// partition, oldest first.
func (s *Store) History(ctx context.Context, id string, page order.PageRequest) (order.Page[order.Change], error) {
	const op = "dynamo.History"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.Change]{}, err
	}
	if err := order.ValidID(op, "order id", id); err != nil {
		return order.Page[order.Change]{}, err
	}
	c, err := decodeCursor(op, page.Cursor, "hist:"+id)
	if err != nil {
		return order.Page[order.Change]{}, err
	}
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :hist)"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: item{":pk": str(orderPK(id)), ":hist": str(prefixHist)},
		ExclusiveStartKey:         c.startKey(),
		ConsistentRead:            aws.Bool(true),
	}, limit)
	if err != nil {
		return order.Page[order.Change]{}, mapErr(op, fmt.Errorf("history of order %s: %w", id, err))
	}
	out := order.Page[order.Change]{Items: make([]order.Change, 0, len(items))}
	for _, it := range items {
		ch, err := decodeChange(it)
		if err != nil {
			return order.Page[order.Change]{}, mapErr(op, err)
		}
		out.Items = append(out.Items, ch)
	}
	if next != nil {
		out.Next = encodeCursor(cursor{Scope: c.Scope, Key: next})
	}
	return out, nil
}
