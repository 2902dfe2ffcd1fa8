package order_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// intakeEnv is an intake over the in-memory store, on a test clock.
type intakeEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *storetest.Clock
	store *memstore.Store
	svc   *order.Intake
}

func newIntakeEnv(t *testing.T) *intakeEnv {
	t.Helper()
	clock := storetest.NewClock(storetest.Epoch)
	st := memstore.New(memstore.WithClock(clock.Now))
	svc, err := order.NewIntake(order.IntakeDeps{
		Orders: storetest.NumberAtOnce{OrderStore: st, Carts: st.Carts()}, Idempotency: st.Idempotency(), Settings: st.Settings(), Rates: st.Rates(), Carts: st.Carts(),
	}, order.IntakeConfig{Now: clock.Now, CacheMaxAge: -1})
	if err != nil {
		t.Fatalf("new intake: %v", err)
	}
	return &intakeEnv{t: t, ctx: context.Background(), clock: clock, store: st, svc: svc}
}

func intakeDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func intakeDecPtr(s string) *decimal.Decimal { d := intakeDec(s); return &d }

// frOrder is a storefront order: 2 mugs at 12.50 TTC and 4.90 shipping, all
// at 20 %: 29.90 in all, of which 4.98 VAT.
func intakeFrOrder(src order.Source, ext string, updated time.Time) *order.Order {
	return &order.Order{
		Source: src, ExternalID: ext,
		Customer:         order.Customer{Name: "Marie Curie", Email: "marie@example.fr", Locale: "fr-FR"},
		Lines:            []order.LineItem{{SKU: "MUG-1", Name: "Tasse", Quantity: 2, UnitPrice: intakeDec("12.50"), VATRate: intakeDec("20")}},
		ShippingLines:    []order.ShippingLine{{Title: "Colissimo", Price: intakeDec("4.90"), VATRate: intakeDec("20")}},
		PricesIncludeTax: true, Currency: order.EUR,
		Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
		ExternalUpdatedAt: updated,
	}
}

func intakeInbound(o *order.Order, deliveryID string) order.Inbound {
	return order.Inbound{Source: o.Source, Kind: order.InboundOrder, Topic: "orders/create", DeliveryID: deliveryID,
		Fingerprint: "fp-" + deliveryID, Order: o, Reported: order.ReportedTotals{Grand: intakeDecPtr("29.90"), VAT: intakeDecPtr("4.98")}}
}

// orders lists every stored order, newest first.
func (e *intakeEnv) orders() []order.Order {
	e.t.Helper()
	var all []order.Order
	q := order.ListQuery{PageRequest: order.PageRequest{Limit: order.MaxPageLimit}}
	for {
		p, err := e.store.List(e.ctx, q)
		if err != nil {
			e.t.Fatalf("list orders: %v", err)
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			return all
		}
		q.Cursor = p.Next
	}
}

