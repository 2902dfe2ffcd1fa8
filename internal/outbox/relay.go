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

// Deps are what a Relay consumes.
type Deps struct {
	SQS     SQSAPI
	Records Records
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
	skipped consumer.SkipRecorder
	queues  []string
	log     *slog.Logger
}

// New returns a relay to the given queues (at least one). SQS and Records
// are required.
func New(d Deps, queueURLs []string) (*Relay, error) {
	const op = "outbox.New"
	if err := order.RequireDeps(op, order.Need("SQS", d.SQS), order.Need("Records", d.Records)); err != nil {
		return nil, err
	}
	if len(queueURLs) == 0 {
		return nil, order.E(op, order.Invalid, "no_queue", "the relay needs at least one queue URL")
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Relay{sqs: d.SQS, records: d.Records, skipped: d.Skipped, queues: queueURLs, log: log}, nil
}

// ParseQueueURLs splits EVENT_QUEUE_URLS: comma-separated, blanks and
// repeats dropped.
func ParseQueueURLs(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
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

// decode is the message a record asks to publish.
func (r *Relay) decode(rec events.DynamoDBEventRecord) (consumer.Item[message], bool, error) {
	e, ok, err := r.records.OutboxEvent(rec)
	if !ok || err != nil {
		return consumer.Item[message]{}, ok, err
	}
	it := consumer.Item[message]{EventID: e.ID, OrderID: e.OrderID}
	b, err := json.Marshal(e)
	if err != nil {
		return it, true, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	if len(b) > maxBatchBytes {
		return it, true, order.E("outbox.decode", order.TooLarge, "event_too_large", fmt.Sprintf("event %s is %d bytes, over the SQS message limit", e.ID, len(b)))
	}
	it.Value = message{event: e, body: string(b)}
	return it, true, nil
}

// publish sends the first of items, as many as one request takes, to every
// queue, and returns how many went; with an error, items[done] is the first
// that did not go to every queue.
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
	if first >= 0 {
		return first, order.E("outbox.publish", order.Transient, "publish_failed",
			fmt.Sprintf("event %s did not reach every queue", chunk[first].Value.event.ID))
	}
	return end, nil
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
