// Package sweeper is the handler of the scheduled sweeper Lambda
// (SweeperFunction): it finishes what the table's stream consumers left a
// few minutes behind. It numbers the accepted storefront orders still
// pending, and relays the outbox events never published.
//
// The table's stream numbers an accepted order within about a second
// (internal/numbering) and relays each outbox event as it is written
// (internal/outbox). When it does not (a shard held back by a record
// retried until it expires, a record recorded and skipped, the mapping
// disabled), the order would wait for its first update and the event
// would never be sent. Every run lists the orders accepted more than
// PendingAge ago and still pending, through the sparse index of pending
// orders (order.PendingOrders, one query a page, never a scan), and
// numbers each as the stream would have; numbering is idempotent, so an
// order the stream numbers meanwhile is left as it is. Then it lists the
// outbox events written more than OutboxAge ago and never marked published
// (order.Outbox, the same index), and publishes them through the relay's
// own code (outbox.Relay.Publish), which marks them: to a FIFO queue in
// their order's message group, deduplicated on their id, so that a send
// the stream also makes within SQS's 5-minute window is dropped, and
// consumers deduplicate on the event id beyond it.
package sweeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/order"
)

// PendingAge is how long after its acceptance an order still pending is
// the sweeper's: far beyond the second the stream takes, and past the
// first few retries of a batch, so that the two rarely meet (when they
// do, numbering twice numbers once).
const PendingAge = 3 * time.Minute

// OutboxAge is how long after its write an event never marked published is
// the sweeper's, for the same reasons: the stream relays within a second,
// and a double publication is deduplicated.
const OutboxAge = 3 * time.Minute

// DeadlineMargin is the time left before the invocation's deadline under
// which no new order or page of events is started: the next run takes the
// rest.
const DeadlineMargin = 5 * time.Second

// Numberer finishes the creation of an accepted order.
type Numberer interface {
	Number(ctx context.Context, id string) (*order.Order, error)
}

// Unpublished lists the outbox events never marked published.
type Unpublished interface {
	UnpublishedBefore(ctx context.Context, t time.Time, page order.PageRequest) (order.Page[order.Event], error)
}

// Publisher publishes outbox events, in order, and marks those that went
// published (outbox.Relay): it returns how many went, and with an error
// events[done] is the first that did not.
type Publisher interface {
	Publish(ctx context.Context, events []order.Event) (done int, err error)
}

// Deps are what a Sweeper consumes.
type Deps struct {
	Pending   order.PendingOrders
	Numberer  Numberer
	Outbox    Unpublished
	Publisher Publisher
	Logger    *slog.Logger // nil is slog.Default()
}

// Sweeper numbers the orders and publishes the events the stream left.
type Sweeper struct {
	pending   order.PendingOrders
	numberer  Numberer
	outbox    Unpublished
	publisher Publisher
	log       *slog.Logger
	now       func() time.Time
}

