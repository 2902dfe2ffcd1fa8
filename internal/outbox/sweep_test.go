package outbox_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/outbox"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/sweeper"
)

// sweepFixture is a memstore whose outbox holds events written ten minutes
// ago, a relay to one queue of a fake SQS that marks in that store, and a
// sweeper that publishes through the relay.
type sweepFixture struct {
	store *memstore.Store
	sqs   *fakeSQS
	relay *outbox.Relay
	sweep *sweeper.Sweeper
}

const sweepQueue = "https://sqs/notifications.fifo"

// newSweepFixture writes one event for each of orders, in turn.
func newSweepFixture(t *testing.T, orders ...string) *sweepFixture {
	t.Helper()
	ctx := context.Background()
	at := time.Now().Add(-10 * time.Minute)
	st := memstore.New(memstore.WithClock(func() time.Time { return at }))
	ids := map[string]string{}
	for i, name := range orders {
		if _, ok := ids[name]; !ok {
			o, err := st.Create(ctx, newOrder(t, at), order.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = o.ID
		}
		if _, err := st.Update(ctx, ids[name], func(o *order.Order) ([]order.Change, []order.Event, error) {
			e := newEvent(t, i)
			e.OrderID = o.ID
			return nil, []order.Event{e}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	f := &sweepFixture{store: st, sqs: newFakeSQS()}
	var err error
	if f.relay, err = outbox.New(outbox.Deps{SQS: f.sqs, Records: dynamo.Stream{}, Outbox: st, Logger: quiet}, []string{sweepQueue}); err != nil {
		t.Fatal(err)
	}
	n, err := numbering.New(numbering.Deps{Orders: st, Records: dynamo.Stream{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if f.sweep, err = sweeper.New(sweeper.Deps{Pending: st, Numberer: n, Outbox: st, Publisher: f.relay, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	return f
}

// newOrder is a valid manual order created at.
func newOrder(t *testing.T, at time.Time) *order.Order {
	t.Helper()
	o := &order.Order{Source: order.SourceManual, Currency: order.EUR, Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
		Customer: order.Customer{Name: "Camille Martin", Email: "camille.martin@example.fr"}, CreatedAt: at,
		Lines: []order.LineItem{{SKU: "MUG-001", Name: "Mug", Quantity: 1, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.NewFromInt(20)}}}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	return o
}

// unpublished are the ids of the events not marked published.
func (f *sweepFixture) unpublished(t *testing.T) []string {
	t.Helper()
	p, err := f.store.UnpublishedBefore(context.Background(), time.Now(), order.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range p.Items {
		ids = append(ids, e.ID)
	}
	return ids
}

// TestSweepAfterTheStreamFailed: the stream's relay could not publish (the
// queue refused), so nothing was marked; the sweep publishes each event
// exactly once, in order, as the stream would have (FIFO group and
// deduplication id), marks them, and the next sweep sends nothing.
func TestSweepAfterTheStreamFailed(t *testing.T) {
	ctx := context.Background()
	f := newSweepFixture(t, "A", "A")
	var batch events.DynamoDBEvent
	for i, e := range f.store.Outbox() {
		batch.Records = append(batch.Records, outboxRecord(t, 100+i, e))
	}
	f.sqs.failQueue[sweepQueue] = true
	if resp, err := f.relay.Handle(ctx, batch); err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("stream batch with the queue down: %+v, %v; want a failure", resp, err)
	}
	if got := f.unpublished(t); !slices.Equal(got, []string{"EVENT00", "EVENT01"}) {
		t.Fatalf("unpublished after the failed stream batch: %v, want both events", got)
	}
	f.sqs.failQueue[sweepQueue] = false // the queue is back; the stream record has expired

	if res, err := f.sweep.Handle(ctx, nil); err != nil || res != (sweeper.Result{Published: 2}) {
		t.Fatalf("sweep: %+v, %v; want both events published", res, err)
	}
	if got := f.sqs.sentIDs(sweepQueue); !slices.Equal(got, []string{"EVENT00", "EVENT01"}) {
		t.Errorf("the queue got %v, want each event once, in order", got)
	}
	for _, e := range f.sqs.sent[sweepQueue] {
		id := *e.MessageAttributes[outbox.AttrEventID].StringValue
		if *e.MessageGroupId != f.store.Outbox()[0].OrderID || *e.MessageDeduplicationId != id {
			t.Errorf("event %s sent in group %s deduplicated on %s, want the order's group and its id", id, *e.MessageGroupId, *e.MessageDeduplicationId)
		}
	}
	if got := f.unpublished(t); len(got) != 0 {
		t.Errorf("unpublished after the sweep: %v, want none", got)
	}
	if res, err := f.sweep.Handle(ctx, nil); err != nil || res != (sweeper.Result{}) {
		t.Errorf("second sweep: %+v, %v; want nothing done", res, err)
	}
	if got := f.sqs.sentIDs(sweepQueue); len(got) != 2 {
		t.Errorf("the queue got %v after the second sweep, want the two events of the first only", got)
	}
}

// TestSweepFailures: a queue down ends the run's sweep of the outbox after
// one request, and nothing is marked; the next run sends everything, in
// order.
func TestSweepFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("queue down", func(t *testing.T) {
		f := newSweepFixture(t, "A", "B", "A", "B")
		f.sqs.failQueue[sweepQueue] = true
		res, err := f.sweep.Handle(ctx, nil)
		if err == nil || res != (sweeper.Result{PublishFailed: 1}) {
			t.Fatalf("sweep: %+v, %v; want one failure and an error", res, err)
		}
		if f.sqs.calls != 1 {
			t.Errorf("%d requests to the queue down, want 1", f.sqs.calls)
		}
		if got := f.unpublished(t); len(got) != 4 {
			t.Errorf("unpublished: %v, want all four", got)
		}
		f.sqs.failQueue[sweepQueue] = false
		if res, err := f.sweep.Handle(ctx, nil); err != nil || res != (sweeper.Result{Published: 4}) {
			t.Fatalf("next sweep: %+v, %v; want the four events", res, err)
		}
		if got := f.sqs.sentIDs(sweepQueue); !slices.Equal(got, []string{"EVENT00", "EVENT01", "EVENT02", "EVENT03"}) {
			t.Errorf("the queue got %v, want the four events in order", got)
		}
	})
}

// TestStreamPathMarkFailure: a mark that fails after the send is logged,
// not a failure of the batch (the event went; the sweeper sends it again).
func TestStreamPathMarkFailure(t *testing.T) {
	marks := &markLog{fail: order.E("test", order.Transient, "throttled", "throttled")}
	f := newFakeSQS()
	r, err := outbox.New(outbox.Deps{SQS: f, Records: dynamo.Stream{}, Outbox: marks, Logger: quiet}, []string{"q"})
	if err != nil {
		t.Fatal(err)
	}
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{outboxRecord(t, 1, newEvent(t, 1))}}
	if resp, err := r.Handle(context.Background(), ev); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handle: %+v, %v; want no failure", resp, err)
	}
	if got := f.sentIDs("q"); !slices.Equal(got, []string{"EVENT01"}) {
		t.Errorf("sent %v, want the event", got)
	}
}

// TestSweepToSQS, on DynamoDB Local and moto: the events of an order written
// minutes ago and never relayed by the stream go, in their order, to a FIFO
// queue (in the order's message group) and to a standard one, and are
// marked; the next sweep sends nothing again.
func TestSweepToSQS(t *testing.T) {
	ctx := context.Background()
	cfg := localawstest.Config(t)
	now := time.Now().Add(-10 * time.Minute)
	st := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions), localawstest.NewTable(t, cfg), dynamo.WithClock(func() time.Time { return now }))
	client := sqs.NewFromConfig(cfg)
	fifo := newFIFOQueue(t, client)
	standard, _ := localawstest.NewQueue(t, cfg, 0)

	actor := order.StaffActor("camille")
	o, err := st.Create(ctx, newOrder(t, now), order.CreateOptions{Record: func(o *order.Order) ([]order.Change, []order.Event, error) {
		ch := []order.Change{order.CreatedChange(o, actor, order.ViaAPI)}
		ev, err := order.EventsFor(o, ch)
		return ch, ev, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := st.Update(ctx, o.ID, func(o *order.Order) ([]order.Change, []order.Event, error) {
		e, err := order.NewEvent(order.OrderUpdated, o.ID, actor, now, nil)
		return nil, []order.Event{e}, err
	}); err != nil {
		t.Fatal(err)
	}
	written, err := st.UnpublishedBefore(ctx, now.Add(time.Second), order.PageRequest{})
	if err != nil || len(written.Items) != 2 {
		t.Fatalf("unpublished before the sweep: %+v, %v; want the creation's and the update's events", written.Items, err)
	}
	want := []string{written.Items[0].ID, written.Items[1].ID}

	relay, err := outbox.New(outbox.Deps{SQS: client, Records: dynamo.Stream{}, Outbox: st, Logger: quiet}, []string{fifo, standard})
	if err != nil {
		t.Fatal(err)
	}
	n, err := numbering.New(numbering.Deps{Orders: st, Records: dynamo.Stream{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s, err := sweeper.New(sweeper.Deps{Pending: st, Numberer: n, Outbox: st, Publisher: relay, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Handle(ctx, nil); err != nil || res != (sweeper.Result{Published: 2}) {
		t.Fatalf("sweep: %+v, %v; want two events published", res, err)
	}
	got, groups := receiveAll(t, client, fifo, len(want))
	if !slices.Equal(got, want) || !slices.Equal(groups, []string{o.ID, o.ID}) {
		t.Errorf("FIFO queue received %v in groups %v, want %v once each in the order's group", got, groups, want)
	}
	got, _ = receiveAll(t, client, standard, len(want))
	slices.Sort(got) // a standard queue keeps no order
	if sorted := slices.Sorted(slices.Values(want)); !slices.Equal(got, sorted) {
		t.Errorf("standard queue received %v, want %v once each", got, sorted)
	}
	if p, err := st.UnpublishedBefore(ctx, time.Now(), order.PageRequest{}); err != nil || len(p.Items) != 0 {
		t.Errorf("unpublished after the sweep: %+v, %v; want none", p.Items, err)
	}

	if res, err := s.Handle(ctx, nil); err != nil || res != (sweeper.Result{}) {
		t.Errorf("second sweep: %+v, %v; want nothing done", res, err)
	}
	for _, q := range []string{fifo, standard} {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) != 0 {
			t.Errorf("%s after the second sweep: %d messages (%v), want none", q, len(out.Messages), err)
		}
	}
}

// receiveAll receives and deletes n messages of q (or what came in 10 s):
// their event ids and FIFO message groups, in order of receipt.
func receiveAll(t *testing.T, client *sqs.Client, q string, n int) (ids, groups []string) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); len(ids) < n && time.Now().Before(deadline); {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames:       []string{outbox.AttrEventID},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameMessageGroupId}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			ids = append(ids, aws.ToString(m.MessageAttributes[outbox.AttrEventID].StringValue))
			if g, ok := m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]; ok {
				groups = append(groups, g)
			}
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids, groups
}
