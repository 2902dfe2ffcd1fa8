package consumer

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// Item is the work a stream record asks for, decoded by the store adapter
// that owns the table's items.
type Item[T any] struct {
	Value   T
	EventID string // the event it carries, when known
	OrderID string // the order it concerns, when known
	seq     string // the record's sequence number, set by the loop
	source  string // the stream's ARN, set by the loop
}

// ref names the item's record.
func (it Item[T]) ref() ref { return streamRef(it.seq, it.source) }

// Decoder says what a stream record asks for: ok false skips the record (a
// write the consumer has nothing to do with); an error is a record that
// cannot be handled, which fails like the work of a record does, once the
// records before it are done.
type Decoder[T any] func(rec events.DynamoDBEventRecord) (it Item[T], ok bool, err error)

// StreamFunc handles one item of a stream.
type StreamFunc[T any] func(ctx context.Context, it Item[T]) (Outcome, error)

// RunFunc handles items from the first, as many as it takes at once (one
// batch of sends, say), and returns how many are done: at least one when
// err is nil; with an error, items[done] is the one that failed.
type RunFunc[T any] func(ctx context.Context, items []Item[T]) (done int, err error)

// HandleStream runs h on the items of ev's records in stream order and
// returns the partial batch response: empty when all are done, otherwise the
// sequence number of the first record that failed or was not started, from
// which Lambda retries.
func HandleStream[T any](ctx context.Context, c Config, ev events.DynamoDBEvent, decode Decoder[T], h StreamFunc[T]) events.DynamoDBEventResponse {
	return handleStream(ctx, c, ev, decode, func(ctx context.Context, items []Item[T]) (int, bool) {
		it := items[0]
		o, err := h(ctx, it)
		o.EventID, o.OrderID = orElse(o.EventID, it.EventID), orElse(o.OrderID, it.OrderID)
		if c.done(ctx, it.ref(), o, err) {
			return 0, false
		}
		return 1, true
	})
}

// HandleStreamRuns is HandleStream for a consumer that handles several
// items at once: h is called again on the items it left, the deadline
// checked in between, until all are done or one fails.
func HandleStreamRuns[T any](ctx context.Context, c Config, ev events.DynamoDBEvent, decode Decoder[T], h RunFunc[T]) events.DynamoDBEventResponse {
	return handleStream(ctx, c, ev, decode, func(ctx context.Context, items []Item[T]) (int, bool) {
		n, err := h(ctx, items)
		if err == nil && n < 1 {
			err = fmt.Errorf("%s: none of %d items done", c.Name, len(items))
		}
		if err == nil {
			return min(n, len(items)), true
		}
		n = min(max(n, 0), len(items)-1)
		it := items[n]
		if c.done(ctx, it.ref(), Outcome{EventID: it.EventID, OrderID: it.OrderID}, err) {
			return n, false
		}
		return n + 1, true // acknowledged: go on after it
	})
}

// run handles items from the first and returns how many are done; ok false
// means items[done] failed and the batch stops there.
type run[T any] func(ctx context.Context, items []Item[T]) (done int, ok bool)

func handleStream[T any](ctx context.Context, c Config, ev events.DynamoDBEvent, decode Decoder[T], r run[T]) events.DynamoDBEventResponse {
	var items []Item[T]
	// flush works through the items decoded so far and returns the
	// sequence number to report, or "".
	flush := func() string {
		for len(items) > 0 {
			if c.outOfTime(ctx) {
				c.deferred(ctx, items[0].ref(), Outcome{EventID: items[0].EventID, OrderID: items[0].OrderID})
				return items[0].seq
			}
			n, ok := r(ctx, items)
			if !ok {
				return items[n].seq
			}
			items = items[n:]
		}
		return ""
	}
	for _, rec := range ev.Records {
		seq := rec.Change.SequenceNumber
		it, ok, err := decode(rec)
		if err != nil {
			if failed := flush(); failed != "" {
				return failAt(failed)
			}
			if c.done(ctx, streamRef(seq, rec.EventSourceArn), Outcome{EventID: it.EventID, OrderID: it.OrderID}, err) {
				return failAt(seq)
			}
			continue
		}
		if ok {
			it.seq, it.source = seq, rec.EventSourceArn
			items = append(items, it)
		}
	}
	if failed := flush(); failed != "" {
		return failAt(failed)
	}
	return events.DynamoDBEventResponse{}
}

// failAt is the partial batch response that retries from sequence number seq.
func failAt(seq string) events.DynamoDBEventResponse {
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: seq}}}
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
