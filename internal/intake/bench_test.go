package intake_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
)

// The intake's request budget (docs/INTAKE.md): a new order delivered on
// its creation topic is the order's conditional write alone (numbering
// follows in the stream consumer); a retry of it is that write failing,
// answered from the stored record.
const (
	budgetNewOrder  = 1
	budgetDuplicate = 1
)

// BenchmarkWebhookIntake drives the whole webhook handler (signature,
// decoding, totals, the order's conditional write) of a warm instance against
// DynamoDB Local, with a new Shopify order per iteration, then delivers
// each of them again. It reports the DynamoDB requests per new order and
// per duplicate delivery (counted by SDK middleware, the SDK's own retries
// included), the capacity units per new order, and the handler's median
// latency over the median of a bare PutItem of the same order record on
// the same table in the same run: the ratio is what the intake costs over
// one write, whatever the machine.
func BenchmarkWebhookIntake(b *testing.B) {
	e := newDynEnv(b)
	// A warm instance reads the shop settings once per CacheMaxAge (30 s by
	// default): one BatchGetItem per instance every 30 s, whatever the
	// traffic, which DynamoDB Local's pace would mix into a long run. The
	// benchmark measures the steady state between two refreshes.
	r, st := e.newInstance(b, order.IntakeConfig{CacheMaxAge: time.Hour}, false)
	// Warm up as a warm Lambda is: settings read, order counter learned.
	warm := serve(b, r, shopifyDelivery(b, 1))
	if warm.Status != http.StatusCreated {
		b.Fatalf("warm-up: %d %s", warm.Status, warm.Raw)
	}
	if _, err := st.AssignNumber(context.Background(), warm.Result.OrderID); err != nil {
		b.Fatalf("warm-up numbering: %v", err)
	}
	deliveries := make([]events.APIGatewayV2HTTPRequest, b.N)
	for i := range deliveries {
		deliveries[i] = shopifyDelivery(b, int64(9_000_000+i))
	}

	e.counter.Reset()
	e.meter.Reset()
	latencies := make([]time.Duration, 0, b.N)
	maxRequests := int64(0)
	b.ResetTimer()
	for i := range b.N {
		before := e.counter.Total()
		start := time.Now()
		resp := serve(b, r, deliveries[i])
		latencies = append(latencies, time.Since(start))
		if resp.Status != http.StatusCreated {
			b.Fatalf("order %d: %d %s", i, resp.Status, resp.Raw)
		}
		maxRequests = max(maxRequests, e.counter.Total()-before)
	}
	b.StopTimer()
	newRequests := float64(e.counter.Total()) / float64(b.N)
	units := e.meter.Units() / float64(b.N)
	writeUnits, readUnits := e.meter.WriteUnits()/float64(b.N), e.meter.ReadUnits()/float64(b.N)

	e.counter.Reset()
	for i := range b.N {
		resp := serve(b, r, deliveries[i])
		if resp.Status != http.StatusOK {
			b.Fatalf("duplicate %d: %d %s", i, resp.Status, resp.Raw)
		}
	}
	dupRequests := float64(e.counter.Total()) / float64(b.N)

	// The rest of each creation, off the storefront's clock: the numbering
	// consumer's transaction (number, its guard, history, outbox event,
	// customer counters, SKU index), one order after the other as the
	// stream delivers them.
	e.counter.Reset()
	e.meter.Reset()
	numberings := make([]time.Duration, 0, b.N)
	for i := range b.N {
		id := order.StorefrontOrderID(order.SourceShopify, fmt.Sprint(9_000_000+i))
		start := time.Now()
		o, err := st.AssignNumber(context.Background(), id)
		numberings = append(numberings, time.Since(start))
		if err != nil || o.Seq != int64(i+2) { // the warm-up order is 1
			b.Fatalf("number order %d: %v, %v", i, o, err)
		}
	}
	numberRequests := float64(e.counter.Total()) / float64(b.N)
	numberUnits := e.meter.Units() / float64(b.N)
	numberWrites, numberReads := e.meter.WriteUnits()/float64(b.N), e.meter.ReadUnits()/float64(b.N)

	// A bare PutItem of the first order's record, on the same table.
	first, err := st.GetByExternal(context.Background(), "shopify", "9000000")
	if err != nil {
		b.Fatalf("read back: %v", err)
	}
	raw, err := e.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "ORDER#" + first.ID}, "SK": &types.AttributeValueMemberS{Value: "ORDER"}}})
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
		if _, err := e.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: it}); err != nil {
			b.Fatalf("put: %v", err)
		}
		puts = append(puts, time.Since(start))
	}

	handlerP50, putP50 := dynamo.MedianMillis(latencies), dynamo.MedianMillis(puts)
	b.ReportMetric(newRequests, "requests/order")
	b.ReportMetric(float64(maxRequests), "max-requests/order")
	b.ReportMetric(dupRequests, "requests/duplicate")
	b.ReportMetric(units, "CU/order")
	// The cost model's inputs (cmd/costreport): request units by kind.
	b.ReportMetric(writeUnits, "WRU/order")
	b.ReportMetric(readUnits, "RRU/order")
	b.ReportMetric(handlerP50, "p50-ms")
	b.ReportMetric(putP50, "put-p50-ms")
	b.ReportMetric(handlerP50/putP50, "p50/put-p50")
	b.ReportMetric(dynamo.MedianMillis(numberings), "numbering-p50-ms")
	b.ReportMetric(numberRequests, "requests/numbering")
	b.ReportMetric(numberUnits, "CU/numbering")
	b.ReportMetric(numberWrites, "WRU/numbering")
	b.ReportMetric(numberReads, "RRU/numbering")
	if newRequests > budgetNewOrder {
		b.Errorf("%.2f DynamoDB requests per new order, over the budget of %d", newRequests, budgetNewOrder)
	}
	if dupRequests > budgetDuplicate {
		b.Errorf("%.2f DynamoDB requests per duplicate delivery, over the budget of %d", dupRequests, budgetDuplicate)
	}
}
