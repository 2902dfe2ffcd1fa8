package invoices_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/order/invoicetest"
)

// TestEventSamples hands the samples of events/invoices/ and
// events/invoicesapi/ to the handlers: the paid order's invoice is issued
// once, however often the event comes; the routes answer what their
// .expect.json says for an order that does not exist.
func TestEventSamples(t *testing.T) {
	f := newFixture(t, "")
	raw, err := os.ReadFile("../../events/invoices/sqs-order-paid.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	var e order.Event
	if err := json.Unmarshal([]byte(ev.Records[0].Body), &e); err != nil {
		t.Fatal(err)
	}
	paid := *invoicetest.Cases()[0].Order
	paid.ID = e.OrderID
	f.orders.m[paid.ID] = &paid
	for range 2 {
		resp, err := f.consumer.Handle(t.Context(), ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("%v %+v", err, resp)
		}
	}
	if d, _, err := f.consumer.HandleMessage(t.Context(), ev.Records[0].Body); err != nil || d.Number != "F2026-00001" {
		t.Errorf("the sample's order has %s, %v; want F2026-00001 only", d.Number, err)
	}

	for _, name := range []string{"issue-invoice-unknown-order", "list-documents-unknown-order"} {
		var req events.APIGatewayV2HTTPRequest
		var want struct {
			StatusCode int `json:"statusCode"`
		}
		for path, v := range map[string]any{name + ".json": &req, name + ".expect.json": &want} {
			b, err := os.ReadFile("../../events/invoicesapi/" + path)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatal(err)
			}
		}
		req.PathParameters["id"] = "ord-unknown"
		resp, err := f.router.Serve(t.Context(), req)
		if err != nil || resp.StatusCode != want.StatusCode {
			t.Errorf("%s: %d, %v; want %d", name, resp.StatusCode, err, want.StatusCode)
		}
	}
}
