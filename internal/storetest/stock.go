package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

// testMoveForOrder: an order's moves go through its holding of the SKU, so
// that they add up whatever their order, their repeats and their refusals.
func testMoveForOrder(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	if err := s.Stock.Put(ctx, order.StockItem{SKU: "MUG", OnHand: 10}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if err := s.Stock.Put(ctx, order.StockItem{SKU: "RARE", OnHand: 1}); err != nil {
		t.Fatalf("put: %v", err)
	}
	take := func(id string, v int64, sku string, q int64) order.OrderStockMove {
		return order.OrderStockMove{OrderID: id, Version: v, SKU: sku, Move: order.StockTake, Quantity: q}
	}
	restore := func(id string, v int64, sku string, q int64) order.OrderStockMove {
		return order.OrderStockMove{OrderID: id, Version: v, SKU: sku, Move: order.StockRestore, Quantity: q}
	}
	steps := []struct {
		name  string
		token string
		move  order.OrderStockMove
		want  order.OrderStockResult
		code  string
		stock map[string]int64
	}{
		{"paid: take 3", "a-paid", take("A", 2, "MUG", 3), order.OrderStockResult{Applied: true, Moved: -3, Held: 3}, "", map[string]int64{"MUG": 7}},
		{"the same event again", "a-paid", take("A", 2, "MUG", 3), order.OrderStockResult{Held: 3}, "", map[string]int64{"MUG": 7}},
		{"paid again by another event: held already", "a-paid-2", take("A", 2, "MUG", 3), order.OrderStockResult{Applied: true, Held: 3}, "", map[string]int64{"MUG": 7}},
		{"cancelled: 3 back", "a-cancel", restore("A", 3, "MUG", 3), order.OrderStockResult{Applied: true, Moved: 3, Held: 0}, "", map[string]int64{"MUG": 10}},
		{"returned after: nothing held", "a-return", restore("A", 4, "MUG", 3), order.OrderStockResult{Applied: true, Held: 0}, "", map[string]int64{"MUG": 10}},
		{"a late payment event: stale", "a-late", take("A", 2, "MUG", 3), order.OrderStockResult{Stale: true}, "", map[string]int64{"MUG": 10}},
		// B is cancelled before its payment event is processed.
		{"B cancelled first: nothing held", "b-cancel", restore("B", 3, "MUG", 2), order.OrderStockResult{Applied: true}, "", map[string]int64{"MUG": 10}},
		{"B paid, older: stale", "b-paid", take("B", 2, "MUG", 2), order.OrderStockResult{Stale: true}, "", map[string]int64{"MUG": 10}},
		// C's take is refused: its cancellation gives nothing back.
		{"C paid: refused", "c-paid", take("C", 2, "RARE", 3), order.OrderStockResult{}, order.CodeInsufficientStock, map[string]int64{"RARE": 1}},
		{"C cancelled", "c-cancel", restore("C", 3, "RARE", 3), order.OrderStockResult{Applied: true}, "", map[string]int64{"RARE": 1}},
		// D: paid, unpaid, paid again; a partial restock.
		{"D paid", "d-1", take("D", 2, "MUG", 4), order.OrderStockResult{Applied: true, Moved: -4, Held: 4}, "", map[string]int64{"MUG": 6}},
		{"D unpaid", "d-2", restore("D", 3, "MUG", 4), order.OrderStockResult{Applied: true, Moved: 4}, "", map[string]int64{"MUG": 10}},
		{"D paid again", "d-3", take("D", 4, "MUG", 4), order.OrderStockResult{Applied: true, Moved: -4, Held: 4}, "", map[string]int64{"MUG": 6}},
		{"D cancelled, 1 restocked", "d-4", restore("D", 5, "MUG", 1), order.OrderStockResult{Applied: true, Moved: 1, Held: 3}, "", map[string]int64{"MUG": 7}},
		// A move without version is never stale.
		{"E without version", "e-1", take("E", 0, "MUG", 1), order.OrderStockResult{Applied: true, Moved: -1, Held: 1}, "", map[string]int64{"MUG": 6}},
		{"untracked SKU", "f-1", take("F", 2, "GHOST", 1), order.OrderStockResult{}, order.CodeNotFound, nil},
	}
	for _, st := range steps {
		got, err := s.Stock.MoveForOrder(ctx, st.token, st.move)
		if st.code != "" {
			if order.CodeOf(err) != st.code {
				t.Fatalf("%s: %v, want %s", st.name, err, st.code)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if err == nil && got != st.want {
			t.Fatalf("%s: %+v, want %+v", st.name, got, st.want)
		}
		for sku, level := range st.stock {
			si, err := s.Stock.Get(ctx, sku)
			if err != nil || si.OnHand != level {
				t.Fatalf("%s: %s on hand %d, %v; want %d", st.name, sku, si.OnHand, err, level)
			}
		}
	}
	_, err := s.Stock.MoveForOrder(ctx, "x", order.OrderStockMove{OrderID: "A", SKU: "MUG", Move: "borrow", Quantity: 1})
	wantKind(t, err, order.Invalid, "invalid_move")

	// The moves of one order racing: two events at once never take twice.
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Stock.MoveForOrder(ctx, fmt.Sprintf("g-%d", i), take("G", 2, "MUG", 2)); err != nil {
				t.Errorf("concurrent take %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if si, err := s.Stock.Get(ctx, "MUG"); err != nil || si.OnHand != 4 {
		t.Fatalf("after 6 concurrent payments of G: %d on hand, %v; want 4 (one take of 2)", si.OnHand, err)
	}
}

// RunStockStore runs the StockStore contract.
func RunStockStore(t *testing.T, f Factory) {
	t.Run("MoveForOrder", func(t *testing.T) { testMoveForOrder(t, f) })
	ctx := context.Background()
	s, _ := newStores(t, f)
	for _, si := range []order.StockItem{
		{SKU: "MUG-001", OnHand: 5, LowThreshold: 2},
		{SKU: "TEA-42", OnHand: 1, LowThreshold: 0},
		{SKU: "PRINT-ON-DEMAND", OnHand: 0, AllowBackorder: true},
	} {
		if err := s.Stock.Put(ctx, si); err != nil {
			t.Fatalf("put %s: %v", si.SKU, err)
		}
	}
	steps := []struct {
		name    string
		token   string
		adj     []order.StockAdjustment
		applied bool
		kind    order.Kind
		code    string
		want    map[string]int64 // levels after
	}{
		{"take two lines", "evt-1", []order.StockAdjustment{{SKU: "MUG-001", Delta: -2}, {SKU: "TEA-42", Delta: -1}}, true, 0, "",
			map[string]int64{"MUG-001": 3, "TEA-42": 0}},
		{"the same token again", "evt-1", []order.StockAdjustment{{SKU: "MUG-001", Delta: -2}, {SKU: "TEA-42", Delta: -1}}, false, 0, "",
			map[string]int64{"MUG-001": 3, "TEA-42": 0}},
		{"below zero is all or nothing", "evt-2", []order.StockAdjustment{{SKU: "MUG-001", Delta: -1}, {SKU: "TEA-42", Delta: -1}}, false, order.Conflict, order.CodeInsufficientStock,
			map[string]int64{"MUG-001": 3, "TEA-42": 0}},
		{"same SKU twice adds up", "evt-3", []order.StockAdjustment{{SKU: "MUG-001", Delta: -2}, {SKU: "MUG-001", Delta: -2}}, false, order.Conflict, order.CodeInsufficientStock,
			map[string]int64{"MUG-001": 3}},
		{"backorder goes below zero", "evt-4", []order.StockAdjustment{{SKU: "PRINT-ON-DEMAND", Delta: -4}}, true, 0, "",
			map[string]int64{"PRINT-ON-DEMAND": -4}},
		{"restock", "evt-5", []order.StockAdjustment{{SKU: "TEA-42", Delta: 10}}, true, 0, "", map[string]int64{"TEA-42": 10}},
		{"unknown SKU", "evt-6", []order.StockAdjustment{{SKU: "MUG-001", Delta: -1}, {SKU: "GHOST", Delta: -1}}, false, order.NotFound, "",
			map[string]int64{"MUG-001": 3}},
		{"zero delta", "evt-7", []order.StockAdjustment{{SKU: "MUG-001", Delta: 0}}, false, order.Invalid, "invalid_quantity", nil},
		{"nothing", "evt-8", nil, false, order.Invalid, "invalid_adjustments", nil},
		{"no token", "", []order.StockAdjustment{{SKU: "MUG-001", Delta: -1}}, true, 0, "", map[string]int64{"MUG-001": 2}},
	}
	for _, st := range steps {
		applied, err := s.Stock.Adjust(ctx, st.token, st.adj)
		if st.kind != 0 {
			wantKind(t, err, st.kind, st.code)
		} else if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if applied != st.applied {
			t.Fatalf("%s: applied %v, want %v", st.name, applied, st.applied)
		}
		for sku, level := range st.want {
			si, err := s.Stock.Get(ctx, sku)
			if err != nil || si.OnHand != level {
				t.Fatalf("%s: %s on hand %d, %v; want %d", st.name, sku, si.OnHand, err, level)
			}
		}
	}
	var e *order.Error
	_, err := s.Stock.Adjust(ctx, "evt-9", []order.StockAdjustment{{SKU: "MUG-001", Delta: -3}})
	if !errors.As(err, &e) || fmt.Sprint(e.Details) != fmt.Sprint(map[string]any{"onHand": int64(2), "requested": int64(3), "sku": "MUG-001"}) {
		t.Fatalf("insufficient stock details: %v", err)
	}
	wantKind(t, s.Stock.Put(ctx, order.StockItem{SKU: "NEG", OnHand: -1}), order.Invalid, "invalid_quantity")
	if _, err := s.Stock.Get(ctx, "GHOST"); order.KindOf(err) != order.NotFound {
		t.Fatalf("unknown SKU: %v, want NotFound", err)
	}

	// Concurrent decrements of the last units: exactly the stock is sold.
	if err := s.Stock.Put(ctx, order.StockItem{SKU: "LAST", OnHand: 5}); err != nil {
		t.Fatalf("put: %v", err)
	}
	results := make(chan error, 12)
	for i := range 12 {
		go func() {
			_, err := s.Stock.Adjust(ctx, fmt.Sprintf("last-%d", i), []order.StockAdjustment{{SKU: "LAST", Delta: -1}})
			results <- err
		}()
	}
	sold := 0
	for range 12 {
		err := <-results
		switch {
		case err == nil:
			sold++
		case order.CodeOf(err) != order.CodeInsufficientStock:
			t.Fatalf("concurrent decrement: %v", err)
		}
	}
	si, err := s.Stock.Get(ctx, "LAST")
	if err != nil || sold != 5 || si.OnHand != 0 {
		t.Fatalf("sold %d, on hand %d (%v); want 5 sold and none left", sold, si.OnHand, err)
	}

	// A count is written only over the version it was read at: neither a
	// second creation nor a count read before an adjustment overwrites it.
	count := order.StockItem{SKU: "COUNTED", OnHand: 10, LowThreshold: 2}
	if err := s.Stock.Put(ctx, count); err != nil {
		t.Fatalf("first count: %v", err)
	}
	wantKind(t, s.Stock.Put(ctx, count), order.Conflict, order.CodeVersionConflict)
	read, err := s.Stock.Get(ctx, "COUNTED")
	if err != nil || read.Version != 1 {
		t.Fatalf("after the first count: version %d (%v), want 1", read.Version, err)
	}
	if _, err := s.Stock.Adjust(ctx, "sale-while-counting", []order.StockAdjustment{{SKU: "COUNTED", Delta: -3}}); err != nil {
		t.Fatalf("adjust: %v", err)
	}
	stale := read
	stale.OnHand = 12
	wantKind(t, s.Stock.Put(ctx, stale), order.Conflict, order.CodeVersionConflict)
	after, err := s.Stock.Get(ctx, "COUNTED")
	if err != nil || after.OnHand != 7 || after.Version != 2 {
		t.Fatalf("after the sale: on hand %d, version %d (%v); want 7 at version 2", after.OnHand, after.Version, err)
	}
	after.OnHand = 12
	if err := s.Stock.Put(ctx, after); err != nil {
		t.Fatalf("count over the current version: %v", err)
	}
	if got, err := s.Stock.Get(ctx, "COUNTED"); err != nil || got.OnHand != 12 || got.Version != 3 {
		t.Fatalf("after the recount: %+v (%v), want 12 at version 3", got, err)
	}
}
