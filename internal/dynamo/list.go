package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// List implements order.OrderStore. A status, e-mail or SKU listing is one
// index partition read newest first; a plain time listing walks the month
// partitions of GSI1 from the newest, skipping months without orders (the
// counter item keeps the set of months that have some).
func (s *Store) List(ctx context.Context, q order.ListQuery) (order.Page[order.Order], error) {
	const op = "dynamo.List"
	limit, err := q.Validate()
	if err != nil {
		return order.Page[order.Order]{}, err
	}
	rangeScope := rangeScope(q.From, q.To)
	switch {
	case !q.Payment.IsZero():
		return s.listIndex(ctx, op, indexGSI2, paymentPK(q.Payment.String()), q, limit, rangeScope)
	case !q.Fulfilment.IsZero():
		return s.listIndex(ctx, op, indexGSI3, fulfilmentPK(q.Fulfilment.String()), q, limit, rangeScope)
	case strings.TrimSpace(q.Email) != "":
		return s.listIndex(ctx, op, indexGSI4, emailPK(q.Email), q, limit, rangeScope)
	case q.SKU != "":
		return s.listIndex(ctx, op, indexGSI1, skuPK(q.SKU), q, limit, rangeScope)
	}
	return s.listByTime(ctx, op, q, limit, rangeScope)
}

// rangeScope binds a cursor to the time range it was made for.
func rangeScope(from, to time.Time) string {
	f, t := "", ""
	if !from.IsZero() {
		f = fmtTime(from)
	}
	if !to.IsZero() {
		t = fmtTime(to)
	}
	return f + ".." + t
}

// indexQuery is the query of one index partition, newest first, bounded by
// the creation-time range. Index sort keys start with the creation time, so
// [from, to) is a key condition: "t#id" < "to" exactly when t < to.
func (s *Store) indexQuery(index, pk string, from, to time.Time, start map[string]types.AttributeValue) *dynamodb.QueryInput {
	names := map[string]string{"#pk": index + "PK"}
	values := item{":pk": str(pk)}
	cond := "#pk = :pk"
	switch {
	case !from.IsZero() && !to.IsZero():
		cond += " AND #sk BETWEEN :from AND :to"
	case !from.IsZero():
		cond += " AND #sk >= :from"
	case !to.IsZero():
		cond += " AND #sk < :to"
	}
	if !from.IsZero() {
		names["#sk"] = index + "SK"
		values[":from"] = str(fmtTime(from))
	}
	if !to.IsZero() {
		names["#sk"] = index + "SK"
		values[":to"] = str(fmtTime(to))
	}
	return &dynamodb.QueryInput{
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
		ExclusiveStartKey:         start,
	}
}

// listIndex lists one index partition.
func (s *Store) listIndex(ctx context.Context, op, index, pk string, q order.ListQuery, limit int, rs string) (order.Page[order.Order], error) {
	c, err := decodeCursor(op, q.Cursor, index+"|"+pk+"|"+rs)
	if err != nil {
		return order.Page[order.Order]{}, err
	}
	items, next, err := s.queryPage(ctx, s.indexQuery(index, pk, q.From, q.To, c.startKey()), limit)
	if err != nil {
		return order.Page[order.Order]{}, mapErr(op, fmt.Errorf("list orders by %s: %w", pk, err))
	}
	orders, err := s.ordersOf(ctx, items)
	if err != nil {
		return order.Page[order.Order]{}, mapErr(op, fmt.Errorf("list orders by %s: %w", pk, err))
	}
	page := order.Page[order.Order]{Items: orders}
	if next != nil {
		page.Next = encodeCursor(cursor{Scope: c.Scope, Key: next})
	}
	return page, nil
}

// listByTime walks the month partitions of GSI1, newest first.
func (s *Store) listByTime(ctx context.Context, op string, q order.ListQuery, limit int, rs string) (order.Page[order.Order], error) {
	c, err := decodeCursor(op, q.Cursor, "time|"+rs)
	if err != nil {
		return order.Page[order.Order]{}, err
	}
	months, err := s.orderMonths(ctx, q.From, q.To)
	if err != nil {
		return order.Page[order.Order]{}, mapErr(op, err)
	}
	page := order.Page[order.Order]{Items: []order.Order{}}
	for i, m := range months {
		if c.Month != "" && m > c.Month {
			continue // before the cursor: already listed
		}
		var start map[string]types.AttributeValue
		if m == c.Month {
			start = c.startKey()
		}
		items, next, err := s.queryPage(ctx, s.indexQuery(indexGSI1, ordersMonthPK(m), q.From, q.To, start), limit-len(page.Items))
		if err != nil {
			return order.Page[order.Order]{}, mapErr(op, fmt.Errorf("list orders of %s: %w", m, err))
		}
		orders, err := s.ordersOf(ctx, items)
		if err != nil {
			return order.Page[order.Order]{}, mapErr(op, fmt.Errorf("list orders of %s: %w", m, err))
		}
		page.Items = append(page.Items, orders...)
		if next != nil {
			page.Next = encodeCursor(cursor{Scope: c.Scope, Month: m, Key: next})
			return page, nil
		}
		if len(page.Items) == limit {
			if i+1 < len(months) {
				page.Next = encodeCursor(cursor{Scope: c.Scope, Month: months[i+1]})
			}
			return page, nil
		}
	}
	return page, nil
}

