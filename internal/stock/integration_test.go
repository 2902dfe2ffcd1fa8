package stock_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/stock"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// TestConcurrentDeliveriesDynamoDB pays five orders of 2 units each against
// a stock of 7 in DynamoDB Local, and delivers every OrderPaid event three
// times at once: the stock ends at 1 (three orders served), never below
// zero, each order is either served once or refused, and every
// delivery succeeds (after SQS-like redeliveries of those that lost to
// contention).
func TestConcurrentDeliveriesDynamoDB(t *testing.T) {
	ctx := context.Background()
	cfg := localawstest.Config(t)
	table := localawstest.NewTable(t, cfg)
	st := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions), table)
	s := stores{
		orders: st, stock: st.Stock(),
		svc:     storetest.NewLifecycle(t, order.LifecycleDeps{Orders: st, Settings: st.Settings(), Stock: st.Stock()}),
		handler: newHandler(t, st.Stock(), st),
	}
	s.put(t, order.StockItem{SKU: "MUG-1", OnHand: 7, LowThreshold: 2})

	var paid []order.Event
	for range 5 {
		o := s.place(t, line("MUG-1", 2))
		got, err := s.svc.MarkPaid(ctx, cmd(o.ID))
		if err != nil {
			t.Fatal(err)
		}
		// The DynamoDB outbox is read by the stream relay; rebuild the
		// event the lifecycle wrote from the paid order.
		e, err := order.NewEvent(order.OrderPaid, got.ID, order.StaffActor("camille"), got.UpdatedAt,
			order.PayloadOf(got, order.OrderEventData{Number: got.Number, PaymentStatus: "PAID", FulfilmentStatus: got.Fulfilment.String()}))
		if err != nil {
			t.Fatal(err)
		}
		paid = append(paid, e)
	}

	results := make([][]map[string]stock.Result, len(paid))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, e := range paid {
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Fifteen transactions on one item: DynamoDB may cancel some
				// for the contention after the store's own retries, and SQS
				// would deliver the message again; so does the test.
				var r map[string]stock.Result
				var err error
				for attempt := 0; attempt < 5; attempt++ {
					if r, err = s.handler.HandleMessage(ctx, encode(t, e)); err == nil || order.KindOf(err) != order.Transient {
						break
					}
				}
				if err != nil {
					t.Errorf("delivery of %s: %v", e.ID, err)
					return
				}
				mu.Lock()
				results[i] = append(results[i], r)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if got := s.onHand(t, "MUG-1"); got != 1 {
		t.Fatalf("stock = %d, want 1 (three orders of 2 from 7)", got)
	}
	served, refused := 0, 0
	for i, rs := range results {
		applied := 0
		for _, r := range rs {
			switch r["MUG-1"] {
			case stock.Applied:
				applied++
			case stock.Refused:
				refused++
			}
		}
		if applied > 1 {
			t.Fatalf("order %d took its stock %d times", i, applied)
		}
		served += applied
	}
	if served != 3 {
		t.Fatalf("%d orders served, want 3", served)
	}
	if refused == 0 {
		t.Fatal("no refusal for the orders left without stock")
	}
}
