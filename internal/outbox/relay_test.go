package outbox_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/outbox"
)

var quiet = slog.New(slog.DiscardHandler)

// fakeSQS records what it is sent, per queue, and fails what it is told to:
// a request to a queue, or the entries carrying given event ids.
type fakeSQS struct {
	mu        sync.Mutex
	sent      map[string][]types.SendMessageBatchRequestEntry
	failQueue map[string]bool
	failEvent map[string]bool
	calls     int
}

func newFakeSQS() *fakeSQS {
	return &fakeSQS{sent: map[string][]types.SendMessageBatchRequestEntry{}, failQueue: map[string]bool{}, failEvent: map[string]bool{}}
}

func (f *fakeSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if len(in.Entries) > 10 {
		return nil, fmt.Errorf("too many entries: %d", len(in.Entries))
	}
	q := aws.ToString(in.QueueUrl)
	if f.failQueue[q] {
		return nil, errors.New("queue unavailable")
	}
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		if f.failEvent[aws.ToString(e.MessageAttributes[outbox.AttrEventID].StringValue)] {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), SenderFault: false})
			continue
		}
		f.sent[q] = append(f.sent[q], e)
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

// sentIDs returns the event ids a queue received, in order.
func (f *fakeSQS) sentIDs(q string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, e := range f.sent[q] {
		ids = append(ids, aws.ToString(e.MessageAttributes[outbox.AttrEventID].StringValue))
	}
	return ids
}

// markLog records the events marked published, and fails when told.
type markLog struct {
	mu     sync.Mutex
	marked []string
	fail   error
}

func (m *markLog) MarkPublished(_ context.Context, events []order.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, e := range events {
		m.marked = append(m.marked, e.ID)
	}
	return nil
}

func (m *markLog) ids() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.marked)
}

var t0 = time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)

// newEvent is an OrderCreated event with a predictable id.
func newEvent(t testing.TB, n int) order.Event {
	t.Helper()
	e, err := order.NewEvent(order.OrderCreated, fmt.Sprintf("ORDER%02d", n), order.StorefrontActor(order.SourceShopify), t0,
		order.OrderEventData{Number: strconv.Itoa(n), PaymentStatus: "PAID", FulfilmentStatus: "AWAITING_PROCESSING",
			Grand: order.MustMoney("10.00", order.EUR)})
	if err != nil {
		t.Fatal(err)
	}
	e.ID = fmt.Sprintf("EVENT%02d", n)
	return e
}

// outboxRecord is the stream record of an outbox INSERT, shaped as the
// dynamo package writes the item.
func outboxRecord(t testing.TB, seq int, e order.Event) events.DynamoDBEventRecord {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return record(seq, "INSERT", map[string]events.DynamoDBAttributeValue{
		"PK":        events.NewStringAttribute("OUTBOX#" + cmp.Or(e.OrderID, e.CartID)),
		"SK":        events.NewStringAttribute("EVENT#" + e.ID),
		"type":      events.NewStringAttribute("outbox"),
		"eventType": events.NewStringAttribute(string(e.Type)),
		"data":      events.NewStringAttribute(string(data)),
		"GSI5PK":    events.NewStringAttribute("OUTBOX"),
		"GSI5SK":    events.NewStringAttribute(t0.Format("2006-01-02T15:04:05.000000000Z") + "#" + e.ID),
	})
}

func record(seq int, name string, image map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: name, EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{SequenceNumber: fmt.Sprintf("%021d", seq), NewImage: image}}
}

func orderRecord(seq int, name string) events.DynamoDBEventRecord {
	return record(seq, name, map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute("ORDER#X"), "SK": events.NewStringAttribute("ORDER"), "data": events.NewStringAttribute("{}"),
	})
}

