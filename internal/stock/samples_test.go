package stock_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/order"
)

// TestEventSamples hands the samples of events/stock/ to the handler, each
// twice: the payment takes the tracked lines once, the cancellation of the
// paid order puts them back once.
func TestEventSamples(t *testing.T) {
	s := memStores(t)
	s.put(t, order.StockItem{SKU: "MUG-MONTMARTRE", OnHand: 10, LowThreshold: 3}, order.StockItem{SKU: "TEE-M", OnHand: 5})
	steps := []struct {
		file     string
		mug, tee int64
	}{
		{"sqs-order-paid.json", 8, 4},
		{"sqs-order-cancelled.json", 10, 5},
	}
	for _, st := range steps {
		raw, err := os.ReadFile("../../events/stock/" + st.file)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			resp, err := s.handler.Handle(context.Background(), ev)
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("%s: %v %+v", st.file, err, resp)
			}
		}
		if mug, tee := s.onHand(t, "MUG-MONTMARTRE"), s.onHand(t, "TEE-M"); mug != st.mug || tee != st.tee {
			t.Fatalf("after %s: %d and %d, want %d and %d", st.file, mug, tee, st.mug, st.tee)
		}
	}
}
