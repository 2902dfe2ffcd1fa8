package order_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/ordersmith/ordersmith/internal/order"
)

var staff = order.StaffActor("auth0|42")

func TestNewEvent(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 30, 15, 123_000_000, time.UTC)
	e, err := order.NewEvent(order.OrderPaid, "ord-1", staff, at, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := ulid.ParseStrict(e.ID)
	if err != nil {
		t.Fatalf("ID %q is not a ULID: %v", e.ID, err)
	}
	if !ulid.Time(id.Time()).Equal(at) {
		t.Fatalf("ULID time %v, want %v", ulid.Time(id.Time()), at)
	}
	if e.Type != order.OrderPaid || e.OrderID != "ord-1" || e.Actor != staff || !e.At.Equal(at) || string(e.Data) != `{"k":"v"}` {
		t.Fatalf("event = %+v", e)
	}
	if e, err := order.NewEvent(order.OrderUpdated, "ord-1", staff, at, nil); err != nil || e.Data != nil {
		t.Fatalf("nil data gave %s, %v", e.Data, err)
	}
	_, err = order.NewEvent("OrderExploded", "ord-1", staff, at, nil)
	wantErr(t, err, order.Invalid, "unknown_event_type")
	_, err = order.NewEvent(order.OrderPaid, "ord-1", order.Actor{}, at, nil)
	wantErr(t, err, order.Internal, "invalid_actor")
	_, err = order.NewEvent(order.OrderPaid, "ord-1", staff, at, func() {})
	wantErr(t, err, order.Internal, "encode_event")

	// IDs made in one millisecond still sort in the order they were made,
	// and IDs of later times sort after.
	var ids []string
	for i := 0; i < 200; i++ {
		ids = append(ids, order.NewEventID(at))
	}
	ids = append(ids, order.NewEventID(at.Add(time.Millisecond)))
	if !sort.StringsAreSorted(ids) {
		t.Fatal("event IDs are not monotonic")
	}
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Fatal("duplicate event IDs")
	}
}

func TestEventTypes(t *testing.T) {
	notify := map[order.EventType]order.NotificationKind{
		order.OrderCreated: order.NotifyOrderConfirmed, order.OrderPaid: order.NotifyStatusChanged,
		order.OrderStatusChanged: order.NotifyStatusChanged, order.OrderShipped: order.NotifyShipped,
		order.OrderDelivered: order.NotifyDelivered, order.OrderCancelled: order.NotifyCancelled,
		order.PaymentReminderRequested: order.NotifyPaymentReminder, order.CartReminderDue: order.NotifyAbandonedCart,
	}
	for _, typ := range order.AllEventTypes {
		got, err := order.ParseEventType(string(typ))
		if err != nil || got != typ {
			t.Fatalf("ParseEventType(%q) = %q, %v", typ, got, err)
		}
		k, ok := typ.Notification()
		want, wantOK := notify[typ]
		if k != want || ok != wantOK {
			t.Errorf("%s.Notification() = %q, %v; want %q, %v", typ, k, ok, want, wantOK)
		}
	}
	// No e-mail for internal bookkeeping.
	for _, typ := range []order.EventType{order.OrderUpdated, order.CreditNoteRequested, order.CartAbandoned, order.CartRecovered} {
		if _, ok := typ.Notification(); ok {
			t.Errorf("%s sends an e-mail", typ)
		}
	}
}

