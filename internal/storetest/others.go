package storetest

import (
	"context"
	"errors"
	"fmt"
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
