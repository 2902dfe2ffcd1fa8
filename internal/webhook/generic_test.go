package webhook

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

func genericHeaders(t testing.TB, secret, body []byte, at time.Time, extra map[string]string) map[string]string {
	return withSignature(t, order.SourceGeneric, secret, body, at, extra)
}

func TestGenericSamples(t *testing.T) {
	secrets := localSecrets(t)
	at := signedAt(t)
	deps := Deps{Secrets: secrets, Now: func() time.Time { return at }}
	tests := []struct {
		file       string
		extra      map[string]string
		topic      string
		deliveryID string
		eventID    string
		externalID string
		inclusive  bool
		payment    order.PaymentStatus
		fulfilment order.FulfilmentStatus
		grand, vat string
	}{
		{
			file: "generic/order-created.json", topic: GenericOrderCreated,
			deliveryID: "evt_01JPB3K8Q7Z4M2N6X9C5V1R0TA", eventID: "evt_01JPB3K8Q7Z4M2N6X9C5V1R0TA", externalID: "PRO-2025-0318",
			payment: order.AwaitingPayment, fulfilment: order.AwaitingProcessing, grand: "100.75", vat: "11.67",
		},
		{
			// The zero-total sample names its event in the header and
			// comes with an idempotency key: the signed eventId wins over
			// the unsigned header.
			file: "generic/order-zero-total.json", topic: GenericOrderUpdated,
			extra:      map[string]string{"x-event-type": "order.updated", "idempotency-key": "ech-0007-v2"},
			deliveryID: "evt_01JPB3QF2W8E5T7Y1U3I6O9P0S", eventID: "evt_01JPB3QF2W8E5T7Y1U3I6O9P0S", externalID: "ECH-0007", inclusive: true,
			payment: order.Paid, fulfilment: order.Processing, grand: "0.00", vat: "0.00",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body := testdata(t, tc.file)
			d, err := Parse(context.Background(), "generic", genericHeaders(t, secrets["generic"][0], body, at, tc.extra), body, deps)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if d.Kind != KindOrder || d.Topic != tc.topic || d.DeliveryID != tc.deliveryID || d.EventID != tc.eventID {
				t.Fatalf("kind/topic/delivery/event = %v/%s/%s/%s", d.Kind, d.Topic, d.DeliveryID, d.EventID)
			}
			o := d.Order
			if o.ExternalID != tc.externalID || o.PricesIncludeTax != tc.inclusive || o.Payment != tc.payment || o.Fulfilment != tc.fulfilment {
				t.Errorf("order = %s inclusive=%v %s/%s", o.ExternalID, o.PricesIncludeTax, o.Payment, o.Fulfilment)
			}
			tot := mustReconcile(t, d)
			if !tot.Grand.Amount.Equal(dec(tc.grand)) || !tot.VAT.Amount.Equal(dec(tc.vat)) {
				t.Errorf("computed grand/vat = %s/%s, want %s/%s", tot.Grand, tot.VAT, tc.grand, tc.vat)
			}
		})
	}
}

func TestGenericStatuses(t *testing.T) {
	// The generic format speaks our names; absent means nothing happened yet.
	for _, p := range order.AllPaymentStatuses {
		got, err := genericPayment(p.String())
		if err != nil || got != p {
			t.Errorf("payment %s: %s %v", p, got, err)
		}
	}
	for _, f := range order.AllFulfilmentStatuses {
		got, err := genericFulfilment(f.String())
		if err != nil || got != f {
			t.Errorf("fulfilment %s: %s %v", f, got, err)
		}
	}
	if p, _ := genericPayment(""); p != order.AwaitingPayment {
		t.Errorf("absent payment = %s", p)
	}
	if f, _ := genericFulfilment(""); f != order.AwaitingProcessing {
		t.Errorf("absent fulfilment = %s", f)
	}
	if _, err := genericPayment("paid"); order.KindOf(err) != order.Invalid {
		t.Errorf("lower-case status accepted: %v", err)
	}
}