func eventTypes(events []order.Event) []order.EventType {
	out := []order.EventType{}
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

func TestEventsFor(t *testing.T) {
	settings := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	tests := []struct {
		name  string
		setup func(t *testing.T) (*order.Order, []order.Change)
		want  []order.EventType
		check func(t *testing.T, events []order.Event)
	}{
		{"mark paid", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.AwaitingPayment, order.Processing)
			c, err := o.MarkPaid(now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderPaid}, nil},
		{"mark unpaid", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.Processing)
			c, err := o.MarkUnpaid(now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderStatusChanged}, nil},
		{"mark shipped carries the tracking", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.Processing)
			c, err := o.MarkShipped("Colissimo", "6A123", now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderShipped}, func(t *testing.T, events []order.Event) {
			var d order.OrderEventData
			if err := events[0].DecodeData(&d); err != nil {
				t.Fatal(err)
			}
			if len(d.Tracking) != 1 || d.Tracking[0].Number != "6A123" || len(d.Changes) != 2 || d.FulfilmentStatus != "SHIPPED" {
				t.Fatalf("data = %+v", d)
			}
			if d.CustomerEmail != "elodie.martin@example.fr" || d.Locale != "fr-FR" {
				t.Fatalf("data = %+v", d)
			}
		}},
		{"a second parcel", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.Shipped)
			c, err := o.MarkShipped("", "XY9", now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderShipped}, nil},
		{"mark unshipped", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.Shipped)
			o.Tracking = []order.Tracking{{Number: "1", At: t0}}
			c, err := o.MarkUnshipped(now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderStatusChanged}, nil},
		{"delivered: one e-mail, not two", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.Shipped)
			c, err := o.ChangeFulfilmentStatus(order.Delivered, now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderDelivered}, nil},
		{"refunded", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.Delivered)
			c, err := o.ChangePaymentStatus(order.Refunded, now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderStatusChanged}, nil},
		{"hold", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.Processing)
			c, err := o.Hold(now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderUpdated}, nil},
		{"cancel a paid order", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.Processing)
			c, _, err := o.Cancel(now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderCancelled, order.CreditNoteRequested}, func(t *testing.T, events []order.Event) {
			for _, e := range events {
				var d order.OrderEventData
				if err := e.DecodeData(&d); err != nil {
					t.Fatal(err)
				}
				want := []order.RestockLine{{SKU: "BOOK", Quantity: 2}, {SKU: "TEE", Quantity: 1}}
				if !d.CreditNote || !reflect.DeepEqual(d.Restock, want) {
					t.Fatalf("%s data = %+v", e.Type, d)
				}
			}
			if events[0].ID == events[1].ID {
				t.Fatal("two events share an ID")
			}
		}},
		{"cancel an unpaid order", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.AwaitingPayment, order.Processing)
			c, _, err := o.Cancel(now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderCancelled}, nil},
		{"cancel after the delivery was called off: no restock", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.Paid, order.WillNotDeliver)
			c, _, err := o.Cancel(now)
			return o, must(t, c, err)
		}, []order.EventType{order.OrderCancelled, order.CreditNoteRequested}, func(t *testing.T, events []order.Event) {
			var d order.OrderEventData
			if err := events[0].DecodeData(&d); err != nil {
				t.Fatal(err)
			}
			if d.Restock != nil {
				t.Fatalf("restock = %+v", d.Restock)
			}
		}},
		{"payment reminder", func(t *testing.T) (*order.Order, []order.Change) {
			o := placed(order.AwaitingPayment, order.Processing)
			c, err := o.RequestPaymentReminder(now)
			return o, must(t, c, err)
		}, []order.EventType{order.PaymentReminderRequested}, nil},
		{"creation folds the rules in", func(t *testing.T) (*order.Order, []order.Change) {
			o := digitalOrder("0")
			if err := order.Normalise(o, now); err != nil {
				t.Fatal(err)
			}
			rules, err := order.ApplyStatusRules(o, settings, now)
			if len(rules) != 2 {
				t.Fatalf("rules gave %+v, %v", rules, err)
			}
			created := order.CreatedChange(o, order.StorefrontActor(o.Source), order.ViaWebhook(o.Source))
			order.Stamp(rules, order.SystemActor("rules"), order.ViaRule)
			return o, append([]order.Change{created}, rules...)
		}, []order.EventType{order.OrderCreated}, func(t *testing.T, events []order.Event) {
			var d order.OrderEventData
			if err := events[0].DecodeData(&d); err != nil {
				t.Fatal(err)
			}
			if d.PaymentStatus != "PAID" || d.FulfilmentStatus != "DELIVERED" {
				t.Fatalf("confirmation shows %s/%s, want the final statuses", d.PaymentStatus, d.FulfilmentStatus)
			}
		}},
		{"payment then the digital rule", func(t *testing.T) (*order.Order, []order.Change) {
			o := digitalOrder("9.99")
			if err := order.Normalise(o, t0); err != nil {
				t.Fatal(err)
			}
			paid, err := o.MarkPaid(now)
			if err != nil {
				t.Fatal(err)
			}
			rules, err := order.ApplyStatusRules(o, settings, now)
			if err != nil {
				t.Fatal(err)
			}
			order.Stamp(rules, order.SystemActor("rules"), order.ViaRule)
			return o, append(paid, rules...)
		}, []order.EventType{order.OrderPaid, order.OrderDelivered}, func(t *testing.T, events []order.Event) {
			if events[1].Actor.Kind != order.ActorSystem {
				t.Fatalf("the delivery is attributed to %v", events[1].Actor)
			}
		}},
		{"nothing happened", func(t *testing.T) (*order.Order, []order.Change) {
			return placed(order.Paid, order.Processing), nil
		}, []order.EventType{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, changes := tt.setup(t)
			for i := range changes {
				if changes[i].Actor.IsZero() {
					changes[i].Actor, changes[i].Via = staff, order.ViaAPI
				}
			}
			o.ID = "ord-1"
			events, err := order.EventsFor(o, changes)
			if err != nil {
				t.Fatal(err)
			}
			if got := eventTypes(events); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("events = %v, want %v", got, tt.want)
			}
			for _, e := range events {
				if e.OrderID != "ord-1" || e.Actor.IsZero() || e.At.IsZero() || len(e.Data) == 0 {
					t.Fatalf("incomplete event %+v", e)
				}
			}
			if tt.check != nil {
				tt.check(t, events)
			}
		})
	}

	// Rows nobody stamped are a bug, not an anonymous event.
	o := placed(order.AwaitingPayment, order.Processing)
	c, err := o.MarkPaid(now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = order.EventsFor(o, c)
	wantErr(t, err, order.Internal, "invalid_actor")
}

func must(t *testing.T, c []order.Change, err error) []order.Change {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOrderCreatedEvent(t *testing.T) {
	o := validOrder()
	o.ID, o.Number = "ord-7", "CMD-1042"
	if err := order.Normalise(o, t0); err != nil {
		t.Fatal(err)
	}
	e, err := order.OrderCreatedEvent(o, order.StorefrontActor(order.SourceShopify))
	if err != nil {
		t.Fatal(err)
	}
	var d order.OrderEventData
	if err := e.DecodeData(&d); err != nil {
		t.Fatal(err)
	}
	if e.Type != order.OrderCreated || !e.At.Equal(t0) || d.Number != "CMD-1042" || !d.Grand.Equal(order.MustMoney("54.40", eur)) {
		t.Fatalf("event %+v, data %+v", e, d)
	}
	wantErr(t, (order.Event{ID: "x"}).DecodeData(&d), order.Invalid, "missing_event_data")
	wantErr(t, (order.Event{ID: "x", Data: json.RawMessage(`[1]`)}).DecodeData(&d), order.Invalid, "invalid_event_data")
}
