package outbox_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
// write units of marking the event published (one conditional UpdateItem
// that takes the item out of GSI5). Before each batch, the sample's outbox
// items are put back in the benchmark's table with their GSI5 keys (their
// keys only: the mark's cost is that of a small item), by a client the
// meter does not count.
func BenchmarkRelaySample(b *testing.B) {
	ctx := context.Background()
	cfg := localawstest.Config(b)
	qa, _ := localawstest.NewQueue(b, cfg, 0)
	qb, _ := localawstest.NewQueue(b, cfg, 0)
	counter := &dynamo.RequestCounter{} // SDK middleware: counts any client's requests
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.APIOptions = append(o.APIOptions, counter.Register) })
	meter := &dynamo.CapacityMeter{}
	table := localawstest.NewTable(b, cfg)
	marker := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, meter.Register)
	}), table)
	unmetered := dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions)
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
	var unpublished []map[string]ddbtypes.AttributeValue // the sample's outbox items, as written
	for _, rec := range ev.Records {
		if img := rec.Change.NewImage; rec.EventName == "INSERT" && img["type"].String() == "outbox" {
			unpublished = append(unpublished, map[string]ddbtypes.AttributeValue{
				"PK": &ddbtypes.AttributeValueMemberS{Value: img["PK"].String()}, "SK": &ddbtypes.AttributeValueMemberS{Value: img["SK"].String()},
				"GSI5PK": &ddbtypes.AttributeValueMemberS{Value: img["GSI5PK"].String()}, "GSI5SK": &ddbtypes.AttributeValueMemberS{Value: img["GSI5SK"].String()},
			})
		}
	}
	perBatch := len(unpublished)
	durations := make([]time.Duration, 0, b.N)
	counter.Reset()
	meter.Reset()
	n := 0
	for b.Loop() {
		for _, it := range unpublished {
			if _, err := unmetered.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
				b.Fatal(err)
			}
		}
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
