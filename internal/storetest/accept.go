package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RunAcceptedOrders runs the contract of Accept and AssignNumber.
func RunAcceptedOrders(t *testing.T, f Factory) {
	t.Run("AcceptThenNumber", func(t *testing.T) { testAcceptThenNumber(t, f) })
	t.Run("AcceptDuplicate", func(t *testing.T) { testAcceptDuplicate(t, f) })
	t.Run("UpdateNumbersFirst", func(t *testing.T) { testUpdateNumbersFirst(t, f) })
	t.Run("ConcurrentNumbering", func(t *testing.T) { testConcurrentNumbering(t, f) })
	t.Run("TakenNumberIsSkipped", func(t *testing.T) { testTakenNumberSkipped(t, f) })
	t.Run("PendingBefore", func(t *testing.T) { testPendingBefore(t, f) })
}

// testPendingBefore: the orders accepted before a time and not numbered
// yet are listed, oldest first, a page at a time; a numbered order leaves
// the list.
func testPendingBefore(t *testing.T, f Factory) {
	ctx := context.Background()
	s, clock := newStores(t, f)
	var ids []string
	for _, ext := range []string{"pend-a", "pend-b", "pend-c", "pend-d"} {
		o, err := s.Orders.Accept(ctx, newOrder(t, orderSpec{ext: ext, created: Epoch}), pendingFor("", ""))
		if err != nil {
			t.Fatalf("accept %s: %v", ext, err)
		}
		ids = append(ids, o.ID)
		clock.Advance(time.Minute)
	}
	if _, err := s.Orders.AssignNumber(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	list := func(before time.Time) []string {
		t.Helper()
		return pageByPage(t, "pending orders", func(page order.PageRequest) (order.Page[string], error) {
			return s.Pending.PendingBefore(ctx, before, page)
		})
	}
	if got, want := list(clock.Now()), []string{ids[0], ids[2], ids[3]}; !slices.Equal(got, want) {
		t.Errorf("pending now: %v, want %v (b numbered)", got, want)
	}
	if got, want := list(Epoch.Add(90*time.Second)), []string{ids[0]}; !slices.Equal(got, want) {
		t.Errorf("pending before the third acceptance: %v, want %v", got, want)
	}
	if got := list(Epoch); len(got) != 0 {
		t.Errorf("pending before the first acceptance: %v, want none", got)
	}
}

// pendingFor is the pending creation of a storefront delivery in the tests.
func pendingFor(delivery, prefix string) order.PendingCreation {
	a := order.StorefrontActor(order.SourceShopify)
	return order.PendingCreation{
		Prefix: prefix, Actor: a, Via: order.ViaWebhook(order.SourceShopify), Delivery: delivery,
		Rows: []order.Change{{At: Epoch, Actor: a, Via: order.ViaWebhook(order.SourceShopify), Action: order.ActionSetInternalComment, Field: order.FieldInternalComment, To: "accepted"}},
	}
}

func testAcceptThenNumber(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	in := newOrder(t, orderSpec{ext: "acc-1", email: "Acc@Example.com", created: Epoch})
	got, err := s.Orders.Accept(ctx, in, pendingFor("webhook:shopify\x00wh-1", "WEB"))
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	wantID := order.StorefrontOrderID(order.SourceShopify, "acc-1")
	if got.ID != wantID || got.Seq != 0 || got.Number != "" || got.Version != 1 {
		t.Fatalf("accepted order: id %q seq %d number %q version %d; want %s, no number, version 1", got.ID, got.Seq, got.Number, got.Version, wantID)
	}
	if in.ID != "" {
		t.Fatalf("Accept changed the caller's order: id %q", in.ID)
	}
	for name, get := range map[string]func() (*order.Order, error){
		"Get":           func() (*order.Order, error) { return s.Orders.Get(ctx, wantID) },
		"GetByExternal": func() (*order.Order, error) { return s.Orders.GetByExternal(ctx, order.SourceShopify, "acc-1") },
	} {
		o, err := get()
		if err != nil {
			t.Fatalf("%s of the accepted order: %v", name, err)
		}
		if o.Number != "" || !o.Totals.Grand.Equal(in.Totals.Grand) {
			t.Fatalf("%s: number %q grand %s; want none yet and %s", name, o.Number, o.Totals.Grand, in.Totals.Grand)
		}
	}
	// Nothing of the creation but the order is written before the number.
	if h := allHistory(t, s.Orders, wantID); len(h) != 0 {
		t.Fatalf("history before numbering = %+v, want none", h)
	}
	if _, err := s.Customers.Get(ctx, "acc@example.com"); order.KindOf(err) != order.NotFound {
		t.Fatalf("customer counted before numbering: %v", err)
	}

	numbered, err := s.Orders.AssignNumber(ctx, wantID)
	if err != nil {
		t.Fatalf("assign number: %v", err)
	}
	if numbered.Seq != 1 || numbered.Number != "WEB-1" || numbered.Version != 1 {
		t.Fatalf("numbered: seq %d number %q version %d; want 1, WEB-1, 1", numbered.Seq, numbered.Number, numbered.Version)
	}
	byNumber, err := s.Orders.GetByNumber(ctx, "WEB-1")
	if err != nil || byNumber.ID != wantID {
		t.Fatalf("GetByNumber(WEB-1) = %v, %v", byNumber, err)
	}
	h := allHistory(t, s.Orders, wantID)
	if len(h) != 2 || h[0].Action != order.ActionCreate || h[0].To != "WEB-1" || h[1].To != "accepted" {
		t.Fatalf("history after numbering = %+v, want the creation row quoting WEB-1, then the accepted row", h)
	}
	c, err := s.Customers.Get(ctx, "acc@example.com")
	if err != nil || c.OrdersCount != 1 {
		t.Fatalf("customer after numbering = %+v, %v; want one order", c, err)
	}
	// Numbering again changes nothing.
	again, err := s.Orders.AssignNumber(ctx, wantID)
	if err != nil || again.Number != "WEB-1" {
		t.Fatalf("second AssignNumber = %v, %v", again, err)
	}
	if h := allHistory(t, s.Orders, wantID); len(h) != 2 {
		t.Fatalf("history after numbering twice has %d rows, want 2", len(h))
	}
	if c, _ := s.Customers.Get(ctx, "acc@example.com"); c == nil || c.OrdersCount != 1 {
		t.Fatalf("customer after numbering twice = %+v, want one order", c)
	}
	// The next accepted order takes the next number, and so does a Create.
	if _, err := s.Orders.Accept(ctx, newOrder(t, orderSpec{ext: "acc-2", created: Epoch}), pendingFor("", "WEB")); err != nil {
		t.Fatalf("accept second: %v", err)
	}
	second, err := s.Orders.AssignNumber(ctx, order.StorefrontOrderID(order.SourceShopify, "acc-2"))
	if err != nil || second.Number != "WEB-2" {
		t.Fatalf("second numbered = %v, %v; want WEB-2", second, err)
	}
	created, err := s.Orders.Create(ctx, newOrder(t, orderSpec{created: Epoch}), order.CreateOptions{Prefix: "WEB"})
	if err != nil || created.Number != "WEB-3" {
		t.Fatalf("create after numbering = %v, %v; want WEB-3", created, err)
	}
	if _, err := s.Orders.AssignNumber(ctx, "01NOSUCHORDER"); order.KindOf(err) != order.NotFound {
		t.Fatalf("AssignNumber of a missing order: %v, want NotFound", err)
	}
}

func testAcceptDuplicate(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	const delivery = "webhook:shopify\x00wh-dup"
	first, err := s.Orders.Accept(ctx, newOrder(t, orderSpec{ext: "dup-a", created: Epoch}), pendingFor(delivery, ""))
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	// Racing copies of the same delivery: none writes, each learns the
	// stored order and the delivery that made it.
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Peer().Accept(ctx, newOrder(t, orderSpec{ext: "dup-a", created: Epoch}), pendingFor(delivery, ""))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		id, dup := order.ExistingID(err)
		if !dup || id != first.ID {
			t.Fatalf("copy %d: %v, want already_exists for %s", i, err, first.ID)
		}
		var e *order.Error
		errors.As(err, &e)
		d := e.Details.(order.AlreadyExists)
		if d.Delivery != delivery {
			t.Fatalf("copy %d: details %+v, want the creating delivery %q", i, d, delivery)
		}
	}
	if _, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "dup-a", created: Epoch}), order.CreateOptions{}); !isExisting(err, first.ID) {
		t.Fatalf("Create of an accepted order: %v, want already_exists for %s", err, first.ID)
	}
	// And the other way round: an order created first is not accepted.
	created, err := s.Orders.Create(ctx, newOrder(t, orderSpec{ext: "dup-b", created: Epoch}), order.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.ID != order.StorefrontOrderID(order.SourceShopify, "dup-b") {
		t.Fatalf("Create gave a storefront order id %s, want the derived one", created.ID)
	}
	if _, err := s.Orders.Accept(ctx, newOrder(t, orderSpec{ext: "dup-b", created: Epoch}), pendingFor("x", "")); !isExisting(err, created.ID) {
		t.Fatalf("Accept of a created order: %v, want already_exists for %s", err, created.ID)
	}
	// Refused before any write.
	_, err = s.Orders.Accept(ctx, newOrder(t, orderSpec{created: Epoch}), pendingFor("", ""))
	wantKind(t, err, order.Invalid, "missing_external_id")
	other := newOrder(t, orderSpec{ext: "dup-c", created: Epoch})
	other.ID = "01OTHERID"
	_, err = s.Orders.Accept(ctx, other, pendingFor("", ""))
	wantKind(t, err, order.Invalid, "invalid_id")
}

