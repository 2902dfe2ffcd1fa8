package order_test

import (
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

var abandonedAt = time.Date(2025, 3, 14, 18, 0, 0, 0, time.UTC)

func validCart() *order.Cart {
	return &order.Cart{
		ID: "cart-1", Source: order.SourceShopify, ExternalID: "chk_123",
		Customer:    order.Customer{Name: "Paul", Email: "Paul.Durand@example.fr", Locale: "fr-FR"},
		Lines:       []order.LineItem{line("TEE", 2, "30.00", "20")},
		Currency:    eur,
		Total:       order.MustMoney("60.00", eur),
		RecoveryURL: "https://boutique.example.fr/cart/recover/abc",
		UpdatedAt:   abandonedAt.Add(-time.Hour),
	}
}

func TestCartValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *order.Cart)
		code   string
	}{
		{"valid", func(c *order.Cart) {}, ""},
		{"no e-mail", func(c *order.Cart) { c.Customer.Email = "" }, ""},
		{"no currency", func(c *order.Cart) { c.Currency = order.Currency{} }, "unknown_currency"},
		{"unknown source", func(c *order.Cart) { c.Source = "etsy" }, "unknown_source"},
		{"no lines", func(c *order.Cart) { c.Lines = nil }, "missing_field"},
		{"bad e-mail", func(c *order.Cart) { c.Customer.Email = "paul" }, "invalid_email"},
		{"bad UTF-8", func(c *order.Cart) { c.Customer.Name = "\xff" }, "invalid_utf8"},
		{"javascript link", func(c *order.Cart) { c.RecoveryURL = "javascript:alert(1)" }, "invalid_url"},
		{"relative link", func(c *order.Cart) { c.RecoveryURL = "/cart/abc" }, "invalid_url"},
		{"zero quantity", func(c *order.Cart) { c.Lines[0].Quantity = 0 }, "invalid_quantity"},
		{"negative price", func(c *order.Cart) { c.Lines[0].UnitPrice = dec("-1") }, "invalid_amount"},
		{"total in another currency", func(c *order.Cart) { c.Total = order.MustMoney("60", jpy) }, "currency_mismatch"},
		{"negative total", func(c *order.Cart) { c.Total = order.MustMoney("-1", eur) }, "invalid_amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCart()
			tt.mutate(c)
			err := c.Validate()
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, order.Invalid, tt.code)
		})
	}
}