func intakeEventTypes(events []order.Event) []order.EventType {
	out := make([]order.EventType, 0, len(events))
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

func (e *intakeEnv) receive(in order.Inbound) order.IntakeResult {
	e.t.Helper()
	res, err := e.svc.Receive(e.ctx, in)
	if err != nil {
		e.t.Fatalf("receive %s: %v", in.DeliveryID, err)
	}
	return res
}

// TestIntakeAcceptsBeforeNumbering follows a new order delivered on its
// creation topic through the moment before its number: accepted, visible,
// without number, history or event; a retry is recognised; numbering then
// writes the rest once; a storefront update before the numbering numbers
// it first.
func TestIntakeAcceptsBeforeNumbering(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	st := memstore.New(memstore.WithClock(clock.Now))
	svc, err := order.NewIntake(order.IntakeDeps{
		Orders: st, Idempotency: st.Idempotency(), Settings: st.Settings(), Rates: st.Rates(),
	}, order.IntakeConfig{Now: clock.Now, CacheMaxAge: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	set := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	set.Numbering.Prefix = "WEB"
	if _, err := st.Settings().Put(ctx, set, 0); err != nil {
		t.Fatalf("settings: %v", err)
	}
	in := intakeInbound(intakeFrOrder(order.SourceShopify, "5001", storetest.Epoch), "wh-5001")
	in.Creation = true
	res, err := svc.Receive(ctx, in)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	wantID := order.StorefrontOrderID(order.SourceShopify, "5001")
	if res.Outcome != order.OutcomeCreated || res.OrderID != wantID || res.Number != "" {
		t.Fatalf("result = %+v, want created %s without a number yet", res, wantID)
	}
	o, err := st.Get(ctx, wantID)
	if err != nil || o.Number != "" || o.Totals.Grand.String() != "29.90 EUR" {
		t.Fatalf("accepted order = %+v, %v; want it stored, 29.90, no number", o, err)
	}
	if len(st.Outbox()) != 0 {
		t.Fatalf("outbox before numbering = %v, want empty", st.Outbox())
	}
	// The retry: same delivery, recognised from the order itself.
	again, err := svc.Receive(ctx, in)
	if err != nil || again.Outcome != order.OutcomeDuplicate || again.OrderID != wantID {
		t.Fatalf("retry = %+v, %v; want duplicate of %s", again, err, wantID)
	}
	// A paid update arrives before the numbering consumer: the order is
	// numbered, then updated.
	paid := intakeFrOrder(order.SourceShopify, "5001", storetest.Epoch.Add(time.Minute))
	paid.Payment = order.Paid
	up := intakeInbound(paid, "wh-5001-paid")
	up.Topic = "orders/paid"
	res, err = svc.Receive(ctx, up)
	if err != nil || res.Outcome != order.OutcomeUpdated {
		t.Fatalf("paid update = %+v, %v; want updated", res, err)
	}
	o, err = st.Get(ctx, wantID)
	if err != nil || o.Number != "WEB-1" || o.Payment != order.Paid {
		t.Fatalf("after the update: %+v, %v; want WEB-1, PAID", o, err)
	}
	if got := intakeEventTypes(st.Outbox()); len(got) != 2 || got[0] != order.OrderCreated || got[1] != order.OrderPaid {
		t.Fatalf("events = %v, want OrderCreated then OrderPaid", got)
	}
	// The consumer's numbering, arriving late, changes nothing.
	if n, err := st.AssignNumber(ctx, wantID); err != nil || n.Number != "WEB-1" || len(st.Outbox()) != 2 {
		t.Fatalf("late numbering: %+v, %v, %d events", n, err, len(st.Outbox()))
	}
	// The creation's retry after all that is still one order.
	again, err = svc.Receive(ctx, in)
	if err != nil || again.OrderID != wantID || (again.Outcome != order.OutcomeDuplicate && again.Outcome != order.OutcomeStale && again.Outcome != order.OutcomeUnchanged) {
		t.Fatalf("late retry = %+v, %v", again, err)
	}
	if p, err := st.List(ctx, order.ListQuery{}); err != nil || len(p.Items) != 1 {
		t.Fatalf("orders = %v, %v; want one", p.Items, err)
	}
}

func TestIntakeNewOrder(t *testing.T) {
	e := newIntakeEnv(t)
	updated := storetest.Epoch.Add(-time.Minute)
	res := e.receive(intakeInbound(intakeFrOrder(order.SourceShopify, "820982911946154508", updated), "d-1"))

	if res.Outcome != order.OutcomeCreated || res.Number != "1" || res.OrderID == "" {
		t.Fatalf("result = %+v, want created order number 1", res)
	}
	o, err := e.store.GetByExternal(e.ctx, order.SourceShopify, "820982911946154508")
	if err != nil {
		t.Fatalf("get by external id: %v", err)
	}
	checks := []struct {
		name      string
		got, want string
	}{
		{"id", o.ID, res.OrderID},
		{"grand", o.Totals.Grand.String(), "29.90 EUR"},
		{"vat", o.Totals.VAT.String(), "4.98 EUR"},
		{"net", o.Totals.Net.String(), "24.92 EUR"},
		{"payment", o.Payment.String(), "AWAITING_PAYMENT"},
		{"fulfilment", o.Fulfilment.String(), "AWAITING_PROCESSING"},
		{"company total", o.CompanyTotal.Total.String(), "29.90 EUR"},
		{"created at", o.CreatedAt.Format(time.RFC3339), storetest.Epoch.Format(time.RFC3339)},
		{"external updated at", o.ExternalUpdatedAt.Format(time.RFC3339), updated.Format(time.RFC3339)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	out := e.store.Outbox()
	if len(out) != 1 || out[0].Type != order.OrderCreated || out[0].OrderID != o.ID || out[0].ID == "" {
		t.Fatalf("outbox = %+v, want one OrderCreated of %s with an id", out, o.ID)
	}
	if out[0].Actor != order.StorefrontActor(order.SourceShopify) {
		t.Errorf("event actor = %v, want the storefront", out[0].Actor)
	}
	cust, err := e.store.Customers().Get(e.ctx, "MARIE@example.fr")
	if err != nil {
		t.Fatalf("customer: %v", err)
	}
	if cust.OrdersCount != 1 || len(cust.TotalSpent) != 1 || cust.TotalSpent[0].String() != "29.90 EUR" {
		t.Errorf("customer summary = %+v, want 1 order, 29.90 EUR", cust)
	}
}

// TestIntakeRedelivery covers what the storefronts' retries and concurrent
// deliveries do to an order already stored.
func TestIntakeRedelivery(t *testing.T) {
	t0 := storetest.Epoch.Add(-time.Hour)
	tests := []struct {
		name        string
		second      func() order.Inbound
		wantOutcome order.Outcome
		wantEvents  []order.EventType // after the creation's OrderCreated
		check       func(t *testing.T, o *order.Order)
	}{
		{
			name:        "same delivery retried",
			second:      func() order.Inbound { return intakeInbound(intakeFrOrder(order.SourceShopify, "A1", t0), "d-1") },
			wantOutcome: order.OutcomeDuplicate,
		},
		{
			name:        "another delivery of the same state",
			second:      func() order.Inbound { return intakeInbound(intakeFrOrder(order.SourceShopify, "A1", t0), "d-2") },
			wantOutcome: order.OutcomeUnchanged,
		},
		{
			name: "an older state",
			second: func() order.Inbound {
				o := intakeFrOrder(order.SourceShopify, "A1", t0.Add(-time.Minute))
				o.Payment = order.Paid
				return intakeInbound(o, "d-2")
			},
			wantOutcome: order.OutcomeStale,
			check: func(t *testing.T, o *order.Order) {
				if o.Payment != order.AwaitingPayment || o.Version != 1 {
					t.Errorf("a stale delivery changed the order: %s, version %d", o.Payment, o.Version)
				}
			},
		},
		{
			name: "newer and paid",
			second: func() order.Inbound {
				o := intakeFrOrder(order.SourceShopify, "A1", t0.Add(time.Minute))
				o.Payment = order.Paid
				return intakeInbound(o, "d-2")
			},
			wantOutcome: order.OutcomeUpdated,
			wantEvents:  []order.EventType{order.OrderPaid},
			check: func(t *testing.T, o *order.Order) {
				if o.Payment != order.Paid || o.Version != 2 || !o.ExternalUpdatedAt.Equal(t0.Add(time.Minute)) {
					t.Errorf("order = %s v%d at %s, want PAID v2 at the newer time", o.Payment, o.Version, o.ExternalUpdatedAt)
				}
			},
		},
		{
			name: "newer content",
			second: func() order.Inbound {
				o := intakeFrOrder(order.SourceShopify, "A1", t0.Add(time.Minute))
				o.Lines[0].Quantity = 3
				in := intakeInbound(o, "d-2")
				in.Reported = order.ReportedTotals{Grand: intakeDecPtr("42.40")}
				return in
			},
			wantOutcome: order.OutcomeUpdated,
			wantEvents:  []order.EventType{order.OrderUpdated},
			check: func(t *testing.T, o *order.Order) {
				if o.Totals.Grand.String() != "42.40 EUR" || o.CompanyTotal.Total.String() != "42.40 EUR" || o.Number != "1" {
					t.Errorf("order = %s (company %s) number %s, want 42.40 EUR, number kept", o.Totals.Grand, o.CompanyTotal.Total, o.Number)
				}
			},
		},
		{
			name: "newer and cancelled",
			second: func() order.Inbound {
				in := intakeInbound(intakeFrOrder(order.SourceShopify, "A1", t0.Add(time.Minute)), "d-2")
				in.Cancelled = true
				return in
			},
			wantOutcome: order.OutcomeUpdated,
			wantEvents:  []order.EventType{order.OrderCancelled},
			check: func(t *testing.T, o *order.Order) {
				if o.Payment != order.PaymentCancelled || o.Fulfilment != order.WillNotDeliver {
					t.Errorf("statuses = %s/%s, want CANCELLED/WILL_NOT_DELIVER", o.Payment, o.Fulfilment)
				}
			},
		},
		{
			name: "newer, asking for a move the tables refuse",
			second: func() order.Inbound {
				o := intakeFrOrder(order.SourceShopify, "A1", t0.Add(time.Minute))
				o.Payment = order.Refunded // AWAITING_PAYMENT → REFUNDED is not a move
				return intakeInbound(o, "d-2")
			},
			wantOutcome: order.OutcomeUnchanged,
			check: func(t *testing.T, o *order.Order) {
				if o.Payment != order.AwaitingPayment || !o.ExternalUpdatedAt.Equal(t0.Add(time.Minute)) {
					t.Errorf("order = %s at %s, want the payment kept and the newer time stored", o.Payment, o.ExternalUpdatedAt)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIntakeEnv(t)
			first := e.receive(intakeInbound(intakeFrOrder(order.SourceShopify, "A1", t0), "d-1"))
			e.clock.Advance(time.Minute)
			res := e.receive(tt.second())
			if res.Outcome != tt.wantOutcome || res.OrderID != first.OrderID {
				t.Fatalf("second delivery = %+v, want %s of %s", res, tt.wantOutcome, first.OrderID)
			}
			if n := len(e.orders()); n != 1 {
				t.Fatalf("%d orders stored, want 1", n)
			}
			got := intakeEventTypes(e.store.Outbox())
			want := append([]order.EventType{order.OrderCreated}, tt.wantEvents...)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("outbox = %v, want %v", got, want)
			}
			if tt.check != nil {
				o, err := e.store.Get(e.ctx, first.OrderID)
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				tt.check(t, o)
			}
		})
	}
}

func TestIntakeStorefrontNeverRevertsToInitialStatus(t *testing.T) {
	e := newIntakeEnv(t)
	t0 := storetest.Epoch.Add(-time.Hour)
	first := e.receive(intakeInbound(intakeFrOrder(order.SourceWooCommerce, "77", t0), "d-1"))
	// Staff recorded the bank transfer and shipped the parcel.
	_, err := e.store.Update(e.ctx, first.OrderID, func(o *order.Order) ([]order.Change, []order.Event, error) {
		a, err := o.MarkPaid(e.clock.Now())
		if err != nil {
			return nil, nil, err
		}
		b, err := o.MarkShipped("Colissimo", "6A123", e.clock.Now())
		return append(a, b...), nil, err
	})
	if err != nil {
		t.Fatalf("staff update: %v", err)
	}
	// The storefront knows nothing of it and reports its usual initial state.
	res := e.receive(intakeInbound(intakeFrOrder(order.SourceWooCommerce, "77", t0.Add(time.Minute)), "d-2"))
	if res.Outcome != order.OutcomeUnchanged {
		t.Fatalf("outcome = %s, want unchanged", res.Outcome)
	}
	o, _ := e.store.Get(e.ctx, first.OrderID)
	if o.Payment != order.Paid || o.Fulfilment != order.Shipped {
		t.Errorf("statuses = %s/%s, want staff's PAID/SHIPPED kept", o.Payment, o.Fulfilment)
	}
}

// TestIntakeRefusesBadInput: every refusal is a typed error and writes
// nothing, not even an idempotency claim.
func TestIntakeRefusesBadInput(t *testing.T) {
	t0 := storetest.Epoch
	tests := []struct {
		name     string
		in       func() order.Inbound
		wantKind order.Kind
		wantCode string
	}{
		{"totals mismatch", func() order.Inbound {
			in := intakeInbound(intakeFrOrder(order.SourceShopify, "B1", t0), "d-1")
			// One line and one shipping charge: 0.02 is the tolerance.
			in.Reported.Grand = intakeDecPtr("29.93")
			return in
		}, order.Invalid, "totals_mismatch"},
		{"vat mismatch", func() order.Inbound {
			in := intakeInbound(intakeFrOrder(order.SourceShopify, "B1", t0), "d-1")
			in.Reported.VAT = intakeDecPtr("5.10")
			return in
		}, order.Invalid, "totals_mismatch"},
		{"quantity zero", func() order.Inbound {
			o := intakeFrOrder(order.SourceShopify, "B1", t0)
			o.Lines[0].Quantity = 0
			return intakeInbound(o, "d-1")
		}, order.Invalid, "invalid_quantity"},
		{"no currency", func() order.Inbound {
			o := intakeFrOrder(order.SourceShopify, "B1", t0)
			o.Currency = order.Currency{}
			return intakeInbound(o, "d-1")
		}, order.Invalid, "unknown_currency"},
		{"no external id", func() order.Inbound {
			return intakeInbound(intakeFrOrder(order.SourceShopify, "", t0), "d-1")
		}, order.Invalid, "missing_field"},
		{"no delivery id", func() order.Inbound {
			return intakeInbound(intakeFrOrder(order.SourceShopify, "B1", t0), " ")
		}, order.Invalid, "missing_field"},
		{"invalid utf-8", func() order.Inbound {
			o := intakeFrOrder(order.SourceShopify, "B1", t0)
			o.Customer.Name = "Ma\xffrie"
			return intakeInbound(o, "d-1")
		}, order.Invalid, "invalid_utf8"},
		{"source mismatch", func() order.Inbound {
			in := intakeInbound(intakeFrOrder(order.SourceEcwid, "B1", t0), "d-1")
			in.Source = order.SourceShopify
			return in
		}, order.Invalid, "source_mismatch"},
		{"manual source on a webhook", func() order.Inbound {
			in := intakeInbound(intakeFrOrder(order.SourceManual, "", t0), "d-1")
			return in
		}, order.Invalid, "unknown_source"},
		{"discount over the subtotal", func() order.Inbound {
			o := intakeFrOrder(order.SourceShopify, "B1", t0)
			o.Discounts = []order.Discount{{Code: "TOO-MUCH", Amount: intakeDec("30")}}
			return intakeInbound(o, "d-1")
		}, order.Invalid, "discount_exceeds_subtotal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIntakeEnv(t)
			in := tt.in()
			_, err := e.svc.Receive(e.ctx, in)
			var oe *order.Error
			if !errors.As(err, &oe) || oe.Kind != tt.wantKind || oe.Code != tt.wantCode {
				t.Fatalf("error = %v, want %s %s", err, tt.wantKind, tt.wantCode)
			}
			if n := len(e.orders()); n != 0 {
				t.Errorf("%d orders stored", n)
			}
			if out := e.store.Outbox(); len(out) != 0 {
				t.Errorf("outbox = %v", out)
			}
			if in.DeliveryID != "" {
				// A claim left behind would answer the corrected retry
				// from a record of nothing.
				held, err := e.store.Idempotency().Begin(e.ctx, "webhook:"+string(in.Source), in.DeliveryID, "", time.Minute)
				if err != nil || held != nil {
					t.Errorf("idempotency record left: %+v, %v", held, err)
				}
			}
		})
	}
}

func TestIntakeStatusRules(t *testing.T) {
	tests := []struct {
		name          string
		zeroTotal     order.PaymentStatus
		edit          func(o *order.Order, in *order.Inbound)
		wantPayment   order.PaymentStatus
		wantFulfil    order.FulfilmentStatus
		wantRuleActor bool
	}{
		{"zero total, shop says paid", order.Paid, func(o *order.Order, in *order.Inbound) {
			o.Discounts = []order.Discount{{Code: "FREE", Amount: intakeDec("25.00")}}
			o.ShippingLines = nil
			in.Reported = order.ReportedTotals{Grand: intakeDecPtr("0")}
		}, order.Paid, order.AwaitingProcessing, true},
		{"zero total, shop says awaiting payment", order.AwaitingPayment, func(o *order.Order, in *order.Inbound) {
			o.Discounts = []order.Discount{{Code: "FREE", Amount: intakeDec("25.00")}}
			o.ShippingLines = nil
			in.Reported = order.ReportedTotals{Grand: intakeDecPtr("0")}
		}, order.AwaitingPayment, order.AwaitingProcessing, false},
		{"digital paid online", order.Paid, func(o *order.Order, in *order.Inbound) {
			o.Lines[0].Digital = true
			o.ShippingLines = nil
			o.Payment = order.Paid
			in.Reported = order.ReportedTotals{Grand: intakeDecPtr("25.00")}
		}, order.Paid, order.Delivered, true},
		{"digital not paid", order.Paid, func(o *order.Order, in *order.Inbound) {
			o.Lines[0].Digital = true
			o.ShippingLines = nil
			in.Reported = order.ReportedTotals{Grand: intakeDecPtr("25.00")}
		}, order.AwaitingPayment, order.AwaitingProcessing, false},
		{"physical paid", order.Paid, func(o *order.Order, in *order.Inbound) {
			o.Payment = order.Paid
		}, order.Paid, order.AwaitingProcessing, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIntakeEnv(t)
			set := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
			set.ZeroTotalPayment = tt.zeroTotal
			if _, err := e.store.Settings().Put(e.ctx, set, 0); err != nil {
				t.Fatalf("save settings: %v", err)
			}
			o := intakeFrOrder(order.SourceGeneric, "C1", storetest.Epoch)
			in := intakeInbound(o, "d-1")
			tt.edit(o, &in)
			res := e.receive(in)
			got, _ := e.store.Get(e.ctx, res.OrderID)
			if got.Payment != tt.wantPayment || got.Fulfilment != tt.wantFulfil {
				t.Errorf("statuses = %s/%s, want %s/%s", got.Payment, got.Fulfilment, tt.wantPayment, tt.wantFulfil)
			}
			hist, err := e.store.History(e.ctx, res.OrderID, order.PageRequest{})
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			ruled := false
			for _, c := range hist.Items {
				if c.Actor == order.SystemActor(order.IntakeActorJob) && c.Via == order.ViaRule {
					ruled = true
				}
			}
			if ruled != tt.wantRuleActor {
				t.Errorf("rule rows in history = %v, want %v (%+v)", ruled, tt.wantRuleActor, hist.Items)
			}
			// The confirmation already shows the final statuses: one event.
			if got := intakeEventTypes(e.store.Outbox()); fmt.Sprint(got) != "[OrderCreated]" {
				t.Errorf("outbox = %v, want [OrderCreated]", got)
			}
		})
	}
}

func TestIntakeNumbering(t *testing.T) {
	e := newIntakeEnv(t)
	set := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	set.Numbering.Prefix, set.Numbering.Suffix = "MaBoutique", "2019"
	if _, err := e.store.Settings().Put(e.ctx, set, 0); err != nil {
		t.Fatalf("save settings: %v", err)
	}
	if err := e.store.Settings().RaiseNextNumber(e.ctx, 1006); err != nil {
		t.Fatalf("raise: %v", err)
	}
	var numbers []string
	for i := range 3 {
		res := e.receive(intakeInbound(intakeFrOrder(order.SourceShopify, fmt.Sprint("N", i), storetest.Epoch), fmt.Sprint("d-", i)))
		numbers = append(numbers, res.Number)
	}
	if want := "[MaBoutique-1006-2019 MaBoutique-1007-2019 MaBoutique-1008-2019]"; fmt.Sprint(numbers) != want {
		t.Errorf("numbers = %v, want %s", numbers, want)
	}
}

func TestIntakeCompanyTotal(t *testing.T) {
	day := order.DateOf(storetest.Epoch, time.UTC)
	tests := []struct {
		name      string
		rates     []order.ExchangeRate
		wantTotal string
		wantRate  string
		wantDate  string
		missing   bool
	}{
		{"rate of the day", []order.ExchangeRate{
			{Currency: order.MustCurrency("USD"), Date: order.MustDate(2025, 3, 13), Rate: intakeDec("0.9")},
			{Currency: order.MustCurrency("USD"), Date: day, Rate: intakeDec("0.9231")},
			{Currency: order.MustCurrency("USD"), Date: order.MustDate(2025, 3, 15), Rate: intakeDec("2")},
		}, "27.60 EUR", "0.9231", "2025-03-14", false},
		{"latest earlier rate", []order.ExchangeRate{
			{Currency: order.MustCurrency("USD"), Date: order.MustDate(2025, 3, 10), Rate: intakeDec("0.91")},
			{Currency: order.MustCurrency("USD"), Date: order.MustDate(2025, 3, 15), Rate: intakeDec("2")},
		}, "27.21 EUR", "0.91", "2025-03-10", false},
		{"no rate: marked missing, never 1", []order.ExchangeRate{
			{Currency: order.MustCurrency("USD"), Date: order.MustDate(2025, 3, 15), Rate: intakeDec("2")},
			{Currency: order.MustCurrency("GBP"), Date: day, Rate: intakeDec("1.17")},
		}, "0.00 EUR", "0", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIntakeEnv(t)
			for _, r := range tt.rates {
				if err := e.store.Rates().Put(e.ctx, r); err != nil {
					t.Fatalf("put rate: %v", err)
				}
			}
			o := intakeFrOrder(order.SourceShopify, "FX1", storetest.Epoch)
			o.Currency = order.MustCurrency("USD")
			res := e.receive(intakeInbound(o, "d-1"))
			got, _ := e.store.Get(e.ctx, res.OrderID)
			c := got.CompanyTotal
			if c == nil || c.Total.String() != tt.wantTotal || c.Rate.String() != tt.wantRate || c.RateDate != tt.wantDate || c.Missing != tt.missing {
				t.Errorf("company total = %+v, want %s at %s (%s), missing %v", c, tt.wantTotal, tt.wantRate, tt.wantDate, tt.missing)
			}
		})
	}
}

func TestIntakeConcurrentDeliveriesMakeOneOrder(t *testing.T) {
	e := newIntakeEnv(t)
	const n = 50
	var wg sync.WaitGroup
	results := make([]order.IntakeResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.svc.Receive(e.ctx, intakeInbound(intakeFrOrder(order.SourceShopify, "SAME", storetest.Epoch), "d-same"))
		}()
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("delivery %d: %v", i, errs[i])
		}
		if results[i].Outcome == order.OutcomeCreated {
			created++
		}
		if results[i].OrderID != results[0].OrderID {
			t.Errorf("delivery %d answered order %s, delivery 0 %s", i, results[i].OrderID, results[0].OrderID)
		}
	}
	if created != 1 || len(e.orders()) != 1 || len(e.store.Outbox()) != 1 {
		t.Errorf("created %d, stored %d, events %d; want 1 each", created, len(e.orders()), len(e.store.Outbox()))
	}
}

