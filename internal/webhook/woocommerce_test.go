package webhook

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestWooStatusMapping(t *testing.T) {
	tests := []struct {
		status                   string
		allDigital, wasCompleted bool
		payment                  order.PaymentStatus
		fulfilment               order.FulfilmentStatus
		onHold, cancelled, cart  bool
	}{
		{status: "pending", payment: order.AwaitingPayment, fulfilment: order.AwaitingProcessing},
		{status: "processing", payment: order.Paid, fulfilment: order.AwaitingProcessing},
		{status: "on-hold", payment: order.AwaitingPayment, fulfilment: order.AwaitingProcessing, onHold: true},
		{status: "completed", payment: order.Paid, fulfilment: order.Shipped},
		{status: "completed", allDigital: true, payment: order.Paid, fulfilment: order.Delivered},
		{status: "cancelled", payment: order.PaymentCancelled, fulfilment: order.WillNotDeliver, cancelled: true},
		{status: "refunded", payment: order.Refunded, fulfilment: order.WillNotDeliver},
		{status: "refunded", wasCompleted: true, payment: order.Refunded, fulfilment: order.Returned},
		{status: "failed", payment: order.AwaitingPayment, fulfilment: order.AwaitingProcessing},
		{status: "checkout-draft", cart: true},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		s, err := wooMapStatus(tc.status, tc.allDigital, tc.wasCompleted)
		if err != nil {
			t.Fatalf("%s: %v", tc.status, err)
		}
		if s.payment != tc.payment || s.fulfilment != tc.fulfilment || s.onHold != tc.onHold || s.cancelled != tc.cancelled || s.cart != tc.cart {
			t.Errorf("%s (digital=%v completed=%v) = %+v, want %+v", tc.status, tc.allDigital, tc.wasCompleted, s, tc)
		}
		seen[tc.status] = true
	}
	for k := range wooStatuses {
		if !seen[k] {
			t.Errorf("WooCommerce status %q is mapped but not tested", k)
		}
	}
	for _, bad := range []string{"trash", "wc-shipped", "Processing", ""} {
		_, err := wooMapStatus(bad, false, false)
		wantError(t, err, order.Invalid, "unknown_status")
	}
}

func wooHeaders(t testing.TB, topic string, secret, body []byte) map[string]string {
	return withSignature(t, order.SourceWooCommerce, secret, body, time.Time{}, map[string]string{
		"content-type":             "application/json",
		"x-wc-webhook-topic":       topic,
		"x-wc-webhook-delivery-id": "5d1c3f7ab4e2c9d08e6f1a2b3c4d5e6f",
	})
}

