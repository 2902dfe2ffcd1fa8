package memstore

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Quarantine is the in-memory order.QuarantineStore, with the table's
// semantics: Hold is one atomic upsert, Update is conditional on the
// version, List pages a state newest first with opaque cursors.
type Quarantine struct {
	mu    sync.Mutex
	items map[string]*order.QuarantinedDelivery
}

var _ order.QuarantineStore = (*Quarantine)(nil)

// NewQuarantine returns an empty quarantine store.
func NewQuarantine() *Quarantine {
	return &Quarantine{items: map[string]*order.QuarantinedDelivery{}}
}

// copyDelivery returns a copy sharing nothing with d.
func copyDelivery(d *order.QuarantinedDelivery) *order.QuarantinedDelivery {
	c := *d
	c.Headers = maps.Clone(d.Headers)
	c.Body = slices.Clone(d.Body)
	return &c
}

// Hold implements order.QuarantineStore.
func (q *Quarantine) Hold(_ context.Context, h order.QuarantineHold) (*order.QuarantinedDelivery, error) {
	const op = "memstore.Quarantine.Hold"
	if err := order.ValidID(op, "the quarantine id", h.ID); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	d, ok := q.items[h.ID]
	if !ok {
		d = &order.QuarantinedDelivery{
			ID: h.ID, Source: h.Source, DeliveryID: h.DeliveryID, Headers: maps.Clone(h.Headers), Body: slices.Clone(h.Body),
			ReceivedAt: h.At.UTC(),
		}
		q.items[h.ID] = d
	}
	d.State, d.Reason, d.LastAttemptAt = order.QuarantineHeld, h.Reason, h.At.UTC()
	d.Attempts++
	d.Version++
	return copyDelivery(d), nil
}

// Get implements order.QuarantineStore.
func (q *Quarantine) Get(_ context.Context, id string) (*order.QuarantinedDelivery, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	d, ok := q.items[id]
	if !ok {
		return nil, quarantineNotFound("memstore.Quarantine.Get", id)
	}
	return copyDelivery(d), nil
}

func quarantineNotFound(op, id string) error {
	return order.E(op, order.NotFound, order.CodeNotFound, "no quarantined delivery "+id)
}

// List implements order.QuarantineStore.
func (q *Quarantine) List(_ context.Context, state order.QuarantineState, page order.PageRequest) (order.Page[order.QuarantinedDelivery], error) {
	const op = "memstore.Quarantine.List"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.QuarantinedDelivery]{}, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var selected []*order.QuarantinedDelivery
	for _, d := range q.items {
		if d.State == state {
			selected = append(selected, d)
		}
	}
	return newestFirst(op, page.Cursor, "quarantine:"+string(state), limit, selected,
		func(d *order.QuarantinedDelivery) string { return fmtTime(d.ReceivedAt) + "#" + d.ID },
		func(d *order.QuarantinedDelivery) (order.QuarantinedDelivery, error) {
			c := *d
			c.Headers, c.Body = nil, nil // the list shows the reason, not the delivery
			return c, nil
		})
}

// Update implements order.QuarantineStore.
func (q *Quarantine) Update(_ context.Context, d *order.QuarantinedDelivery) (*order.QuarantinedDelivery, error) {
	const op = "memstore.Quarantine.Update"
	q.mu.Lock()
	defer q.mu.Unlock()
	cur, ok := q.items[d.ID]
	if !ok {
		return nil, quarantineNotFound(op, d.ID)
	}
	if cur.Version != d.Version {
		return nil, order.E(op, order.PreconditionFailed, order.CodeVersionConflict, "the quarantined delivery changed since it was read")
	}
	cur.DeliveryID, cur.State, cur.Reason = d.DeliveryID, d.State, d.Reason
	cur.LastAttemptAt, cur.Attempts = d.LastAttemptAt.UTC(), d.Attempts
	cur.OrderID, cur.CartID, cur.ReplayedAt = d.OrderID, d.CartID, d.ReplayedAt.UTC()
	cur.Version++
	return copyDelivery(cur), nil
}
