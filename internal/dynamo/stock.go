package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Stock is the DynamoDB order.StockStore. Adjustments are relative updates
// (SET onHand = onHand + :delta) under a condition, so concurrent orders
// never lose each other's decrements and never take an item below zero
// unless it allows backorders.
type Stock struct{ s *Store }

var _ order.StockStore = (*Stock)(nil)

// Stock returns the stock store over the same table.
func (s *Store) Stock() *Stock { return &Stock{s: s} }

// StockTokenRetention is how long an applied adjustment token is
// remembered: longer than any redelivery of the event that caused it.
const StockTokenRetention = 30 * 24 * time.Hour

const (
	pkStockAdjPrefix = "STOCKADJ#"
	skStockAdj       = "STOCKADJ"
)

// Get implements order.StockStore.
func (st *Stock) Get(ctx context.Context, sku string) (order.StockItem, error) {
	const op = "dynamo.Stock.Get"
	if err := order.CheckSKU(op, sku); err != nil {
		return order.StockItem{}, err
	}
	out, err := st.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(st.s.table), Key: key(stockPK(sku), skStock), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return order.StockItem{}, mapErr(op, fmt.Errorf("get stock of %s: %w", sku, err))
	}
	if len(out.Item) == 0 {
		return order.StockItem{}, notFound(op, "stock item", sku)
	}
	return decodeStock(out.Item), nil
}

func decodeStock(it item) order.StockItem {
	onHand, _ := getN(it, "onHand")
	low, _ := getN(it, "lowThreshold")
	back, _ := it["allowBackorder"].(*types.AttributeValueMemberBOOL)
	version, _ := getN(it, attrVersion)
	return order.StockItem{SKU: getS(it, "sku"), OnHand: onHand, LowThreshold: low, AllowBackorder: back != nil && back.Value, Version: version}
}

// Put implements order.StockStore.
func (st *Stock) Put(ctx context.Context, si order.StockItem) error {
	const op = "dynamo.Stock.Put"
	if err := order.CheckSKU(op, si.SKU); err != nil {
		return err
	}
	if err := order.CheckStockItem(op, si); err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{
		TableName: aws.String(st.s.table),
		Item: item{
			attrPK: str(stockPK(si.SKU)), attrSK: str(skStock), attrType: str(typeStock),
			"sku": str(si.SKU), "onHand": num(si.OnHand), "lowThreshold": num(si.LowThreshold),
			"allowBackorder": &types.AttributeValueMemberBOOL{Value: si.AllowBackorder},
			attrVersion:      num(si.Version + 1),
		},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}
	if si.Version > 0 {
		in.ConditionExpression = aws.String("#v = :v")
		in.ExpressionAttributeNames = map[string]string{"#v": attrVersion}
		in.ExpressionAttributeValues = item{":v": num(si.Version)}
	}
	if _, err := st.s.db.PutItem(ctx, in); err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return order.E(op, order.Conflict, order.CodeVersionConflict,
				fmt.Sprintf("the stock of %s changed since version %d was read", si.SKU, si.Version))
		}
		return mapErr(op, fmt.Errorf("save stock of %s: %w", si.SKU, err))
	}
	return nil
}