// New returns a sweeper. Every dependency but the logger is required.
func New(d Deps) (*Sweeper, error) {
	if err := order.RequireDeps("sweeper.New", order.Need("Pending", d.Pending), order.Need("Numberer", d.Numberer),
		order.Need("Outbox", d.Outbox), order.Need("Publisher", d.Publisher)); err != nil {
		return nil, err
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Sweeper{pending: d.Pending, numberer: d.Numberer, outbox: d.Outbox, publisher: d.Publisher, log: log, now: time.Now}, nil
}

// Result says what one run did.
type Result struct {
	Numbered int `json:"numbered"`
	Failed   int `json:"failed"`
	// Published counts the events published (and marked), PublishFailed
	// those that could not be.
	Published     int `json:"published"`
	PublishFailed int `json:"publishFailed"`
	// Deferred is true when the run stopped for lack of time: the next one
	// goes on.
	Deferred bool `json:"deferred,omitempty"`
}

// Handle is the Lambda handler of the schedule (its event is not read). It
// numbers every order pending for longer than PendingAge, then publishes
// every event unpublished for longer than OutboxAge. An order that fails
// is logged and the others go on; an event that fails is logged and ends
// the publishing (see publishUnpublished). The run then returns an error,
// so that the function's error metric shows it; the next run tries again.
func (s *Sweeper) Handle(ctx context.Context, _ json.RawMessage) (Result, error) {
	var res Result
	err := s.numberPending(ctx, &res)
	if !res.Deferred {
		err = errors.Join(err, s.publishUnpublished(ctx, &res))
	}
	return res, errors.Join(err, s.failed(res))
}

// numberPending numbers the orders pending for longer than PendingAge.
func (s *Sweeper) numberPending(ctx context.Context, res *Result) error {
	before := s.now().Add(-PendingAge)
	page := order.PageRequest{Limit: order.MaxPageLimit}
	for {
		p, err := s.pending.PendingBefore(ctx, before, page)
		if err != nil {
			return fmt.Errorf("list the orders pending before %s: %w", before.Format(time.RFC3339), err)
		}
		for _, id := range p.Items {
			if s.outOfTime(ctx, res) {
				return nil
			}
			o, err := s.numberer.Number(ctx, id)
			if err != nil {
				res.Failed++
				s.log.ErrorContext(ctx, "sweep: numbering failed", consumer.LogKeyOrderID, id,
					"kind", order.KindOf(err).String(), "code", order.CodeOf(err), "error", err.Error())
				continue
			}
			res.Numbered++
			s.log.InfoContext(ctx, "sweep: pending order numbered", consumer.LogKeyOrderID, id, "number", o.Number)
		}
		if p.Next == "" {
			return nil
		}
		page.Cursor = p.Next
	}
}

// publishUnpublished publishes the events unpublished for longer than
// OutboxAge, a page at a time, in the order of their writes. A failure ends
// the sweep of the outbox for this run: the queue is likely down, and the
// next run starts again from the oldest event, so that each order's events
// keep their order. (An event cannot be too large for SQS: the domain
// bounds events far below its limit.)
func (s *Sweeper) publishUnpublished(ctx context.Context, res *Result) error {
	before := s.now().Add(-OutboxAge)
	page := order.PageRequest{Limit: order.MaxPageLimit}
	for {
		if s.outOfTime(ctx, res) {
			return nil
		}
		p, err := s.outbox.UnpublishedBefore(ctx, before, page)
		if err != nil {
			return fmt.Errorf("list the outbox events unpublished before %s: %w", before.Format(time.RFC3339), err)
		}
		n, err := s.publisher.Publish(ctx, p.Items)
		res.Published += n
		for _, e := range p.Items[:n] {
			s.log.InfoContext(ctx, "sweep: unpublished event published", consumer.LogKeyEventID, e.ID, consumer.LogKeyOrderID, e.OrderID)
		}
		if err != nil {
			e := p.Items[n]
			res.PublishFailed++
			s.log.ErrorContext(ctx, "sweep: publishing failed; the next run goes on from this event", consumer.LogKeyEventID, e.ID,
				consumer.LogKeyOrderID, e.OrderID, "kind", order.KindOf(err).String(), "code", order.CodeOf(err), "error", err.Error())
			return nil
		}
		if p.Next == "" {
			return nil
		}
		page.Cursor = p.Next
	}
}

// failed is the run's error when an order or an event failed.
func (s *Sweeper) failed(res Result) error {
	var errs []error
	if res.Failed > 0 {
		errs = append(errs, fmt.Errorf("%d pending orders could not be numbered (see the log)", res.Failed))
	}
	if res.PublishFailed > 0 {
		errs = append(errs, fmt.Errorf("%d outbox events could not be published (see the log)", res.PublishFailed))
	}
	return errors.Join(errs...)
}

// outOfTime reports whether no new order or page may start, and if so
// records the run as deferred.
func (s *Sweeper) outOfTime(ctx context.Context, res *Result) bool {
	if ctx.Err() == nil {
		if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) >= DeadlineMargin {
			return false
		}
	}
	res.Deferred = true
	s.log.WarnContext(ctx, "sweep deferred: the invocation is about to time out", "numbered", res.Numbered, "published", res.Published)
	return true
}