func TestWooCommerceSamples(t *testing.T) {
	secrets := localSecrets(t)
	key := secrets["woocommerce"][0]
	type line struct {
		sku   string
		qty   int64
		price string
		rate  string
	}
	tests := []struct {
		file, topic    string
		externalID     string
		currency       string
		inclusive      bool
		payment        order.PaymentStatus
		fulfilment     order.FulfilmentStatus
		lines          []line
		discounts      []order.Discount
		shippingPrice  string
		shippingRate   string
		grand, vat     string
		email          string
		utm            order.UTM
		eventID        string
		reportedGrand  string
		shippingMethod string
	}{
		{
			file: "woocommerce/order-fr-processing.json", topic: WooOrderCreated, externalID: "1058", currency: "EUR", inclusive: true,
			payment: order.Paid, fulfilment: order.AwaitingProcessing,
			lines:     []line{{"ROOIBOS-VAN-100", 3, "8.50", "5.5"}, {"TASSE-GRES", 2, "14.00", "20"}},
			discounts: []order.Discount{{Code: "fidelite10", Amount: dec("5.35")}},
			// WooCommerce sends shipping without tax; the shop shows it with.
			shippingPrice: "6.00", shippingRate: "20",
			grand: "54.15", vat: "6.40", reportedGrand: "54.15",
			email:   "lea.martin@example.fr",
			utm:     order.UTM{Source: "instagram", Medium: "social", Campaign: "rentree-the"},
			eventID: "1058@2025-03-14T09:12:44", shippingMethod: "Colissimo",
		},
		{
			// A US shop: prices without tax, one sales-tax rate on goods and
			// shipping. WooCommerce rounds tax per line, we per rate: the
			// cent of difference is within Reconcile's tolerance.
			file: "woocommerce/order-us-completed.json", topic: WooOrderUpdated, externalID: "2217", currency: "USD", inclusive: false,
			payment: order.Paid, fulfilment: order.Shipped,
			lines:         []line{{"JASMINE-50", 2, "18.00", "8.875"}, {"WHISK-BAMBOO", 1, "12.50", "8.875"}},
			shippingPrice: "7.95", shippingRate: "8.875",
			grand: "61.46", vat: "5.01", reportedGrand: "61.47",
			email:   "emily.carter@example.com",
			utm:     order.UTM{Source: "reddit.com", Medium: "referral"},
			eventID: "2217@2025-03-14T09:45:18", shippingMethod: "USPS Priority Mail",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body := testdata(t, tc.file)
			d, err := Parse(context.Background(), "woocommerce", wooHeaders(t, tc.topic, key, body), body, Deps{Secrets: secrets})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if d.Kind != KindOrder || d.Topic != tc.topic || d.DeliveryID != "5d1c3f7ab4e2c9d08e6f1a2b3c4d5e6f" || d.EventID != tc.eventID {
				t.Fatalf("kind/topic/delivery/event = %v/%s/%s/%s", d.Kind, d.Topic, d.DeliveryID, d.EventID)
			}
			o := d.Order
			if o.ExternalID != tc.externalID || o.Currency.Code() != tc.currency || o.PricesIncludeTax != tc.inclusive {
				t.Errorf("externalId/currency/inclusive = %s/%s/%v", o.ExternalID, o.Currency, o.PricesIncludeTax)
			}
			if o.Payment != tc.payment || o.Fulfilment != tc.fulfilment {
				t.Errorf("statuses = %s/%s", o.Payment, o.Fulfilment)
			}
			if len(o.Lines) != len(tc.lines) {
				t.Fatalf("lines = %+v", o.Lines)
			}
			for i, w := range tc.lines {
				l := o.Lines[i]
				if l.SKU != w.sku || l.Quantity != w.qty || !l.UnitPrice.Equal(dec(w.price)) || !l.VATRate.Equal(dec(w.rate)) {
					t.Errorf("line %d = %s ×%d @%s %s%%, want %+v", i, l.SKU, l.Quantity, l.UnitPrice, l.VATRate, w)
				}
			}
			if len(o.Discounts) != len(tc.discounts) {
				t.Fatalf("discounts = %+v", o.Discounts)
			}
			for i, w := range tc.discounts {
				if o.Discounts[i].Code != w.Code || !o.Discounts[i].Amount.Equal(w.Amount) {
					t.Errorf("discount %d = %+v, want %+v", i, o.Discounts[i], w)
				}
			}
			if len(o.ShippingLines) != 1 || !o.ShippingLines[0].Price.Equal(dec(tc.shippingPrice)) || !o.ShippingLines[0].VATRate.Equal(dec(tc.shippingRate)) {
				t.Errorf("shipping = %+v", o.ShippingLines)
			}
			if o.Customer.Email != tc.email || o.UTM != tc.utm || o.ShippingMethod != tc.shippingMethod {
				t.Errorf("email/utm/method = %s %+v %s", o.Customer.Email, o.UTM, o.ShippingMethod)
			}
			if d.CartExternalID != tc.externalID {
				t.Errorf("cart external id = %q: a checkout draft becomes the order under its id", d.CartExternalID)
			}
			if d.Reported.Grand == nil || !d.Reported.Grand.Equal(dec(tc.reportedGrand)) {
				t.Errorf("reported grand = %v", d.Reported.Grand)
			}
			tot := mustReconcile(t, d)
			if !tot.Grand.Amount.Equal(dec(tc.grand)) || !tot.VAT.Amount.Equal(dec(tc.vat)) {
				t.Errorf("computed grand/vat = %s/%s, want %s/%s", tot.Grand, tot.VAT, tc.grand, tc.vat)
			}
		})
	}
}

