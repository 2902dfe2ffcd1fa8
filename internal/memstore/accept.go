package memstore

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// accepted is what the store keeps beside an accepted order.
type accepted struct {
	pending  *order.PendingCreation // nil once numbered
	delivery string                 // until the order's first change
	at       time.Time              // when it was accepted
}

// Accept implements order.OrderStore.
func (s *Store) Accept(ctx context.Context, in *order.Order, p order.PendingCreation) (*order.Order, error) {
	const op = "memstore.Accept"
	if err := ctx.Err(); err != nil {
		return nil, order.Wrap(op, order.Transient, "cancelled", "the request was cancelled or timed out", err)
	}
	o, err := order.PrepareAccepted(op, in, s.now())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[o.ID]; ok {
		return nil, order.AlreadyExistsWith(op, "order", order.AlreadyExists{ID: o.ID, Delivery: s.accepted[o.ID].delivery})
	}
	stored, err := order.CloneOrder(o)
	if err != nil {
		return nil, order.Wrap(op, order.Internal, "invalid_order", "the order cannot be copied", err)
	}
	pc := p
	pc.Rows = append([]order.Change(nil), p.Rows...)
	s.orders[o.ID] = stored
	s.byExt[extKey(o.Source, o.ExternalID)] = o.ID
	s.accepted[o.ID] = accepted{pending: &pc, delivery: p.Delivery, at: s.now()}
	return o, nil
}

// PendingBefore implements order.PendingOrders.
func (s *Store) PendingBefore(ctx context.Context, t time.Time, page order.PageRequest) (order.Page[string], error) {
	const op = "memstore.PendingBefore"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[string]{}, err
	}
	after, err := decodeCursor(op, page.Cursor, "pending")
	if err != nil {
		return order.Page[string]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for id, a := range s.accepted {
		if a.pending != nil && a.at.Before(t) {
			keys = append(keys, fmtTime(a.at)+"#"+id)
		}
	}
	return pageOf(keys, after, limit, "pending", func(k string) string { return k[strings.LastIndex(k, "#")+1:] }), nil
}

// pageOf is one page of a listing whose items have the sort keys keys (in
// any order): the items after the key after, at most limit, and the cursor
// of the next page, in scope.
func pageOf[T any](keys []string, after string, limit int, scope string, itemOf func(key string) T) order.Page[T] {
	sort.Strings(keys)
	out := order.Page[T]{Items: []T{}}
	for i, k := range keys {
		if after != "" && k <= after {
			continue
		}
		out.Items = append(out.Items, itemOf(k))
		if len(out.Items) == limit {
			if i+1 < len(keys) {
				out.Next = encodeCursor(scope, k)
			}
			break
		}
	}
	return out
}

// AssignNumber implements order.OrderStore.
func (s *Store) AssignNumber(ctx context.Context, id string) (*order.Order, error) {
	const op = "memstore.AssignNumber"
	if err := ctx.Err(); err != nil {
		return nil, order.Wrap(op, order.Transient, "cancelled", "the request was cancelled or timed out", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.getLocked(op, id); err != nil {
		return nil, err
	}
	if err := s.numberLocked(op, id); err != nil {
		return nil, err
	}
	return s.getLocked(op, id)
}

// numberLocked numbers the accepted order id if it is still pending, as the
// table's numbering transaction does; s.mu is held.
func (s *Store) numberLocked(op, id string) error {
	a, ok := s.accepted[id]
	if !ok || a.pending == nil {
		return nil
	}
	p := *a.pending
	o, err := order.CloneOrder(s.orders[id])
	if err != nil {
		return order.Wrap(op, order.Internal, "invalid_order", "the stored order cannot be copied", err)
	}
	// A number already used (a prefix or suffix change) is skipped.
	for {
		o.Seq = s.last + 1
		o.Number = order.FormatNumber(p.Prefix, o.Seq, p.Suffix)
		if _, taken := s.byNumber[o.Number]; !taken {
			break
		}
		s.last = o.Seq
	}
	changes, events, err := order.RecordCreation(o, p.Options())
	if err != nil {
		return err
	}
	if err := checkEvents(op, events); err != nil {
		return err
	}
	if err := s.commitNumbered(op, o, changes, events); err != nil {
		return err
	}
	s.accepted[id] = accepted{delivery: a.delivery}
	return nil
}
