// Package sweeper is the handler of the scheduled sweeper Lambda
// (SweeperFunction): it numbers the accepted storefront orders still
// pending a few minutes after their acceptance.
//
// The table's stream numbers an accepted order within about a second
// (internal/numbering). When it does not (a shard held back by a record
// retried until it expires, a record recorded and skipped, the mapping
// disabled), the order would wait for its first update. Every run lists the
// orders accepted more than PendingAge ago and still pending, through the
// sparse index of pending orders (order.PendingOrders, one query a page,
// never a scan), and numbers each as the stream would have; numbering is
// idempotent, so an order the stream numbers meanwhile is left as it is.
package sweeper

import (
	"context"
	"encoding/json"
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

// DeadlineMargin is the time left before the invocation's deadline under
// which no new order is started: the next run takes the rest.
const DeadlineMargin = 5 * time.Second

// Numberer finishes the creation of an accepted order.
type Numberer interface {
	Number(ctx context.Context, id string) (*order.Order, error)
}

// Deps are what a Sweeper consumes.
type Deps struct {
	Pending  order.PendingOrders
	Numberer Numberer
	Logger   *slog.Logger // nil is slog.Default()
}

// Sweeper numbers the orders the stream left pending.
type Sweeper struct {
	pending  order.PendingOrders
	numberer Numberer
	log      *slog.Logger
	now      func() time.Time
}

// New returns a sweeper. Pending and Numberer are required.
func New(d Deps) (*Sweeper, error) {
	if err := order.RequireDeps("sweeper.New", order.Need("Pending", d.Pending), order.Need("Numberer", d.Numberer)); err != nil {
		return nil, err
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Sweeper{pending: d.Pending, numberer: d.Numberer, log: log, now: time.Now}, nil
}

// Result says what one run did.
type Result struct {
	Numbered int `json:"numbered"`
	Failed   int `json:"failed"`
	// Deferred is true when the run stopped for lack of time: the next one
	// goes on.
	Deferred bool `json:"deferred,omitempty"`
}

// Handle is the Lambda handler of the schedule (its event is not read). It
// numbers every order pending for longer than PendingAge; a failure is
// logged and the others go on, and the run then returns an error, so that
// the function's error metric shows it; the next run tries again.
func (s *Sweeper) Handle(ctx context.Context, _ json.RawMessage) (Result, error) {
	var res Result
	before := s.now().Add(-PendingAge)
	page := order.PageRequest{Limit: order.MaxPageLimit}
	for {
		p, err := s.pending.PendingBefore(ctx, before, page)
		if err != nil {
			return res, fmt.Errorf("list the orders pending before %s: %w", before.Format(time.RFC3339), err)
		}
		for _, id := range p.Items {
			if outOfTime(ctx) {
				res.Deferred = true
				s.log.WarnContext(ctx, "sweep deferred: the invocation is about to time out", "numbered", res.Numbered)
				return res, s.failed(res)
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
			return res, s.failed(res)
		}
		page.Cursor = p.Next
	}
}

// failed is the run's error when an order failed.
func (s *Sweeper) failed(res Result) error {
	if res.Failed == 0 {
		return nil
	}
	return fmt.Errorf("%d pending orders could not be numbered (see the log)", res.Failed)
}

// outOfTime reports whether no new order may start.
func outOfTime(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < DeadlineMargin
}
