package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// newCart is a valid abandoned cart.
func newCart(ext string, updated time.Time) *order.Cart {
	return &order.Cart{
		Source: order.SourceShopify, ExternalID: ext,
		Customer: order.Customer{Name: "Léa", Email: "lea@example.com", Locale: "fr-FR"},
		Lines:    []order.LineItem{{SKU: "MUG-001", Name: "Mug", Quantity: 1, UnitPrice: decimal.RequireFromString("12.50")}},
		Currency: order.EUR, Total: order.MustMoney("12.50", order.EUR),
		RecoveryURL: "https://boutique.example.com/cart/" + ext, UpdatedAt: updated,
	}
}

// RunCartStore runs the CartStore contract.
func RunCartStore(t *testing.T, f Factory) {
	ctx := context.Background()
	s, clock := newStores(t, f)
	var ids []string
	for i := range 3 {
		c := newCart(fmt.Sprintf("chk-%d", i), Epoch)
		c.Abandon(Epoch.Add(time.Duration(i) * time.Hour)) // reminders due at +2h, +3h, +4h
		got, err := s.Carts.Create(ctx, c, nil)
		if err != nil {
			t.Fatalf("create cart %d: %v", i, err)
		}
		ids = append(ids, got.ID)
	}
	_, err := s.Carts.Create(ctx, newCart("chk-1", Epoch), nil)
	wantKind(t, err, order.Conflict, order.CodeAlreadyExists)
	if id, ok := order.ExistingID(err); !ok || id != ids[1] {
		t.Fatalf("duplicate cart names %q, want %q", id, ids[1])
	}
	byExt, err := s.Carts.GetByExternal(ctx, order.SourceShopify, "chk-2")
	if err != nil || byExt.ID != ids[2] {
		t.Fatalf("GetByExternal: %v, %v", byExt, err)
	}
	if _, err := s.Carts.GetByExternal(ctx, order.SourceShopify, "chk-9"); order.KindOf(err) != order.NotFound {
		t.Fatalf("unknown cart: %v", err)
	}
	badCart := newCart("chk-bad", Epoch)
	badCart.Lines = nil
	_, err = s.Carts.Create(ctx, badCart, nil)
	wantKind(t, err, order.Invalid, "")

	due := func(now time.Time, limit int) []string {
		var out []string
		cursor := ""
		for range 10 {
			page, err := s.Carts.Due(ctx, now, order.PageRequest{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatalf("due: %v", err)
			}
			for _, c := range page.Items {
				out = append(out, c.ID)
			}
			if page.Next == "" {
				return out
			}
			cursor = page.Next
		}
		t.Fatal("due paging does not end")
		return nil
	}
	cases := []struct {
		name string
		now  time.Time
		want []string
	}{
		{"none yet", Epoch.Add(time.Hour), nil},
		{"exactly due", Epoch.Add(2 * time.Hour), ids[:1]},
		{"two due", Epoch.Add(3*time.Hour + time.Minute), ids[:2]},
		{"all due, paged by 1", Epoch.Add(5 * time.Hour), ids},
	}
	for _, c := range cases {
		if got := due(c.now, 1); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Fatalf("%s: due %v, want %v", c.name, got, c.want)
		}
	}

	// Two schedulers remind the same cart: one sends, the other is told.
	clock.Advance(2 * time.Hour)
	remind := func(c *order.Cart) ([]order.Event, error) {
		if err := c.MarkReminded(clock.Now()); err != nil {
			return nil, err
		}
		e, err := order.CartEvent(order.CartReminderDue, c, order.SystemActor("cart-reminders"), clock.Now())
		return []order.Event{e}, err
	}
	results := make(chan error, 2)
	for range 2 {
		go func() { _, err := s.Carts.Update(ctx, ids[0], remind); results <- err }()
	}
	sent := 0
	for range 2 {
		err := <-results
		switch {
		case err == nil:
			sent++
		case order.CodeOf(err) != order.CodeReminderNotDue:
			t.Fatalf("remind: %v", err)
		}
	}
	if sent != 1 {
		t.Fatalf("%d reminders sent, want exactly 1", sent)
	}
	c, err := s.Carts.Get(ctx, ids[0])
	if err != nil || c.RemindersSent != 1 || c.NextReminderAt == nil {
		t.Fatalf("cart after reminder: %+v, %v", c, err)
	}
	// Recovered: out of the reminder index.
	_, err = s.Carts.Update(ctx, ids[1], func(c *order.Cart) ([]order.Event, error) {
		c.Recover(&order.Order{ID: "01ORDER", Customer: order.Customer{Email: "LEA@example.com"}, CreatedAt: clock.Now()}, clock.Now())
		return nil, nil
	})
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if got := due(Epoch.Add(30*24*time.Hour), 10); fmt.Sprint(got) != fmt.Sprint([]string{ids[2], ids[0]}) {
		t.Fatalf("due after reminder and recovery %v, want %v", got, []string{ids[2], ids[0]})
	}
	_, err = s.Carts.Update(ctx, ids[2], func(c *order.Cart) ([]order.Event, error) { c.ExternalID = "other"; return nil, nil })
	wantKind(t, err, order.Invalid, "immutable_field")
	_, err = s.Carts.Update(ctx, "01NOCART", func(c *order.Cart) ([]order.Event, error) { return nil, nil })
	wantKind(t, err, order.NotFound, "")
}
