package numbering_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/order"
)

// TestNumberRecoversTheCart: numbering an order that completes a tracked
// checkout marks the cart recovered, once, however often it runs.
func TestNumberRecoversTheCart(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	cart, err := st.Carts().Create(ctx, &order.Cart{
		Source: order.SourceShopify, ExternalID: "chk-1", Customer: order.Customer{Email: "lea@example.fr"},
		Lines:    []order.LineItem{{SKU: "MUG", Name: "Tasse", Quantity: 1, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.RequireFromString("20")}},
		Currency: order.EUR, Total: order.NewMoney(decimal.RequireFromString("12.50"), order.EUR), UpdatedAt: at,
	}, nil)
	if err != nil {
		t.Fatalf("track cart: %v", err)
	}
	o := &order.Order{
		Source: order.SourceShopify, ExternalID: "5001", CheckoutID: "chk-1",
		Customer: order.Customer{Email: "Lea@Example.fr"}, Currency: order.EUR, PricesIncludeTax: true,
		Lines:   []order.LineItem{{SKU: "MUG", Name: "Tasse", Quantity: 1, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.RequireFromString("20")}},
		Payment: order.Paid, Fulfilment: order.AwaitingProcessing, CreatedAt: at.Add(time.Hour),
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	accepted, err := st.Accept(ctx, o, order.PendingCreation{Actor: order.StorefrontActor(order.SourceShopify)})
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	n, err := numbering.New(numbering.Deps{Orders: st, Records: dynamo.Stream{}, Carts: st.Carts(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := n.Number(ctx, accepted.ID); err != nil {
			t.Fatalf("number: %v", err)
		}
	}
	c, err := st.Carts().Get(ctx, cart.ID)
	if err != nil || c.RecoveredOrderID != accepted.ID {
		t.Fatalf("cart = %+v, %v; want recovered by %s", c, err, accepted.ID)
	}
	recovered := 0
	for _, e := range st.Outbox() {
		if e.Type == order.CartRecovered {
			recovered++
		}
	}
	if recovered != 1 {
		t.Fatalf("%d CartRecovered events, want 1", recovered)
	}
}
