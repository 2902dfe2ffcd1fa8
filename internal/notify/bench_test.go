package notify_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/ordersmith/ordersmith/internal/costmodel/costbench"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// countingSender counts the e-mails its sender sent.
type countingSender struct {
	notify.Sender
	sent atomic.Int64
}

func (c *countingSender) Send(ctx context.Context, e notify.Email) error {
	if err := c.Sender.Send(ctx, e); err != nil {
		return err
	}
	c.sent.Add(1)
	return nil
}

// BenchmarkNotifyShipped hands the notifier
// events/notifier/sqs-order-shipped.json, each iteration as a new event,
// with its records in DynamoDB Local and its e-mails sent through moto's
// SES, and reports what one event costs the cost model (cmd/costreport):
// the handler's median duration, the DynamoDB request units and the
// e-mails sent.
func BenchmarkNotifyShipped(b *testing.B) {
	ctx := context.Background()
	cfg := localawstest.Config(b)
	table := localawstest.NewTable(b, cfg)
	if err := localaws.EnsureEmailIdentity(ctx, sesv2.NewFromConfig(cfg), sender); err != nil {
		b.Fatal(err)
	}
	meter := &dynamo.CapacityMeter{}
	st := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, meter.Register)
	}), table)
	ses := &countingSender{Sender: notify.NewSESSender(notify.NewSESClient(cfg))}
	h := newHandler(b, notify.Deps{Idempotency: st.Idempotency(), Settings: st.Settings(), Orders: st, Sender: ses,
		Logger: slog.New(slog.DiscardHandler)}, notify.Config{MailFrom: sender})
	sample := costbench.SQSSample(b, "../../events/notifier/sqs-order-shipped.json")
	meter.Reset()
	n, handlerMs := costbench.HandleSamples(b, h.Handle, sample)
	if got := ses.sent.Load(); got != int64(n) {
		b.Fatalf("%d e-mails for %d shipped events, want one each", got, n)
	}
	costbench.Report(b, costbench.Usage{Events: n, HandlerMs: handlerMs,
		WriteUnits: meter.WriteUnits(), ReadUnits: meter.ReadUnits(), Emails: float64(ses.sent.Load())})
}
