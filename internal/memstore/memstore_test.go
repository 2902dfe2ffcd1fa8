package memstore_test

import (
	"context"
	"testing"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// factory gives each test a fresh store; its peers share the data, as two
// Lambdas share the table.
func factory(t *testing.T, clock *storetest.Clock) storetest.Stores {
	s := memstore.New(memstore.WithClock(clock.Now))
	return storetest.Stores{
		Orders: s, Idempotency: s.Idempotency(), Customers: s.Customers(), Settings: s.Settings(),
		Rates: s.Rates(), Stock: s.Stock(), Carts: s.Carts(), Pending: s, Outbox: s,
		Peer: func() order.OrderStore { return s },
	}
}

func TestContract(t *testing.T) { storetest.RunAll(t, factory) }

// TestOutboxFollowsWrites checks what only the fake exposes: the events of
// committed writes, in order, and none of refused ones.
func TestOutboxFollowsWrites(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(storetest.Epoch)
	s := memstore.New(memstore.WithClock(clock.Now))
	actor := order.StaffActor("auth0|1")
	record := func(o *order.Order) ([]order.Change, []order.Event, error) {
		ch := []order.Change{order.CreatedChange(o, actor, order.ViaAPI)}
		ev, err := order.EventsFor(o, ch)
		return ch, ev, err
	}
	in := sampleOrder()
	created, err := s.Create(ctx, in, order.CreateOptions{Record: record})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := s.Create(ctx, sampleOrder(), order.CreateOptions{Record: record}); order.CodeOf(err) != order.CodeAlreadyExists {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := s.Update(ctx, created.ID, func(o *order.Order) ([]order.Change, []order.Event, error) {
		ch, err := o.MarkPaid(clock.Now())
		if err != nil {
			return nil, nil, err
		}
		ch = order.Stamp(ch, actor, order.ViaAPI)
		ev, err := order.EventsFor(o, ch)
		return ch, ev, err
	}); err != nil {
		t.Fatalf("mark paid: %v", err)
	}
	events := s.Outbox()
	cases := []struct {
		typ    order.EventType
		number string
	}{{order.OrderCreated, "1"}, {order.OrderPaid, "1"}}
	if len(events) != len(cases) {
		t.Fatalf("outbox holds %d events, want %d: %+v", len(events), len(cases), events)
	}
	for i, c := range cases {
		var data order.OrderEventData
		if err := events[i].DecodeData(&data); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if events[i].Type != c.typ || events[i].OrderID != created.ID || data.Number != c.number {
			t.Fatalf("event %d = %s for %s number %q, want %s for %s number %q",
				i, events[i].Type, events[i].OrderID, data.Number, c.typ, created.ID, c.number)
		}
	}
}