func TestGenericBadInput(t *testing.T) {
	secrets := localSecrets(t)
	key := secrets["generic"][0]
	at := signedAt(t)
	sample := testdata(t, "generic/order-created.json")
	edit := func(fn func(m map[string]any)) []byte { return jsonEdit(t, sample, fn) }
	ord := func(m map[string]any) map[string]any { return m["order"].(map[string]any) }
	line := func(m map[string]any, i int) map[string]any { return ord(m)["lines"].([]any)[i].(map[string]any) }
	tests := []struct {
		name    string
		body    []byte
		headers func(h map[string]string)
		now     time.Time
		kind    order.Kind
		code    string
	}{
		{name: "missing signature", body: sample, headers: func(h map[string]string) { delete(h, "x-signature") }, kind: order.Unauthenticated, code: "missing_signature"},
		{name: "signature without timestamp", body: sample, headers: func(h map[string]string) {
			h["x-signature"] = h["x-signature"][strings.Index(h["x-signature"], ",")+1:]
		}, kind: order.Unauthenticated, code: "invalid_signature"},
		{name: "timestamp changed after signing", body: sample, headers: func(h map[string]string) {
			h["x-signature"] = strings.Replace(h["x-signature"], "t=1741946525", "t=1741946526", 1)
		}, kind: order.Unauthenticated, code: "invalid_signature"},
		{name: "stale: signed 6 minutes ago", body: sample, now: at.Add(6 * time.Minute), kind: order.Unauthenticated, code: "stale_timestamp"},
		{name: "from the future: signed in 6 minutes", body: sample, now: at.Add(-6 * time.Minute), kind: order.Unauthenticated, code: "stale_timestamp"},
		{name: "malformed json", body: []byte(`{"eventId": "e", "order": {`), kind: order.Invalid, code: "malformed_json"},
		{name: "trailing data", body: append(append([]byte{}, sample...), []byte(`{}`)...), kind: order.Invalid, code: "malformed_json"},
		{name: "unknown field", body: edit(func(m map[string]any) { line(m, 0)["price"] = "11.25" }), kind: order.Invalid, code: "malformed_json"},
		{name: "invalid utf-8", body: []byte("{\"eventId\": \"\xed\xa0\x80\"}"), kind: order.Invalid, code: "invalid_utf8"},
		{name: "unknown event type", body: edit(func(m map[string]any) { m["eventType"] = "order.deleted" }), kind: order.Invalid, code: "unknown_topic"},
		{name: "missing event type", body: edit(func(m map[string]any) { delete(m, "eventType") }), kind: order.Invalid, code: "missing_field"},
		{name: "header and body disagree", body: sample, headers: func(h map[string]string) { h["x-event-type"] = "order.updated" }, kind: order.Invalid, code: "event_type_mismatch"},
		{name: "no idempotency key", body: edit(func(m map[string]any) { delete(m, "eventId") }), kind: order.Invalid, code: "missing_field"},
		{name: "idempotency key too long", body: edit(func(m map[string]any) { delete(m, "eventId") }), headers: func(h map[string]string) { h["idempotency-key"] = strings.Repeat("k", 256) }, kind: order.Invalid, code: "invalid_delivery_id"},
		{name: "missing order", body: edit(func(m map[string]any) { delete(m, "order") }), kind: order.Invalid, code: "missing_field"},
		{name: "missing externalId", body: edit(func(m map[string]any) { delete(ord(m), "externalId") }), kind: order.Invalid, code: "missing_field"},
		{name: "missing pricesIncludeTax", body: edit(func(m map[string]any) { delete(ord(m), "pricesIncludeTax") }), kind: order.Invalid, code: "missing_field"},
		{name: "missing updatedAt", body: edit(func(m map[string]any) { delete(ord(m), "updatedAt") }), kind: order.Invalid, code: "missing_field"},
		{name: "bad updatedAt", body: edit(func(m map[string]any) { ord(m)["updatedAt"] = "2025-03-14 10:01" }), kind: order.Invalid, code: "invalid_date"},
		{name: "unknown currency", body: edit(func(m map[string]any) { ord(m)["currency"] = "ABC" }), kind: order.Invalid, code: "unknown_currency"},
		{name: "no lines", body: edit(func(m map[string]any) { ord(m)["lines"] = []any{} }), kind: order.Invalid, code: "missing_field"},
		{name: "quantity zero", body: edit(func(m map[string]any) { line(m, 0)["quantity"] = 0 }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "quantity negative", body: edit(func(m map[string]any) { line(m, 1)["quantity"] = -1 }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "quantity over the limit", body: edit(func(m map[string]any) { line(m, 0)["quantity"] = 1_000_001 }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "missing quantity", body: edit(func(m map[string]any) { delete(line(m, 0), "quantity") }), kind: order.Invalid, code: "missing_field"},
		{name: "unit price not a decimal", body: edit(func(m map[string]any) { line(m, 0)["unitPrice"] = "11.25 EUR" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "unit price with 13 decimals", body: edit(func(m map[string]any) { line(m, 0)["unitPrice"] = "11.2500000000001" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "unit price too large", body: edit(func(m map[string]any) { line(m, 0)["unitPrice"] = "1000000000000" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "missing vatRate", body: edit(func(m map[string]any) { delete(line(m, 0), "vatRate") }), kind: order.Invalid, code: "missing_field"},
		{name: "negative discount", body: edit(func(m map[string]any) { ord(m)["discounts"].([]any)[0].(map[string]any)["amount"] = "-5.00" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "missing shipping price", body: edit(func(m map[string]any) { delete(ord(m)["shippingLines"].([]any)[0].(map[string]any), "price") }), kind: order.Invalid, code: "missing_field"},
		{name: "unknown payment status", body: edit(func(m map[string]any) { ord(m)["paymentStatus"] = "SETTLED" }), kind: order.Invalid, code: "unknown_payment_status"},
		{name: "bad e-mail", body: edit(func(m map[string]any) {
			ord(m)["customer"].(map[string]any)["email"] = "Les Camélias <commandes@lescamelias.example.fr>"
		}), kind: order.Invalid, code: "invalid_email"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := genericHeaders(t, key, tc.body, at, nil)
			if tc.headers != nil {
				tc.headers(h)
			}
			now := at
			if !tc.now.IsZero() {
				now = tc.now
			}
			d, err := Parse(context.Background(), "generic", h, tc.body, Deps{Secrets: secrets, Now: func() time.Time { return now }})
			if d != nil {
				t.Fatalf("got a delivery with the error: %+v", d)
			}
			wantError(t, err, tc.kind, tc.code)
		})
	}
}

func TestGenericAcceptsNumbersForAmounts(t *testing.T) {
	// Amounts are documented as strings; a JSON number is read from its
	// text, never through float64, so 0.1 stays 0.1.
	secrets := localSecrets(t)
	at := signedAt(t)
	body := []byte(`{"eventId":"e1","eventType":"order.created","order":{"externalId":"N-1","updatedAt":"2025-03-14T10:00:00Z",
		"currency":"EUR","pricesIncludeTax":true,"lines":[{"name":"Thé","quantity":3,"unitPrice":0.1,"vatRate":5.5}]}}`)
	d, err := Parse(context.Background(), "generic", genericHeaders(t, secrets["generic"][0], body, at, nil), body,
		Deps{Secrets: secrets, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if l := d.Order.Lines[0]; l.UnitPrice.String() != "0.1" || !l.VATRate.Equal(dec("5.5")) {
		t.Errorf("line = %+v", l)
	}
	tot, err := order.ComputeTotals(d.Order)
	if err != nil || tot.Grand.String() != "0.30 EUR" {
		t.Errorf("grand = %s %v", tot.Grand, err)
	}
}

func FuzzGeneric(f *testing.F) {
	for _, file := range []string{"generic/order-created.json", "generic/order-zero-total.json"} {
		f.Add("", testdata(f, file))
	}
	f.Add("order.updated", []byte(`{"eventId":"x","order":{"externalId":"1","updatedAt":"2025-01-01T00:00:00Z","currency":"JPY","pricesIncludeTax":false,"lines":[{"sku":"a","quantity":"2","unitPrice":"1e2","vatRate":"10"}]}}`))
	key := []byte("fuzz-secret")
	now := time.Unix(1741946525, 0)
	deps := Deps{Secrets: StaticSecrets{"generic": {key}}, Now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		h := withSignature(t, order.SourceGeneric, key, body, now, map[string]string{"x-event-type": eventType})
		d, err := Parse(context.Background(), "generic", h, body, deps)
		checkFuzzResult(t, d, err)
	})
}
