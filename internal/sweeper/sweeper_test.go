package sweeper_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/sweeper"
)

var quiet = slog.New(slog.DiscardHandler)

// store is what the test needs of either store.
type store interface {
	order.OrderStore
	order.PendingOrders
	order.Outbox
}

// publishLog is a Publisher that publishes nowhere: it records the events
// and marks them published, as the relay does.
type publishLog struct {
	outbox order.Outbox
	got    []order.Event
}

func (p *publishLog) Publish(ctx context.Context, events []order.Event) (int, error) {
	p.got = append(p.got, events...)
	return len(events), p.outbox.MarkPublished(ctx, events)
}

// TestSweeperNumbersPendingOrders, on the in-memory store and on DynamoDB
// Local: an order accepted minutes ago and never numbered by the stream
// gets its number from the sweeper; one accepted a moment ago is left to
// the stream.
func TestSweeperNumbersPendingOrders(t *testing.T) {
	stores := map[string]func(t *testing.T, clock func() time.Time) store{
		"memstore": func(t *testing.T, clock func() time.Time) store { return memstore.New(memstore.WithClock(clock)) },
		"dynamo": func(t *testing.T, clock func() time.Time) store {
			cfg := localawstest.Config(t)
			table := localawstest.NewTable(t, cfg)
			return dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions), table, dynamo.WithClock(clock))
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().Add(-10 * time.Minute)
			st := newStore(t, func() time.Time { return now })
			old, err := st.Accept(ctx, shopifyOrder(t, "700001"), order.PendingCreation{Actor: order.StorefrontActor(order.SourceShopify)})
			if err != nil {
				t.Fatal(err)
			}
			now = time.Now()
			fresh, err := st.Accept(ctx, shopifyOrder(t, "700002"), order.PendingCreation{Actor: order.StorefrontActor(order.SourceShopify)})
			if err != nil {
				t.Fatal(err)
			}
			n, err := numbering.New(numbering.Deps{Orders: st, Records: dynamo.Stream{}, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			published := &publishLog{outbox: st}
			s, err := sweeper.New(sweeper.Deps{Pending: st, Numberer: n, Outbox: st, Publisher: published, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Handle(ctx, nil)
			if err != nil || res != (sweeper.Result{Numbered: 1}) {
				t.Fatalf("sweep: %+v, %v; want one order numbered", res, err)
			}
			got, err := st.Get(ctx, old.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Number != "1" {
				t.Errorf("the order pending for minutes has number %q, want 1", got.Number)
			}
			if got, err := st.Get(ctx, fresh.ID); err != nil || got.Number != "" {
				t.Errorf("the order accepted a moment ago: number %q (%v), want none yet", got.Number, err)
			}
			// A second run finds nothing left to do.
			if res, err := s.Handle(ctx, nil); err != nil || res != (sweeper.Result{}) {
				t.Errorf("second sweep: %+v, %v; want nothing done", res, err)
			}
			// The numbering's events were written a moment ago: the stream
			// relays them, the sweeper leaves them.
			if len(published.got) != 0 {
				t.Errorf("the sweeper published %+v, written a moment ago", published.got)
			}
		})
	}
}

// shopifyOrder is a valid Shopify order with its totals computed.
func shopifyOrder(t *testing.T, externalID string) *order.Order {
	t.Helper()
	o := &order.Order{
		Source: order.SourceShopify, ExternalID: externalID,
		Customer:         order.Customer{Name: "Camille Martin", Email: "camille.martin@example.fr", Locale: "fr-FR"},
		Lines:            []order.LineItem{{SKU: "MUG-001", Name: "Mug", Quantity: 1, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.NewFromInt(20)}},
		PricesIncludeTax: true, Currency: order.EUR, Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
		CreatedAt: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC),
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	return o
}
