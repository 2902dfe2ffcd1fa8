package intake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// checkStored holds every order the fuzzed intake stored to the intake's
// promises: it validates, and its totals are the ones ComputeTotals gives.
func checkStored(t *testing.T, e *memEnv, id string) *order.Order {
	t.Helper()
	o, err := e.store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("stored order %s: %v", id, err)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("stored order does not validate: %v", err)
	}
	want, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatalf("stored order's totals cannot be computed: %v", err)
	}
	got, _ := json.Marshal(o.Totals)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Fatalf("stored totals %s, computed %s", got, exp)
	}
	if o.Number == "" || o.Payment.IsZero() || o.Fulfilment.IsZero() || o.CompanyTotal == nil {
		t.Fatalf("stored order lacks what the intake assigns: %+v", o)
	}
	return o
}

// FuzzManualOrder feeds POST /orders arbitrary bodies: the answer is never a
// 5xx, and what is stored is a valid order with our totals.
func FuzzManualOrder(f *testing.F) {
	f.Add([]byte(manualBody))
	f.Add([]byte(loadEvent(f, "intake", "manual-order").Body))
	f.Add([]byte(`{"currency":"JPY","pricesIncludeTax":false,"lines":[{"name":"x","quantity":3,"unitPrice":"333","vatRate":"10"}],"discounts":[{"amount":"1"}]}`))
	f.Add([]byte(`{"currency":"KWD","pricesIncludeTax":true,"lines":[{"sku":"a","quantity":1,"unitPrice":"0.0005","vatRate":"0"}],"paymentStatus":"PAID"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e := newMemEnv(t)
		r := newRouter(t, e.svc, webhook.Deps{Secrets: webhook.StaticSecrets{}})
		resp := serve(t, r, manualEvent(string(body), "auth0|fuzz", []string{"orders:write"}, nil))
		switch {
		case resp.Status >= 500:
			t.Fatalf("status %d for %q: %s", resp.Status, body, resp.Raw)
		case resp.Status == http.StatusCreated:
			o := checkStored(t, e, resp.Order.ID)
			if o.Source != order.SourceManual || o.Number != "1" {
				t.Fatalf("manual order stored as %s #%s", o.Source, o.Number)
			}
		}
	})
}

// FuzzWebhookIntake feeds each storefront's webhook route arbitrary bodies,
// signed as the storefront would sign them, so that the fuzzer gets past
// the signature into the decoding and the intake. The answer is never a
// 5xx, a stored order keeps the intake's promises, and a second delivery of
// the same body never makes a second order.
func FuzzWebhookIntake(f *testing.F) {
	sources := []order.Source{order.SourceShopify, order.SourceWooCommerce, order.SourceEcwid, order.SourceGeneric}
	for _, name := range sampleNames(f) {
		ev := loadEvent(f, "intake", name)
		for i, s := range sources {
			if string(s) == ev.PathParameters["source"] {
				f.Add(uint8(i), ev.Headers["x-shopify-topic"]+ev.Headers["x-wc-webhook-topic"]+ev.Headers["x-event-type"], []byte(ev.Body))
			}
		}
	}
	deps := webhookDeps(f)
	f.Fuzz(func(t *testing.T, src uint8, topic string, body []byte) {
		source := sources[int(src)%len(sources)]
		headers := map[string]string{"x-shopify-topic": topic, "x-wc-webhook-topic": topic, "x-event-type": topic, "x-shopify-webhook-id": "fuzz"}
		if topic == "" {
			delete(headers, "x-event-type")
		}
		if _, err := webhook.SignatureHeaders(source, []byte("k"), body, samplesSignedAt); err != nil {
			return // an Ecwid body that does not decode cannot even be signed
		}
		ev := signedWebhook(t, source, body, samplesSignedAt, headers)
		e := newMemEnv(t)
		r := newRouter(t, e.svc, deps)
		first := serve(t, r, ev)
		if first.Status >= 500 {
			t.Fatalf("status %d: %s", first.Status, first.Raw)
		}
		if first.Status == http.StatusAccepted {
			// Kept in the quarantine: the retry is the same item.
			if again := serve(t, r, ev); again.Status != http.StatusAccepted || again.Quarantined != first.Quarantined {
				t.Fatalf("retry of a quarantined delivery answered %d %+v after %+v", again.Status, again.Quarantined, first.Quarantined)
			}
			return
		}
		if first.Status >= 300 {
			return
		}
		if first.Result.OrderID != "" {
			checkStored(t, e, first.Result.OrderID)
		}
		again := serve(t, r, ev)
		if again.Status != http.StatusOK || again.Result.OrderID != first.Result.OrderID || again.Result.CartID != first.Result.CartID {
			t.Fatalf("second delivery answered %d %+v after %+v", again.Status, again.Result, first.Result)
		}
		if n := e.orderCount(t); first.Result.OrderID != "" && n != 1 {
			t.Fatalf("%d orders after two deliveries", n)
		}
	})
}