func TestCartReminderSchedule(t *testing.T) {
	h := time.Hour
	type step struct {
		at       time.Duration // after abandonment
		remind   bool          // call MarkReminded (else only NextReminder)
		wantErr  bool          // MarkReminded refused: reminder_not_due
		wantNext time.Duration // the next reminder after the step, from abandonment; -1 for none
	}
	tests := []struct {
		name  string
		email string
		steps []step
	}{
		{"on time", "paul@example.fr", []step{
			{at: 0, wantNext: 2 * h},
			{at: 2*h - time.Second, remind: true, wantErr: true, wantNext: 2 * h}, // not yet
			{at: 2 * h, remind: true, wantNext: 24 * h},                           // first reminder
			{at: 2 * h, remind: true, wantErr: true, wantNext: 24 * h},            // a retried run sends nothing
			{at: 24 * h, remind: true, wantNext: -1},                              // second and last
			{at: 48 * h, remind: true, wantErr: true, wantNext: -1},
		}},
		{"late first reminder keeps the gap", "paul@example.fr", []step{
			{at: 20 * h, remind: true, wantNext: 32 * h}, // 24 h would be 4 h after the first; 12 h gap instead
			{at: 32 * h, remind: true, wantNext: -1},
		}},
		{"a second reminder past the expiry is dropped", "paul@example.fr", []step{
			{at: 7*24*h - 6*h, remind: true, wantNext: -1},
		}},
		{"too old for a first reminder", "paul@example.fr", []step{
			{at: 7*24*h + time.Minute, remind: true, wantErr: true, wantNext: -1},
		}},
		{"no e-mail, no reminder", "", []step{
			{at: 2 * h, remind: true, wantErr: true, wantNext: -1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCart()
			c.Customer.Email = tt.email
			c.Abandon(abandonedAt)
			for i, s := range tt.steps {
				now := abandonedAt.Add(s.at)
				if s.remind {
					sent := c.RemindersSent
					err := c.MarkReminded(now)
					if s.wantErr {
						wantErr(t, err, order.Conflict, order.CodeReminderNotDue)
						if c.RemindersSent != sent {
							t.Fatalf("step %d: a refused reminder was counted", i)
						}
					} else if err != nil {
						t.Fatalf("step %d: %v", i, err)
					} else if c.RemindersSent != sent+1 {
						t.Fatalf("step %d: reminders sent %d, want %d", i, c.RemindersSent, sent+1)
					}
				}
				next, due := c.NextReminder(now)
				if s.wantNext < 0 {
					if !next.IsZero() || due {
						t.Fatalf("step %d: next reminder %v (due %v), want none", i, next, due)
					}
					continue
				}
				if want := abandonedAt.Add(s.wantNext); !next.Equal(want) || due != !now.Before(want) {
					t.Fatalf("step %d: next %v due %v, want %v", i, next, due, want)
				}
			}
		})
	}
	// The storefront reporting the abandonment twice does not move it.
	c := validCart()
	c.Abandon(abandonedAt)
	c.Abandon(abandonedAt.Add(5 * h))
	if !c.AbandonedAt.Equal(abandonedAt) || !c.NextReminderAt.Equal(abandonedAt.Add(2*h)) {
		t.Fatalf("abandoned at %v, next %v", c.AbandonedAt, c.NextReminderAt)
	}
	// A cart never abandoned has nothing due.
	if next, due := validCart().NextReminder(abandonedAt); !next.IsZero() || due {
		t.Fatal("a live cart has a reminder")
	}
}

func TestCartRecover(t *testing.T) {
	mkOrder := func(id, email string, created time.Time) *order.Order {
		return &order.Order{ID: id, Customer: order.Customer{Email: email}, CreatedAt: created}
	}
	after := abandonedAt.Add(3 * time.Hour)
	tests := []struct {
		name string
		o    *order.Order
		want bool
	}{
		{"same e-mail, another case", mkOrder("ord-9", " paul.durand@EXAMPLE.fr", after), true},
		{"another customer", mkOrder("ord-9", "marie@example.fr", after), false},
		{"an order from before the cart's last change", mkOrder("ord-9", "paul.durand@example.fr", abandonedAt.Add(-2*time.Hour)), false},
		{"an order without id", mkOrder("", "paul.durand@example.fr", after), false},
		{"an order without e-mail", mkOrder("ord-9", "", after), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCart()
			c.Abandon(abandonedAt)
			got := c.Recover(tt.o, after)
			if got != tt.want {
				t.Fatalf("Recover = %v, want %v", got, tt.want)
			}
			if !tt.want {
				if c.RecoveredOrderID != "" || c.NextReminderAt == nil {
					t.Fatalf("an unrelated order touched the cart: %+v", c)
				}
				return
			}
			if c.RecoveredOrderID != "ord-9" || !c.RecoveredAt.Equal(after) || c.NextReminderAt != nil {
				t.Fatalf("cart after recovery: %+v", c)
			}
			// No more reminders, and a second order does not steal it.
			wantErr(t, c.MarkReminded(abandonedAt.Add(24*time.Hour)), order.Conflict, order.CodeReminderNotDue)
			if c.Recover(mkOrder("ord-10", "paul.durand@example.fr", after), after) || c.RecoveredOrderID != "ord-9" {
				t.Fatal("a recovered cart was recovered again")
			}
		})
	}
	// A cart without an e-mail is never matched, even by an order without one.
	c := validCart()
	c.Customer.Email = ""
	if c.Recover(mkOrder("ord-9", "", after), after) {
		t.Fatal("two empty e-mails matched")
	}
}

func TestCartEvent(t *testing.T) {
	c := validCart()
	c.Abandon(abandonedAt)
	for _, typ := range []order.EventType{order.CartAbandoned, order.CartReminderDue, order.CartRecovered} {
		e, err := order.CartEvent(typ, c, order.SystemActor("cart-reminders"), abandonedAt)
		if err != nil {
			t.Fatal(err)
		}
		var d order.CartEventData
		if err := e.DecodeData(&d); err != nil {
			t.Fatal(err)
		}
		if e.Type != typ || e.CartID != "cart-1" || d.RecoveryURL != c.RecoveryURL || d.CustomerEmail != c.Customer.Email || !d.Total.Equal(c.Total) {
			t.Fatalf("event %+v, data %+v", e, d)
		}
	}
	_, err := order.CartEvent(order.OrderPaid, c, order.SystemActor("x"), abandonedAt)
	wantErr(t, err, order.Internal, "unknown_event_type")
}
