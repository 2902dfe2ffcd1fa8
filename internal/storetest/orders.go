package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RunOrderStore runs the OrderStore contract.
func RunOrderStore(t *testing.T, f Factory) {
	t.Run("CreateAndGet", func(t *testing.T) { testCreateAndGet(t, f) })
	t.Run("CreateInvalid", func(t *testing.T) { testCreateInvalid(t, f) })
	t.Run("CreateDuplicate", func(t *testing.T) { testCreateDuplicate(t, f) })
	t.Run("CreateRecordsHistoryAndIdempotency", func(t *testing.T) { testCreateRecords(t, f) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, f) })
	t.Run("UpdateIfVersion", func(t *testing.T) { testUpdateIfVersion(t, f) })
	t.Run("ConcurrentUpdates", func(t *testing.T) { testConcurrentUpdates(t, f) })
	t.Run("ConcurrentCreatesAreGapless", func(t *testing.T) { testConcurrentCreates(t, f) })
	t.Run("ListPaging", func(t *testing.T) { testListPaging(t, f) })
	t.Run("ListTimeRange", func(t *testing.T) { testListTimeRange(t, f) })
	t.Run("ListInvalid", func(t *testing.T) { testListInvalid(t, f) })
	t.Run("History", func(t *testing.T) { testHistory(t, f) })
}

func testCreateAndGet(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	in := newOrder(t, orderSpec{ext: "shop-1001", email: "Camille@Example.FR", created: Epoch})
	got, err := s.Orders.Create(ctx, in, order.CreateOptions{Prefix: "CMD", Suffix: "2025"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if got.ID == "" || got.Seq != 1 || got.Number != "CMD-1-2025" || got.Version != 1 {
		t.Fatalf("created order: id %q seq %d number %q version %d; want an id, seq 1, CMD-1-2025, version 1",
			got.ID, got.Seq, got.Number, got.Version)
	}
	if in.ID != "" || in.Seq != 0 || in.Version != 0 {
		t.Fatalf("Create changed the caller's order: %+v", in)
	}
	if !got.Totals.Grand.Equal(in.Totals.Grand) {
		t.Fatalf("grand total %s, want %s", got.Totals.Grand, in.Totals.Grand)
	}

	second, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "shop-1002", created: Epoch.Add(time.Minute)}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create second: %v", err)
	}
	if second.Seq != 2 || second.Number != "2" {
		t.Fatalf("second order: seq %d number %q, want 2 and \"2\"", second.Seq, second.Number)
	}

	lookups := []struct {
		name string
		get  func() (*order.Order, error)
	}{
		{"Get", func() (*order.Order, error) { return s.Orders.Get(ctx, got.ID) }},
		{"GetByNumber", func() (*order.Order, error) { return s.Orders.GetByNumber(ctx, "CMD-1-2025") }},
		{"GetByExternal", func() (*order.Order, error) { return s.Orders.GetByExternal(ctx, order.SourceShopify, "shop-1001") }},
	}
	for _, l := range lookups {
		o, err := l.get()
		if err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		assertSameOrder(t, l.name, o, got)
	}

	missing := []struct {
		name string
		get  func() (*order.Order, error)
	}{
		{"Get", func() (*order.Order, error) { return s.Orders.Get(ctx, "01NOSUCHORDER") }},
		{"Get with a key separator", func() (*order.Order, error) { return s.Orders.Get(ctx, "a#b") }},
		{"GetByNumber", func() (*order.Order, error) { return s.Orders.GetByNumber(ctx, "CMD-9-2025") }},
		{"GetByExternal other source", func() (*order.Order, error) { return s.Orders.GetByExternal(ctx, order.SourceEcwid, "shop-1001") }},
		{"GetByExternal", func() (*order.Order, error) { return s.Orders.GetByExternal(ctx, order.SourceShopify, "nope") }},
	}
	for _, m := range missing {
		_, err := m.get()
		if order.KindOf(err) != order.NotFound && order.KindOf(err) != order.Invalid {
			t.Fatalf("%s of a missing order: %v, want NotFound", m.name, err)
		}
	}
}

