package dynamo

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/order"
)

// item is one DynamoDB item.
type item = map[string]types.AttributeValue

// Record types, in the "type" attribute of every item: a reader of the raw
// table (or of the stream) can tell items apart without parsing keys.
const (
	typeOrder     = "order"
	typeOrderLine = "orderLine"
	typeOrderNum  = "orderNumber"
	typeExt       = "externalId"
	typeCounter   = "counter"
	typeIdem      = "idempotency"
	typeOutbox    = "outbox"
	typeHistory   = "history"
	typeCustomer  = "customer"
	typeSettings  = "settings"
	typeRate      = "exchangeRate"
	typeStock     = "stock"
	typeCart      = "cart"
)

// Attribute names shared by several records.
const (
	attrType      = "type"
	attrData      = "data"
	attrVersion   = "version"
	attrOrderID   = "orderId"
	attrLast      = "last"
	attrMonths    = "months"
	attrStatus    = "status"
	attrExpiresAt = "expiresAt"
)

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
func numS(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }

// key is the primary key of an item.
func key(pk, sk string) item { return item{attrPK: str(pk), attrSK: str(sk)} }

// getS returns a string attribute, or "".
func getS(it item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// getN returns a number attribute as an int64.
func getN(it item, name string) (int64, bool) {
	v, ok := it[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	return n, err == nil
}

// getNS returns a number attribute as its decimal string, or "".
func getNS(it item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// orderItem is the order record. The order itself is stored whole as JSON in
// "data" (the domain's own encoding, decimals as strings, so amounts stay
// exact); the key, index and a few readable attributes sit beside it, and
// "version" is the attribute the writes are conditional on.
func orderItem(o *order.Order) (item, error) {
	data, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encode order %s: %w", o.ID, err)
	}
	timeSK := orderTimeSK(o.CreatedAt, o.ID)
	it := item{
		attrPK:      str(orderPK(o.ID)),
		attrSK:      str(skOrder),
		attrGSI1PK:  str(ordersMonthPK(monthOf(o.CreatedAt))),
		attrGSI1SK:  str(timeSK),
		attrGSI2PK:  str(paymentPK(o.Payment.String())),
		attrGSI2SK:  str(timeSK),
		attrGSI3PK:  str(fulfilmentPK(o.Fulfilment.String())),
		attrGSI3SK:  str(timeSK),
		attrType:    str(typeOrder),
		"id":        str(o.ID),
		"number":    str(o.Number),
		"seq":       num(o.Seq),
		"source":    str(string(o.Source)),
		attrVersion: num(o.Version),
		"createdAt": str(fmtTime(o.CreatedAt)),
		"updatedAt": str(fmtTime(o.UpdatedAt)),
		attrData:    str(string(data)),
	}
	if o.ExternalID != "" {
		it["externalId"] = str(o.ExternalID)
	}
	// GSI4 is sparse: an order without an e-mail is not in it.
	if e := order.CustomerEmail(o.Customer.Email); e != "" {
		it[attrGSI4PK] = str(emailPK(e))
		it[attrGSI4SK] = str(timeSK)
		it["email"] = str(e)
	}
	return it, nil
}

// decodeOrder reads an order record.
func decodeOrder(it item) (*order.Order, error) {
	data := getS(it, attrData)
	if data == "" {
		return nil, fmt.Errorf("order record %s has no data", getS(it, attrPK))
	}
	var o order.Order
	if err := json.Unmarshal([]byte(data), &o); err != nil {
		return nil, fmt.Errorf("decode order record %s: %w", getS(it, attrPK), err)
	}
	if v, ok := getN(it, attrVersion); ok {
		o.Version = v
	}
	return &o, nil
}

// lineIndexItems are the "orders by SKU" entries of an order: one per
// distinct SKU (lines without one are not indexed), keyed by the position
// of the SKU's first line, carrying the total quantity ordered.
func lineIndexItems(o *order.Order) []item {
	type entry struct {
		pos int
		qty int64
	}
	seen := map[string]*entry{}
	var skus []string
	for i, l := range o.Lines {
		if l.SKU == "" {
			continue
		}
		if e, ok := seen[l.SKU]; ok {
			e.qty += l.Quantity
			continue
		}
		seen[l.SKU] = &entry{pos: i, qty: l.Quantity}
		skus = append(skus, l.SKU)
	}
	timeSK := orderTimeSK(o.CreatedAt, o.ID)
	items := make([]item, 0, len(skus))
	for _, sku := range skus {
		e := seen[sku]
		items = append(items, item{
			attrPK:      str(orderPK(o.ID)),
			attrSK:      str(lineSK(e.pos)),
			attrGSI1PK:  str(skuPK(sku)),
			attrGSI1SK:  str(timeSK),
			attrType:    str(typeOrderLine),
			attrOrderID: str(o.ID),
			"sku":       str(sku),
			"quantity":  num(e.qty),
		})
	}
	return items
}

// historyItem is one history row of an order.
func historyItem(orderID string, version int64, i int, c order.Change) (item, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode change of order %s: %w", orderID, err)
	}
	return item{
		attrPK:      str(orderPK(orderID)),
		attrSK:      str(histSK(c.At, version, i)),
		attrType:    str(typeHistory),
		attrOrderID: str(orderID),
		"action":    str(c.Action),
		attrData:    str(string(data)),
	}, nil
}

// decodeChange reads a history row.
func decodeChange(it item) (order.Change, error) {
	var c order.Change
	if err := json.Unmarshal([]byte(getS(it, attrData)), &c); err != nil {
		return order.Change{}, fmt.Errorf("decode history row %s: %w", getS(it, attrSK), err)
	}
	return c, nil
}
