package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ordersmith/ordersmith/internal/dynamo"
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

// SQSAPI is the part of the SQS client the relay uses.
type SQSAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

var _ SQSAPI = (*sqs.Client)(nil)

// Relay publishes outbox events to queues.
type Relay struct {
	sqs    SQSAPI
	queues []string
	log    *slog.Logger
}

// New returns a relay to the given queues (at least one).
func New(api SQSAPI, queueURLs []string, log *slog.Logger) (*Relay, error) {
	if api == nil || len(queueURLs) == 0 {
		return nil, errors.New("new outbox relay: an SQS client and at least one queue URL are required")
	}
	if log == nil {
		log = slog.Default()
	}
	return &Relay{sqs: api, queues: queueURLs, log: log}, nil
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

// message is one event to publish, with the stream record it came from.
type message struct {
	record int    // index in the batch
	seq    string // the record's sequence number, what a partial failure names
	event  order.Event
	body   string
}

// Handle is the Lambda handler. It publishes the events of the batch's
// outbox INSERTs in stream order, ten at a time to every queue, and stops
// at the first failure: the response names that record, so Lambda retries
// from it and the records before it are done. Other records (the table's
// other writes, which the mapping's filter should have kept away) are
// skipped.
func (r *Relay) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var msgs []message
	for i, rec := range ev.Records {
		if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
			continue
		}
		e, ok, err := dynamo.OutboxEvent(rec.Change.NewImage)
		if !ok {
			continue
		}
		if err == nil {
			var b []byte
			if b, err = json.Marshal(e); err == nil && len(b) > maxBatchBytes {
				err = fmt.Errorf("event %s is %d bytes, over the SQS message limit", e.ID, len(b))
			}
			if err == nil {
				msgs = append(msgs, message{record: i, seq: rec.Change.SequenceNumber, event: e, body: string(b)})
				continue
			}
		}
		// An item that cannot be published now cannot be skipped either:
		// stop here, publish what came before, and let the retries and then
		// the on-failure queue take it.
		r.log.ErrorContext(ctx, "outbox record cannot be published", "sequence_number", rec.Change.SequenceNumber, "error", err.Error())
		resp := r.publish(ctx, msgs)
		if len(resp.BatchItemFailures) > 0 {
			return resp, nil
		}
		return failAt(rec.Change.SequenceNumber), nil
	}
	return r.publish(ctx, msgs), nil
}

// publish sends msgs in order and reports the first that failed.
func (r *Relay) publish(ctx context.Context, msgs []message) events.DynamoDBEventResponse {
	for start := 0; start < len(msgs); {
		end, size := start, 0
		for end < len(msgs) && end-start < maxBatchEntries && (end == start || size+len(msgs[end].body) <= maxBatchBytes) {
			size += len(msgs[end].body)
			end++
		}
		chunk := msgs[start:end]
		first := -1 // position in chunk of the first failed message
		for _, q := range r.queues {
			if i := r.send(ctx, q, chunk); i >= 0 && (first < 0 || i < first) {
				first = i
			}
		}
		if first >= 0 {
			return failAt(chunk[first].seq)
		}
		start = end
	}
	return events.DynamoDBEventResponse{}
}

// send publishes one chunk to one queue and returns the position of the
// first message that did not go, or -1.
func (r *Relay) send(ctx context.Context, queue string, chunk []message) int {
	entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
	for i, m := range chunk {
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
		r.log.ErrorContext(ctx, "publish outbox event", "queue", queue, "event_id", chunk[i].event.ID,
			"code", aws.ToString(f.Code), "message", aws.ToString(f.Message))
		if first < 0 || i < first {
			first = i
		}
	}
	return first
}

func stringAttr(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// failAt is the partial batch response that retries from sequence number seq.
func failAt(seq string) events.DynamoDBEventResponse {
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: seq}}}
}