// assertSameOrder compares the fields a store owns and a few it keeps.
func assertSameOrder(t *testing.T, what string, got, want *order.Order) {
	t.Helper()
	if got.ID != want.ID || got.Seq != want.Seq || got.Number != want.Number || got.Version != want.Version ||
		got.ExternalID != want.ExternalID || got.Source != want.Source || got.Payment != want.Payment ||
		got.Fulfilment != want.Fulfilment || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) ||
		got.Customer != want.Customer || len(got.Lines) != len(want.Lines) || !got.Totals.Grand.Equal(want.Totals.Grand) ||
		!got.Totals.VAT.Equal(want.Totals.VAT) {
		t.Fatalf("%s returned\n%+v\nwant\n%+v", what, got, want)
	}
	for i := range got.Lines {
		if got.Lines[i].SKU != want.Lines[i].SKU || !got.Lines[i].UnitPrice.Equal(want.Lines[i].UnitPrice) ||
			got.Lines[i].Quantity != want.Lines[i].Quantity || !got.Lines[i].VATRate.Equal(want.Lines[i].VATRate) {
			t.Fatalf("%s line %d: %+v, want %+v", what, i, got.Lines[i], want.Lines[i])
		}
	}
}

func testCreateInvalid(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	cases := []struct {
		name  string
		order func() *order.Order
		code  string
	}{
		{"nil order", func() *order.Order { return nil }, "missing_order"},
		{"no lines", func() *order.Order {
			o := newOrder(t, orderSpec{ext: "x-1"})
			o.Lines = nil
			return o
		}, "missing_field"},
		{"no payment status", func() *order.Order {
			o := newOrder(t, orderSpec{ext: "x-2"})
			o.Payment = order.PaymentStatus{}
			return o
		}, "missing_status"},
		{"id with a key separator", func() *order.Order {
			o := newOrder(t, orderSpec{ext: "x-3"})
			o.ID = "ORDER#1"
			return o
		}, "invalid_id"},
		{"storefront order without external id", func() *order.Order {
			o := newOrder(t, orderSpec{ext: "x-4"})
			o.ExternalID = ""
			return o
		}, "missing_field"},
		{"bad e-mail", func() *order.Order { return newOrder(t, orderSpec{ext: "x-5", email: "not an address"}) }, "invalid_email"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Orders.Create(ctx, c.order(), order.CreateOptions{})
			wantKind(t, err, order.Invalid, c.code)
		})
	}
	// Nothing was written: the next order is number 1 and the list is empty.
	page, err := s.Orders.List(ctx, order.ListQuery{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(page.Items) != 0 {
		t.Fatalf("invalid creations left %d orders", len(page.Items))
	}
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "x-ok"}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if o.Seq != 1 {
		t.Fatalf("first valid order got number %d, want 1: a refused creation consumed a number", o.Seq)
	}
}