func TestIntakeCarts(t *testing.T) {
	e := newIntakeEnv(t)
	t0 := storetest.Epoch.Add(-time.Hour)
	cart := func(updated time.Time, qty int64) order.Inbound {
		return order.Inbound{Source: order.SourceWooCommerce, Kind: order.InboundCart, DeliveryID: "cart@" + updated.String(),
			Cart: &order.Cart{Source: order.SourceWooCommerce, ExternalID: "4242", Customer: order.Customer{Email: "marie@example.fr"},
				Lines:    []order.LineItem{{SKU: "MUG-1", Name: "Tasse", Quantity: qty, UnitPrice: intakeDec("12.50")}},
				Currency: order.EUR, Total: order.MustMoney("25.00", order.EUR), UpdatedAt: updated}}
	}
	steps := []struct {
		name string
		in   order.Inbound
		want order.Outcome
	}{
		{"new checkout", cart(t0, 2), order.OutcomeCartTracked},
		{"same delivery again", cart(t0, 2), order.OutcomeDuplicate},
		{"newer checkout", cart(t0.Add(time.Minute), 3), order.OutcomeCartUpdated},
		{"older checkout", cart(t0.Add(-time.Minute), 1), order.OutcomeStale},
	}
	var cartID string
	for _, s := range steps {
		res := e.receive(s.in)
		if res.Outcome != s.want {
			t.Fatalf("%s: outcome %s, want %s", s.name, res.Outcome, s.want)
		}
		if cartID == "" {
			cartID = res.CartID
		}
		if res.CartID != cartID {
			t.Fatalf("%s: cart %s, want %s", s.name, res.CartID, cartID)
		}
	}
	c, err := e.store.Carts().Get(e.ctx, cartID)
	if err != nil || c.Lines[0].Quantity != 3 {
		t.Fatalf("cart = %+v, %v; want the newer content (3 mugs)", c, err)
	}
	// In the reminder index as of the last activity, for the reminder
	// function to schedule.
	if c.NextReminderAt == nil || !c.NextReminderAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("next reminder check at %v, want the last activity %v", c.NextReminderAt, t0.Add(time.Minute))
	}
	// The order for that checkout arrives.
	in := intakeInbound(intakeFrOrder(order.SourceWooCommerce, "4242", storetest.Epoch), "order-4242")
	in.CartExternalID = "4242"
	res := e.receive(in)
	c, _ = e.store.Carts().Get(e.ctx, cartID)
	if c.RecoveredOrderID != res.OrderID || c.NextReminderAt != nil {
		t.Errorf("cart recovered by %q (next reminder %v), want %s", c.RecoveredOrderID, c.NextReminderAt, res.OrderID)
	}
	if got := intakeEventTypes(e.store.Outbox()); fmt.Sprint(got) != "[OrderCreated CartRecovered]" {
		t.Errorf("outbox = %v", got)
	}
	// A completed checkout never tracked is not worth tracking.
	done := cart(t0, 1)
	done.Cart.ExternalID, done.DeliveryID, done.CheckoutCompleted = "9999", "done", true
	if res := e.receive(done); res.Outcome != order.OutcomeIgnored {
		t.Errorf("completed checkout: %s, want ignored", res.Outcome)
	}
}

