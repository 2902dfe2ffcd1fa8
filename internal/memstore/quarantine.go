package memstore

import (
	"context"
	"maps"
	"slices"
	"sort"
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
	scope := "quarantine:" + string(state)
	after, err := decodeCursor(op, page.Cursor, scope)
	if err != nil {
		return order.Page[order.QuarantinedDelivery]{}, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	type keyed struct {
		key string
		d   *order.QuarantinedDelivery
	}
	var all []keyed
	for _, d := range q.items {
		if d.State == state {
			all = append(all, keyed{fmtTime(d.ReceivedAt) + "#" + d.ID, d})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].key > all[j].key })
	out := order.Page[order.QuarantinedDelivery]{Items: []order.QuarantinedDelivery{}}
	for i, k := range all {
		if after != "" && k.key >= after {
			continue
		}
		c := *k.d
		c.Headers, c.Body = nil, nil
		out.Items = append(out.Items, c)
		if len(out.Items) == limit {
			if i+1 < len(all) {
				out.Next = encodeCursor(scope, k.key)
			}
			break
		}
	}
	return out, nil
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
