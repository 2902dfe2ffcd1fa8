package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RunIdempotencyStore runs the IdempotencyStore contract.
func RunIdempotencyStore(t *testing.T, f Factory) {
	t.Run("Lifecycle", func(t *testing.T) { testIdempotencyLifecycle(t, f) })
	t.Run("Invalid", func(t *testing.T) { testIdempotencyInvalid(t, f) })
}

func testIdempotencyLifecycle(t *testing.T, f Factory) {
	ctx := context.Background()
	s, clock := newStores(t, f)
	idem := s.Idempotency
	steps := []struct {
		name       string
		do         func() (*order.IdempotencyRecord, error)
		wantStatus order.IdempotencyStatus // "" for a fresh claim (nil record)
		check      func(t *testing.T, r *order.IdempotencyRecord)
	}{
		{"first claim", func() (*order.IdempotencyRecord, error) {
			return idem.Begin(ctx, "orders", "k1", "fp-1", 30*time.Second)
		}, "", nil},
		{"second claim sees it in progress", func() (*order.IdempotencyRecord, error) {
			return idem.Begin(ctx, "orders", "k1", "fp-2", 30*time.Second)
		}, order.IdempotencyInProgress, func(t *testing.T, r *order.IdempotencyRecord) {
			if r.Fingerprint != "fp-1" || !r.ExpiresAt.Equal(Epoch.Add(30*time.Second)) {
				t.Fatalf("in-progress record %+v, want fingerprint fp-1 expiring at %v", r, Epoch.Add(30*time.Second))
			}
		}},
		{"another scope is another key", func() (*order.IdempotencyRecord, error) {
			return idem.Begin(ctx, "webhooks", "k1", "", 30*time.Second)
		}, "", nil},
		{"complete", func() (*order.IdempotencyRecord, error) {
			return nil, idem.Complete(ctx, order.IdempotencyResult{Scope: "orders", Key: "k1", Fingerprint: "fp-1",
				Response: []byte(`{"id":"A"}`), ResourceID: "A", TTL: time.Hour})
		}, "", nil},
		{"replay sees the response", func() (*order.IdempotencyRecord, error) {
			return idem.Begin(ctx, "orders", "k1", "fp-1", 30*time.Second)
		}, order.IdempotencyCompleted, func(t *testing.T, r *order.IdempotencyRecord) {
			if string(r.Response) != `{"id":"A"}` || r.ResourceID != "A" || r.Scope != "orders" || r.Key != "k1" {
				t.Fatalf("completed record %+v", r)
			}
		}},
		{"release keeps a completed record", func() (*order.IdempotencyRecord, error) {
			if err := idem.Release(ctx, "orders", "k1"); err != nil {
				return nil, err
			}
			return idem.Begin(ctx, "orders", "k1", "fp-1", 30*time.Second)
		}, order.IdempotencyCompleted, nil},
		{"expired record is reusable", func() (*order.IdempotencyRecord, error) {
			clock.Advance(time.Hour + time.Second)
			return idem.Begin(ctx, "orders", "k1", "fp-3", 30*time.Second)
		}, "", nil},
		{"the new claim holds", func() (*order.IdempotencyRecord, error) {
			return idem.Begin(ctx, "orders", "k1", "fp-4", 30*time.Second)
		}, order.IdempotencyInProgress, func(t *testing.T, r *order.IdempotencyRecord) {
			if r.Fingerprint != "fp-3" {
				t.Fatalf("fingerprint %q, want the new claim's fp-3", r.Fingerprint)
			}
		}},
		{"release frees an in-progress claim", func() (*order.IdempotencyRecord, error) {
			if err := idem.Release(ctx, "orders", "k1"); err != nil {
				return nil, err
			}
			return idem.Begin(ctx, "orders", "k1", "fp-5", 30*time.Second)
		}, "", nil},
		{"an expired lock is taken over", func() (*order.IdempotencyRecord, error) {
			clock.Advance(31 * time.Second)
			return idem.Begin(ctx, "orders", "k1", "fp-6", 30*time.Second)
		}, "", nil},
	}
	for _, st := range steps {
		r, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		switch {
		case st.wantStatus == "" && r != nil:
			t.Fatalf("%s: got record %+v, want a fresh claim", st.name, r)
		case st.wantStatus != "" && (r == nil || r.Status != st.wantStatus):
			t.Fatalf("%s: got %+v, want a %s record", st.name, r, st.wantStatus)
		}
		if st.check != nil {
			st.check(t, r)
		}
	}
}

