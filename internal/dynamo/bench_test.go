package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
)

// BenchmarkCreate measures a warm order creation against DynamoDB Local:
// requests and capacity units per order, and its median latency against
// that of a bare PutItem of the same order record on the same table, in
// the same run (the ratio is what the transaction costs over one write;
// absolute times depend on the machine).
func BenchmarkCreate(b *testing.B) {
	ctx := context.Background()
	counter, meter := &dynamo.RequestCounter{}, &dynamo.CapacityMeter{}
	db, table := newTable(b, counter.Register, meter.Register)
	st := dynamo.New(db, table)
	if _, err := st.Create(ctx, testOrder(b, "warm-up", "bench@example.com"), order.CreateOptions{}); err != nil {
		b.Fatalf("warm up: %v", err)
	}
	orders := make([]*order.Order, b.N)
	for i := range orders {
		orders[i] = testOrder(b, fmt.Sprintf("bench-%d", i), "bench@example.com", "MUG-001", "TEA-42")
	}
	counter.Reset()
	meter.Reset()
	creates := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := st.Create(ctx, orders[i], order.CreateOptions{Prefix: "B"}); err != nil {
			b.Fatalf("create %d: %v", i, err)
		}
		creates = append(creates, time.Since(start))
	}
	b.StopTimer()
	requests, units := counter.Total(), meter.Units()

	// The same order record, written with one PutItem.
	stored, err := st.Get(ctx, mustID(b, st, "bench-0"))
	if err != nil {
		b.Fatalf("get: %v", err)
	}
	raw, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "ORDER#" + stored.ID}, "SK": &types.AttributeValueMemberS{Value: "ORDER"}}})
	if err != nil || len(raw.Item) == 0 {
		b.Fatalf("raw order item: %v", err)
	}
	puts := make([]time.Duration, 0, b.N)
	for i := range max(b.N, 20) {
		it := make(map[string]types.AttributeValue, len(raw.Item))
		for k, v := range raw.Item {
			it[k] = v
		}
		it["PK"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("BENCHPUT#%d", i)}
		start := time.Now()
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			b.Fatalf("put: %v", err)
		}
		puts = append(puts, time.Since(start))
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/order")
	b.ReportMetric(units/float64(b.N), "capacity-units/order")
	b.ReportMetric(dynamo.MedianMillis(creates), "create-p50-ms")
	b.ReportMetric(dynamo.MedianMillis(puts), "putitem-p50-ms")
	if p := dynamo.MedianMillis(puts); p > 0 {
		b.ReportMetric(dynamo.MedianMillis(creates)/p, "create/put-p50")
	}
}

// mustID returns the id of the order stored for a Shopify external id.
func mustID(b *testing.B, st *dynamo.Store, ext string) string {
	o, err := st.GetByExternal(context.Background(), order.SourceShopify, ext)
	if err != nil {
		b.Fatalf("get %s: %v", ext, err)
	}
	return o.ID
}

// BenchmarkDuplicate measures a duplicate delivery: it must cost one
// request, on a warm store as on a cold one.
func BenchmarkDuplicate(b *testing.B) {
	ctx := context.Background()
	counter, meter := &dynamo.RequestCounter{}, &dynamo.CapacityMeter{}
	db, table := newTable(b, counter.Register, meter.Register)
	if _, err := dynamo.New(db, table).Create(ctx, testOrder(b, "dup", "bench@example.com"), order.CreateOptions{}); err != nil {
		b.Fatalf("create: %v", err)
	}
	warm := dynamo.New(db, table)
	counter.Reset()
	meter.Reset()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		st := warm
		if i%2 == 1 {
			st = dynamo.New(db, table) // every other delivery hits a cold instance
		}
		start := time.Now()
		_, err := st.Create(ctx, testOrder(b, "dup", "bench@example.com"), order.CreateOptions{})
		lat = append(lat, time.Since(start))
		if order.CodeOf(err) != order.CodeAlreadyExists {
			b.Fatalf("duplicate %d: %v", i, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(counter.Total())/float64(b.N), "requests/duplicate")
	b.ReportMetric(meter.Units()/float64(b.N), "capacity-units/duplicate")
	b.ReportMetric(dynamo.MedianMillis(lat), "duplicate-p50-ms")
}
