package stock_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/stock"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// stores is what a test needs: the order store, the lifecycle that writes
// the events, and the stock handler.
type stores struct {
	orders  order.OrderStore
	stock   order.StockStore
	svc     *order.Lifecycle
	handler *stock.Handler
	outbox  func() []order.Event
}

func memStores(t *testing.T) stores {
	t.Helper()
	st := memstore.New()
	return stores{
		orders: st, stock: st.Stock(), outbox: st.Outbox,
		svc:     storetest.NewLifecycle(t, order.LifecycleDeps{Orders: st, Settings: st.Settings(), Stock: st.Stock()}),
		handler: newHandler(t, st.Stock(), st),
	}
}

func newHandler(t testing.TB, st order.StockStore, orders stock.OrderReader) *stock.Handler {
	t.Helper()
	h, err := stock.NewHandler(stock.Deps{Stock: st, Orders: orders, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestNewHandlerNeedsItsPorts(t *testing.T) {
	st := memstore.New()
	if _, err := stock.NewHandler(stock.Deps{Orders: st}); order.CodeOf(err) != "missing_dependency" {
		t.Errorf("without a stock store: %v", err)
	}
	if _, err := stock.NewHandler(stock.Deps{Stock: st.Stock()}); order.CodeOf(err) != "missing_dependency" {
		t.Errorf("without an order reader: %v", err)
	}
}

func line(sku string, qty int64) order.LineItem {
	return order.LineItem{SKU: sku, Name: sku, Quantity: qty, UnitPrice: decimal.RequireFromString("9.90"), VATRate: decimal.RequireFromString("20")}
}

func (s stores) place(t *testing.T, lines ...order.LineItem) *order.Order {
	t.Helper()
	o := &order.Order{
		Source: order.SourceManual, Currency: order.EUR, PricesIncludeTax: true,
		Customer: order.Customer{Name: "Léa", Email: "lea@example.fr"},
		Lines:    lines, Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	created, err := s.orders.Create(context.Background(), o, order.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func (s stores) put(t *testing.T, items ...order.StockItem) {
	t.Helper()
	for _, si := range items {
		if err := s.stock.Put(context.Background(), si); err != nil {
			t.Fatal(err)
		}
	}
}

func (s stores) onHand(t *testing.T, sku string) int64 {
	t.Helper()
	si, err := s.stock.Get(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	return si.OnHand
}

func cmd(id string) order.Command {
	return order.Command{OrderID: id, Actor: order.StaffActor("camille"), Via: order.ViaAPI}
}

func encode(t *testing.T, e order.Event) string {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// deliver hands every event of the outbox from index from to the handler,
// twice (SQS delivers at least once), and returns the new outbox length.
func (s stores) deliver(t *testing.T, from int) int {
	t.Helper()
	out := s.outbox()
	for _, e := range out[from:] {
		for range 2 {
			resp, err := s.handler.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: e.ID, Body: encode(t, e)}}})
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("deliver %s: %v %+v", e.Type, err, resp)
			}
		}
	}
	return len(out)
}

func TestLifecycleMovesStock(t *testing.T) {
	ctx := context.Background()
	s := memStores(t)
	s.put(t, order.StockItem{SKU: "MUG-1", OnHand: 10, LowThreshold: 2}, order.StockItem{SKU: "TEE-M", OnHand: 4})
	o := s.place(t, line("MUG-1", 2), line("TEE-M", 1), line("UNTRACKED", 5), line("MUG-1", 1))
	seen := 0
	type want struct{ mug, tee int64 }
	steps := []struct {
		name string
		do   func() error
		want want
	}{
		{"paid takes", func() error { _, err := s.svc.MarkPaid(ctx, cmd(o.ID)); return err }, want{7, 3}},
		{"shipping leaves it", func() error { _, err := s.svc.MarkShipped(ctx, cmd(o.ID), "", ""); return err }, want{7, 3}},
		{"unshipping leaves it", func() error { _, err := s.svc.MarkUnshipped(ctx, cmd(o.ID)); return err }, want{7, 3}},
		{"mark unpaid gives back", func() error { _, err := s.svc.MarkUnpaid(ctx, cmd(o.ID)); return err }, want{10, 4}},
		{"paid again takes again", func() error { _, err := s.svc.MarkPaid(ctx, cmd(o.ID)); return err }, want{7, 3}},
		{"cancel restores", func() error {
			_, err := s.svc.Cancel(ctx, cmd(o.ID), order.CancelOptions{Restock: true})
			return err
		}, want{10, 4}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		seen = s.deliver(t, seen)
		if got := (want{s.onHand(t, "MUG-1"), s.onHand(t, "TEE-M")}); got != st.want {
			t.Fatalf("%s: stock %+v, want %+v", st.name, got, st.want)
		}
	}
}

func TestCancelWithoutRestockAndReturns(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		do   func(s stores, id string) error
		want int64
	}{
		{"cancel of a paid order, restock unticked", func(s stores, id string) error {
			_, err := s.svc.Cancel(ctx, cmd(id), order.CancelOptions{Restock: false})
			return err
		}, 3},
		{"returned", func(s stores, id string) error {
			if _, err := s.svc.MarkShipped(ctx, cmd(id), "", ""); err != nil {
				return err
			}
			_, err := s.svc.ChangeFulfilmentStatus(ctx, cmd(id), order.Returned, "", "")
			return err
		}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := memStores(t)
			s.put(t, order.StockItem{SKU: "MUG-1", OnHand: 5})
			o := s.place(t, line("MUG-1", 2))
			if _, err := s.svc.MarkPaid(ctx, cmd(o.ID)); err != nil {
				t.Fatal(err)
			}
			seen := s.deliver(t, 0)
			if err := tt.do(s, o.ID); err != nil {
				t.Fatal(err)
			}
			s.deliver(t, seen)
			if got := s.onHand(t, "MUG-1"); got != tt.want {
				t.Fatalf("stock = %d, want %d", got, tt.want)
			}
		})
	}
	// A cancelled unpaid order took nothing and gives nothing back.
	s := memStores(t)
	s.put(t, order.StockItem{SKU: "MUG-1", OnHand: 5})
	o := s.place(t, line("MUG-1", 2))
	if _, err := s.svc.Cancel(ctx, cmd(o.ID), order.CancelOptions{Restock: true}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, 0)
	if got := s.onHand(t, "MUG-1"); got != 5 {
		t.Fatalf("cancel of an unpaid order moved the stock to %d", got)
	}
}

func TestRefusedDecrementIsAcknowledgedNotRetried(t *testing.T) {
	ctx := context.Background()
	s := memStores(t)
	s.put(t, order.StockItem{SKU: "RARE", OnHand: 1}, order.StockItem{SKU: "MUG-1", OnHand: 5},
		order.StockItem{SKU: "PRE", OnHand: 0, AllowBackorder: true})
	o := s.place(t, line("RARE", 3), line("MUG-1", 1), line("PRE", 2))
	if _, err := s.svc.MarkPaid(ctx, cmd(o.ID)); err != nil {
		t.Fatal(err)
	}
	e := s.outbox()[0]
	results, err := s.handler.HandleMessage(ctx, encode(t, e))
	if err != nil {
		t.Fatalf("a refusal must be acknowledged, got %v", err)
	}
	if want := map[string]stock.Result{"RARE": stock.Refused, "MUG-1": stock.Applied, "PRE": stock.Applied}; !reflect.DeepEqual(results, want) {
		t.Fatalf("results = %v, want %v", results, want)
	}
	if s.onHand(t, "RARE") != 1 || s.onHand(t, "MUG-1") != 4 || s.onHand(t, "PRE") != -2 {
		t.Fatalf("stock RARE %d MUG-1 %d PRE %d", s.onHand(t, "RARE"), s.onHand(t, "MUG-1"), s.onHand(t, "PRE"))
	}
	// Redelivered: nothing moves twice.
	results, err = s.handler.HandleMessage(ctx, encode(t, e))
	if err != nil || results["MUG-1"] != stock.Duplicate || results["PRE"] != stock.Duplicate || s.onHand(t, "MUG-1") != 4 {
		t.Fatalf("redelivery: %v %v MUG-1 %d", results, err, s.onHand(t, "MUG-1"))
	}
}

func TestEventsWithoutLinesReadTheOrder(t *testing.T) {
	ctx := context.Background()
	s := memStores(t)
	s.put(t, order.StockItem{SKU: "MUG-1", OnHand: 5})
	o := s.place(t, line("MUG-1", 2))
	// A storefront's "paid" webhook: intake writes the plain payload.
	e, err := order.NewEvent(order.OrderPaid, o.ID, order.StorefrontActor(order.SourceShopify), time.Now(),
		order.OrderEventData{Number: o.Number, PaymentStatus: "PAID", FulfilmentStatus: "AWAITING_PROCESSING"})
	if err != nil {
		t.Fatal(err)
	}
	results, err := s.handler.HandleMessage(ctx, encode(t, e))
	if err != nil || results["MUG-1"] != stock.Applied || s.onHand(t, "MUG-1") != 3 {
		t.Fatalf("intake event: %v %v stock %d", results, err, s.onHand(t, "MUG-1"))
	}
}

func TestBadMessages(t *testing.T) {
	ctx := context.Background()
	s := memStores(t)
	for _, b := range []string{"", "{", `{"type":"OrderPaid"}`} {
		if _, err := s.handler.HandleMessage(ctx, b); !order.IsKind(err, order.Invalid) {
			t.Errorf("body %q: err = %v, want Invalid", b, err)
		}
	}
	resp, _ := s.handler.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "bad", Body: "{"}, {MessageId: "ok", Body: `{"id":"01J","type":"OrderUpdated"}`}}})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "bad" {
		t.Fatalf("failures = %+v", resp.BatchItemFailures)
	}
}