func TestWooCommerceCheckoutDraftIsACart(t *testing.T) {
	secrets := localSecrets(t)
	body := testdata(t, "woocommerce/checkout-draft.json")
	d, err := Parse(context.Background(), "woocommerce", wooHeaders(t, WooOrderUpdated, secrets["woocommerce"][0], body), body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.Kind != KindCart || d.Cart == nil || d.Order != nil {
		t.Fatalf("kind %v cart %v", d.Kind, d.Cart != nil)
	}
	c := d.Cart
	if c.ExternalID != "1061" || c.Customer.Email != "nathalie.roux@example.fr" || !c.Total.Equal(order.MustMoney("19.50", order.EUR)) {
		t.Errorf("cart = %s %s %s", c.ExternalID, c.Customer.Email, c.Total)
	}
	// No shipping chosen yet says nothing about the products of a draft.
	if len(c.Lines) != 1 || !c.Lines[0].UnitPrice.Equal(dec("19.50")) || !c.Lines[0].VATRate.Equal(dec("5.5")) || c.Lines[0].Digital {
		t.Errorf("lines = %+v", c.Lines)
	}
}

func TestWooCommerceNothingToShipIsDigital(t *testing.T) {
	secrets := localSecrets(t)
	body := jsonEdit(t, testdata(t, "woocommerce/order-us-completed.json"), func(m map[string]any) {
		m["shipping_lines"] = []any{}
		m["shipping"].(map[string]any)["address_1"] = ""
	})
	d, err := Parse(context.Background(), "woocommerce", wooHeaders(t, WooOrderUpdated, secrets["woocommerce"][0], body), body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.Order.Fulfilment != order.Delivered || !d.Order.IsDigitalOnly() {
		t.Errorf("fulfilment %s, digital only %v", d.Order.Fulfilment, d.Order.IsDigitalOnly())
	}
}

func TestWooCommercePing(t *testing.T) {
	form := map[string]string{"content-type": "application/x-www-form-urlencoded"}
	tests := []struct {
		name    string
		headers map[string]string
		body    string
		ping    bool
		code    string
	}{
		{"activation ping", form, "webhook_id=12", true, ""},
		{"ping with a charset", map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}, "webhook_id=7", true, ""},
		// Anything else unsigned is refused: only the exact ping is exempt.
		{"ping body as JSON", map[string]string{"content-type": "application/json"}, "webhook_id=12", false, "missing_signature"},
		{"form with more fields", form, "webhook_id=12&status=active", false, "missing_signature"},
		{"form with a non-numeric id", form, "webhook_id=abc", false, "missing_signature"},
		{"empty form", form, "", false, "missing_signature"},
	}
	secrets := localSecrets(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(context.Background(), "woocommerce", tc.headers, []byte(tc.body), Deps{Secrets: secrets})
			if !tc.ping {
				wantError(t, err, order.Unauthenticated, tc.code)
				return
			}
			if err != nil {
				t.Fatalf("ping: %v", err)
			}
			if d.Kind != KindPing || d.Order != nil || d.Cart != nil || d.DeliveryID == "" {
				t.Errorf("ping delivery = %+v", d)
			}
		})
	}
}

