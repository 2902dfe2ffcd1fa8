package numbering

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/consumer"
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

// Records reads the table's stream records: the store adapter's knowledge
// of its own items.
type Records interface {
	// AcceptedOrderID says which accepted order, still waiting for its
	// number, a record shows; ok is false for every other write.
	AcceptedOrderID(rec events.DynamoDBEventRecord) (id string, ok bool)
}

// Metrics records the numbering lag: *platform.Metrics.
type Metrics interface {
	Put(name, unit string, value float64, dims map[string]string) error
}

var _ Metrics = (*platform.Metrics)(nil)

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
	// Metrics records, for each order numbered, the time since its
	// acceptance (platform.MetricNumberingLagMs). nil: no metric.
	Metrics Metrics
	// Now is the clock; nil is time.Now.
	Now    func() time.Time
	Logger *slog.Logger // nil is slog.Default()
}

// Numberer numbers the accepted orders of the OrdersTable stream and
// finishes their creation: the cart an order completes is marked recovered.
type Numberer struct {
	orders  Store
	records Records
	carts   order.CartStore
	skipped consumer.SkipRecorder
	metrics Metrics
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
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Numberer{orders: d.Orders, records: d.Records, carts: d.Carts, skipped: d.Skipped, metrics: d.Metrics, now: now, log: log}, nil
}

// Number numbers the accepted order id and marks the cart it completes
// recovered (order.NumberAccepted), and records the numbering lag: the
// milliseconds from the order's acceptance (its CreatedAt) to now. A record
// seen twice (a retried batch) finds the order numbered and records a
// second, longer lag: the maximum may overstate the lag, never understate it.
func (n *Numberer) Number(ctx context.Context, id string) (*order.Order, error) {
	at := n.now()
	o, err := order.NumberAccepted(ctx, n.orders, n.carts, id, at)
	if err != nil {
		return nil, err
	}
	n.recordLag(ctx, o, at)
	return o, nil
}

// recordLag writes the NumberingLagMs metric of o, numbered at at; a
// metric that cannot be written is logged, never a reason to number again.
func (n *Numberer) recordLag(ctx context.Context, o *order.Order, at time.Time) {
	if n.metrics == nil || o.CreatedAt.IsZero() {
		return
	}
	lag := max(at.Sub(o.CreatedAt), 0) // clocks of two functions may disagree
	if err := n.metrics.Put(platform.MetricNumberingLagMs, platform.UnitMilliseconds, float64(lag.Milliseconds()), nil); err != nil {
		n.log.WarnContext(ctx, "metric not written", "metric", platform.MetricNumberingLagMs, "orderId", o.ID, "error", err.Error())
	}
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
