package memstore

import (
	"cmp"
	"context"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// outboxRow is an event of the outbox with what the table keeps beside it:
// when it was written and whether it is marked published.
type outboxRow struct {
	event     order.Event
	at        time.Time
	published bool
}

// addOutbox appends events written now. s.mu is held.
func (s *Store) addOutbox(events []order.Event) {
	now := s.now()
	for _, e := range events {
		s.outbox = append(s.outbox, outboxRow{event: e, at: now})
	}
}

// UnpublishedBefore implements order.Outbox.
func (s *Store) UnpublishedBefore(ctx context.Context, t time.Time, page order.PageRequest) (order.Page[order.Event], error) {
	const op = "memstore.UnpublishedBefore"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.Event]{}, err
	}
	after, err := decodeCursor(op, page.Cursor, "outbox")
	if err != nil {
		return order.Page[order.Event]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byKey := map[string]order.Event{}
	var keys []string
	for _, r := range s.outbox {
		if !r.published && r.at.Before(t) {
			k := fmtTime(r.at) + "#" + r.event.ID
			byKey[k] = r.event
			keys = append(keys, k)
		}
	}
	return pageOf(keys, after, limit, "outbox", func(k string) order.Event { return byKey[k] }), nil
}

// MarkPublished implements order.Outbox.
func (s *Store) MarkPublished(ctx context.Context, events []order.Event) error {
	const op = "memstore.MarkPublished"
	if err := ctx.Err(); err != nil {
		return order.Wrap(op, order.Transient, "cancelled", "the request was cancelled or timed out", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		owner := cmp.Or(e.OrderID, e.CartID)
		if owner == "" || order.ValidID(op, "event id", e.ID) != nil {
			return order.E(op, order.Invalid, "invalid_event", "event "+e.ID+" names no order or cart: it has no outbox item")
		}
		for i := range s.outbox {
			if r := &s.outbox[i]; r.event.ID == e.ID && cmp.Or(r.event.OrderID, r.event.CartID) == owner {
				r.published = true
			}
		}
	}
	return nil
}
