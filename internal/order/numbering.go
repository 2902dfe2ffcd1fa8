package order

import (
	"context"
	"fmt"
	"time"
)

// NumberAssigner is the part of an OrderStore that numbers accepted orders.
type NumberAssigner interface {
	AssignNumber(ctx context.Context, id string) (*Order, error)
}

// NumberAccepted finishes the creation of the accepted order id: it numbers
// it (nothing when it is numbered already, by an update say) and marks the
// cart it completes recovered at now (nothing when it was, or when carts is
// nil: carts are not tracked). Both steps are idempotent, so a redelivered
// stream record finishes the order once.
func NumberAccepted(ctx context.Context, orders NumberAssigner, carts CartStore, id string, now time.Time) (*Order, error) {
	o, err := orders.AssignNumber(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := RecoverCart(ctx, carts, o, now); err != nil {
		return nil, fmt.Errorf("recover the cart of order %s: %w", id, err)
	}
	return o, nil
}

// PendingOrders lists the accepted orders still waiting for their number:
// what the sweeper numbers when the stream's numbering is late.
type PendingOrders interface {
	// PendingBefore returns one page of the ids of the orders accepted
	// before t and not numbered yet, the oldest acceptance first.
	PendingBefore(ctx context.Context, t time.Time, page PageRequest) (Page[string], error)
}

// NumberBeforeUpdate is the rule every OrderStore applies when it updates
// an order: an accepted order still pending (its creation not finished) is
// numbered first, by number (the store's AssignNumber step), so that no
// write drops its pending creation and every change follows the creation's
// history rows and events.
func NumberBeforeUpdate(pending bool, number func() error) error {
	if !pending {
		return nil
	}
	return number()
}