func TestRelay(t *testing.T) {
	const qa, qb = "https://sqs/notifications", "https://sqs/stock"
	batch := func(t testing.TB, n int) events.DynamoDBEvent {
		var ev events.DynamoDBEvent
		for i := range n {
			ev.Records = append(ev.Records, outboxRecord(t, 100+i, newEvent(t, i)))
		}
		return ev
	}
	ids := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("EVENT%02d", i))
		}
		return out
	}
	tests := []struct {
		name     string
		event    func(t testing.TB) events.DynamoDBEvent
		fail     func(f *fakeSQS)
		wantA    []string // event ids qa received
		wantB    []string
		wantFail string // sequence number reported, "" for none
		// wantMarked are the events marked published, those that reached
		// every queue; nil is wantA.
		wantMarked []string
	}{
		{"every outbox insert to every queue, in order, ten per request", func(t testing.TB) events.DynamoDBEvent { return batch(t, 23) },
			nil, ids(0, 23), ids(0, 23), "", nil},
		{"other writes skipped", func(t testing.TB) events.DynamoDBEvent {
			ev := batch(t, 2)
			ev.Records = append([]events.DynamoDBEventRecord{orderRecord(1, "INSERT"), orderRecord(2, "MODIFY")}, ev.Records...)
			// An outbox item modified or removed (its TTL) is not news.
			mod := outboxRecord(t, 300, newEvent(t, 90))
			mod.EventName = "REMOVE"
			ev.Records = append(ev.Records, mod)
			return ev
		}, nil, ids(0, 2), ids(0, 2), "", nil},
		// The rest of the refused entry's request went through: the retry
		// sends them again, and consumers deduplicate on the event id. The
		// next request is not sent.
		{"an entry refused: retry from its record", func(t testing.TB) events.DynamoDBEvent { return batch(t, 23) },
			func(f *fakeSQS) { f.failEvent["EVENT13"] = true }, append(ids(0, 13), ids(14, 20)...), append(ids(0, 13), ids(14, 20)...),
			fmt.Sprintf("%021d", 113), ids(0, 13)},
		{"a queue down: retry from the first record", func(t testing.TB) events.DynamoDBEvent { return batch(t, 5) },
			func(f *fakeSQS) { f.failQueue[qb] = true }, ids(0, 5), nil, fmt.Sprintf("%021d", 100), []string{}},
		{"an undecodable outbox item: what came before goes, then retry from it", func(t testing.TB) events.DynamoDBEvent {
			ev := batch(t, 3)
			bad := outboxRecord(t, 200, newEvent(t, 50))
			bad.Change.NewImage["data"] = events.NewStringAttribute("{not json")
			ev.Records = append(ev.Records, bad, outboxRecord(t, 201, newEvent(t, 51)))
			return ev
		}, nil, ids(0, 3), ids(0, 3), fmt.Sprintf("%021d", 200), nil},
		{"an empty batch", func(t testing.TB) events.DynamoDBEvent { return events.DynamoDBEvent{} }, nil, nil, nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSQS()
			if tt.fail != nil {
				tt.fail(f)
			}
			marks := &markLog{}
			r, err := outbox.New(outbox.Deps{SQS: f, Records: dynamo.Stream{}, Outbox: marks, Logger: quiet}, []string{qa, qb})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := r.Handle(context.Background(), tt.event(t))
			if err != nil {
				t.Fatalf("handle: %v", err)
			}
			var failed string
			if len(resp.BatchItemFailures) > 0 {
				failed = resp.BatchItemFailures[0].ItemIdentifier
			}
			if len(resp.BatchItemFailures) > 1 || failed != tt.wantFail {
				t.Errorf("failures = %+v, want %q", resp.BatchItemFailures, tt.wantFail)
			}
			if got := f.sentIDs(qa); !slices.Equal(got, tt.wantA) {
				t.Errorf("queue A got %v, want %v", got, tt.wantA)
			}
			if got := f.sentIDs(qb); !slices.Equal(got, tt.wantB) {
				t.Errorf("queue B got %v, want %v", got, tt.wantB)
			}
			wantMarked := tt.wantMarked
			if wantMarked == nil {
				wantMarked = tt.wantA
			}
			if got := marks.ids(); len(got)+len(wantMarked) > 0 && !slices.Equal(got, wantMarked) {
				t.Errorf("marked published %v, want %v", got, wantMarked)
			}
		})
	}
}

