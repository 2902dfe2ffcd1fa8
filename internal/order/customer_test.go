package order_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

func TestCustomerMoves(t *testing.T) {
	base := func() *order.Order {
		o := intakeFrOrder(order.SourceShopify, "cm-1", storetest.Epoch)
		o.Customer.Email = " Marie@Example.FR "
		totals, err := order.ComputeTotals(o)
		if err != nil {
			t.Fatal(err)
		}
		o.Totals = totals
		return o
	}
	type move struct {
		email  string
		orders int64
		spent  string
	}
	tests := []struct {
		name string
		edit func(o *order.Order)
		want []move
	}{
		{"nothing that counts", func(o *order.Order) { o.InternalComment = "x" }, nil},
		{"paid: still stands", func(o *order.Order) { o.Payment = order.Paid }, nil},
		{"cancelled", func(o *order.Order) { o.Payment = order.PaymentCancelled }, []move{{"marie@example.fr", -1, "-29.90 EUR"}}},
		{"refunded in full", func(o *order.Order) { o.Payment = order.Refunded }, []move{{"marie@example.fr", -1, "-29.90 EUR"}}},
		{"partially refunded: still stands", func(o *order.Order) { o.Payment = order.PartiallyRefunded }, nil},
		{"total edited", func(o *order.Order) { o.Totals.Grand = order.NewMoney(intakeDec("42.00"), order.EUR) }, []move{{"marie@example.fr", 0, "12.10 EUR"}}},
		{"same e-mail, other case", func(o *order.Order) { o.Customer.Email = "MARIE@example.fr" }, nil},
		{"e-mail changed", func(o *order.Order) { o.Customer.Email = "m.curie@example.fr" },
			[]move{{"marie@example.fr", -1, "-29.90 EUR"}, {"m.curie@example.fr", 1, "29.90 EUR"}}},
		{"e-mail removed", func(o *order.Order) { o.Customer.Email = "" }, []move{{"marie@example.fr", -1, "-29.90 EUR"}}},
		{"currency changed", func(o *order.Order) {
			o.Currency = order.MustCurrency("USD")
			o.Totals.Grand = order.NewMoney(intakeDec("32.00"), o.Currency)
		}, []move{{"marie@example.fr", -1, "-29.90 EUR"}, {"marie@example.fr", 1, "32.00 USD"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, next := base(), base()
			tt.edit(next)
			var got []move
			for _, m := range order.CustomerMoves(cur, next) {
				got = append(got, move{m.Email, m.Orders, m.Spent.String()})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("moves = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("moves = %v, want %v", got, tt.want)
				}
			}
		})
	}
	// An order without e-mail belongs to no summary.
	cur, next := base(), base()
	cur.Customer.Email, next.Customer.Email = "", ""
	next.Payment = order.PaymentCancelled
	if m := order.CustomerMoves(cur, next); len(m) != 0 {
		t.Fatalf("moves without e-mail = %v, want none", m)
	}
}
