package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

const sender = "boutique@example.com"

// TestSESRedeliverySendsOneEmail sends through moto's SES with the
// idempotency records in DynamoDB Local, delivers the same event three
// times, and reads back exactly one e-mail from the mail sink, with both
// parts and the order summary.
func TestSESRedeliverySendsOneEmail(t *testing.T) {
	ctx := t.Context()
	cfg := localawstest.Config(t)
	table := localawstest.NewTable(t, cfg)
	ses := sesv2.NewFromConfig(cfg)
	if err := localaws.EnsureEmailIdentity(ctx, ses, sender); err != nil {
		t.Fatal(err)
	}
	st := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions), table)
	to := localawstest.Recipient(t)

	o := placeIn(t, st, to, "en-US")
	svc := storetest.NewLifecycle(t, order.LifecycleDeps{Orders: st, Settings: st.Settings(), Stock: st.Stock()})
	if _, err := svc.MarkShipped(ctx, cmd(o.ID), "DHL", "JD014600003"); err != nil {
		t.Fatal(err)
	}
	ev := shippedEvent(t, ctx, st, o)

	h := newHandler(t, notify.Deps{Idempotency: st.Idempotency(), Settings: st.Settings(), Orders: st,
		Sender: notify.NewSESSender(notify.NewSESClient(cfg)), Logger: slog.New(slog.DiscardHandler)}, notify.Config{MailFrom: sender})
	msg := body(t, ev)
	for i := range 3 {
		resp, err := h.Handle(ctx, batch(msg))
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: %v %+v", i+1, err, resp)
		}
	}
	// The deliveries are over: the event's record says it was sent, and
	// SES took each e-mail before its send returned, so the sink is final.
	localawstest.WaitCompleted(t, st.Idempotency(), notify.IdempotencyScope, ev.ID, 10*time.Second)
	got, err := localawstest.SentEmailsTo(ctx, to)
	if err != nil || len(got) != 1 {
		t.Fatalf("mail sink holds %d e-mails to %s (%v), want 1", len(got), to, err)
	}
	m := got[0]
	if !strings.Contains(m.Subject, "has shipped") || !strings.Contains(m.Subject, o.Number) {
		t.Fatalf("subject = %q", m.Subject)
	}
	if !strings.Contains(m.Body, "JD014600003") || !strings.Contains(m.Body, "Mug") {
		t.Fatalf("body lacks the tracking or the summary:\n%s", m.Body)
	}
	if !strings.Contains(m.Source, sender) {
		t.Fatalf("source = %q", m.Source)
	}
}

// TestFailingMessageEndsInDLQ runs the handler as Lambda's poller would
// against a real queue with a redrive policy: a message whose e-mail SES
// keeps refusing is reported failed on every receive and is moved to the
// dead-letter queue after maxReceiveCount receives.
func TestFailingMessageEndsInDLQ(t *testing.T) {
	ctx := t.Context()
	cfg := localawstest.Config(t)
	table := localawstest.NewTable(t, cfg)
	queue, dlq := localawstest.NewQueue(t, cfg, 2)
	q := sqs.NewFromConfig(cfg)
	st := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions), table)
	o := placeIn(t, st, localawstest.Recipient(t), "fr")
	svc := storetest.NewLifecycle(t, order.LifecycleDeps{Orders: st, Settings: st.Settings(), Stock: st.Stock()})
	if _, err := svc.MarkShipped(ctx, cmd(o.ID), "", ""); err != nil {
		t.Fatal(err)
	}
	ev := shippedEvent(t, ctx, st, o)
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queue), MessageBody: aws.String(body(t, ev))}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{fail: errors.New("MessageRejected: address blacklisted")}
	h := newHandler(t, notify.Deps{Idempotency: st.Idempotency(), Settings: st.Settings(), Orders: st,
		Sender: rec, Logger: slog.New(slog.DiscardHandler)}, notify.Config{MailFrom: sender})

	// Generous: DynamoDB Local is shared with every suite on the machine.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			if n, _ := localawstest.QueueCounts(t, q, dlq); n == 1 {
				return
			}
			continue
		}
		resp, err := h.Handle(ctx, toEvent(out.Messages))
		if err != nil {
			t.Fatalf("the handler failed the whole batch: %v", err)
		}
		failedIDs := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failedIDs[f.ItemIdentifier] = true
		}
		for _, m := range out.Messages {
			if !failedIDs[*m.MessageId] {
				t.Fatalf("a message SES refused was reported handled")
			}
			// Make it visible again at once, as an expired visibility
			// timeout would.
			if _, err := q.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queue), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatalf("the failing message never reached the dead-letter queue")
}

func toEvent(msgs []sqstypes.Message) events.SQSEvent {
	var ev events.SQSEvent
	for _, m := range msgs {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body)})
	}
	return ev
}

// placeIn stores an order for the customer to in st.
func placeIn(t *testing.T, st order.OrderStore, to, locale string) *order.Order {
	t.Helper()
	o := &order.Order{
		Source: order.SourceManual, Currency: order.EUR, PricesIncludeTax: true,
		Customer: order.Customer{Name: "Ada", Email: to, Locale: locale},
		Lines:    []order.LineItem{{SKU: "MUG-1", Name: "Mug", Quantity: 1, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.RequireFromString("20")}},
		Payment:  order.Paid, Fulfilment: order.Processing,
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	created, err := st.Create(context.Background(), o, order.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// shippedEvent builds the OrderShipped event of the stored order with the
// payload the lifecycle gives it (the DynamoDB store's outbox is read by the
// stream relay, not by tests).
func shippedEvent(t *testing.T, ctx context.Context, st order.OrderStore, o *order.Order) order.Event {
	t.Helper()
	cur, err := st.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := order.PayloadOf(cur, order.OrderEventData{Number: cur.Number, PaymentStatus: cur.Payment.String(),
		FulfilmentStatus: cur.Fulfilment.String(), CustomerEmail: cur.Customer.Email, Locale: cur.Customer.Locale,
		Grand: cur.Totals.Grand, Tracking: cur.ActiveTracking()})
	ev, err := order.NewEvent(order.OrderShipped, cur.ID, order.StaffActor("camille"), time.Now(), p)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}