func testCreateDuplicate(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	first, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "dup-1", email: "dup@example.com", created: Epoch}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	peer := s.Peer() // a second instance, cold or warm, must see the duplicate too
	cases := []struct {
		name  string
		store order.OrderStore
		order func() *order.Order
	}{
		{"same external id, new order id", s.Orders, func() *order.Order {
			return newOrder(t, orderSpec{ext: "dup-1", email: "dup@example.com", created: Epoch.Add(time.Hour)})
		}},
		{"same external id on another instance", peer, func() *order.Order {
			return newOrder(t, orderSpec{ext: "dup-1", email: "dup@example.com", created: Epoch.Add(time.Hour)})
		}},
		{"same order id", s.Orders, func() *order.Order {
			o := newOrder(t, orderSpec{ext: "dup-other", email: "dup@example.com"})
			o.ID = first.ID
			return o
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := "dup-key-" + c.name
			_, err := c.store.Create(ctx, c.order(), order.CreateOptions{
				Record: func(o *order.Order) ([]order.Change, []order.Event, error) {
					return []order.Change{order.CreatedChange(o, order.StorefrontActor(order.SourceShopify), "test")}, nil, nil
				},
				Idempotency: &order.IdempotencyResult{Scope: "orders", Key: key, TTL: time.Hour, Response: []byte("x")},
			})
			wantKind(t, err, order.Conflict, order.CodeAlreadyExists)
			id, ok := order.ExistingID(err)
			if !ok || id != first.ID {
				t.Fatalf("ExistingID = %q, %v; want %q", id, ok, first.ID)
			}
			// The idempotency key was not completed by the refused creation.
			rec, err := s.Idempotency.Begin(ctx, "orders", key, "", time.Minute)
			if err != nil || rec != nil {
				t.Fatalf("Begin after a refused creation = %+v, %v; want a fresh claim", rec, err)
			}
		})
	}
	// Nothing else was written: one order, one customer order, no gap.
	page, err := s.Orders.List(ctx, order.ListQuery{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("%d orders stored, want 1", len(page.Items))
	}
	c, err := s.Customers.Get(ctx, "dup@example.com")
	if err != nil {
		t.Fatalf("customer: %v", err)
	}
	if c.OrdersCount != 1 {
		t.Fatalf("customer counts %d orders, want 1", c.OrdersCount)
	}
	hist, err := s.Orders.History(ctx, first.ID, order.PageRequest{})
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if len(hist.Items) != 0 {
		t.Fatalf("refused duplicates wrote %d history rows on the stored order", len(hist.Items))
	}
	next, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "dup-2"}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create after duplicates: %v", err)
	}
	if next.Seq != 2 {
		t.Fatalf("order after duplicates got number %d, want 2 (no gap)", next.Seq)
	}
}

func testCreateRecords(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	if rec, err := s.Idempotency.Begin(ctx, "manual", "key-1", "fp", time.Minute); err != nil || rec != nil {
		t.Fatalf("begin: %+v, %v", rec, err)
	}
	actor := order.StaffActor("auth0|42")
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{email: "rec@example.com", created: Epoch}), order.CreateOptions{
		Prefix: "WEB",
		Record: func(o *order.Order) ([]order.Change, []order.Event, error) {
			if o.Number == "" || o.Seq == 0 {
				return nil, nil, fmt.Errorf("record called before numbering: %+v", o)
			}
			ch := []order.Change{order.CreatedChange(o, actor, order.ViaAPI)}
			ev, err := order.EventsFor(o, ch)
			return ch, ev, err
		},
		Idempotency: &order.IdempotencyResult{Scope: "manual", Key: "key-1", Fingerprint: "fp", Response: []byte(`{"ok":true}`), TTL: 24 * time.Hour},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	hist, err := s.Orders.History(ctx, o.ID, order.PageRequest{})
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if len(hist.Items) != 1 || hist.Items[0].Action != order.ActionCreate || hist.Items[0].To != "WEB-1" || hist.Items[0].Actor != actor {
		t.Fatalf("history after create = %+v, want one create row quoting WEB-1", hist.Items)
	}
	rec, err := s.Idempotency.Begin(ctx, "manual", "key-1", "fp", time.Minute)
	if err != nil {
		t.Fatalf("begin after create: %v", err)
	}
	if rec == nil || rec.Status != order.IdempotencyCompleted || rec.ResourceID != o.ID || string(rec.Response) != `{"ok":true}` {
		t.Fatalf("idempotency record after create = %+v, want COMPLETED for %s", rec, o.ID)
	}
	// Record's error stops the creation.
	_, err = s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "rec-2"}), order.CreateOptions{
		Record: func(*order.Order) ([]order.Change, []order.Event, error) {
			return nil, nil, order.E("test", order.Invalid, "refused", "refused")
		},
	})
	wantKind(t, err, order.Invalid, "refused")
	if _, err := s.Orders.GetByExternal(ctx, order.SourceShopify, "rec-2"); order.KindOf(err) != order.NotFound {
		t.Fatalf("an order whose Record failed was stored: %v", err)
	}
}

