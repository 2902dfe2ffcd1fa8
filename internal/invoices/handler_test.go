package invoices_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/invoicepdf"
	"github.com/ordersmith/ordersmith/internal/invoices"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/order/invoicetest"
)

// orders is an order.OrderGetter over a map the test changes.
type orders struct {
	mu sync.Mutex
	m  map[string]*order.Order
}

func (o *orders) Get(_ context.Context, id string) (*order.Order, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	got, ok := o.m[id]
	if !ok {
		return nil, order.E("test.Get", order.NotFound, "order_not_found", "no order "+id)
	}
	c := *got
	return &c, nil
}

// settings is an order.SettingsReader of fixed settings.
type settings struct{ s order.Settings }

func (s settings) Get(context.Context) (order.Settings, int64, error) { return s.s, 1, nil }

// links is an invoices.Linker that names the key.
type links struct{}

func (links) Link(_ context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	return "https://documents.example/" + key, invoicetest.Now.Add(ttl), nil
}

type fixture struct {
	orders   *orders
	files    *memstore.Files
	consumer *invoices.Consumer
	router   *apihttp.Router
}

func newFixture(t *testing.T, trigger order.InvoiceTrigger) *fixture {
	t.Helper()
	c := invoicetest.Cases()[0]
	os := &orders{m: map[string]*order.Order{c.Order.ID: c.Order}}
	set := order.DefaultSettings("Atelier", "shop@example.com")
	set.Invoicing = c.Invoicing
	set.Invoicing.Trigger = trigger
	files := memstore.NewFiles()
	svc, err := invoices.NewService(invoices.ServiceDeps{Orders: os, Settings: settings{set}, Documents: memstore.NewDocuments(),
		Files: files, Renderer: invoicepdf.Renderer{}, Now: func() time.Time { return invoicetest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cons, err := invoices.NewConsumer(svc, log)
	if err != nil {
		t.Fatal(err)
	}
	api, err := invoices.NewAPI(svc, links{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{orders: os, files: files, consumer: cons, router: api.Router(apihttp.WithLogger(log))}
}

func (f *fixture) event(t *testing.T, typ order.EventType, id string) string {
	t.Helper()
	e, err := order.NewEvent(typ, id, order.Actor{Kind: order.ActorSystem}, invoicetest.Now, order.OrderEventData{Number: "1042"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(e)
	return string(b)
}

func (f *fixture) change(id string, fn func(o *order.Order)) {
	f.orders.mu.Lock()
	defer f.orders.mu.Unlock()
	fn(f.orders.m[id])
}

func TestConsumerIssuesAtPaymentNeverOnHold(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, "")
	id := invoicetest.Cases()[0].Order.ID
	f.change(id, func(o *order.Order) { o.Payment = order.AwaitingPayment })
	if _, out, err := f.consumer.HandleMessage(ctx, f.event(t, order.OrderCreated, id)); err != nil || out != order.InvoiceNotDue {
		t.Fatalf("created, unpaid: %v, %v; want not_due", out, err)
	}
	f.change(id, func(o *order.Order) { o.Payment, o.OnHold = order.Paid, true })
	if _, out, err := f.consumer.HandleMessage(ctx, f.event(t, order.OrderPaid, id)); err != nil || out != order.InvoiceHeld {
		t.Fatalf("paid, on hold: %v, %v; want held", out, err)
	}
	f.change(id, func(o *order.Order) { o.OnHold = false })
	d, out, err := f.consumer.HandleMessage(ctx, f.event(t, order.OrderUpdated, id))
	if err != nil || out != order.InvoiceIssued || d.Number != "F2026-00001" {
		t.Fatalf("resumed: %s %v, %v; want F2026-00001 issued", d.Number, out, err)
	}
	if _, ok := f.files.Get(d.PDFKey); !ok {
		t.Errorf("no PDF stored at %s", d.PDFKey)
	}
	again, out, err := f.consumer.HandleMessage(ctx, f.event(t, order.OrderPaid, id))
	if err != nil || out != order.InvoiceExisting || again.Number != d.Number {
		t.Errorf("redelivered: %s %v, %v; want the existing %s", again.Number, out, err, d.Number)
	}
}

func TestConsumerTriggers(t *testing.T) {
	id := invoicetest.Cases()[0].Order.ID
	for _, tt := range []struct {
		trigger order.InvoiceTrigger
		payment order.PaymentStatus
		want    order.InvoiceOutcome
	}{
		{order.InvoiceAtCreation, order.AwaitingPayment, order.InvoiceIssued},
		{order.InvoiceManual, order.Paid, order.InvoiceNotDue},
		{order.InvoiceAtPayment, order.PaymentCancelled, order.InvoiceNotDue},
	} {
		t.Run(fmt.Sprintf("%s/%s", tt.trigger, tt.payment), func(t *testing.T) {
			f := newFixture(t, tt.trigger)
			f.change(id, func(o *order.Order) { o.Payment = tt.payment })
			if _, out, err := f.consumer.HandleMessage(t.Context(), f.event(t, order.OrderCreated, id)); err != nil || out != tt.want {
				t.Errorf("got %v, %v; want %v", out, err, tt.want)
			}
		})
	}
}

func TestConsumerReportsFailedMessages(t *testing.T) {
	f := newFixture(t, "")
	resp, err := f.consumer.Handle(t.Context(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m-ok", Body: f.event(t, order.OrderPaid, invoicetest.Cases()[0].Order.ID)},
		{MessageId: "m-missing", Body: f.event(t, order.OrderPaid, "ord-missing")},
	}})
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m-missing" {
		t.Errorf("failures %+v, %v; want only m-missing", resp.BatchItemFailures, err)
	}
}

func serve(t *testing.T, r *apihttp.Router, route, id, scope string) (int, map[string]any) {
	t.Helper()
	resp, err := r.Serve(t.Context(), events.APIGatewayV2HTTPRequest{RouteKey: route, PathParameters: map[string]string{"id": id},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1",
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "staff-1", "scope": scope}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, body
}

func TestAPIIssuesByHandAndLists(t *testing.T) {
	f := newFixture(t, order.InvoiceManual)
	id := invoicetest.Cases()[0].Order.ID
	if status, _ := serve(t, f.router, "POST /orders/{id}/invoices", id, "orders:read"); status != 403 {
		t.Errorf("POST without orders:write: %d, want 403", status)
	}
	status, body := serve(t, f.router, "POST /orders/{id}/invoices", id, "orders:write")
	if status != 201 || body["number"] != "F2026-00001" {
		t.Fatalf("POST: %d %v; want 201 F2026-00001", status, body)
	}
	if status, body := serve(t, f.router, "POST /orders/{id}/invoices", id, "orders:write"); status != 200 || body["number"] != "F2026-00001" {
		t.Errorf("POST again: %d %v; want 200 and the same invoice", status, body)
	}
	status, body = serve(t, f.router, "GET /orders/{id}/documents", id, "orders:read")
	docs, _ := body["documents"].([]any)
	if status != 200 || len(docs) != 1 {
		t.Fatalf("GET: %d %v; want one document", status, body)
	}
	doc := docs[0].(map[string]any)
	if url, _ := doc["url"].(string); url == "" || doc["pdfSha256"] == "" {
		t.Errorf("document %v lacks its link or hash", doc)
	}
	if status, _ := serve(t, f.router, "GET /orders/{id}/documents", "ord-missing", "orders:read"); status != 404 {
		t.Errorf("GET of a missing order: %d, want 404", status)
	}
	f.change(id, func(o *order.Order) { o.OnHold = true })
	other := *f.orders.m[id]
	other.ID = "ord-held"
	f.orders.m["ord-held"] = &other
	if status, body := serve(t, f.router, "POST /orders/{id}/invoices", "ord-held", "orders:write"); status != 409 {
		t.Errorf("POST for an order on hold: %d %v, want 409", status, body)
	}
}
