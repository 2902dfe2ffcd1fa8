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
		cond := "attribute_exists(PK)"
		values := item{":d": num(a.Delta), ":one": num(1)}
		if a.Delta < 0 {
			cond += " AND (#back = :true OR #onHand >= :need)"
			values[":true"] = &types.AttributeValueMemberBOOL{Value: true}
			values[":need"] = num(-a.Delta)
		}
		names := map[string]string{"#onHand": "onHand", "#ver": attrVersion}
		if a.Delta < 0 {
			names["#back"] = "allowBackorder"
		}
		t.add(roleOther, types.TransactWriteItem{Update: &types.Update{
			TableName:                           aws.String(st.s.table),
			Key:                                 key(stockPK(a.SKU), skStock),
			UpdateExpression:                    aws.String("SET #onHand = #onHand + :d ADD #ver :one"),
			ConditionExpression:                 aws.String(cond),
			ExpressionAttributeNames:            names,
			ExpressionAttributeValues:           values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
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
			if len(reasons[i].Item) == 0 {
				return false, notFound(op, "stock item", a.SKU)
			}
			have := decodeStock(reasons[i].Item)
			e := order.E(op, order.Conflict, order.CodeInsufficientStock,
				fmt.Sprintf("only %d of %s left, %d asked", max(have.OnHand, 0), a.SKU, -a.Delta))
			e.Details = map[string]any{"sku": a.SKU, "onHand": have.OnHand, "requested": -a.Delta}
			return false, e
		}
		if !retryableCancellation(reasons) || attempt+1 >= st.s.updateAttempts {
			return false, mapErr(op, fmt.Errorf("adjust stock: %w", err))
		}
		if err := st.s.sleep(ctx, attempt); err != nil {
			return false, mapErr(op, err)
		}
	}
}