// trackingChange adds a tracking number and returns its history row.
func trackingChange(number string) order.UpdateFunc {
	return func(o *order.Order) ([]order.Change, []order.Event, error) {
		o.Tracking = append(o.Tracking, order.Tracking{Carrier: "colissimo", Number: number, At: Epoch})
		return []order.Change{{Actor: order.SystemActor("test"), Action: order.ActionUpdate, Field: order.FieldTracking, To: number}}, nil, nil
	}
}

func testUpdate(t *testing.T, f Factory) {
	ctx := context.Background()
	s, clock := newStores(t, f)
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "up-1", email: "up@example.com", created: Epoch}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	clock.Advance(time.Minute)

	paid, err := s.Orders.Update(ctx, o.ID, func(o *order.Order) ([]order.Change, []order.Event, error) {
		ch, err := o.MarkPaid(clock.Now())
		return ch, nil, err
	})
	if err != nil {
		t.Fatalf("mark paid: %v", err)
	}
	if paid.Version != 2 || paid.Payment != order.Paid {
		t.Fatalf("after MarkPaid: version %d payment %s, want 2 PAID", paid.Version, paid.Payment)
	}
	stored, err := s.Orders.Get(ctx, o.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	assertSameOrder(t, "Get after update", stored, paid)

	cases := []struct {
		name string
		fn   order.UpdateFunc
		kind order.Kind
		code string
	}{
		{"fn error", func(o *order.Order) ([]order.Change, []order.Event, error) {
			o.Note = "must not be saved"
			return nil, nil, order.E("test", order.Conflict, "refused", "refused")
		}, order.Conflict, "refused"},
		{"immutable field", func(o *order.Order) ([]order.Change, []order.Event, error) {
			o.Number = "OTHER-1"
			return nil, nil, nil
		}, order.Invalid, "immutable_field"},
		{"invalid result", func(o *order.Order) ([]order.Change, []order.Event, error) {
			o.Lines = nil
			return nil, nil, nil
		}, order.Invalid, "missing_field"},
		{"transition refused", func(o *order.Order) ([]order.Change, []order.Event, error) {
			ch, err := o.ChangePaymentStatus(order.AwaitingPayment, clock.Now()) // allowed, but...
			if err != nil {
				return nil, nil, err
			}
			_, err = o.ChangePaymentStatus(order.Refunded, clock.Now()) // ...AWAITING_PAYMENT → REFUNDED is not
			return ch, nil, err
		}, order.Conflict, order.CodeTransitionNotAllowed},
		{"event over the size bound", func(o *order.Order) ([]order.Change, []order.Event, error) {
			o.Note = "must not be saved"
			e, err := order.NewEvent(order.OrderUpdated, o.ID, order.StaffActor("camille"), clock.Now(),
				map[string]string{"note": strings.Repeat("x", order.MaxEventBytes)})
			return nil, []order.Event{e}, err
		}, order.TooLarge, "event_too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Orders.Update(ctx, o.ID, c.fn)
			wantKind(t, err, c.kind, c.code)
			after, err := s.Orders.Get(ctx, o.ID)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if after.Version != 2 || after.Note != "" || after.Payment != order.Paid {
				t.Fatalf("a refused update wrote: version %d note %q payment %s", after.Version, after.Note, after.Payment)
			}
		})
	}

	// A no-op writes nothing.
	same, err := s.Orders.Update(ctx, o.ID, func(*order.Order) ([]order.Change, []order.Event, error) { return nil, nil, nil })
	if err != nil || same.Version != 2 {
		t.Fatalf("no-op update: version %v, %v; want 2, nil", same, err)
	}
	// Missing order.
	_, err = s.Orders.Update(ctx, "01MISSING", trackingChange("X"))
	wantKind(t, err, order.NotFound, "")

	// An edit that changes the lines and the e-mail moves the order in the
	// SKU and e-mail listings.
	edited, err := s.Orders.Update(ctx, o.ID, func(o *order.Order) ([]order.Change, []order.Event, error) {
		o.Lines[0].SKU = "BOWL-7"
		o.Customer.Email = "new@example.com"
		return nil, nil, nil
	})
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	if edited.Version != 3 {
		t.Fatalf("edit: version %d, want 3", edited.Version)
	}
	for _, q := range []struct {
		name string
		q    order.ListQuery
		want int
	}{
		{"old sku", order.ListQuery{SKU: "MUG-001"}, 0},
		{"new sku", order.ListQuery{SKU: "BOWL-7"}, 1},
		{"kept sku", order.ListQuery{SKU: "TEA-42"}, 1},
		{"old email", order.ListQuery{Email: "up@example.com"}, 0},
		{"new email", order.ListQuery{Email: "NEW@example.com"}, 1},
		{"paid", order.ListQuery{Payment: order.Paid}, 1},
		{"awaiting payment", order.ListQuery{Payment: order.AwaitingPayment}, 0},
	} {
		page, err := s.Orders.List(ctx, q.q)
		if err != nil {
			t.Fatalf("list %s: %v", q.name, err)
		}
		if len(page.Items) != q.want {
			t.Fatalf("list %s: %d orders, want %d", q.name, len(page.Items), q.want)
		}
	}
}

