package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// QuarantineFactory builds a fresh, empty quarantine store for one test.
type QuarantineFactory func(t *testing.T) order.QuarantineStore

// RunQuarantineStore runs the QuarantineStore contract.
func RunQuarantineStore(t *testing.T, f QuarantineFactory) {
	t.Run("HoldThenHoldAgain", func(t *testing.T) { testQuarantineHoldAgain(t, f(t)) })
	t.Run("KeepsLargeBodies", func(t *testing.T) { testQuarantineLargeBody(t, f(t)) })
	t.Run("ListNewestFirstByState", func(t *testing.T) { testQuarantineList(t, f(t)) })
	t.Run("UpdateIsConditional", func(t *testing.T) { testQuarantineUpdate(t, f(t)) })
	t.Run("ConcurrentHoldsCountEveryAttempt", func(t *testing.T) { testQuarantineConcurrentHolds(t, f(t)) })
}

// quarantineHold is an arrival of a Shopify delivery, received at.
func quarantineHold(deliveryID string, at time.Time) order.QuarantineHold {
	return order.QuarantineHold{
		ID: order.QuarantineID(order.SourceShopify, "delivery:"+deliveryID), Source: order.SourceShopify, DeliveryID: deliveryID,
		Headers: map[string]string{"x-shopify-topic": "orders/create", "x-shopify-hmac-sha256": "c2lnbmF0dXJl", "x-shopify-webhook-id": deliveryID},
		Body:    []byte(`{"id":` + fmt.Sprintf("%q", deliveryID) + `,"total_price":"12.50"}`),
		Reason:  order.QuarantineReason{Code: "totals_mismatch", Message: "the storefront's grand total differs"},
		At:      at,
	}
}

