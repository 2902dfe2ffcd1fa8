package numbering

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/order"
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

// Records reads the table's stream records: the store adapter's knowledge
// of its own items.
type Records interface {
	// AcceptedOrderID says which accepted order, still waiting for its
	// number, a record shows; ok is false for every other write.
	AcceptedOrderID(rec events.DynamoDBEventRecord) (id string, ok bool)
}

// Deps are what a Numberer consumes.
type Deps struct {
	Orders  Store
	Records Records
	// Carts are the abandoned carts the orders may recover; nil: carts are
	// not tracked.
	Carts order.CartStore
	// Skipped records the orders that fail for good (not order.Transient):
	// they are acknowledged once recorded, so that one does not hold back
	// the orders after it. nil: every failure is retried, until the
	// mapping's on-failure destination takes it.
	Skipped consumer.SkipRecorder
	Logger  *slog.Logger // nil is slog.Default()
}

// Numberer numbers the accepted orders of the OrdersTable stream and
// finishes their creation: the cart an order completes is marked recovered.
type Numberer struct {
	orders  Store
	records Records
	carts   order.CartStore
	skipped consumer.SkipRecorder
	now     func() time.Time
	log     *slog.Logger
}

// New returns a numberer. Orders and Records are required.
func New(d Deps) (*Numberer, error) {
	if err := order.RequireDeps("numbering.New", order.Need("Orders", d.Orders), order.Need("Records", d.Records)); err != nil {
		return nil, err
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Numberer{orders: d.Orders, records: d.Records, carts: d.Carts, skipped: d.Skipped, now: time.Now, log: log}, nil
}

// Number numbers the accepted order id and marks the cart it completes
// recovered (order.NumberAccepted).
func (n *Numberer) Number(ctx context.Context, id string) (*order.Order, error) {
	return order.NumberAccepted(ctx, n.orders, n.carts, id, n.now())
}

// Handle is the Lambda handler. It numbers the accepted orders the batch's
// records show, in stream order, and stops at the first failure that is
// retried: the response names that record, so Lambda retries from it and
// the records before it are done. A failure for good is recorded and
// skipped when Deps.Skipped is set. Other records are skipped.
func (n *Numberer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	// A transient failure (contention, throttling) is retried from its
	// record; anything else is a fault no retry mends: recorded, it is
	// replayed once mended, and the orders after it are numbered meanwhile.
	c := consumer.Config{Name: "numbering", Margin: DeadlineMargin, SkipPermanent: n.skipped != nil, Skipped: n.skipped, Log: n.log}
	return consumer.HandleStream(ctx, c, ev, n.decode, func(ctx context.Context, it consumer.Item[string]) (consumer.Outcome, error) {
		o, err := n.Number(ctx, it.Value)
		if err != nil {
			return consumer.Outcome{}, err
		}
		return consumer.Outcome{Done: "order numbered", Attrs: []any{"number", o.Number}}, nil
	}), nil
}

// decode is the order a record asks to number.
func (n *Numberer) decode(rec events.DynamoDBEventRecord) (consumer.Item[string], bool, error) {
	id, ok := n.records.AcceptedOrderID(rec)
	return consumer.Item[string]{Value: id, OrderID: id}, ok, nil
}
