package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RunOutbox runs the order.Outbox contract: the events written and not
// marked published are listed, oldest write first, a page at a time; a
// marked event leaves the list, for good.
func RunOutbox(t *testing.T, f Factory) {
	ctx := context.Background()
	s, clock := newStores(t, f)
	if s.Outbox == nil {
		t.Fatal("the factory gives no Outbox")
	}
	actor := order.StaffActor("camille")
	// An order's creation, a minute later its update, a minute later a
	// cart's: each writes one event.
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "outbox-1", created: Epoch}), order.CreateOptions{
		Record: func(o *order.Order) ([]order.Change, []order.Event, error) {
			e, err := order.NewEvent(order.OrderCreated, o.ID, actor, clock.Now(), nil)
			return nil, []order.Event{e}, err
		},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	clock.Advance(time.Minute)
	if _, err := s.Orders.Update(ctx, o.ID, func(o *order.Order) ([]order.Change, []order.Event, error) {
		o.Tracking = append(o.Tracking, order.Tracking{Carrier: "colissimo", Number: "6A1", At: clock.Now()})
		e, err := order.NewEvent(order.OrderUpdated, o.ID, actor, clock.Now(), nil)
		return []order.Change{{Actor: actor, Action: order.ActionUpdate, Field: order.FieldTracking, To: "6A1"}}, []order.Event{e}, err
	}); err != nil {
		t.Fatalf("update: %v", err)
	}
	clock.Advance(time.Minute)
	c, err := s.Carts.Create(ctx, newCart("outbox-cart", clock.Now()), nil)
	if err != nil {
		t.Fatalf("create cart: %v", err)
	}
	if _, err := s.Carts.Update(ctx, c.ID, func(c *order.Cart) ([]order.Event, error) {
		e, err := order.CartEvent(order.CartAbandoned, c, order.SystemActor("carts"), clock.Now())
		return []order.Event{e}, err
	}); err != nil {
		t.Fatalf("update cart: %v", err)
	}

	list := func(before time.Time) []order.Event {
		t.Helper()
		return pageByPage(t, "unpublished events", func(page order.PageRequest) (order.Page[order.Event], error) {
			return s.Outbox.UnpublishedBefore(ctx, before, page)
		})
	}
	types := func(events []order.Event) []order.EventType {
		out := []order.EventType{}
		for _, e := range events {
			out = append(out, e.Type)
		}
		return out
	}
	all := list(clock.Now().Add(time.Second))
	if got, want := types(all), []order.EventType{order.OrderCreated, order.OrderUpdated, order.CartAbandoned}; !slices.Equal(got, want) {
		t.Fatalf("unpublished: %v, want %v in the order of their writes", got, want)
	}
	if all[0].OrderID != o.ID || all[1].OrderID != o.ID || all[2].CartID != c.ID || all[0].ID == "" {
		t.Errorf("the events are listed without their ids: %+v", all)
	}
	if got := types(list(Epoch.Add(30 * time.Second))); !slices.Equal(got, []order.EventType{order.OrderCreated}) {
		t.Errorf("unpublished before the update: %v, want the creation's event", got)
	}
	if got := list(Epoch); len(got) != 0 {
		t.Errorf("unpublished before the first write: %v, want none", got)
	}

	// The update's and the cart's events published: the creation's is left.
	if err := s.Outbox.MarkPublished(ctx, all[1:]); err != nil {
		t.Fatalf("mark published: %v", err)
	}
	if got := list(clock.Now().Add(time.Second)); len(got) != 1 || got[0].ID != all[0].ID {
		t.Errorf("unpublished after marking two: %v, want only %s", types(got), all[0].ID)
	}
	// Marking again, or an event the store never held, changes nothing.
	ghost, err := order.NewEvent(order.OrderUpdated, "GHOSTORDER", actor, clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Outbox.MarkPublished(ctx, []order.Event{all[1], ghost}); err != nil {
		t.Errorf("mark a published event and an unknown one: %v", err)
	}
	if got := list(clock.Now().Add(time.Second)); len(got) != 1 || got[0].ID != all[0].ID {
		t.Errorf("unpublished after marking again: %v, want only %s", types(got), all[0].ID)
	}
	// An event of no order or cart has no outbox item.
	orphan := ghost
	orphan.OrderID = ""
	wantKind(t, s.Outbox.MarkPublished(ctx, []order.Event{orphan}), order.Invalid, "invalid_event")
	if err := s.Outbox.MarkPublished(ctx, all[:1]); err != nil {
		t.Fatalf("mark the last: %v", err)
	}
	if got := list(clock.Now().Add(time.Second)); len(got) != 0 {
		t.Errorf("unpublished after marking all: %v, want none", types(got))
	}
}

// pageByPage lists what (at most 10 items) one item a page, following the
// cursors to the end.
func pageByPage[T any](t *testing.T, what string, list func(order.PageRequest) (order.Page[T], error)) []T {
	t.Helper()
	var got []T
	page := order.PageRequest{Limit: 1}
	for range 10 {
		p, err := list(page)
		if err != nil {
			t.Fatalf("list %s: %v", what, err)
		}
		got = append(got, p.Items...)
		if p.Next == "" {
			return got
		}
		page.Cursor = p.Next
	}
	t.Fatalf("more pages of %s than items: %v", what, got)
	return nil
}
