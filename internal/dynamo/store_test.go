package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
)

var epoch = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// testOrder is a valid storefront order with lines for the given SKUs.
func testOrder(t testing.TB, ext, email string, skus ...string) *order.Order {
	t.Helper()
	if len(skus) == 0 {
		skus = []string{"MUG-001"}
	}
	o := &order.Order{
		Source: order.SourceShopify, ExternalID: ext,
		Customer: order.Customer{Name: "Camille", Email: email},
		Currency: order.EUR, PricesIncludeTax: true, CreatedAt: epoch,
		Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
	}
	for _, sku := range skus {
		o.Lines = append(o.Lines, order.LineItem{SKU: sku, Name: "Article " + sku, Quantity: 1,
			UnitPrice: decimal.RequireFromString("9.99"), VATRate: decimal.NewFromInt(20)})
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatalf("totals: %v", err)
	}
	o.Totals = totals
	return o
}

// TestRequestBudget holds the store to its request counts: one
// TransactWriteItems per warm creation, two for a cold store on a table that
// already has orders, one for any duplicate.
func TestRequestBudget(t *testing.T) {
	ctx := context.Background()
	counter := &dynamo.RequestCounter{}
	db, table := newTable(t, counter.Register)
	first := dynamo.New(db, table)
	var createdID string
	steps := []struct {
		name     string
		do       func() error
		requests int64
		code     string
	}{
		{"cold store, empty table", func() error {
			o, err := first.Create(ctx, testOrder(t, "b-1", "b@example.com", "A", "B"), order.CreateOptions{})
			if err == nil {
				createdID = o.ID
			}
			return err
		}, 1, ""},
		{"warm store", func() error {
			_, err := first.Create(ctx, testOrder(t, "b-2", "b@example.com"), order.CreateOptions{})
			return err
		}, 1, ""},
		{"duplicate on a warm store", func() error {
			_, err := first.Create(ctx, testOrder(t, "b-1", "b@example.com"), order.CreateOptions{})
			return err
		}, 1, order.CodeAlreadyExists},
		{"cold store, table with orders", func() error {
			_, err := dynamo.New(db, table).Create(ctx, testOrder(t, "b-3", "b@example.com"), order.CreateOptions{})
			return err
		}, 2, ""},
		{"duplicate on a cold store", func() error {
			_, err := dynamo.New(db, table).Create(ctx, testOrder(t, "b-2", ""), order.CreateOptions{})
			return err
		}, 1, order.CodeAlreadyExists},
		{"get", func() error { _, err := first.Get(ctx, createdID); return err }, 1, ""},
		{"get by number", func() error { _, err := first.GetByNumber(ctx, "1"); return err }, 2, ""},
		{"status update: read, then one conditional put", func() error {
			_, err := first.Update(ctx, createdID, func(o *order.Order) ([]order.Change, []order.Event, error) {
				return nil, nil, o.SetPaymentStatus(order.Paid, epoch)
			})
			return err
		}, 2, ""},
		{"idempotency claim", func() error {
			_, err := first.Idempotency().Begin(ctx, "orders", "k", "", time.Minute)
			return err
		}, 1, ""},
		{"idempotency replay", func() error {
			_, err := first.Idempotency().Begin(ctx, "orders", "k", "", time.Minute)
			return err
		}, 1, ""},
	}
	for _, st := range steps {
		counter.Reset()
		err := st.do()
		switch {
		case st.code == "" && err != nil:
			t.Fatalf("%s: %v", st.name, err)
		case st.code != "" && order.CodeOf(err) != st.code:
			t.Fatalf("%s: %v, want code %s", st.name, err, st.code)
		}
		if got := counter.Total(); got != st.requests {
			t.Fatalf("%s: %d requests %v, want %d", st.name, got, counter.Counts(), st.requests)
		}
	}
}

// scanAll reads the whole table through the Scan paginator.
func scanAll(t *testing.T, db *dynamodb.Client, table string) map[string]map[string]types.AttributeValue {
	t.Helper()
	items := map[string]map[string]types.AttributeValue{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		for _, it := range out.Items {
			items[s(it, "PK")+" | "+s(it, "SK")] = it
		}
	}
	return items
}