func TestIntakePingWritesNothing(t *testing.T) {
	e := newIntakeEnv(t)
	res := e.receive(order.Inbound{Source: order.SourceWooCommerce, Kind: order.InboundPing, DeliveryID: "ping:1"})
	if res.Outcome != order.OutcomeIgnored || len(e.orders()) != 0 {
		t.Errorf("ping: %+v, %d orders", res, len(e.orders()))
	}
}

func intakeManualOrder() *order.Order {
	return &order.Order{
		Customer: order.Customer{Name: "Paul Martin", Email: "paul@example.fr", Phone: "+33 6 12 34 56 78"},
		Lines: []order.LineItem{
			{SKU: "BOOK-1", Name: "Livre", Quantity: 1, UnitPrice: intakeDec("21.10"), VATRate: intakeDec("5.5")},
			{SKU: "MUG-1", Name: "Tasse", Quantity: 2, UnitPrice: intakeDec("10.00"), VATRate: intakeDec("20")},
		},
		PricesIncludeTax: true, Currency: order.EUR, PaymentMethod: "Chèque", InternalComment: "commande par téléphone",
	}
}

func TestIntakeManualOrders(t *testing.T) {
	staff := order.StaffActor("auth0|42")
	tests := []struct {
		name      string
		edit      func(m *order.ManualOrder)
		wantErr   string
		wantPay   order.PaymentStatus
		wantFul   order.FulfilmentStatus
		wantGrand string
	}{
		{"phone order", func(m *order.ManualOrder) {}, "", order.AwaitingPayment, order.AwaitingProcessing, "41.10 EUR"},
		{"paid by card on the phone", func(m *order.ManualOrder) { m.Order.Payment = order.Paid }, "", order.Paid, order.AwaitingProcessing, "41.10 EUR"},
		{"digital, paid", func(m *order.ManualOrder) {
			m.Order.Payment = order.Paid
			m.Order.Lines = m.Order.Lines[:1]
			m.Order.Lines[0].Digital = true
		}, "", order.Paid, order.Delivered, "21.10 EUR"},
		{"refunded is no start", func(m *order.ManualOrder) { m.Order.Payment = order.Refunded }, "invalid_payment_status", order.PaymentStatus{}, order.FulfilmentStatus{}, ""},
		{"no lines", func(m *order.ManualOrder) { m.Order.Lines = nil }, "missing_field", order.PaymentStatus{}, order.FulfilmentStatus{}, ""},
		{"negative price", func(m *order.ManualOrder) { m.Order.Lines[0].UnitPrice = intakeDec("-1") }, "invalid_amount", order.PaymentStatus{}, order.FulfilmentStatus{}, ""},
		{"no staff", func(m *order.ManualOrder) { m.Actor = order.Actor{} }, "missing_claims", order.PaymentStatus{}, order.FulfilmentStatus{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIntakeEnv(t)
			m := order.ManualOrder{Order: intakeManualOrder(), Actor: staff}
			tt.edit(&m)
			res, err := e.svc.CreateManual(e.ctx, m)
			if tt.wantErr != "" {
				if order.CodeOf(err) != tt.wantErr || len(e.orders()) != 0 {
					t.Fatalf("error = %v, want %s and nothing stored", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			o := res.Order
			if res.Outcome != order.OutcomeCreated || o.Source != order.SourceManual || o.Number != "1" {
				t.Fatalf("result = %+v", res)
			}
			if o.Payment != tt.wantPay || o.Fulfilment != tt.wantFul {
				t.Errorf("statuses = %s/%s, want %s/%s", o.Payment, o.Fulfilment, tt.wantPay, tt.wantFul)
			}
			if o.InternalComment != "commande par téléphone" || o.Totals.Grand.String() != tt.wantGrand {
				t.Errorf("order comment %q, grand %s; want the comment kept and %s", o.InternalComment, o.Totals.Grand, tt.wantGrand)
			}
			out := e.store.Outbox()
			if len(out) != 1 || out[0].Type != order.OrderCreated || out[0].Actor != staff {
				t.Errorf("outbox = %+v, want one OrderCreated by the staff member", out)
			}
		})
	}
}

func TestIntakeManualIdempotency(t *testing.T) {
	e := newIntakeEnv(t)
	staff := order.StaffActor("auth0|42")
	first, err := e.svc.CreateManual(e.ctx, order.ManualOrder{Order: intakeManualOrder(), Actor: staff, IdempotencyKey: "k-1", Fingerprint: "body-1"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	again, err := e.svc.CreateManual(e.ctx, order.ManualOrder{Order: intakeManualOrder(), Actor: staff, IdempotencyKey: "k-1", Fingerprint: "body-1"})
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if again.Outcome != order.OutcomeDuplicate || again.OrderID != first.OrderID || again.Order == nil || again.Order.Number != first.Number {
		t.Errorf("retry = %+v, want the first order replayed", again)
	}
	_, err = e.svc.CreateManual(e.ctx, order.ManualOrder{Order: intakeManualOrder(), Actor: staff, IdempotencyKey: "k-1", Fingerprint: "body-2"})
	if !order.IsKind(err, order.Conflict) || order.CodeOf(err) != order.CodeIdempotencyKeyReused {
		t.Errorf("same key, other body: %v, want conflict %s", err, order.CodeIdempotencyKeyReused)
	}
	if _, err := e.store.Idempotency().Begin(e.ctx, "manual", "k-busy", "body-3", time.Minute); err != nil {
		t.Fatalf("claim: %v", err)
	}
	_, err = e.svc.CreateManual(e.ctx, order.ManualOrder{Order: intakeManualOrder(), Actor: staff, IdempotencyKey: "k-busy", Fingerprint: "body-3"})
	if order.CodeOf(err) != order.CodeIdempotencyInProgress {
		t.Errorf("key in progress: %v, want %s", err, order.CodeIdempotencyInProgress)
	}
	if n := len(e.orders()); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	// Without a key, every request is a new order.
	if _, err := e.svc.CreateManual(e.ctx, order.ManualOrder{Order: intakeManualOrder(), Actor: staff}); err != nil {
		t.Fatalf("create without key: %v", err)
	}
	if n := len(e.orders()); n != 2 {
		t.Errorf("%d orders, want 2", n)
	}
}

func TestSettingsAdmin(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	defaults := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	admin, err := order.NewSettingsAdmin(st.Settings(), st.Rates(), defaults)
	if err != nil {
		t.Fatal(err)
	}
	s, v, err := admin.Settings(ctx)
	if err != nil || v != 0 || s.Numbering.Next != 1 || s.ShopName != "Ma Boutique" {
		t.Fatalf("fresh settings = %+v v%d, %v; want the defaults from 1", s, v, err)
	}
	s.Numbering = order.Numbering{Prefix: "MaBoutique", Suffix: "2019", Next: 1006}
	s, v, err = admin.UpdateSettings(ctx, s, 0)
	if err != nil || v != 1 || s.Numbering.Next != 1006 {
		t.Fatalf("update = %+v v%d, %v", s, v, err)
	}
	steps := []struct {
		name     string
		next     int64
		version  int64
		wantKind order.Kind
		wantCode string
	}{
		{"lowering is a conflict", 1005, 1, order.Conflict, order.CodeNextNumberTooLow},
		{"stale version", 2000, 0, order.PreconditionFailed, order.CodeVersionConflict},
		{"over the maximum", order.MaxOrderNumber + 1, 1, order.Invalid, "invalid_numbering"},
	}
	for _, st := range steps {
		s.Numbering.Next = st.next
		_, _, err := admin.UpdateSettings(ctx, s, st.version)
		if !order.IsKind(err, st.wantKind) || order.CodeOf(err) != st.wantCode {
			t.Errorf("%s: %v, want %s %s", st.name, err, st.wantKind, st.wantCode)
		}
	}
	got, v, _ := admin.Settings(ctx)
	if got.Numbering.Next != 1006 || v != 1 {
		t.Errorf("after refusals: next %d v%d, want 1006 v1", got.Numbering.Next, v)
	}
	// Zero keeps the number; the same number is no raise.
	got.Numbering.Next = 0
	if _, v, err = admin.UpdateSettings(ctx, got, 1); err != nil || v != 2 {
		t.Errorf("keep next: v%d, %v", v, err)
	}

	usd := order.MustCurrency("USD")
	if err := admin.PutRate(ctx, order.ExchangeRate{Currency: usd, Date: order.MustDate(2025, 3, 10), Rate: intakeDec("0.92")}); err != nil {
		t.Fatalf("put rate: %v", err)
	}
	if err := admin.PutRate(ctx, order.ExchangeRate{Currency: order.EUR, Date: order.MustDate(2025, 3, 10), Rate: intakeDec("1")}); order.CodeOf(err) != "company_currency_rate" {
		t.Errorf("company currency rate: %v", err)
	}
	if err := admin.PutRate(ctx, order.ExchangeRate{Currency: usd, Date: order.MustDate(2025, 3, 10), Rate: intakeDec("-1")}); order.CodeOf(err) != "invalid_exchange_rate" {
		t.Errorf("negative rate: %v", err)
	}
	r, err := admin.RateOn(ctx, usd, order.MustDate(2025, 3, 12))
	if err != nil || r.Rate.String() != "0.92" || r.Date.String() != "2025-03-10" {
		t.Errorf("rate on 12th = %+v, %v; want the 10th's 0.92", r, err)
	}
}

// TestIntakeStorefrontUpdates covers the status rules of newer deliveries:
// automatic status rules after a payment, and holds, which only a storefront that has
// them may lift.
func TestIntakeStorefrontUpdates(t *testing.T) {
	t0 := storetest.Epoch.Add(-time.Hour)
	digital := func(o *order.Order) { o.Lines[0].Digital = true; o.ShippingLines = nil }
	tests := []struct {
		name       string
		src        order.Source
		first      func(o *order.Order)
		staff      func(o *order.Order, now time.Time) ([]order.Change, error)
		second     func(o *order.Order)
		wantPay    order.PaymentStatus
		wantFul    order.FulfilmentStatus
		wantOnHold bool
		wantEvents []order.EventType
	}{
		{"digital order paid later: delivered by the rule", order.SourceShopify, digital, nil,
			func(o *order.Order) { digital(o); o.Payment = order.Paid },
			order.Paid, order.Delivered, false, []order.EventType{order.OrderPaid, order.OrderDelivered}},
		{"WooCommerce on-hold holds", order.SourceWooCommerce, nil, nil,
			func(o *order.Order) { o.OnHold = true },
			order.AwaitingPayment, order.AwaitingProcessing, true, []order.EventType{order.OrderUpdated}},
		{"WooCommerce lifts its hold and the order is paid", order.SourceWooCommerce, func(o *order.Order) { o.OnHold = true }, nil,
			func(o *order.Order) { o.Payment = order.Paid },
			order.Paid, order.AwaitingProcessing, false, []order.EventType{order.OrderUpdated, order.OrderPaid}},
		{"a Shopify update does not lift staff's hold", order.SourceShopify, nil,
			func(o *order.Order, now time.Time) ([]order.Change, error) { return o.Hold(now) },
			func(o *order.Order) { o.Note = "Livrer le matin" },
			order.AwaitingPayment, order.AwaitingProcessing, true, []order.EventType{order.OrderUpdated}},
		{"shipped while held is refused, the rest applies", order.SourceShopify, nil,
			func(o *order.Order, now time.Time) ([]order.Change, error) { return o.Hold(now) },
			func(o *order.Order) { o.Payment = order.Paid; o.Fulfilment = order.Shipped },
			order.Paid, order.AwaitingProcessing, true, []order.EventType{order.OrderPaid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIntakeEnv(t)
			first := intakeFrOrder(tt.src, "U1", t0)
			if tt.first != nil {
				tt.first(first)
			}
			in := intakeInbound(first, "d-1")
			in.Reported = order.ReportedTotals{}
			created := e.receive(in)
			if tt.staff != nil {
				_, err := e.store.Update(e.ctx, created.OrderID, func(o *order.Order) ([]order.Change, []order.Event, error) {
					c, err := tt.staff(o, e.clock.Now())
					return order.Stamp(c, order.StaffActor("auth0|1"), order.ViaAPI), nil, err
				})
				if err != nil {
					t.Fatalf("staff: %v", err)
				}
			}
			second := intakeFrOrder(tt.src, "U1", t0.Add(time.Minute))
			if tt.first != nil {
				tt.first(second)
				second.OnHold = false
			}
			tt.second(second)
			in = intakeInbound(second, "d-2")
			in.Reported = order.ReportedTotals{}
			res := e.receive(in)
			o, _ := e.store.Get(e.ctx, created.OrderID)
			if o.Payment != tt.wantPay || o.Fulfilment != tt.wantFul || o.OnHold != tt.wantOnHold {
				t.Errorf("order %s/%s held %v, want %s/%s held %v (warnings %v)", o.Payment, o.Fulfilment, o.OnHold,
					tt.wantPay, tt.wantFul, tt.wantOnHold, res.Warnings)
			}
			got := intakeEventTypes(e.store.Outbox())[1:]
			if fmt.Sprint(got) != fmt.Sprint(tt.wantEvents) {
				t.Errorf("events after creation = %v, want %v", got, tt.wantEvents)
			}
		})
	}
}