func testQuarantineHoldAgain(t *testing.T, s order.QuarantineStore) {
	ctx := context.Background()
	h := quarantineHold("d-1", Epoch)
	first, err := s.Hold(ctx, h)
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	want := order.QuarantinedDelivery{
		ID: h.ID, Source: order.SourceShopify, DeliveryID: "d-1", Headers: h.Headers, Body: h.Body,
		State: order.QuarantineHeld, Reason: h.Reason, ReceivedAt: Epoch, LastAttemptAt: Epoch, Attempts: 1, Version: 1,
	}
	checkDelivery(t, "first hold", first, want)
	got, err := s.Get(ctx, h.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	checkDelivery(t, "get", got, want)

	// The storefront sends it again: one item, one more attempt, the new
	// reason; body, headers and first arrival stay.
	again := quarantineHold("d-1", Epoch.Add(time.Minute))
	again.Body = []byte(`{"other":"body"}`)
	again.Headers = map[string]string{"x-other": "1"}
	again.Reason = order.QuarantineReason{Code: "unknown_currency", Message: "XXX is not a currency"}
	second, err := s.Hold(ctx, again)
	if err != nil {
		t.Fatalf("hold again: %v", err)
	}
	want.Reason, want.LastAttemptAt, want.Attempts, want.Version = again.Reason, Epoch.Add(time.Minute), 2, 2
	checkDelivery(t, "second hold", second, want)

	// A delivery replayed, then sent again and refused again, is back in
	// quarantine.
	replayed := *second
	replayed.State, replayed.OrderID, replayed.ReplayedAt = order.QuarantineReplayed, "01JQ0000000000000000000000", Epoch.Add(2*time.Minute)
	if _, err := s.Update(ctx, &replayed); err != nil {
		t.Fatalf("update: %v", err)
	}
	third, err := s.Hold(ctx, quarantineHold("d-1", Epoch.Add(3*time.Minute)))
	if err != nil {
		t.Fatalf("hold after replay: %v", err)
	}
	if third.State != order.QuarantineHeld || third.Attempts != 3 || third.Version != 4 {
		t.Fatalf("after a new refusal: state %s, attempts %d, version %d; want QUARANTINED, 3, 4", third.State, third.Attempts, third.Version)
	}

	_, err = s.Get(ctx, order.QuarantineID(order.SourceShopify, "delivery:nope"))
	wantKind(t, err, order.NotFound, "")
}

func testQuarantineLargeBody(t *testing.T, s order.QuarantineStore) {
	ctx := context.Background()
	// A storefront order of 250 lines, near the webhook body limit: JSON
	// as storefronts send it, with binary-unsafe bytes around it.
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf{\"line_items\":[")
	for i := range 250 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"sku":"SKU-%05d","title":"Tasse émaillée n°%d","price":"%d.90","properties":%q}`,
			i, i, i, i, strings.Repeat("gravure personnalisée ", 150))
	}
	b.WriteString("]}\x00")
	h := quarantineHold("big", Epoch)
	h.Body = b.Bytes()
	if _, err := s.Hold(ctx, h); err != nil {
		t.Fatalf("hold a %d-byte body: %v", len(h.Body), err)
	}
	got, err := s.Get(ctx, h.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if !bytes.Equal(got.Body, h.Body) {
		t.Fatalf("the body came back as %d bytes, want the %d stored", len(got.Body), len(h.Body))
	}
}

func testQuarantineList(t *testing.T, s order.QuarantineStore) {
	ctx := context.Background()
	var ids []string // newest first
	for i := range 5 {
		d, err := s.Hold(ctx, quarantineHold(fmt.Sprintf("d-%d", i), Epoch.Add(time.Duration(i)*time.Second)))
		if err != nil {
			t.Fatalf("hold %d: %v", i, err)
		}
		ids = append([]string{d.ID}, ids...)
	}
	// One of them replayed: it leaves the QUARANTINED listing.
	moved, err := s.Get(ctx, ids[1])
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	moved.State, moved.OrderID = order.QuarantineReplayed, "01JQ0000000000000000000001"
	if _, err := s.Update(ctx, moved); err != nil {
		t.Fatalf("update: %v", err)
	}
	held := []string{ids[0], ids[2], ids[3], ids[4]}

	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatal("the listing does not end")
		}
		p, err := s.List(ctx, order.QuarantineHeld, order.PageRequest{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		for _, d := range p.Items {
			if d.Body != nil || d.Headers != nil {
				t.Fatalf("the listing carries the body or headers of %s", d.ID)
			}
			if d.State != order.QuarantineHeld || d.Reason.Code != "totals_mismatch" || d.Attempts != 1 {
				t.Fatalf("listed item %+v", d)
			}
			got = append(got, d.ID)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if strings.Join(got, ",") != strings.Join(held, ",") {
		t.Fatalf("listed %v, want %v (newest first)", got, held)
	}
	r, err := s.List(ctx, order.QuarantineReplayed, order.PageRequest{})
	if err != nil {
		t.Fatalf("list replayed: %v", err)
	}
	if len(r.Items) != 1 || r.Items[0].ID != ids[1] || r.Items[0].OrderID != "01JQ0000000000000000000001" || r.Next != "" {
		t.Fatalf("replayed listing = %+v", r)
	}
	p, err := s.List(ctx, order.QuarantineHeld, order.PageRequest{Limit: 1})
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %+v, %v", p, err)
	}
	_, err = s.List(ctx, order.QuarantineReplayed, order.PageRequest{Cursor: p.Next})
	wantKind(t, err, order.Invalid, "invalid_cursor")
	_, err = s.List(ctx, order.QuarantineHeld, order.PageRequest{Cursor: "not-a-cursor"})
	wantKind(t, err, order.Invalid, "invalid_cursor")
}

func testQuarantineUpdate(t *testing.T, s order.QuarantineStore) {
	ctx := context.Background()
	h := quarantineHold("u-1", Epoch)
	d, err := s.Hold(ctx, h)
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	next := *d
	next.Attempts, next.LastAttemptAt = 2, Epoch.Add(time.Hour)
	next.State, next.OrderID, next.ReplayedAt = order.QuarantineReplayed, "01JQ0000000000000000000002", Epoch.Add(time.Hour)
	next.Body, next.Headers = []byte("ignored"), nil // never changed by Update
	got, err := s.Update(ctx, &next)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	want := order.QuarantinedDelivery{
		ID: h.ID, Source: order.SourceShopify, DeliveryID: "u-1", Headers: h.Headers, Body: h.Body,
		State: order.QuarantineReplayed, Reason: h.Reason, ReceivedAt: Epoch, LastAttemptAt: Epoch.Add(time.Hour), Attempts: 2,
		OrderID: "01JQ0000000000000000000002", ReplayedAt: Epoch.Add(time.Hour), Version: 2,
	}
	checkDelivery(t, "update", got, want)
	stored, err := s.Get(ctx, h.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	checkDelivery(t, "get after update", stored, want)

	_, err = s.Update(ctx, &next) // version 1 again: stale
	wantKind(t, err, order.PreconditionFailed, "")
	unknown := next
	unknown.ID = order.QuarantineID(order.SourceShopify, "delivery:unknown")
	_, err = s.Update(ctx, &unknown)
	wantKind(t, err, order.NotFound, "")
}

func testQuarantineConcurrentHolds(t *testing.T, s order.QuarantineStore) {
	ctx := context.Background()
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Hold(ctx, quarantineHold("c-1", Epoch.Add(time.Duration(i)*time.Millisecond))); err != nil {
				t.Errorf("hold %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	d, err := s.Get(ctx, quarantineHold("c-1", Epoch).ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if d.Attempts != n || d.Version != n {
		t.Fatalf("after %d concurrent holds: attempts %d, version %d", n, d.Attempts, d.Version)
	}
	p, err := s.List(ctx, order.QuarantineHeld, order.PageRequest{})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("listing after concurrent holds: %+v, %v", p, err)
	}
}

// checkDelivery compares a stored delivery with want, field by field.
func checkDelivery(t *testing.T, what string, got *order.QuarantinedDelivery, want order.QuarantinedDelivery) {
	t.Helper()
	g := *got
	if !bytes.Equal(g.Body, want.Body) {
		t.Fatalf("%s: body %q, want %q", what, g.Body, want.Body)
	}
	if fmt.Sprint(g.Headers) != fmt.Sprint(want.Headers) {
		t.Fatalf("%s: headers %v, want %v", what, g.Headers, want.Headers)
	}
	if !g.ReceivedAt.Equal(want.ReceivedAt) || !g.LastAttemptAt.Equal(want.LastAttemptAt) || !g.ReplayedAt.Equal(want.ReplayedAt) {
		t.Fatalf("%s: times %s %s %s, want %s %s %s", what, g.ReceivedAt, g.LastAttemptAt, g.ReplayedAt,
			want.ReceivedAt, want.LastAttemptAt, want.ReplayedAt)
	}
	g.Body, g.Headers, want.Body, want.Headers = nil, nil, nil, nil
	g.ReceivedAt, g.LastAttemptAt, g.ReplayedAt = want.ReceivedAt, want.LastAttemptAt, want.ReplayedAt
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, g, want)
	}
}