func testIdempotencyInvalid(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	idem := s.Idempotency
	cases := []struct {
		name string
		err  func() error
		kind order.Kind
		code string
	}{
		{"empty key", func() error { _, err := idem.Begin(ctx, "orders", "", "", time.Minute); return err }, order.Invalid, "invalid_idempotency_key"},
		{"long key", func() error {
			_, err := idem.Begin(ctx, "orders", strings.Repeat("k", 256), "", time.Minute)
			return err
		}, order.Invalid, "invalid_idempotency_key"},
		{"scope with separator", func() error { _, err := idem.Begin(ctx, "a#b", "k", "", time.Minute); return err }, order.Invalid, "invalid_idempotency_scope"},
		{"no lock", func() error { _, err := idem.Begin(ctx, "orders", "k", "", 0); return err }, order.Invalid, "invalid_ttl"},
		{"complete without claim", func() error {
			return idem.Complete(ctx, order.IdempotencyResult{Scope: "orders", Key: "never", TTL: time.Hour})
		}, order.Conflict, "idempotency_not_in_progress"},
		{"complete without ttl", func() error {
			return idem.Complete(ctx, order.IdempotencyResult{Scope: "orders", Key: "k"})
		}, order.Invalid, "invalid_ttl"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantKind(t, c.err(), c.kind, c.code) })
	}
	// Releasing a key nobody holds is not an error.
	if err := idem.Release(ctx, "orders", "nobody"); err != nil {
		t.Fatalf("release of a free key: %v", err)
	}
}

// RunCustomerStore runs the CustomerStore contract: summaries follow the
// creations, exactly, per currency.
func RunCustomerStore(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	specs := []orderSpec{
		{ext: "c-1", email: "Lea@Example.com", created: Epoch.Add(-48 * time.Hour), unitPrice: "10.10"},
		{ext: "c-2", email: "lea@example.com", created: Epoch, unitPrice: "0.35"},
		{ext: "c-3", email: "LEA@EXAMPLE.COM", created: Epoch.Add(-24 * time.Hour), currency: order.MustCurrency("USD"), unitPrice: "99.99"},
		{ext: "c-4", email: "someone@example.com", created: Epoch},
	}
	wantEUR, wantUSD := decimal.Zero, decimal.Zero
	for _, sp := range specs {
		o, err := s.Orders.Create(ctx, newOrder(t, sp), order.CreateOptions{})
		if err != nil {
			t.Fatalf("create %s: %v", sp.ext, err)
		}
		if strings.EqualFold(sp.email, "lea@example.com") {
			if o.Currency == order.EUR {
				wantEUR = wantEUR.Add(o.Totals.Grand.Amount)
			} else {
				wantUSD = wantUSD.Add(o.Totals.Grand.Amount)
			}
		}
	}
	c, err := s.Customers.Get(ctx, " LEA@example.com ")
	if err != nil {
		t.Fatalf("get customer: %v", err)
	}
	if c.Email != "lea@example.com" || c.OrdersCount != 3 {
		t.Fatalf("customer %+v, want lea@example.com with 3 orders", c)
	}
	if len(c.TotalSpent) != 2 || c.TotalSpent[0].Currency != order.EUR || !c.TotalSpent[0].Amount.Equal(wantEUR) ||
		c.TotalSpent[1].Currency.Code() != "USD" || !c.TotalSpent[1].Amount.Equal(wantUSD) {
		t.Fatalf("total spent %v, want %s EUR and %s USD exactly", c.TotalSpent, wantEUR, wantUSD)
	}
	if !c.FirstOrderAt.Equal(Epoch.Add(-48 * time.Hour)) {
		t.Fatalf("first order at %v, want %v", c.FirstOrderAt, Epoch.Add(-48*time.Hour))
	}
	if c.LastOrderAt.IsZero() {
		t.Fatal("last order time not set")
	}
	if _, err := s.Customers.Get(ctx, "nobody@example.com"); order.KindOf(err) != order.NotFound {
		t.Fatalf("unknown customer: %v, want NotFound", err)
	}
	t.Run("FollowsChanges", func(t *testing.T) { testCustomerFollowsChanges(t, f) })
}

