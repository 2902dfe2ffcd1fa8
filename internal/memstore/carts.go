package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Carts is the in-memory order.CartStore.
type Carts struct{ s *Store }

var _ order.CartStore = (*Carts)(nil)

// Carts returns the cart view of the store.
func (s *Store) Carts() *Carts { return &Carts{s: s} }

type cartRow struct {
	cart    *order.Cart
	version int64
}

// Create implements order.CartStore.
func (cs *Carts) Create(ctx context.Context, in *order.Cart, events []order.Event) (*order.Cart, error) {
	const op = "memstore.Carts.Create"
	c, err := order.PrepareNewCart(op, in, cs.s.now())
	if err != nil {
		return nil, err
	}
	if err := checkEvents(op, events); err != nil {
		return nil, err
	}
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	if c.ExternalID != "" {
		if id, ok := cs.s.cartByExt[extKey(c.Source, c.ExternalID)]; ok {
			return nil, order.AlreadyExistsError(op, "cart", id)
		}
	}
	if _, ok := cs.s.carts[c.ID]; ok {
		return nil, order.AlreadyExistsError(op, "cart", c.ID)
	}
	stored, err := order.CloneCart(c)
	if err != nil {
		return nil, err
	}
	cs.s.carts[c.ID] = &cartRow{cart: stored, version: 1}
	if c.ExternalID != "" {
		cs.s.cartByExt[extKey(c.Source, c.ExternalID)] = c.ID
	}
	cs.s.addOutbox(events)
	return c, nil
}

// Get implements order.CartStore.
func (cs *Carts) Get(ctx context.Context, id string) (*order.Cart, error) {
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	return cs.getLocked("memstore.Carts.Get", id)
}

func (cs *Carts) getLocked(op, id string) (*order.Cart, error) {
	row, ok := cs.s.carts[id]
	if !ok {
		return nil, order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("cart %q not found", id))
	}
	return order.CloneCart(row.cart)
}

// GetByExternal implements order.CartStore.
func (cs *Carts) GetByExternal(ctx context.Context, source order.Source, externalID string) (*order.Cart, error) {
	const op = "memstore.Carts.GetByExternal"
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	id, ok := cs.s.cartByExt[extKey(source, externalID)]
	if !ok || externalID == "" {
		return nil, order.E(op, order.NotFound, order.CodeNotFound, fmt.Sprintf("cart %q not found", string(source)+"/"+externalID))
	}
	return cs.getLocked(op, id)
}

// Update implements order.CartStore.
func (cs *Carts) Update(ctx context.Context, id string, fn order.CartUpdateFunc) (*order.Cart, error) {
	const op = "memstore.Carts.Update"
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	cur, err := cs.getLocked(op, id)
	if err != nil {
		return nil, err
	}
	next, err := order.CloneCart(cur)
	if err != nil {
		return nil, err
	}
	events, err := fn(next)
	if err != nil {
		return nil, err
	}
	if next.ID != cur.ID || next.Source != cur.Source || next.ExternalID != cur.ExternalID {
		return nil, order.E(op, order.Invalid, "immutable_field", "a cart's id, source and external id cannot change")
	}
	before, _ := json.Marshal(cur)
	after, err := json.Marshal(next)
	if err != nil {
		return nil, order.Wrap(op, order.Invalid, "invalid_cart", "the updated cart cannot be encoded", err)
	}
	if string(before) == string(after) && len(events) == 0 {
		return cur, nil
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if err := checkEvents(op, events); err != nil {
		return nil, err
	}
	stored, err := order.CloneCart(next)
	if err != nil {
		return nil, err
	}
	row := cs.s.carts[id]
	row.cart, row.version = stored, row.version+1
	cs.s.addOutbox(events)
	return next, nil
}

// Due implements order.CartStore.
func (cs *Carts) Due(ctx context.Context, now time.Time, page order.PageRequest) (order.Page[order.Cart], error) {
	const op = "memstore.Carts.Due"
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page[order.Cart]{}, err
	}
	after, err := decodeCursor(op, page.Cursor, "remind")
	if err != nil {
		return order.Page[order.Cart]{}, err
	}
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	type keyed struct {
		key  string
		cart *order.Cart
	}
	var due []keyed
	for _, row := range cs.s.carts {
		c := row.cart
		if c.NextReminderAt != nil && !c.NextReminderAt.After(now) {
			due = append(due, keyed{fmtTime(*c.NextReminderAt) + "#" + c.ID, c})
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].key < due[j].key })
	out := order.Page[order.Cart]{Items: []order.Cart{}}
	for i, k := range due {
		if after != "" && k.key <= after {
			continue
		}
		c, err := order.CloneCart(k.cart)
		if err != nil {
			return order.Page[order.Cart]{}, err
		}
		out.Items = append(out.Items, *c)
		if len(out.Items) == limit {
			if i+1 < len(due) {
				out.Next = encodeCursor("remind", k.key)
			}
			break
		}
	}
	return out, nil
}
