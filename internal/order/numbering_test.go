package order_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// TestPrepareNewOrderID: a new order without an id gets its storefront id
// when it has an external id (the id Accept gives it), a ULID otherwise;
// an id given is kept.
func TestPrepareNewOrderID(t *testing.T) {
	base := order.Order{Source: order.SourceShopify, Currency: order.EUR, Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
		Lines: []order.LineItem{{SKU: "MUG", Name: "Mug", Quantity: 1, UnitPrice: decimal.RequireFromString("10"), VATRate: decimal.RequireFromString("20")}}}
	totals, err := order.ComputeTotals(&base)
	if err != nil {
		t.Fatal(err)
	}
	base.Totals = totals
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		source     order.Source
		id, extID  string
		want       string // "" for a fresh ULID
		wantUnique bool
	}{
		{name: "storefront order", source: order.SourceShopify, extID: "5001", want: order.StorefrontOrderID(order.SourceShopify, "5001")},
		{name: "id given", source: order.SourceShopify, id: "01JGIVEN", extID: "5001", want: "01JGIVEN"},
		{name: "no external id", source: order.SourceManual, wantUnique: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.Source, in.ID, in.ExternalID = tt.source, tt.id, tt.extID
			a, err := order.PrepareNewOrder("test", &in, at)
			if err != nil {
				t.Fatal(err)
			}
			b, err := order.PrepareNewOrder("test", &in, at)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantUnique && (a.ID == "" || a.ID == b.ID):
				t.Errorf("ids %q and %q, want two fresh ULIDs", a.ID, b.ID)
			case !tt.wantUnique && (a.ID != tt.want || b.ID != tt.want):
				t.Errorf("ids %q and %q, want %q", a.ID, b.ID, tt.want)
			}
		})
	}
}

func TestNumberBeforeUpdate(t *testing.T) {
	boom := errors.New("numbering failed")
	for _, tt := range []struct {
		name    string
		pending bool
		err     error
		calls   int
	}{
		{"a pending order is numbered first", true, nil, 1},
		{"a failed numbering stops the update", true, boom, 1},
		{"a numbered order is not", false, nil, 0},
	} {
		calls := 0
		err := order.NumberBeforeUpdate(tt.pending, func() error { calls++; return tt.err })
		if calls != tt.calls || !errors.Is(err, tt.err) {
			t.Errorf("%s: %d calls, %v; want %d, %v", tt.name, calls, err, tt.calls, tt.err)
		}
	}
}

// numberer numbers from 1 and knows which ids it numbered.
type numberer struct{ numbered map[string]string }

func (n *numberer) AssignNumber(_ context.Context, id string) (*order.Order, error) {
	if id == "missing" {
		return nil, order.E("test", order.NotFound, order.CodeNotFound, "no order "+id)
	}
	if _, ok := n.numbered[id]; !ok {
		n.numbered[id] = string(rune('0' + len(n.numbered) + 1))
	}
	return &order.Order{ID: id, Number: n.numbered[id]}, nil
}

// TestNumberAccepted: numbering twice numbers once; without carts nothing
// else happens; a store error is returned as it is.
func TestNumberAccepted(t *testing.T) {
	ctx := context.Background()
	n := &numberer{numbered: map[string]string{}}
	for range 2 {
		o, err := order.NumberAccepted(ctx, n, nil, "A", time.Now())
		if err != nil || o.Number != "1" {
			t.Fatalf("number A: %+v, %v", o, err)
		}
	}
	if _, err := order.NumberAccepted(ctx, n, nil, "missing", time.Now()); !order.IsKind(err, order.NotFound) {
		t.Errorf("an unknown order: %v, want NotFound", err)
	}
}