// TestOrderMovesAddUp: the order's holding makes its events add up. A take
// refused for lack of stock is not given back by the cancellation; a
// cancellation processed before the payment it follows leaves the late
// payment stale; the stock ends where the order's last state says.
func TestOrderMovesAddUp(t *testing.T) {
	ctx := context.Background()
	t.Run("refused then cancelled", func(t *testing.T) {
		s := memStores(t)
		s.put(t, order.StockItem{SKU: "RARE", OnHand: 1}, order.StockItem{SKU: "MUG-1", OnHand: 5})
		o := s.place(t, line("RARE", 3), line("MUG-1", 2))
		if _, err := s.svc.MarkPaid(ctx, cmd(o.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.Cancel(ctx, cmd(o.ID), order.CancelOptions{Restock: true}); err != nil {
			t.Fatal(err)
		}
		var got []map[string]stock.Result
		for _, e := range s.outbox() {
			r, err := s.handler.HandleMessage(ctx, encode(t, e))
			if err != nil {
				t.Fatalf("%s: %v", e.Type, err)
			}
			if len(r) > 0 {
				got = append(got, r)
			}
		}
		want := []map[string]stock.Result{
			{"RARE": stock.Refused, "MUG-1": stock.Applied},
			{"RARE": stock.Unmoved, "MUG-1": stock.Applied},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("results = %v, want %v", got, want)
		}
		if s.onHand(t, "RARE") != 1 || s.onHand(t, "MUG-1") != 5 {
			t.Fatalf("stock RARE %d MUG-1 %d, want 1 and 5 as before", s.onHand(t, "RARE"), s.onHand(t, "MUG-1"))
		}
	})
	t.Run("cancellation before the payment", func(t *testing.T) {
		s := memStores(t)
		s.put(t, order.StockItem{SKU: "MUG-1", OnHand: 5})
		o := s.place(t, line("MUG-1", 2))
		if _, err := s.svc.MarkPaid(ctx, cmd(o.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.Cancel(ctx, cmd(o.ID), order.CancelOptions{Restock: true}); err != nil {
			t.Fatal(err)
		}
		evs := s.outbox()
		var paid, cancelled order.Event
		for _, e := range evs {
			switch e.Type {
			case order.OrderPaid:
				paid = e
			case order.OrderCancelled:
				cancelled = e
			}
		}
		r1, err := s.handler.HandleMessage(ctx, encode(t, cancelled))
		if err != nil || r1["MUG-1"] != stock.Unmoved {
			t.Fatalf("cancellation first: %v %v", r1, err)
		}
		r2, err := s.handler.HandleMessage(ctx, encode(t, paid))
		if err != nil || r2["MUG-1"] != stock.Stale {
			t.Fatalf("payment after: %v %v, want stale", r2, err)
		}
		if s.onHand(t, "MUG-1") != 5 {
			t.Fatalf("stock %d, want 5: the order was paid then cancelled", s.onHand(t, "MUG-1"))
		}
	})
}