func s(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func n(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// TestCreateItems checks the items one creation writes, and that a
// duplicate writes none.
func TestCreateItems(t *testing.T) {
	ctx := context.Background()
	db, table := newTable(t)
	st := dynamo.New(db, table, dynamo.WithClock(func() time.Time { return epoch }))
	actor := order.StorefrontActor(order.SourceShopify)
	var eventID string
	record := func(o *order.Order) ([]order.Change, []order.Event, error) {
		ch := []order.Change{order.CreatedChange(o, actor, order.ViaWebhook(order.SourceShopify))}
		ev, err := order.EventsFor(o, ch)
		if len(ev) > 0 {
			eventID = ev[0].ID
		}
		return ch, ev, err
	}
	o, err := st.Create(ctx, testOrder(t, "it-1", "Items@Example.com", "A", "B", "A"), order.CreateOptions{
		Prefix: "CMD", Record: record,
		Idempotency: &order.IdempotencyResult{Scope: "webhook", Key: "delivery-1", TTL: time.Hour},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	items := scanAll(t, db, table)
	id := o.ID
	created := "2025-03-14T09:30:00.000000000Z#" + id
	want := []struct {
		key   string
		attrs map[string]string // attribute → string or number value
	}{
		{"ORDER#" + id + " | ORDER", map[string]string{"GSI1PK": "ORDERS#2025-03", "GSI1SK": created, "GSI2PK": "PAY#AWAITING_PAYMENT",
			"GSI3PK": "FUL#AWAITING_PROCESSING", "GSI4PK": "EMAIL#items@example.com", "GSI4SK": created, "version": "1", "number": "CMD-1"}},
		{"ORDER#" + id + " | LINE#000", map[string]string{"GSI1PK": "SKU#A", "GSI1SK": created, "quantity": "2", "orderId": id}},
		{"ORDER#" + id + " | LINE#001", map[string]string{"GSI1PK": "SKU#B", "quantity": "1"}},
		{"ORDER#" + id + " | HIST#2025-03-14T09:30:00.000000000Z#0000000001#000", map[string]string{"action": "create"}},
		{"EXT#shopify#it-1 | EXT", map[string]string{"orderId": id}},
		{"ORDERNUM#CMD-1 | ORDERNUM", map[string]string{"orderId": id, "seq": "1"}},
		{"COUNTER#order-number | COUNTER", map[string]string{"last": "1"}},
		{"CUSTOMER#items@example.com | CUSTOMER", map[string]string{"ordersCount": "1", "totalSpent_EUR": o.Totals.Grand.Amount.String()}},
		{"OUTBOX#" + id + " | EVENT#" + eventID, map[string]string{"eventType": "OrderCreated", "orderId": id,
			"ttl": fmt.Sprint(epoch.Add(dynamo.OutboxRetention).Unix())}},
		{"IDEM#webhook#delivery-1 | IDEM", map[string]string{"status": "COMPLETED", "resourceId": id}},
	}
	if len(items) != len(want) {
		keys := []string{}
		for k := range items {
			keys = append(keys, k)
		}
		t.Fatalf("%d items written, want %d: %v", len(items), len(want), keys)
	}
	for _, w := range want {
		it, ok := items[w.key]
		if !ok {
			t.Fatalf("missing item %s", w.key)
		}
		for a, v := range w.attrs {
			if got := s(it, a) + n(it, a); got != v {
				t.Fatalf("%s: %s = %q, want %q", w.key, a, got, v)
			}
		}
	}
	if _, ok := items["ORDER#"+id+" | LINE#002"]; ok {
		t.Fatal("a repeated SKU got a second index entry")
	}

	_, err = st.Create(ctx, testOrder(t, "it-1", "items@example.com", "C"), order.CreateOptions{Record: record})
	if order.CodeOf(err) != order.CodeAlreadyExists {
		t.Fatalf("duplicate: %v", err)
	}
	if after := scanAll(t, db, table); len(after) != len(items) {
		t.Fatalf("a duplicate changed the item count from %d to %d", len(items), len(after))
	}
}

// TestLargeOrderIndex creates an order with more distinct SKUs than one
// transaction holds: the SKU index is complete all the same.
func TestLargeOrderIndex(t *testing.T) {
	ctx := context.Background()
	db, table := newTable(t)
	st := dynamo.New(db, table)
	var skus []string
	for i := range 150 {
		skus = append(skus, fmt.Sprintf("SKU-%03d", i))
	}
	o, err := st.Create(ctx, testOrder(t, "big-1", "big@example.com", skus...), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	for _, sku := range []string{"SKU-000", "SKU-090", "SKU-149"} {
		page, err := st.List(ctx, order.ListQuery{SKU: sku})
		if err != nil {
			t.Fatalf("list %s: %v", sku, err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != o.ID {
			t.Fatalf("list %s: %d orders, want the large order", sku, len(page.Items))
		}
	}
	// Dropping lines removes their index entries.
	if _, err := st.Update(ctx, o.ID, func(o *order.Order) ([]order.Change, []order.Event, error) {
		o.Lines = o.Lines[:2]
		o.Totals, _ = order.ComputeTotals(o)
		return nil, nil, nil
	}); err != nil {
		t.Fatalf("update: %v", err)
	}
	for sku, want := range map[string]int{"SKU-001": 1, "SKU-002": 0, "SKU-149": 0} {
		page, err := st.List(ctx, order.ListQuery{SKU: sku})
		if err != nil || len(page.Items) != want {
			t.Fatalf("after the edit, list %s: %d orders (%v), want %d", sku, len(page.Items), err, want)
		}
	}
}