func TestWooCommerceRates(t *testing.T) {
	// Stores before WooCommerce 5.7 send no rate_percent: the rate is
	// derived from the line's tax and recovers the French rates.
	secrets := localSecrets(t)
	body := jsonEdit(t, testdata(t, "woocommerce/order-fr-processing.json"), func(m map[string]any) {
		for _, tl := range m["tax_lines"].([]any) {
			delete(tl.(map[string]any), "rate_percent")
		}
	})
	d, err := Parse(context.Background(), "woocommerce", wooHeaders(t, WooOrderCreated, secrets["woocommerce"][0], body), body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	for i, want := range []string{"5.5", "20"} {
		if got := d.Order.Lines[i].VATRate; !got.Equal(dec(want)) {
			t.Errorf("line %d rate = %s, want %s", i, got, want)
		}
	}
	if got := d.Order.ShippingLines[0].VATRate; !got.Equal(dec("20")) {
		t.Errorf("shipping rate = %s", got)
	}
	mustReconcile(t, d)
}

func TestWooCommerceFees(t *testing.T) {
	secrets := localSecrets(t)
	body := jsonEdit(t, testdata(t, "woocommerce/order-fr-processing.json"), func(m map[string]any) {
		m["fee_lines"] = []any{
			map[string]any{"name": "Emballage cadeau", "total": "2.50", "total_tax": "0.50", "taxes": []any{map[string]any{"id": 1, "total": "0.5", "subtotal": ""}}},
			map[string]any{"name": "Remise fidélité", "total": "-1.00", "total_tax": "0.00", "taxes": []any{}},
		}
	})
	d, err := Parse(context.Background(), "woocommerce", wooHeaders(t, WooOrderCreated, secrets["woocommerce"][0], body), body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	// Fees are charges, not lines or discounts: a fee at its tax's rate,
	// tax-inclusive like the shop's prices; a negative fee at its own rate.
	if len(d.Order.Charges) != 2 {
		t.Fatalf("charges = %+v, want the two fees", d.Order.Charges)
	}
	fee := d.Order.Charges[0]
	if fee.Kind != order.ChargeFee || fee.Name != "Emballage cadeau" || !fee.Amount.Equal(dec("3.00")) || !fee.VATRate.Equal(dec("20")) || !fee.Taxable {
		t.Errorf("fee = %+v", fee)
	}
	last := d.Order.Charges[1]
	if last.Kind != order.ChargeFee || last.Name != "Remise fidélité" || !last.Amount.Equal(dec("-1.00")) || !last.VATRate.IsZero() || !last.Taxable {
		t.Errorf("negative fee = %+v", last)
	}
	for _, l := range d.Order.Lines {
		if l.Name == "Emballage cadeau" {
			t.Errorf("a fee became a line: %+v", l)
		}
	}
}

func TestWooCommerceBadInput(t *testing.T) {
	secrets := localSecrets(t)
	key := secrets["woocommerce"][0]
	sample := testdata(t, "woocommerce/order-fr-processing.json")
	edit := func(fn func(m map[string]any)) []byte { return jsonEdit(t, sample, fn) }
	line := func(m map[string]any, i int) map[string]any { return m["line_items"].([]any)[i].(map[string]any) }
	tests := []struct {
		name    string
		topic   string
		body    []byte
		headers func(h map[string]string)
		kind    order.Kind
		code    string
	}{
		{name: "missing signature", body: sample, headers: func(h map[string]string) { delete(h, "x-wc-webhook-signature") }, kind: order.Unauthenticated, code: "missing_signature"},
		{name: "signature of another body", body: sample, headers: func(h map[string]string) {
			h["x-wc-webhook-signature"] = wooHeaders(t, WooOrderCreated, key, []byte("{}"))["x-wc-webhook-signature"]
		}, kind: order.Unauthenticated, code: "invalid_signature"},
		{name: "missing topic", body: sample, headers: func(h map[string]string) { delete(h, "x-wc-webhook-topic") }, kind: order.Invalid, code: "missing_field"},
		{name: "unknown topic", topic: "order.deleted", body: sample, kind: order.Invalid, code: "unknown_topic"},
		{name: "product topic", topic: "product.created", body: sample, kind: order.Invalid, code: "unknown_topic"},
		{name: "malformed json", body: []byte(`{"id": 1058,`), kind: order.Invalid, code: "malformed_json"},
		{name: "invalid utf-8", body: []byte("{\"customer_note\": \"\xff\xfe\"}"), kind: order.Invalid, code: "invalid_utf8"},
		{name: "unknown currency", body: edit(func(m map[string]any) { m["currency"] = "EURO" }), kind: order.Invalid, code: "unknown_currency"},
		{name: "quantity zero", body: edit(func(m map[string]any) { line(m, 0)["quantity"] = 0 }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "quantity as text", body: edit(func(m map[string]any) { line(m, 0)["quantity"] = "three" }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "subtotal not a decimal", body: edit(func(m map[string]any) { line(m, 0)["subtotal"] = "24.17€" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "total as a float-looking string", body: edit(func(m map[string]any) { m["total"] = "NaN" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "missing subtotal", body: edit(func(m map[string]any) { delete(line(m, 1), "subtotal") }), kind: order.Invalid, code: "missing_field"},
		{name: "missing id", body: edit(func(m map[string]any) { delete(m, "id") }), kind: order.Invalid, code: "missing_field"},
		{name: "missing date_modified_gmt", body: edit(func(m map[string]any) { m["date_modified_gmt"] = nil }), kind: order.Invalid, code: "missing_field"},
		{name: "bad date_modified_gmt", body: edit(func(m map[string]any) { m["date_modified_gmt"] = "14/03/2025" }), kind: order.Invalid, code: "invalid_date"},
		{name: "no lines", body: edit(func(m map[string]any) { m["line_items"] = []any{} }), kind: order.Invalid, code: "missing_field"},
		{name: "unknown status", body: edit(func(m map[string]any) { m["status"] = "trash" }), kind: order.Invalid, code: "unknown_status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topic := tc.topic
			if topic == "" {
				topic = WooOrderCreated
			}
			h := wooHeaders(t, topic, key, tc.body)
			if tc.headers != nil {
				tc.headers(h)
			}
			d, err := Parse(context.Background(), "woocommerce", h, tc.body, Deps{Secrets: secrets})
			if d != nil {
				t.Fatalf("got a delivery with the error: %+v", d)
			}
			wantError(t, err, tc.kind, tc.code)
		})
	}
}

func TestWooCommerceDeliveryIDFallback(t *testing.T) {
	// Without the delivery header, the change itself is the key: two
	// deliveries of the same modification dedupe.
	secrets := localSecrets(t)
	body := testdata(t, "woocommerce/order-us-completed.json")
	h := wooHeaders(t, WooOrderUpdated, secrets["woocommerce"][0], body)
	delete(h, "x-wc-webhook-delivery-id")
	d, err := Parse(context.Background(), "woocommerce", h, body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.DeliveryID != "2217@2025-03-14T09:45:18" || d.DeliveryID != d.EventID {
		t.Errorf("delivery/event id = %q/%q", d.DeliveryID, d.EventID)
	}
}

func FuzzWooCommerce(f *testing.F) {
	for _, file := range []string{"woocommerce/order-fr-processing.json", "woocommerce/order-us-completed.json", "woocommerce/checkout-draft.json"} {
		f.Add("order.updated", "application/json", testdata(f, file))
	}
	f.Add("", "application/x-www-form-urlencoded", testdata(f, "woocommerce/ping.txt"))
	key := []byte("fuzz-secret")
	deps := Deps{Secrets: StaticSecrets{"woocommerce": {key}}}
	f.Fuzz(func(t *testing.T, topic, contentType string, body []byte) {
		h := withSignature(t, order.SourceWooCommerce, key, body, time.Time{},
			map[string]string{"x-wc-webhook-topic": topic, "content-type": contentType, "x-wc-webhook-delivery-id": "d"})
		d, err := Parse(context.Background(), "woocommerce", h, body, deps)
		checkFuzzResult(t, d, err)
		if err == nil && d.Kind == KindOrder {
			// A parsed order's amounts survive a JSON round trip exactly.
			if _, err := json.Marshal(d.Order); err != nil {
				t.Fatalf("encode parsed order: %v", err)
			}
		}
	})
}
