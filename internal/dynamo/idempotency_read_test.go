package dynamo_test

import (
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
)

// TestIdempotencyGet reads a record back in each state: absent, claimed,
// completed with its outcome.
func TestIdempotencyGet(t *testing.T) {
	ctx := t.Context()
	db, table := newTable(t)
	idem := dynamo.New(db, table).Idempotency()

	if _, err := idem.Get(ctx, "notify", "evt-1"); order.KindOf(err) != order.NotFound {
		t.Fatalf("absent record: err %v, want NotFound", err)
	}
	if rec, err := idem.Begin(ctx, "notify", "evt-1", "fp", time.Minute); err != nil || rec != nil {
		t.Fatalf("claim: %+v %v", rec, err)
	}
	rec, err := idem.Get(ctx, "notify", "evt-1")
	if err != nil || rec.Status != order.IdempotencyInProgress || rec.Fingerprint != "fp" || rec.Scope != "notify" || rec.Key != "evt-1" {
		t.Fatalf("claimed record = %+v %v, want INPROGRESS with its fingerprint", rec, err)
	}
	if err := idem.Complete(ctx, order.IdempotencyResult{Scope: "notify", Key: "evt-1", Fingerprint: "fp",
		Response: []byte(`{"ok":true}`), ResourceID: "ord-1", TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	rec, err = idem.Get(ctx, "notify", "evt-1")
	if err != nil || rec.Status != order.IdempotencyCompleted || string(rec.Response) != `{"ok":true}` || rec.ResourceID != "ord-1" {
		t.Fatalf("completed record = %+v %v, want COMPLETED with its outcome", rec, err)
	}
	if _, err := idem.Get(ctx, "orders", "evt-1"); order.KindOf(err) != order.NotFound {
		t.Fatalf("another scope's key: err %v, want NotFound", err)
	}
}