func testUpdateIfVersion(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "ifm-1"}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	cases := []struct {
		name    string
		version int64
		kind    order.Kind
		want    int64 // version after, when it succeeds
	}{
		{"stale version", 7, order.PreconditionFailed, 0},
		{"matching version", 1, 0, 2},
		{"now stale", 1, order.PreconditionFailed, 0},
		{"matching again", 2, 0, 3},
		{"zero version", 0, order.Invalid, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Orders.UpdateIfVersion(ctx, o.ID, c.version, trackingChange(fmt.Sprintf("IFM-%d", i)))
			if c.want == 0 {
				wantKind(t, err, c.kind, "")
				return
			}
			if err != nil {
				t.Fatalf("UpdateIfVersion: %v", err)
			}
			if got.Version != c.want {
				t.Fatalf("version %d, want %d", got.Version, c.want)
			}
		})
	}
	_, err = s.Orders.UpdateIfVersion(ctx, "01MISSING", 1, trackingChange("Z"))
	wantKind(t, err, order.NotFound, "")
}

func testConcurrentUpdates(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "race-1", created: Epoch}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	const writers = 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		store := s.Peer() // each writer is its own instance: the races are the database's
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := store.Update(ctx, o.ID, trackingChange(fmt.Sprintf("TRK-%02d", i))); err != nil {
				errs <- fmt.Errorf("writer %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	final, err := s.Orders.Get(ctx, o.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if final.Version != 1+writers {
		t.Fatalf("version %d after %d updates, want %d", final.Version, writers, 1+writers)
	}
	var numbers []string
	for _, tr := range final.Tracking {
		numbers = append(numbers, tr.Number)
	}
	slices.Sort(numbers)
	for i := range writers {
		if want := fmt.Sprintf("TRK-%02d", i); i >= len(numbers) || numbers[i] != want {
			t.Fatalf("tracking numbers %v, want TRK-00..TRK-%02d once each", numbers, writers-1)
		}
	}
	hist := allHistory(t, s.Orders, o.ID)
	if len(hist) != writers {
		t.Fatalf("%d history rows, want %d", len(hist), writers)
	}
}

func testConcurrentCreates(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	// Two instances: the races between them happen in the database; more
	// instances only multiply the lost rounds, which DynamoDB Local runs
	// one after the other.
	const orders, instances = 200, 2
	stores := make([]order.OrderStore, instances)
	for i := range stores {
		stores[i] = s.Peer()
	}
	var wg sync.WaitGroup
	seqs := make([]int64, orders)
	errs := make(chan error, orders)
	for i := range orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := stores[i%instances].Create(ctx, newOrder(t, orderSpec{ext: fmt.Sprintf("burst-%03d", i), created: Epoch.Add(time.Duration(i) * time.Second), oneLine: true}), order.CreateOptions{Prefix: "B"})
			if err != nil {
				errs <- fmt.Errorf("order %d: %w", i, err)
				return
			}
			if o.Number != order.FormatNumber("B", o.Seq, "") {
				errs <- fmt.Errorf("order %d: number %q does not match seq %d", i, o.Number, o.Seq)
			}
			seqs[i] = o.Seq
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	slices.Sort(seqs)
	for i, n := range seqs {
		if n != int64(i+1) {
			t.Fatalf("numbers are not 1..%d without gaps or repeats: position %d holds %d", orders, i, n)
		}
	}
	// And every number leads to its order.
	o, err := s.Orders.GetByNumber(ctx, "B-200")
	if err != nil || o.Seq != 200 {
		t.Fatalf("GetByNumber(B-200) = %v, %v", o, err)
	}
}

