package dynamo

import (
	"fmt"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Attribute names of the table's key schema and of the TTL.
const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	attrGSI2PK = "GSI2PK"
	attrGSI2SK = "GSI2SK"
	attrGSI3PK = "GSI3PK"
	attrGSI3SK = "GSI3SK"
	attrGSI4PK = "GSI4PK"
	attrGSI4SK = "GSI4SK"
	attrGSI5PK = "GSI5PK"
	attrGSI5SK = "GSI5SK"
	attrTTL    = "ttl"
)

// Index names, as template.yaml declares them.
const (
	indexGSI1 = "GSI1"
	indexGSI2 = "GSI2"
	indexGSI3 = "GSI3"
	indexGSI4 = "GSI4"
	indexGSI5 = "GSI5"
)

// Constant sort keys of the singleton items.
const (
	skOrder    = "ORDER"
	skOrderNum = "ORDERNUM"
	skExt      = "EXT"
	skCounter  = "COUNTER"
	skIdem     = "IDEM"
	skCustomer = "CUSTOMER"
	skShop     = "SHOP"
	skStock    = "STOCK"
	skCart     = "CART"

	pkSettings     = "SETTINGS"
	pkOrderCounter = "COUNTER#order-number"
	pkRemind       = "REMIND"
	pkPending      = "PENDING"

	prefixLine = "LINE#"
	prefixHist = "HIST#"
)

// sortableTime is RFC 3339 in UTC with a fixed nine-digit fraction. Plain
// RFC3339Nano trims trailing zeros, which breaks lexicographic order
// ("…05Z" sorts after "…05.1Z"); a fixed width keeps string order equal to
// time order, which every sort key built from a time relies on.
const sortableTime = "2006-01-02T15:04:05.000000000Z"

// fmtTime formats t as a sort-key time.
func fmtTime(t time.Time) string { return t.UTC().Format(sortableTime) }

// parseTime reads a time written by fmtTime (or any RFC 3339 time).
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse time %q: %w", s, err)
	}
	return t, nil
}

// monthOf is the GSI1 time bucket of an order: its creation month in UTC.
func monthOf(t time.Time) string { return t.UTC().Format("2006-01") }

func orderPK(id string) string        { return "ORDER#" + id }
func orderNumPK(number string) string { return "ORDERNUM#" + number }
func extPK(source, externalID string) string {
	return "EXT#" + source + "#" + externalID
}
func idemPK(scope, key string) string { return "IDEM#" + scope + "#" + key }

// outboxPK is the partition of an order's (or a cart's) outbox events:
// the items of one partition key reach the stream in one shard, in order,
// so that the relay publishes an order's events in the order of its changes.
func outboxPK(orderOrCartID string) string { return "OUTBOX#" + orderOrCartID }
func outboxSK(eventID string) string       { return "EVENT#" + eventID }
func customerPK(email string) string       { return "CUSTOMER#" + order.CustomerEmail(email) }
func fxPK(currency string) string          { return "FX#" + currency }
func stockPK(sku string) string            { return "STOCK#" + sku }
func cartPK(id string) string              { return "CART#" + id }
func ordersMonthPK(month string) string    { return "ORDERS#" + month }
func paymentPK(status string) string       { return "PAY#" + status }
func fulfilmentPK(status string) string    { return "FUL#" + status }
func emailPK(email string) string          { return "EMAIL#" + order.CustomerEmail(email) }
func skuPK(sku string) string              { return "SKU#" + sku }
func lineSK(i int) string                  { return fmt.Sprintf("%s%03d", prefixLine, i) }
func orderTimeSK(created time.Time, id string) string {
	return fmtTime(created) + "#" + id
}

// histSK orders history rows by time, then by the order version that wrote
// them, then by their rank in that write: unique without a counter, and
// stable when two changes share a timestamp.
func histSK(at time.Time, version int64, i int) string {
	return fmt.Sprintf("%s%s#%010d#%03d", prefixHist, fmtTime(at), version, i)
}

// remindSK orders due cart reminders by due time.
func remindSK(due time.Time, id string) string { return fmtTime(due) + "#" + id }
