package order_test

import (
	"math"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestStockDecrement(t *testing.T) {
	tests := []struct {
		name       string
		item       order.StockItem
		q          int64
		wantOnHand int64
		kind       order.Kind
		code       string
	}{
		{"some left", order.StockItem{SKU: "TEE", OnHand: 5}, 3, 2, 0, ""},
		{"the last ones", order.StockItem{SKU: "TEE", OnHand: 3}, 3, 0, 0, ""},
		{"not enough", order.StockItem{SKU: "TEE", OnHand: 2}, 3, 2, order.Conflict, order.CodeInsufficientStock},
		{"none", order.StockItem{SKU: "TEE"}, 1, 0, order.Conflict, order.CodeInsufficientStock},
		{"backorder goes below zero", order.StockItem{SKU: "TEE", OnHand: 1, AllowBackorder: true}, 3, -2, 0, ""},
		{"zero quantity", order.StockItem{SKU: "TEE", OnHand: 5}, 0, 5, order.Invalid, "invalid_quantity"},
		{"negative quantity", order.StockItem{SKU: "TEE", OnHand: 5}, -1, 5, order.Invalid, "invalid_quantity"},
		{"absurd quantity", order.StockItem{SKU: "TEE", OnHand: 5, AllowBackorder: true}, order.MaxQuantity + 1, 5, order.Invalid, "invalid_quantity"},
		{"backorder out of range", order.StockItem{SKU: "TEE", OnHand: math.MinInt64 / 2, AllowBackorder: true}, 1, math.MinInt64 / 2, order.Invalid, "stock_out_of_range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := tt.item
			err := item.Decrement(tt.q)
			if tt.code != "" {
				e := wantErr(t, err, tt.kind, tt.code)
				if tt.code == order.CodeInsufficientStock {
					d := e.Details.(map[string]any)
					if d["sku"] != "TEE" || d["onHand"] != tt.item.OnHand || d["requested"] != tt.q {
						t.Fatalf("details = %v", d)
					}
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if item.OnHand != tt.wantOnHand {
				t.Fatalf("on hand = %d, want %d", item.OnHand, tt.wantOnHand)
			}
		})
	}
}

func TestStockRestock(t *testing.T) {
	item := order.StockItem{SKU: "MUG", OnHand: -2, AllowBackorder: true}
	if err := item.Restock(5); err != nil || item.OnHand != 3 {
		t.Fatalf("on hand = %d, %v", item.OnHand, err)
	}
	wantErr(t, item.Restock(0), order.Invalid, "invalid_quantity")
	big := order.StockItem{SKU: "MUG", OnHand: math.MaxInt64 / 2}
	wantErr(t, big.Restock(1), order.Invalid, "stock_out_of_range")
	if item.OnHand != 3 || big.OnHand != math.MaxInt64/2 {
		t.Fatal("a refused restock changed the stock")
	}
}

func TestStockLevel(t *testing.T) {
	// Green above the threshold, orange at or below it, red at zero.
	tests := []struct {
		onHand, low int64
		want        order.StockLevel
		colour      string
	}{
		{10, 5, order.StockOK, "green"},
		{6, 5, order.StockOK, "green"},
		{5, 5, order.StockLow, "orange"}, // "égal ou inférieur"
		{1, 5, order.StockLow, "orange"},
		{0, 5, order.StockOut, "red"},
		{-3, 5, order.StockOut, "red"}, // backordered
		{1, 0, order.StockOK, "green"}, // no threshold: only out or in stock
		{0, 0, order.StockOut, "red"},
	}
	for _, tt := range tests {
		item := order.StockItem{SKU: "X", OnHand: tt.onHand, LowThreshold: tt.low}
		if got := item.Level(); got != tt.want || got.Colour() != tt.colour {
			t.Errorf("on hand %d, low %d: %s/%s, want %s/%s", tt.onHand, tt.low, got, got.Colour(), tt.want, tt.colour)
		}
	}
	if order.StockLevel("weird").Colour() != "" {
		t.Fatal("an unknown level has a colour")
	}
	s := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	s.LowStockDefault = 3
	if got := order.NewStockItem("TEE", 3, s); got.LowThreshold != 3 || got.Level() != order.StockLow {
		t.Fatalf("NewStockItem = %+v", got)
	}
}