// orderMonths returns the months that have orders within [from, to),
// newest first, from the set the creations add to the counter item.
func (s *Store) orderMonths(ctx context.Context, from, to time.Time) ([]string, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(pkOrderCounter, skCounter),
		ProjectionExpression:     aws.String("#months"),
		ExpressionAttributeNames: map[string]string{"#months": attrMonths},
		ConsistentRead:           aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read order months: %w", err)
	}
	set, _ := out.Item[attrMonths].(*types.AttributeValueMemberSS)
	if set == nil {
		return nil, nil
	}
	var months []string
	for _, m := range set.Value {
		if !from.IsZero() && m < monthOf(from) {
			continue
		}
		if !to.IsZero() && m > monthOf(to.Add(-time.Nanosecond)) {
			continue
		}
		months = append(months, m)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(months)))
	return months, nil
}

// ordersOf turns listed items into orders, in the same order. Order items
// carry the order; SKU index entries only point at it, and those orders are
// fetched with BatchGetItem.
func (s *Store) ordersOf(ctx context.Context, items []item) ([]order.Order, error) {
	out := make([]order.Order, len(items))
	var missing []string
	at := map[string][]int{}
	for i, it := range items {
		if getS(it, attrType) == typeOrder {
			o, err := decodeOrder(it)
			if err != nil {
				return nil, err
			}
			out[i] = *o
			continue
		}
		id := getS(it, attrOrderID)
		if _, seen := at[id]; !seen {
			missing = append(missing, id)
		}
		at[id] = append(at[id], i)
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := s.batchGetOrders(ctx, missing)
	if err != nil {
		return nil, err
	}
	kept := out[:0:0]
	for i := range out {
		if getS(items[i], attrType) == typeOrder {
			kept = append(kept, out[i])
			continue
		}
		// An index entry whose order is gone, or no longer has the SKU
		// (a stray entry of a failed or very large write), is skipped.
		if o, ok := found[getS(items[i], attrOrderID)]; ok && hasSKU(o, getS(items[i], "sku")) {
			kept = append(kept, *o)
		}
	}
	return kept, nil
}

// batchGetOrders reads orders by id.
func (s *Store) batchGetOrders(ctx context.Context, ids []string) (map[string]*order.Order, error) {
	keys := make([]item, len(ids))
	for i, id := range ids {
		keys[i] = key(orderPK(id), skOrder)
	}
	items, err := s.batchGet(ctx, "orders", keys)
	if err != nil {
		return nil, err
	}
	found := make(map[string]*order.Order, len(ids))
	for _, it := range items {
		o, err := decodeOrder(it)
		if err != nil {
			return nil, err
		}
		found[o.ID] = o
	}
	return found, nil
}

// batchGet reads items by key (what names them in errors), consistently,
// 100 keys per request, retrying the keys DynamoDB leaves unprocessed. The
// items come in no particular order; a key without an item gives none.
func (s *Store) batchGet(ctx context.Context, what string, keys []item) ([]item, error) {
	var found []item
	for start := 0; start < len(keys); start += maxBatchGet {
		pending := map[string]types.KeysAndAttributes{s.table: {Keys: keys[start:min(start+maxBatchGet, len(keys))], ConsistentRead: aws.Bool(true)}}
		for attempt := 0; len(pending[s.table].Keys) > 0; attempt++ {
			if attempt >= s.updateAttempts {
				return nil, fmt.Errorf("batch get %s: %d keys still unprocessed", what, len(pending[s.table].Keys))
			}
			if attempt > 0 {
				if err := s.sleep(ctx, attempt); err != nil {
					return nil, err
				}
			}
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return nil, fmt.Errorf("batch get %s: %w", what, err)
			}
			found = append(found, res.Responses[s.table]...)
			pending = res.UnprocessedKeys
		}
	}
	return found, nil
}

// hasSKU reports whether the order has a line with the SKU.
func hasSKU(o *order.Order, sku string) bool {
	for _, l := range o.Lines {
		if l.SKU == sku {
			return true
		}
	}
	return false
}
