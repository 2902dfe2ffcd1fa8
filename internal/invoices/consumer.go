package invoices

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/order"
)

// DeadlineMargin is the time left before the invocation's deadline under
// which no new message is started: an issue renders and stores a PDF.
const DeadlineMargin = 5 * time.Second

// Issuer is the service call the consumer makes.
type Issuer interface {
	OnEvent(ctx context.Context, e order.Event) (order.Document, order.InvoiceOutcome, error)
}

// Consumer is the invoice consumer's handler.
type Consumer struct {
	svc Issuer
	log *slog.Logger
}

// NewConsumer returns the consumer over svc; a nil logger is slog.Default().
func NewConsumer(svc Issuer, log *slog.Logger) (*Consumer, error) {
	if err := order.RequireDeps("invoices.NewConsumer", order.Need("Service", svc)); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &Consumer{svc: svc, log: log}, nil
}

// Handle is the Lambda handler for SQS batches of outbox events; only the
// messages that failed are reported (ReportBatchItemFailures).
func (c *Consumer) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	cfg := consumer.Config{Name: "invoice", Margin: DeadlineMargin, Log: c.log}
	return consumer.HandleSQS(ctx, cfg, ev, func(ctx context.Context, m events.SQSMessage) (consumer.Outcome, error) {
		e, d, outcome, err := c.handle(ctx, m.Body)
		out := consumer.EventOutcome(e)
		if outcome == order.InvoiceIssued {
			out.Done, out.Attrs = "invoice issued", []any{"number", d.Number}
		}
		return out, err
	}), nil
}

// HandleMessage handles one event (an order.Event as JSON) and says what
// became of the order's invoice.
func (c *Consumer) HandleMessage(ctx context.Context, body string) (order.Document, order.InvoiceOutcome, error) {
	_, d, outcome, err := c.handle(ctx, body)
	return d, outcome, err
}

func (c *Consumer) handle(ctx context.Context, body string) (order.Event, order.Document, order.InvoiceOutcome, error) {
	e, err := consumer.DecodeEvent("invoices.HandleMessage", body)
	if err != nil {
		return e, order.Document{}, "", err
	}
	d, outcome, err := c.svc.OnEvent(ctx, e)
	return e, d, outcome, err
}
