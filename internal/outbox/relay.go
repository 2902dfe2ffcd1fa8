package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/order"
)

// EnvQueueURLs names the environment variable listing the queues every
// event goes to, comma-separated.
const EnvQueueURLs = "EVENT_QUEUE_URLS"

// Message attributes of every published event: consumers route on the
// type and deduplicate on the id without decoding the body.
const (
	AttrEventType = "eventType"
	AttrEventID   = "eventId"
	AttrOrderID   = "orderId"
	AttrCartID    = "cartId"
)

// SQS's limits on one SendMessageBatch: ten entries and 256 KiB in all,
// attributes included; the bodies are kept under 250 KiB to leave room for
// the attributes.
const (
	maxBatchEntries = 10
	maxBatchBytes   = 250 * 1024
)

// DeadlineMargin is the time left before the invocation's deadline under
// which no new send is started: the records left are reported instead,
// since a timed-out invocation would retry the whole batch.
const DeadlineMargin = 3 * time.Second

// SQSAPI is the part of the SQS client the relay uses.
type SQSAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

var _ SQSAPI = (*sqs.Client)(nil)

// Records reads the table's stream records: the store adapter's knowledge
// of its own items.
type Records interface {
	// OutboxEvent is the event an outbox INSERT carries; ok is false for
	// every other write, and an error is an outbox item that cannot be
	// read.
	OutboxEvent(rec events.DynamoDBEventRecord) (e order.Event, ok bool, err error)
}

// Marker records the events that went to every queue, so that the sweeper
// does not relay them again (order.Outbox's MarkPublished).
type Marker interface {
	MarkPublished(ctx context.Context, events []order.Event) error
}

// Deps are what a Relay consumes.
type Deps struct {
	SQS     SQSAPI
	Records Records
	Outbox  Marker
	// Skipped records the outbox items that cannot be published for good
	// (an item that cannot be read, an event too large): they are
	// acknowledged once recorded, so that one does not hold back the events
	// after it. nil: every failure is retried, until the mapping's
	// on-failure destination takes it.
	Skipped consumer.SkipRecorder
	Logger  *slog.Logger // nil is slog.Default()
}

// Relay publishes outbox events to queues.
type Relay struct {
	sqs     SQSAPI
	records Records
	outbox  Marker
	skipped consumer.SkipRecorder
	queues  []string
	log     *slog.Logger
}

// New returns a relay to the given queues (at least one). SQS, Records and
// Outbox are required.
func New(d Deps, queueURLs []string) (*Relay, error) {
	const op = "outbox.New"
	if err := order.RequireDeps(op, order.Need("SQS", d.SQS), order.Need("Records", d.Records), order.Need("Outbox", d.Outbox)); err != nil {
		return nil, err
	}
	if len(queueURLs) == 0 {
		return nil, order.E(op, order.Invalid, "no_queue", "the relay needs at least one queue URL")
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Relay{sqs: d.SQS, records: d.Records, outbox: d.Outbox, skipped: d.Skipped, queues: queueURLs, log: log}, nil
}

// message is one event to publish.
type message struct {
	event order.Event
	body  string
}

// Handle is the Lambda handler. It publishes the events of the batch's
// outbox INSERTs in stream order, ten at a time to every queue, and stops
// at the first failure that is retried: the response names that record, so
// Lambda retries from it and the records before it are done. An item that
// cannot be published for good is recorded and skipped when Deps.Skipped
// is set. Other records (the table's other writes, which the mapping's
// filter should have kept away) are skipped.
func (r *Relay) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	// A send that fails is transient and retried from its record; an item
	// that cannot be read or sent at all is recorded and skipped, so the
	// events after it still go.
	c := consumer.Config{Name: "outbox publication", Margin: DeadlineMargin, SkipPermanent: r.skipped != nil, Skipped: r.skipped, Log: r.log}
	return consumer.HandleStreamRuns(ctx, c, ev, r.decode, r.publish), nil
}

