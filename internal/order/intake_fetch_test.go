package order_test

import (
	"context"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// fetchedInbound is an Ecwid-like delivery that only names its content:
// fetch counts its calls and answers with the order, or with fail.
func fetchedInbound(o *order.Order, deliveryID string, calls *int, fail *error) order.Inbound {
	full := intakeInbound(o, deliveryID)
	full.Creation = true
	return order.Inbound{Source: o.Source, Kind: order.InboundOrder, Topic: "order.created", DeliveryID: deliveryID,
		Fingerprint: full.Fingerprint, Fetch: func(context.Context) (order.Inbound, error) {
			*calls++
			if *fail != nil {
				return order.Inbound{}, *fail
			}
			return full, nil
		}}
}

// TestIntakeFetchesOnlyUnderTheClaim: a delivery that only names its order
// is fetched once; its retries, and any replay of its signed id, are
// answered from the delivery's record without a fetch. A failed fetch
// leaves nothing behind, so that the storefront's retry fetches again.
func TestIntakeFetchesOnlyUnderTheClaim(t *testing.T) {
	e := newIntakeEnv(t)
	calls := 0
	var fail error
	o := intakeFrOrder(order.SourceEcwid, "BTQ-2001", storetest.Epoch.Add(-time.Minute))

	fail = order.E("test.fetch", order.Transient, "ecwid_unavailable", "Ecwid did not answer")
	_, err := e.svc.Receive(e.ctx, fetchedInbound(o, "evt-1", &calls, &fail))
	if !order.IsKind(err, order.Transient) || calls != 1 {
		t.Fatalf("failed fetch: err %v after %d calls, want the Transient error after 1", err, calls)
	}
	if n := len(e.orders()); n != 0 {
		t.Fatalf("a failed fetch stored %d orders", n)
	}

	fail = nil
	res := e.receive(fetchedInbound(o, "evt-1", &calls, &fail))
	if res.Outcome != order.OutcomeCreated || calls != 2 {
		t.Fatalf("retry: %+v after %d calls, want created after 2", res, calls)
	}
	for i := range 3 {
		again := e.receive(fetchedInbound(o, "evt-1", &calls, &fail))
		if again.Outcome != order.OutcomeDuplicate || again.OrderID != res.OrderID {
			t.Fatalf("replay %d: %+v, want a duplicate of %s", i, again, res.OrderID)
		}
	}
	if calls != 2 {
		t.Fatalf("replays fetched: %d calls, want 2", calls)
	}
	// The same order under another event is fetched: it may be newer.
	if got := e.receive(fetchedInbound(o, "evt-2", &calls, &fail)); got.Outcome != order.OutcomeUnchanged || calls != 3 {
		t.Fatalf("another event: %+v after %d calls, want unchanged after 3", got, calls)
	}
	if n := len(e.orders()); n != 1 {
		t.Fatalf("%d orders stored, want 1", n)
	}
}

// TestIntakeFetchedContentMustMatch: the fetch must answer for the delivery
// claimed, not another one.
func TestIntakeFetchedContentMustMatch(t *testing.T) {
	e := newIntakeEnv(t)
	o := intakeFrOrder(order.SourceEcwid, "BTQ-2002", storetest.Epoch)
	in := order.Inbound{Source: order.SourceEcwid, Kind: order.InboundOrder, DeliveryID: "evt-3",
		Fetch: func(context.Context) (order.Inbound, error) { return intakeInbound(o, "evt-other"), nil }}
	_, err := e.svc.Receive(e.ctx, in)
	wantErr(t, err, order.Internal, "fetch_mismatch")
}
