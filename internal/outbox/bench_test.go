package outbox_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/costmodel/costbench"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/outbox"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// BenchmarkRelaySample relays events/outboxrelay/stream-outbox-insert.json
// (a stream batch with two outbox events among other writes) to two queues
// of moto's SQS, as the template's EVENT_QUEUE_URLS lists two, and reports
// what one outbox event costs the cost model (cmd/costreport): the
// handler's median duration per event, the SQS requests it sends and the
// write units of marking the event published (one conditional UpdateItem;
// the sample's items are not in the benchmark's table, and a failed
// condition costs what a write does).
func BenchmarkRelaySample(b *testing.B) {
	ctx := context.Background()
	cfg := localawstest.Config(b)
	qa, _ := localawstest.NewQueue(b, cfg, 0)
	qb, _ := localawstest.NewQueue(b, cfg, 0)
	counter := &dynamo.RequestCounter{} // SDK middleware: counts any client's requests
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.APIOptions = append(o.APIOptions, counter.Register) })
	meter := &dynamo.CapacityMeter{}
	marker := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, meter.Register)
	}), localawstest.NewTable(b, cfg))
	r, err := outbox.New(outbox.Deps{SQS: client, Records: dynamo.Stream{}, Outbox: marker, Logger: quiet}, []string{qa, qb})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile("../../events/outboxrelay/stream-outbox-insert.json")
	if err != nil {
		b.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		b.Fatal(err)
	}
	perBatch := 0
	for _, rec := range ev.Records {
		if rec.EventName == "INSERT" && rec.Change.NewImage["type"].String() == "outbox" {
			perBatch++
		}
	}
	durations := make([]time.Duration, 0, b.N)
	counter.Reset()
	meter.Reset()
	n := 0
	for b.Loop() {
		start := time.Now()
		resp, err := r.Handle(ctx, ev)
		durations = append(durations, time.Since(start)/time.Duration(perBatch))
		if err != nil || len(resp.BatchItemFailures) != 0 {
			b.Fatalf("batch %d: %v %+v", n, err, resp)
		}
		n += perBatch
	}
	costbench.Report(b, costbench.Usage{Events: n, HandlerMs: dynamo.MedianMillis(durations), SQSRequests: float64(counter.Total()),
		WriteUnits: meter.WriteUnits(), ReadUnits: meter.ReadUnits()})
}