func isExisting(err error, id string) bool {
	got, ok := order.ExistingID(err)
	return ok && got == id
}

func testUpdateNumbersFirst(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	o, err := s.Orders.Accept(ctx, newOrder(t, orderSpec{ext: "upd-a", created: Epoch}), pendingFor("", "N"))
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	got, err := s.Orders.Update(ctx, o.ID, trackingChange("6A123"))
	if err != nil {
		t.Fatalf("update of an accepted order: %v", err)
	}
	if got.Number != "N-1" || got.Version != 2 || len(got.Tracking) != 1 {
		t.Fatalf("updated: number %q version %d tracking %v; want N-1, version 2, the tracking", got.Number, got.Version, got.Tracking)
	}
	h := allHistory(t, s.Orders, o.ID)
	if len(h) != 3 || h[0].Action != order.ActionCreate || h[2].To != "6A123" {
		t.Fatalf("history = %+v, want creation, accepted row, tracking", h)
	}
	// Numbering after the update finds the order numbered.
	if again, err := s.Orders.AssignNumber(ctx, o.ID); err != nil || again.Number != "N-1" || again.Version != 2 {
		t.Fatalf("AssignNumber after the update = %v, %v", again, err)
	}
	// An If-Match on the accepted version still holds after the numbering.
	p, err := s.Orders.Accept(ctx, newOrder(t, orderSpec{ext: "upd-b", created: Epoch}), pendingFor("", "N"))
	if err != nil {
		t.Fatalf("accept b: %v", err)
	}
	got, err = s.Orders.UpdateIfVersion(ctx, p.ID, 1, trackingChange("6A124"))
	if err != nil || got.Number != "N-2" || got.Version != 2 {
		t.Fatalf("UpdateIfVersion(1) of an accepted order = %v, %v; want N-2 at version 2", got, err)
	}
}