func allHistory(t *testing.T, s order.OrderStore, id string) []order.Change {
	t.Helper()
	var all []order.Change
	cursor := ""
	for range 100 {
		page, err := s.History(context.Background(), id, order.PageRequest{Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		cursor = page.Next
	}
	t.Fatalf("history of %s does not end", id)
	return nil
}

func testHistory(t *testing.T, f Factory) {
	ctx := context.Background()
	s, clock := newStores(t, f)
	o, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "hist-1", created: Epoch}), order.CreateOptions{
		Record: func(o *order.Order) ([]order.Change, []order.Event, error) {
			return []order.Change{order.CreatedChange(o, order.StorefrontActor(order.SourceShopify), order.ViaWebhook(order.SourceShopify))}, nil, nil
		},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	steps := []struct {
		name string
		fn   func(o *order.Order, now time.Time) ([]order.Change, error)
	}{
		{"paid", func(o *order.Order, now time.Time) ([]order.Change, error) { return o.MarkPaid(now) }},
		{"processing", func(o *order.Order, now time.Time) ([]order.Change, error) {
			return o.ChangeFulfilmentStatus(order.Processing, now)
		}},
		{"shipped", func(o *order.Order, now time.Time) ([]order.Change, error) {
			return o.MarkShipped("colissimo", "6A123", now)
		}},
		{"delivered", func(o *order.Order, now time.Time) ([]order.Change, error) {
			return o.ChangeFulfilmentStatus(order.Delivered, now)
		}},
	}
	for _, step := range steps {
		clock.Advance(time.Minute)
		_, err := s.Orders.Update(ctx, o.ID, func(o *order.Order) ([]order.Change, []order.Event, error) {
			ch, err := step.fn(o, clock.Now())
			return order.Stamp(ch, order.StaffActor("auth0|7"), order.ViaAPI), nil, err
		})
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
	// Pages of 2 in order, and the same rows as one big page.
	var paged []order.Change
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := s.Orders.History(ctx, o.ID, order.PageRequest{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("history page %d: %v", pages, err)
		}
		if len(page.Items) > 2 {
			t.Fatalf("page of %d rows with limit 2", len(page.Items))
		}
		paged = append(paged, page.Items...)
		if page.Next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("history paging does not end")
		}
		cursor = page.Next
	}
	whole, err := s.Orders.History(ctx, o.ID, order.PageRequest{})
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if len(paged) != len(whole.Items) || len(paged) < 1+len(steps) {
		t.Fatalf("paged history has %d rows, whole %d, want at least %d", len(paged), len(whole.Items), 1+len(steps))
	}
	if paged[0].Action != order.ActionCreate {
		t.Fatalf("first history row %+v, want the creation", paged[0])
	}
	for i := 1; i < len(paged); i++ {
		if paged[i].At.Before(paged[i-1].At) {
			t.Fatalf("history out of order at %d: %v before %v", i, paged[i].At, paged[i-1].At)
		}
		if paged[i] != whole.Items[i] {
			t.Fatalf("paged row %d %+v differs from %+v", i, paged[i], whole.Items[i])
		}
	}
	last := paged[len(paged)-1]
	if last.Field != order.FieldFulfilmentStatus || last.To != order.Delivered.String() {
		t.Fatalf("last history row %+v, want the delivery", last)
	}
	_, err = s.Orders.History(ctx, o.ID, order.PageRequest{Cursor: "garbage!"})
	wantKind(t, err, order.Invalid, "invalid_cursor")
	_, err = s.Orders.History(ctx, o.ID, order.PageRequest{Limit: -1})
	wantKind(t, err, order.Invalid, "invalid_limit")
}