func TestRelayNeedsAQueue(t *testing.T) {
	if _, err := outbox.New(outbox.Deps{SQS: newFakeSQS(), Records: dynamo.Stream{}, Outbox: &markLog{}, Logger: quiet}, nil); err == nil {
		t.Error("a relay to no queue was built")
	}
	if _, err := outbox.New(outbox.Deps{SQS: newFakeSQS(), Outbox: &markLog{}, Logger: quiet}, []string{"q"}); order.CodeOf(err) != "missing_dependency" {
		t.Errorf("a relay without a stream reader: %v", err)
	}
	if _, err := outbox.New(outbox.Deps{Records: dynamo.Stream{}, Outbox: &markLog{}, Logger: quiet}, []string{"q"}); order.CodeOf(err) != "missing_dependency" {
		t.Errorf("a relay without an SQS client: %v", err)
	}
	if _, err := outbox.New(outbox.Deps{SQS: newFakeSQS(), Records: dynamo.Stream{}, Logger: quiet}, []string{"q"}); order.CodeOf(err) != "missing_dependency" {
		t.Errorf("a relay that cannot mark what it publishes: %v", err)
	}
}

// TestRelayToSQS publishes through moto's SQS: the messages carry the event
// JSON and the attributes consumers route and deduplicate on.
func TestRelayToSQS(t *testing.T) {
	ctx := context.Background()
	cfg := localawstest.Config(t)
	qa, _ := localawstest.NewQueue(t, cfg, 0)
	qb, _ := localawstest.NewQueue(t, cfg, 0)
	client := sqs.NewFromConfig(cfg)
	r, err := outbox.New(outbox.Deps{SQS: client, Records: dynamo.Stream{}, Outbox: &markLog{}, Logger: quiet}, []string{qa, qb})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	want := map[string]order.Event{}
	for i := range 12 {
		e := newEvent(t, i)
		want[e.ID] = e
		ev.Records = append(ev.Records, outboxRecord(t, i, e))
	}
	resp, err := r.Handle(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handle: %+v, %v", resp, err)
	}
	for _, q := range []string{qa, qb} {
		got := map[string]order.Event{}
		deadline := time.Now().Add(10 * time.Second)
		for len(got) < len(want) && time.Now().Before(deadline) {
			out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10,
				WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"}})
			if err != nil {
				t.Fatalf("receive: %v", err)
			}
			for _, m := range out.Messages {
				var e order.Event
				if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &e); err != nil {
					t.Fatalf("body %q: %v", aws.ToString(m.Body), err)
				}
				if typ := aws.ToString(m.MessageAttributes[outbox.AttrEventType].StringValue); typ != string(e.Type) {
					t.Errorf("eventType attribute %q, body %s", typ, e.Type)
				}
				if id := aws.ToString(m.MessageAttributes[outbox.AttrEventID].StringValue); id != e.ID {
					t.Errorf("eventId attribute %q, body %s", id, e.ID)
				}
				if oid := aws.ToString(m.MessageAttributes[outbox.AttrOrderID].StringValue); oid != e.OrderID {
					t.Errorf("orderId attribute %q, body %s", oid, e.OrderID)
				}
				got[e.ID] = e
			}
		}
		if len(got) != len(want) {
			t.Fatalf("queue %s: %d events, want %d", q, len(got), len(want))
		}
		for id, e := range want {
			var d order.OrderEventData
			if err := got[id].DecodeData(&d); err != nil || got[id].Type != e.Type || d.Grand.String() != "10.00 EUR" {
				t.Errorf("event %s arrived as %+v (%v)", id, got[id], err)
			}
		}
	}
}

// TestRelaySampleEvent relays events/outboxrelay/stream-outbox-insert.json,
// a stream batch as Lambda delivers it: the two outbox INSERTs go to every
// queue, the order and counter writes do not.
func TestRelaySampleEvent(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "outboxrelay", "stream-outbox-insert.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("decode the sample: %v", err)
	}
	f := newFakeSQS()
	r, err := outbox.New(outbox.Deps{SQS: f, Records: dynamo.Stream{}, Outbox: &markLog{}, Logger: quiet}, []string{"q1", "q2"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handle: %+v %v", resp, err)
	}
	want := []string{"01JPB3MZ7K4QW2E8R5T6Y9V0JA", "01JPB3N4T2R8Y6U0W4E2Q9P7ZX"}
	for _, q := range []string{"q1", "q2"} {
		if got := f.sentIDs(q); !slices.Equal(got, want) {
			t.Errorf("%s got %v, want %v", q, got, want)
		}
		for _, e := range f.sent[q] {
			var ev order.Event
			if err := json.Unmarshal([]byte(aws.ToString(e.MessageBody)), &ev); err != nil || ev.OrderID == "" {
				t.Errorf("body %s: %v", aws.ToString(e.MessageBody), err)
			}
			if aws.ToString(e.MessageAttributes[outbox.AttrEventType].StringValue) != string(ev.Type) {
				t.Errorf("eventType attribute of %s", ev.ID)
			}
		}
	}
}