func testConcurrentNumbering(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	const orders, instances = 30, 2
	stores := make([]order.OrderStore, instances)
	for i := range stores {
		stores[i] = s.Peer()
	}
	ids := make([]string, orders)
	for i := range orders {
		o, err := s.Orders.Accept(ctx, newOrder(t, orderSpec{ext: fmt.Sprintf("cn-%02d", i), created: Epoch.Add(time.Duration(i) * time.Second), oneLine: true}), pendingFor("", "C"))
		if err != nil {
			t.Fatalf("accept %d: %v", i, err)
		}
		ids[i] = o.ID
	}
	// Every order numbered twice at once, by both instances: the stream
	// consumer and an update racing, or a redelivered stream record.
	var wg sync.WaitGroup
	var mu sync.Mutex
	numbers := map[string]map[string]bool{}
	errs := make(chan error, 2*orders)
	for i := range 2 * orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := ids[i%orders]
			o, err := stores[i%instances].AssignNumber(ctx, id)
			if err != nil {
				errs <- fmt.Errorf("number %s: %w", id, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if numbers[id] == nil {
				numbers[id] = map[string]bool{}
			}
			numbers[id][o.Number] = true
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
	var seqs []int64
	for _, id := range ids {
		if len(numbers[id]) != 1 {
			t.Fatalf("order %s was given numbers %v, want one", id, numbers[id])
		}
		o, err := s.Orders.Get(ctx, id)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if !numbers[id][o.Number] {
			t.Fatalf("order %s stored as %s, answered %v", id, o.Number, numbers[id])
		}
		seqs = append(seqs, o.Seq)
		if h := allHistory(t, s.Orders, id); len(h) != 2 {
			t.Fatalf("order %s has %d history rows, want 2 (numbered once)", id, len(h))
		}
	}
	slices.Sort(seqs)
	for i, n := range seqs {
		if n != int64(i+1) {
			t.Fatalf("numbers are not 1..%d without gaps or repeats: position %d holds %d", orders, i, n)
		}
	}
}

func testTakenNumberSkipped(t *testing.T, f Factory) {
	ctx := context.Background()
	s, _ := newStores(t, f)
	// "A-1" then, under prefix "A" with suffix "1"... the display number
	// "A-2-1" of order 2 cannot collide, but prefix "A-2" makes order 1's
	// number "A-2-1": take it with a Create, then number an accepted order
	// whose next number would render the same.
	if _, err := s.Orders.Create(ctx, newOrder(t, orderSpec{created: Epoch}), order.CreateOptions{Prefix: "A-2"}); err != nil { // A-2-1, seq 1
		t.Fatalf("create: %v", err)
	}
	o, err := s.Orders.Accept(ctx, newOrder(t, orderSpec{ext: "taken", created: Epoch}), order.PendingCreation{Prefix: "A", Suffix: "1", Actor: order.StorefrontActor(order.SourceShopify)})
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	got, err := s.Orders.AssignNumber(ctx, o.ID) // seq 2 would be A-2-1: taken, so seq 3
	if err != nil {
		t.Fatalf("assign number: %v", err)
	}
	if got.Seq != 3 || got.Number != "A-3-1" {
		t.Fatalf("numbered %d %q, want the taken number skipped: 3, A-3-1", got.Seq, got.Number)
	}
}