// update is the relative, conditional update of one SKU's stock: the item
// must exist, and a decrement must leave it at zero or more unless it
// allows backorders. A failed condition returns the item (ALL_OLD).
func (st *Stock) update(a order.StockAdjustment) types.TransactWriteItem {
	cond := "attribute_exists(PK)"
	values := item{":d": num(a.Delta), ":one": num(1)}
	names := map[string]string{"#onHand": "onHand", "#ver": attrVersion}
	if a.Delta < 0 {
		cond += " AND (#back = :true OR #onHand >= :need)"
		values[":true"] = &types.AttributeValueMemberBOOL{Value: true}
		values[":need"] = num(-a.Delta)
		names["#back"] = "allowBackorder"
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                           aws.String(st.s.table),
		Key:                                 key(stockPK(a.SKU), skStock),
		UpdateExpression:                    aws.String("SET #onHand = #onHand + :d ADD #ver :one"),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// stockRefusal is the error of a stock update whose condition failed: the
// item is missing (NotFound) or has too little (insufficient_stock, with
// what is on hand and what was asked).
func stockRefusal(op, sku string, requested int64, old item) error {
	if len(old) == 0 {
		return notFound(op, "stock item", sku)
	}
	have := decodeStock(old)
	e := order.E(op, order.Conflict, order.CodeInsufficientStock,
		fmt.Sprintf("only %d of %s left, %d asked", max(have.OnHand, 0), sku, requested))
	e.Details = map[string]any{"sku": sku, "onHand": have.OnHand, "requested": requested}
	return e
}

// Adjust implements order.StockStore: one transaction holding a relative,
// conditional update per SKU and, with a token, the token's guard item.
func (st *Stock) Adjust(ctx context.Context, token string, adj []order.StockAdjustment) (bool, error) {
	const op = "dynamo.Stock.Adjust"
	merged, err := order.MergeStockAdjustments(op, adj)
	if err != nil {
		return false, err
	}
	t := &tx{}
	if token != "" {
		if err := order.ValidID(op, "adjustment token", token); err != nil {
			return false, err
		}
		t.add(roleExt, st.s.put(item{
			attrPK: str(pkStockAdjPrefix + token), attrSK: str(skStockAdj), attrType: str("stockAdjustment"),
			attrTTL: num(st.s.now().Add(StockTokenRetention).Unix()),
		}, "attribute_not_exists(PK)", nil, nil))
	}
	for _, a := range merged {
		t.add(roleOther, st.update(a))
	}
	for attempt := 0; ; attempt++ {
		_, err := st.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
		if err == nil {
			return true, nil
		}
		reasons, ok := cancellation(err)
		if !ok {
			return false, mapErr(op, fmt.Errorf("adjust stock: %w", err))
		}
		if reasonCode(reasons, t.index(roleExt)) == reasonConditionalCheck {
			return false, nil // this token was applied before
		}
		for i, role := range t.roles {
			if role != roleOther || reasonCode(reasons, i) != reasonConditionalCheck {
				continue
			}
			a := merged[i-len(t.roles)+len(merged)]
			return false, stockRefusal(op, a.SKU, -a.Delta, reasons[i].Item)
		}
		if !retryableCancellation(reasons) || attempt+1 >= st.s.updateAttempts {
			return false, mapErr(op, fmt.Errorf("adjust stock: %w", err))
		}
		if err := st.s.sleep(ctx, attempt); err != nil {
			return false, mapErr(op, err)
		}
	}
}

// The holding of an order in a SKU (order.OrderStockMove): one item per
// order and SKU, in the order's own partition key space.
const (
	pkStockHeldPrefix = "STOCKHELD#"
	skStockHeldPrefix = "SKU#"
	typeStockHeld     = "stockHeld"
)

// MoveForOrder implements order.StockStore: it reads the holding, then
// writes in one transaction the token's guard, the holding (conditionally
// on what was read) and, when the stock changes, the stock's relative
// update. A holding changed meanwhile (another event of the same order)
// is read again.
func (st *Stock) MoveForOrder(ctx context.Context, token string, m order.OrderStockMove) (order.OrderStockResult, error) {
	const op = "dynamo.Stock.MoveForOrder"
	if err := m.Check(op); err != nil {
		return order.OrderStockResult{}, err
	}
	if token != "" {
		if err := order.ValidID(op, "adjustment token", token); err != nil {
			return order.OrderStockResult{}, err
		}
	}
	hk := key(pkStockHeldPrefix+m.OrderID, skStockHeldPrefix+m.SKU)
	for attempt := 0; ; attempt++ {
		out, err := st.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.s.table), Key: hk, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return order.OrderStockResult{}, mapErr(op, fmt.Errorf("read the holding of order %s in %s: %w", m.OrderID, m.SKU, err))
		}
		held, _ := getN(out.Item, "held")
		last, _ := getN(out.Item, attrVersion)
		if order.IsStale(m.Version, last) {
			return order.OrderStockResult{Stale: true, Held: held}, nil
		}
		next, delta := m.NextHolding(held)
		t := &tx{}
		if token != "" {
			t.add(roleExt, st.s.put(item{
				attrPK: str(pkStockAdjPrefix + token), attrSK: str(skStockAdj), attrType: str("stockAdjustment"),
				attrTTL: num(st.s.now().Add(StockTokenRetention).Unix()),
			}, "attribute_not_exists(PK)", nil, nil))
		}
		holding := item{
			attrPK: hk[attrPK], attrSK: hk[attrSK], attrType: str(typeStockHeld),
			attrOrderID: str(m.OrderID), "sku": str(m.SKU), "held": num(next), attrVersion: num(max(last, m.Version)),
		}
		if len(out.Item) == 0 {
			t.add(roleHolding, st.s.put(holding, "attribute_not_exists(PK)", nil, nil))
		} else {
			t.add(roleHolding, st.s.put(holding, "#held = :held AND #ver = :ver", map[string]string{"#held": "held", "#ver": attrVersion},
				item{":held": num(held), ":ver": num(last)}))
		}
		if delta != 0 {
			t.add(roleOther, st.update(order.StockAdjustment{SKU: m.SKU, Delta: delta}))
		}
		_, err = st.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
		if err == nil {
			return order.OrderStockResult{Applied: true, Moved: delta, Held: next}, nil
		}
		reasons, ok := cancellation(err)
		if !ok {
			return order.OrderStockResult{}, mapErr(op, fmt.Errorf("move stock of %s for order %s: %w", m.SKU, m.OrderID, err))
		}
		if reasonCode(reasons, t.index(roleExt)) == reasonConditionalCheck {
			return order.OrderStockResult{Held: held}, nil // this token was applied before
		}
		if i := t.index(roleOther); reasonCode(reasons, i) == reasonConditionalCheck {
			return order.OrderStockResult{}, stockRefusal(op, m.SKU, -delta, reasons[i].Item)
		}
		lost := reasonCode(reasons, t.index(roleHolding)) == reasonConditionalCheck
		if (!lost && !retryableCancellation(reasons)) || attempt+1 >= st.s.updateAttempts {
			return order.OrderStockResult{}, mapErr(op, fmt.Errorf("move stock of %s for order %s: %w", m.SKU, m.OrderID, err))
		}
		if err := st.s.sleep(ctx, attempt); err != nil {
			return order.OrderStockResult{}, mapErr(op, err)
		}
	}
}
