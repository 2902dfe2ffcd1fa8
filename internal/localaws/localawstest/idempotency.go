package localawstest

import (
	"context"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// IdempotencyReader reads an idempotency record as stored
// (dynamo.Idempotency does); a key without a record is a NotFound error.
type IdempotencyReader interface {
	Get(ctx context.Context, scope, key string) (*order.IdempotencyRecord, error)
}

// WaitCompleted polls the idempotency record of (scope, key) until it is
// COMPLETED, and returns it: the request or the delivery it guards was
// handled to the end (the notifier completes an event's record once its
// e-mail was sent). It fails the test after timeout, with the record's last
// state, or at once on a read error other than NotFound.
func WaitCompleted(t testing.TB, r IdempotencyReader, scope, key string, timeout time.Duration) *order.IdempotencyRecord {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rec, err := r.Get(t.Context(), scope, key)
		if err != nil && order.KindOf(err) != order.NotFound {
			t.Fatalf("read idempotency record %s/%s: %v", scope, key, err)
		}
		if rec != nil && rec.Status == order.IdempotencyCompleted {
			return rec
		}
		if time.Now().After(deadline) {
			state := "no record"
			if rec != nil {
				state = string(rec.Status)
			}
			t.Fatalf("idempotency record %s/%s not COMPLETED after %s: %s", scope, key, timeout, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
