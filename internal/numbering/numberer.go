package numbering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// DeadlineMargin is the time left before the invocation's deadline under
// which no new order is numbered: the record is reported instead, since a
// timed-out invocation would retry the whole batch.
const DeadlineMargin = 3 * time.Second

// Store is the part of the order store the numbering uses.
type Store interface {
	// AssignNumber numbers an accepted order and returns it; an order
	// already numbered is returned as it is.
	AssignNumber(ctx context.Context, id string) (*order.Order, error)
}

var _ Store = (*dynamo.Store)(nil)

// Numberer numbers the accepted orders of the OrdersTable stream and
// finishes their creation: the cart an order completes is marked recovered.
type Numberer struct {
	store Store
	carts order.CartStore
	now   func() time.Time
	log   *slog.Logger
}

// New returns a numberer over store; carts (nil: carts are not tracked)
// are the abandoned carts the orders may recover.
func New(store Store, carts order.CartStore, log *slog.Logger) (*Numberer, error) {
	if store == nil {
		return nil, errors.New("new numberer: an order store is required")
	}
	if log == nil {
		log = slog.Default()
	}
	return &Numberer{store: store, carts: carts, now: time.Now, log: log}, nil
}

// Number numbers the accepted order id (nothing when it is numbered
// already) and marks the cart it completes recovered (nothing when it was).
// Both steps are idempotent, so a redelivered record, or an order numbered
// by an update first, is finished once.
func (n *Numberer) Number(ctx context.Context, id string) (*order.Order, error) {
	o, err := n.store.AssignNumber(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := order.RecoverCart(ctx, n.carts, o, n.now()); err != nil {
		return nil, fmt.Errorf("recover the cart of order %s: %w", id, err)
	}
	return o, nil
}

// Handle is the Lambda handler. It numbers the pending orders of the
// batch's INSERTs and MODIFYs in stream order, and stops at the first
// failure: the response names that record, so Lambda retries from it and
// the records before it are done. Other records are skipped.
func (n *Numberer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	for _, rec := range ev.Records {
		if rec.EventName != string(events.DynamoDBOperationTypeInsert) && rec.EventName != string(events.DynamoDBOperationTypeModify) {
			continue
		}
		id, ok := dynamo.PendingOrderID(rec.Change.NewImage)
		if !ok {
			continue
		}
		seq := rec.Change.SequenceNumber
		if deadline, ok := ctx.Deadline(); (ok && time.Until(deadline) < DeadlineMargin) || ctx.Err() != nil {
			n.log.WarnContext(ctx, "numbering deferred: the invocation is about to time out",
				platform.LogKeyOrderID, id, "sequence_number", seq)
			return failAt(seq), nil
		}
		o, err := n.Number(ctx, id)
		if err != nil {
			// Retried from this record, then kept by the on-failure
			// queue: a transient failure (contention, throttling) is
			// expected now and then, anything else is a fault.
			level := slog.LevelError
			if order.IsKind(err, order.Transient) {
				level = slog.LevelWarn
			}
			n.log.Log(ctx, level, "order cannot be numbered", platform.LogKeyOrderID, id, "sequence_number", seq,
				"kind", order.KindOf(err).String(), "code", order.CodeOf(err), "error", err.Error())
			return failAt(seq), nil
		}
		n.log.InfoContext(ctx, "order numbered", platform.LogKeyOrderID, id, "number", o.Number)
	}
	return events.DynamoDBEventResponse{}, nil
}

// failAt is the partial batch response that retries from sequence number seq.
func failAt(seq string) events.DynamoDBEventResponse {
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: seq}}}
}
