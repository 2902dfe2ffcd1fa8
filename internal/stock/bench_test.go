package stock_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/costmodel/costbench"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// BenchmarkStockPaid hands the stock keeper events/stock/sqs-order-paid.json,
// each iteration as a new event of a new order, against DynamoDB Local, and
// reports what one event costs the cost model (cmd/costreport): the
// handler's median duration and the DynamoDB request units.
func BenchmarkStockPaid(b *testing.B) {
	ctx := context.Background()
	cfg := localawstest.Config(b)
	table := localawstest.NewTable(b, cfg)
	meter := &dynamo.CapacityMeter{}
	st := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, meter.Register)
	}), table)
	for _, sku := range []string{"MUG-MONTMARTRE", "TEE-M"} {
		if err := st.Stock().Put(ctx, order.StockItem{SKU: sku, OnHand: 1_000_000}); err != nil {
			b.Fatal(err)
		}
	}
	h := newHandler(b, st.Stock(), st)
	sample := costbench.SQSSample(b, "../../events/stock/sqs-order-paid.json")
	meter.Reset()
	n, handlerMs := costbench.HandleSamples(b, h.Handle, sample)
	b.StopTimer()
	// Every event took its lines: 2 mugs each (the sample's quantities).
	if si, err := st.Stock().Get(ctx, "MUG-MONTMARTRE"); err != nil || si.OnHand != 1_000_000-2*int64(n) {
		b.Fatalf("after %d events: %+v, %v; want %d on hand", n, si, err, 1_000_000-2*n)
	}
	costbench.Report(b, costbench.Usage{Events: n, HandlerMs: handlerMs,
		WriteUnits: meter.WriteUnits(), ReadUnits: meter.ReadUnits()})
}