// testCustomerFollowsChanges: a summary counts the orders that stand, in
// step with every change: a cancellation or a full refund takes the order
// out, an edit of the total moves the total spent, an edit of the e-mail
// moves the order to the other customer; an order created cancelled never
// counts.
func testCustomerFollowsChanges(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	want := func(email string, orders int64, spent string) {
		t.Helper()
		c, err := s.Customers.Get(ctx, email)
		if err != nil {
			t.Fatalf("customer %s: %v", email, err)
		}
		got := "none"
		for _, m := range c.TotalSpent {
			if m.Currency == order.EUR {
				got = m.String()
			}
		}
		if c.OrdersCount != orders || got != spent {
			t.Fatalf("customer %s: %d orders, %s spent; want %d, %s", email, c.OrdersCount, got, orders, spent)
		}
	}
	change := func(id string, edit func(o *order.Order)) {
		t.Helper()
		if _, err := s.Orders.Update(ctx, id, func(o *order.Order) ([]order.Change, []order.Event, error) {
			edit(o)
			totals, err := order.ComputeTotals(o)
			if err != nil {
				return nil, nil, err
			}
			o.Totals = totals
			return []order.Change{{Actor: order.SystemActor("test"), Action: order.ActionUpdate, Field: "order"}}, nil, nil
		}); err != nil {
			t.Fatalf("update %s: %v", id, err)
		}
	}
	// Two orders of 29.90 (2 x 12.50 + 7.90 ... the spec's lines).
	a, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "cf-a", email: "zoe@example.com", created: Epoch}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create a: %v", err)
	}
	b, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "cf-b", email: "zoe@example.com", created: Epoch}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create b: %v", err)
	}
	one := a.Totals.Grand
	want("zoe@example.com", 2, one.Add(b.Totals.Grand).String())

	change(a.ID, func(o *order.Order) { o.Payment = order.PaymentCancelled; o.Fulfilment = order.WillNotDeliver })
	want("zoe@example.com", 1, b.Totals.Grand.String())
	// Changing it again while cancelled moves nothing.
	change(a.ID, func(o *order.Order) { o.InternalComment = "annulée au téléphone" })
	want("zoe@example.com", 1, b.Totals.Grand.String())

	// An edit of b's lines: one more mug.
	change(b.ID, func(o *order.Order) { o.Lines[0].Quantity++ })
	bb, err := s.Orders.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	want("zoe@example.com", 1, bb.Totals.Grand.String())

	// b moves to another e-mail.
	change(b.ID, func(o *order.Order) { o.Customer.Email = "Zoe.Martin@Example.com" })
	want("zoe@example.com", 0, "0.00 EUR")
	want("zoe.martin@example.com", 1, bb.Totals.Grand.String())

	// Refunded in full: out; an order created cancelled: never in.
	change(b.ID, func(o *order.Order) { o.Payment = order.Refunded })
	want("zoe.martin@example.com", 0, "0.00 EUR")
	if _, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "cf-c", email: "zoe.martin@example.com", created: Epoch, payment: order.PaymentCancelled, fulfil: order.WillNotDeliver}), order.CreateOptions{}); err != nil {
		t.Fatalf("create c: %v", err)
	}
	want("zoe.martin@example.com", 0, "0.00 EUR")
}