// skipLog keeps the records the relay skips.
type skipLog struct{ got []consumer.Skipped }

func (l *skipLog) RecordSkipped(_ context.Context, s consumer.Skipped) error {
	l.got = append(l.got, s)
	return nil
}

// TestRelayPoisonRecord: an outbox item that cannot be published for good
// in the middle of a batch is recorded and skipped; the events around it
// are published.
func TestRelayPoisonRecord(t *testing.T) {
	const q = "https://sqs/notifications"
	var ev events.DynamoDBEvent
	for i := range 3 {
		ev.Records = append(ev.Records, outboxRecord(t, 100+i, newEvent(t, i)))
	}
	bad := outboxRecord(t, 200, newEvent(t, 50))
	bad.Change.NewImage["data"] = events.NewStringAttribute("{not json")
	ev.Records = append(ev.Records, bad, outboxRecord(t, 201, newEvent(t, 3)))
	f := newFakeSQS()
	skipped := &skipLog{}
	r, err := outbox.New(outbox.Deps{SQS: f, Records: dynamo.Stream{}, Outbox: &markLog{}, Skipped: skipped, Logger: quiet}, []string{q})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handle: %+v, %v; want no failure", resp, err)
	}
	if got, want := f.sentIDs(q), []string{"EVENT00", "EVENT01", "EVENT02", "EVENT03"}; !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
	if len(skipped.got) != 1 || skipped.got[0].SequenceNumber != fmt.Sprintf("%021d", 200) {
		t.Errorf("skipped %+v, want the record at 200", skipped.got)
	}
}

// TestRelayToFIFOQueue, on moto: to a FIFO queue each event goes in its
// order's message group, deduplicated on its id, so a retried batch
// delivers nothing twice and each order's events arrive in stream order.
func TestRelayToFIFOQueue(t *testing.T) {
	ctx := context.Background()
	cfg := localawstest.Config(t)
	client := sqs.NewFromConfig(cfg)
	q := newFIFOQueue(t, client)
	r, err := outbox.New(outbox.Deps{SQS: client, Records: dynamo.Stream{}, Outbox: &markLog{}, Logger: quiet}, []string{q})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	for i, o := range []string{"A", "B", "A", "A", "B"} {
		e := newEvent(t, i)
		e.OrderID = "ORDER" + o
		ev.Records = append(ev.Records, outboxRecord(t, i, e))
	}
	for range 2 { // the second run is a retried batch
		if resp, err := r.Handle(ctx, ev); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("handle: %+v, %v", resp, err)
		}
	}
	got := map[string][]string{} // group → event ids, in order of receipt
	for n, deadline := 0, time.Now().Add(10*time.Second); n < 5 && time.Now().Before(deadline); {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var e order.Event
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &e); err != nil {
				t.Fatal(err)
			}
			g := m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]
			got[g] = append(got[g], e.ID)
			n++
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	more, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"ORDERA": {"EVENT00", "EVENT02", "EVENT03"}, "ORDERB": {"EVENT01", "EVENT04"}}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(more.Messages) != 0 {
		t.Errorf("received %v and %d more, want %v once each", got, len(more.Messages), want)
	}
}

// newFIFOQueue creates a FIFO queue on moto, deleted at the end of the
// test, and returns its URL.
func newFIFOQueue(t *testing.T, client *sqs.Client) string {
	t.Helper()
	attrs, _, err := localaws.EnsureQueue(context.Background(), client, localawstest.UniqueName(t, 70)+".fifo",
		map[string]any{"FifoQueue": "true", "VisibilityTimeout": 30})
	if err != nil {
		t.Fatal(err)
	}
	q := attrs["QueueUrl"]
	t.Cleanup(func() {
		_, _ = client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(q)})
	})
	return q
}