// Publish publishes events (the outbox items the sweeper found never
// marked published), in order, as the stream path does: to every queue,
// in the same message groups, with the same deduplication ids, then marked
// published. It returns how many went; with an error, events[done] is the
// first that did not go to every queue (a TooLarge error for an event SQS
// cannot take, which will never go).
func (r *Relay) Publish(ctx context.Context, events []order.Event) (done int, err error) {
	items := make([]consumer.Item[message], 0, len(events))
	var unsendable error
	for _, e := range events {
		it, err := itemOf(e)
		if err != nil {
			unsendable = err
			break
		}
		items = append(items, it)
	}
	for done < len(items) {
		n, err := r.publish(ctx, items[done:])
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, unsendable
}

// decode is the message a record asks to publish.
func (r *Relay) decode(rec events.DynamoDBEventRecord) (consumer.Item[message], bool, error) {
	e, ok, err := r.records.OutboxEvent(rec)
	if !ok || err != nil {
		return consumer.Item[message]{}, ok, err
	}
	it, err := itemOf(e)
	return it, true, err
}

// itemOf is the message that publishes e.
func itemOf(e order.Event) (consumer.Item[message], error) {
	it := consumer.Item[message]{EventID: e.ID, OrderID: e.OrderID}
	b, err := json.Marshal(e)
	if err != nil {
		return it, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	if len(b) > maxBatchBytes {
		return it, order.E("outbox.decode", order.TooLarge, "event_too_large", fmt.Sprintf("event %s is %d bytes, over the SQS message limit", e.ID, len(b)))
	}
	it.Value = message{event: e, body: string(b)}
	return it, nil
}

// publish sends the first of items, as many as one request takes, to every
// queue, marks those that went to every queue published, and returns how
// many went; with an error, items[done] is the first that did not go to
// every queue. A mark that fails is logged, not retried: the event went,
// and the sweeper, finding it unpublished, sends it again (consumers
// deduplicate on its id).
func (r *Relay) publish(ctx context.Context, items []consumer.Item[message]) (done int, err error) {
	end, size := 0, 0
	for end < len(items) && end < maxBatchEntries && (end == 0 || size+len(items[end].Value.body) <= maxBatchBytes) {
		size += len(items[end].Value.body)
		end++
	}
	chunk := items[:end]
	first := -1 // position in chunk of the first failed message
	for _, q := range r.queues {
		if i := r.send(ctx, q, chunk); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	done = end
	if first >= 0 {
		done = first
		err = order.E("outbox.publish", order.Transient, "publish_failed",
			fmt.Sprintf("event %s did not reach every queue", chunk[first].Value.event.ID))
	}
	r.markPublished(ctx, chunk[:done])
	return done, err
}

// markPublished marks the events of items published, logging a failure.
func (r *Relay) markPublished(ctx context.Context, items []consumer.Item[message]) {
	if len(items) == 0 {
		return
	}
	sent := make([]order.Event, len(items))
	for i, it := range items {
		sent[i] = it.Value.event
	}
	if err := r.outbox.MarkPublished(ctx, sent); err != nil {
		r.log.ErrorContext(ctx, "mark outbox events published: the sweeper will publish them again", consumer.LogKeyEventID, sent[0].ID,
			"events", len(sent), "kind", order.KindOf(err).String(), "code", order.CodeOf(err), "error", err.Error())
	}
}

// send publishes one chunk to one queue and returns the position of the
// first message that did not go, or -1.
func (r *Relay) send(ctx context.Context, queue string, chunk []consumer.Item[message]) int {
	fifo := IsFIFO(queue)
	entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
	for i, it := range chunk {
		m := it.Value
		attrs := map[string]types.MessageAttributeValue{
			AttrEventType: stringAttr(string(m.event.Type)),
			AttrEventID:   stringAttr(m.event.ID),
		}
		if m.event.OrderID != "" {
			attrs[AttrOrderID] = stringAttr(m.event.OrderID)
		}
		if m.event.CartID != "" {
			attrs[AttrCartID] = stringAttr(m.event.CartID)
		}
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(m.body), MessageAttributes: attrs}
		if fifo {
			// One group per order (or cart): its events are consumed in
			// the order of its changes. A republished event (a retried
			// batch) is dropped by SQS within its 5-minute window.
			entries[i].MessageGroupId = aws.String(orElse(m.event.OrderID, m.event.CartID, m.event.ID))
			entries[i].MessageDeduplicationId = aws.String(m.event.ID)
		}
	}
	out, err := r.sqs.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(queue), Entries: entries})
	if err != nil {
		r.log.ErrorContext(ctx, "publish outbox events", "queue", queue, "events", len(chunk), "error", err.Error())
		return 0
	}
	first := -1
	for _, f := range out.Failed {
		i, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil || i < 0 || i >= len(chunk) {
			i = 0 // an id we did not send: assume the worst
		}
		r.log.ErrorContext(ctx, "publish outbox event", "queue", queue, consumer.LogKeyEventID, chunk[i].Value.event.ID,
			"code", aws.ToString(f.Code), "message", aws.ToString(f.Message))
		if first < 0 || i < first {
			first = i
		}
	}
	return first
}

// IsFIFO reports whether the queue at url is a FIFO queue: SQS requires
// their names to end in ".fifo".
func IsFIFO(url string) bool { return strings.HasSuffix(url, ".fifo") }

// orElse is the first of values that is not empty.
func orElse(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func stringAttr(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}
