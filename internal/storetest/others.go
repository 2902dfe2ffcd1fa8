package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RunSettingsStore runs the SettingsStore contract, including the link
// between RaiseNextNumber and the numbers Create gives.
func RunSettingsStore(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	set, version, err := s.Settings.Get(ctx)
	if err != nil {
		t.Fatalf("get before any save: %v", err)
	}
	if version != 0 || set.Numbering.Next != 1 {
		t.Fatalf("fresh settings: version %d next %d, want 0 and 1", version, set.Numbering.Next)
	}

	want := order.DefaultSettings("Ma Boutique", "boutique@example.com")
	want.Numbering.Prefix = "MB"
	want.CustomStatuses = []string{"Retrait effectué"}
	steps := []struct {
		name     string
		expected int64
		kind     order.Kind // zero: success
		version  int64
	}{
		{"first save", 0, 0, 1},
		{"first save again", 0, order.PreconditionFailed, 0},
		{"stale version", 7, order.PreconditionFailed, 0},
		{"next save", 1, 0, 2},
	}
	for _, st := range steps {
		v, err := s.Settings.Put(ctx, want, st.expected)
		if st.kind != 0 {
			wantKind(t, err, st.kind, "")
			continue
		}
		if err != nil || v != st.version {
			t.Fatalf("%s: version %d, %v; want %d", st.name, v, err, st.version)
		}
	}
	bad := want
	bad.ShopName = ""
	_, err = s.Settings.Put(ctx, bad, 2)
	wantKind(t, err, order.Invalid, "invalid_shop_name")

	got, version, err := s.Settings.Get(ctx)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if version != 2 || got.ShopName != "Ma Boutique" || got.Numbering.Prefix != "MB" || len(got.CustomStatuses) != 1 || got.Numbering.Next != 1 {
		t.Fatalf("settings %+v version %d", got, version)
	}

	// Numbering: raise to 1000, create, raising below is refused.
	if err := s.Settings.RaiseNextNumber(ctx, 1000); err != nil {
		t.Fatalf("raise: %v", err)
	}
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "num-1"}), order.CreateOptions{Prefix: got.Numbering.Prefix})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if o.Seq != 1000 || o.Number != "MB-1000" {
		t.Fatalf("order after raise: seq %d number %q, want 1000 MB-1000", o.Seq, o.Number)
	}
	// Another instance, whose cache predates the raise, still numbers right.
	o2, err := s.Peer().Create(ctx, newOrder(t, orderSpec{ext: "num-2"}), order.CreateOptions{})
	if err != nil || o2.Seq != 1001 {
		t.Fatalf("second order: %v, %v; want seq 1001", o2, err)
	}
	cases := []struct {
		name string
		next int64
		kind order.Kind
		code string
	}{
		{"below", 500, order.Conflict, "next_number_too_low"},
		{"taken", 1001, order.Conflict, "next_number_too_low"},
		{"current next is a no-op", 1002, 0, ""},
		{"zero", 0, order.Invalid, "invalid_numbering"},
		{"too high", order.MaxOrderNumber + 1, order.Invalid, "invalid_numbering"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Settings.RaiseNextNumber(ctx, c.next)
			if c.kind == 0 {
				if err != nil {
					t.Fatalf("raise to %d: %v", c.next, err)
				}
				return
			}
			wantKind(t, err, c.kind, c.code)
		})
	}
	got, _, err = s.Settings.Get(ctx)
	if err != nil || got.Numbering.Next != 1002 {
		t.Fatalf("next number %d, %v; want 1002", got.Numbering.Next, err)
	}
}

// RunRateStore runs the RateStore contract.
func RunRateStore(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	usd, gbp := order.MustCurrency("USD"), order.MustCurrency("GBP")
	for _, r := range []order.ExchangeRate{
		{Currency: usd, Date: order.MustDate(2025, 3, 10), Rate: decimal.RequireFromString("0.9231")},
		{Currency: usd, Date: order.MustDate(2025, 3, 12), Rate: decimal.RequireFromString("0.9187")},
		{Currency: usd, Date: order.MustDate(2025, 3, 12), Rate: decimal.RequireFromString("0.9190")}, // a correction
		{Currency: usd, Date: order.MustDate(2025, 3, 20), Rate: decimal.RequireFromString("0.9300")},
		{Currency: gbp, Date: order.MustDate(2025, 3, 11), Rate: decimal.RequireFromString("1.187654321")},
	} {
		if err := s.Rates.Put(ctx, r); err != nil {
			t.Fatalf("put %v: %v", r, err)
		}
	}
	cases := []struct {
		name     string
		currency order.Currency
		date     order.Date
		wantDate string
		wantRate string
	}{
		{"exact day", usd, order.MustDate(2025, 3, 10), "2025-03-10", "0.9231"},
		{"corrected day", usd, order.MustDate(2025, 3, 12), "2025-03-12", "0.919"},
		{"weekend takes the day before", usd, order.MustDate(2025, 3, 15), "2025-03-12", "0.919"},
		{"never a later rate", usd, order.MustDate(2025, 3, 19), "2025-03-12", "0.919"},
		{"other currency", gbp, order.MustDate(2025, 4, 1), "2025-03-11", "1.187654321"},
		{"before the first", usd, order.MustDate(2025, 3, 9), "", ""},
		{"unknown currency", order.MustCurrency("JPY"), order.MustDate(2025, 3, 12), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := s.Rates.RateOn(ctx, c.currency, c.date)
			if c.wantDate == "" {
				wantKind(t, err, order.NotFound, "")
				return
			}
			if err != nil {
				t.Fatalf("RateOn: %v", err)
			}
			if r.Date.String() != c.wantDate || !r.Rate.Equal(decimal.RequireFromString(c.wantRate)) || r.Currency != c.currency {
				t.Fatalf("RateOn = %v %s %s, want %s %s", r.Currency, r.Date, r.Rate, c.wantDate, c.wantRate)
			}
		})
	}
	err := s.Rates.Put(ctx, order.ExchangeRate{Currency: usd, Date: order.MustDate(2025, 3, 1), Rate: decimal.NewFromInt(-1)})
	wantKind(t, err, order.Invalid, "invalid_exchange_rate")
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
