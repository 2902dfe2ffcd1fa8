package webhook

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestShopifyStatusMapping(t *testing.T) {
	// Every financial_status and fulfillment_status Shopify sends, with
	// and without cancellation. The coverage check below fails if a row is
	// added to the mapping tables without a row here.
	tests := []struct {
		financial, fulfillment string
		cancelled              bool
		payment                order.PaymentStatus
		fulfilment             order.FulfilmentStatus
	}{
		{"", "", false, order.AwaitingPayment, order.AwaitingProcessing},
		{"pending", "", false, order.AwaitingPayment, order.AwaitingProcessing},
		{"authorized", "", false, order.AwaitingPayment, order.AwaitingProcessing},
		{"partially_paid", "", false, order.AwaitingPayment, order.AwaitingProcessing},
		{"paid", "", false, order.Paid, order.AwaitingProcessing},
		{"paid", "unfulfilled", false, order.Paid, order.AwaitingProcessing},
		{"paid", "partial", false, order.Paid, order.Processing},
		{"paid", "fulfilled", false, order.Paid, order.Shipped},
		{"paid", "restocked", false, order.Paid, order.WillNotDeliver},
		{"partially_refunded", "fulfilled", false, order.PartiallyRefunded, order.Shipped},
		{"refunded", "fulfilled", false, order.Refunded, order.Shipped},
		{"voided", "", false, order.PaymentCancelled, order.AwaitingProcessing},
		{"expired", "", false, order.PaymentCancelled, order.AwaitingProcessing},
		// Cancelled: unpaid money will never come, unshipped goods never leave.
		{"pending", "", true, order.PaymentCancelled, order.WillNotDeliver},
		{"authorized", "unfulfilled", true, order.PaymentCancelled, order.WillNotDeliver},
		{"voided", "", true, order.PaymentCancelled, order.WillNotDeliver},
		{"refunded", "", true, order.Refunded, order.WillNotDeliver},
		{"paid", "", true, order.Paid, order.WillNotDeliver},
		{"paid", "fulfilled", true, order.Paid, order.Shipped},
		{"partially_refunded", "partial", true, order.PartiallyRefunded, order.Processing},
	}
	seenFin, seenFul := map[string]bool{}, map[string]bool{}
	for _, tc := range tests {
		p, f, err := shopifyStatuses(tc.financial, tc.fulfillment, tc.cancelled)
		if err != nil {
			t.Fatalf("%q/%q: %v", tc.financial, tc.fulfillment, err)
		}
		if p != tc.payment || f != tc.fulfilment {
			t.Errorf("%q/%q cancelled=%v: got %s/%s, want %s/%s", tc.financial, tc.fulfillment, tc.cancelled, p, f, tc.payment, tc.fulfilment)
		}
		seenFin[tc.financial], seenFul[tc.fulfillment] = true, true
	}
	for k := range shopifyPayment {
		if !seenFin[k] {
			t.Errorf("financial_status %q is mapped but not tested", k)
		}
	}
	for k := range shopifyFulfilment {
		if !seenFul[k] {
			t.Errorf("fulfillment_status %q is mapped but not tested", k)
		}
	}
	for _, bad := range [][2]string{{"chargeback", ""}, {"paid", "shipped"}, {"PAID", ""}} {
		_, _, err := shopifyStatuses(bad[0], bad[1], false)
		wantError(t, err, order.Invalid, "unknown_status")
	}
}

// shopifyHeaders are a sample delivery's headers, signed with secret.
func shopifyHeaders(t testing.TB, topic string, secret, body []byte) map[string]string {
	return withSignature(t, order.SourceShopify, secret, body, time.Time{}, map[string]string{
		"content-type":         "application/json",
		"x-shopify-topic":      topic,
		"x-shopify-webhook-id": "3f1d2c4b-8a9e-4f60-b7d1-2e3c4a5b6c7d",
		"x-shopify-event-id":   "98880550-7158-44d4-b7cd-2c97c8a091b5",
	})
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestShopifySamples(t *testing.T) {
	secrets := localSecrets(t)
	key := secrets["shopify"][0]
	type line struct {
		sku     string
		qty     int64
		price   string
		rate    string
		digital bool
	}
	tests := []struct {
		file, topic      string
		externalID       string
		currency         string
		inclusive        bool
		payment          order.PaymentStatus
		fulfilment       order.FulfilmentStatus
		cancelled        bool
		lines            []line
		discounts        []order.Discount
		shippingPrices   []string
		shippingRates    []string
		grand, vat       string
		email, name      string
		utm              order.UTM
		updated          string
		billingPostal    string
		paymentMethod    string
		shippingMethod   string
		wantNoteNonEmpty bool
		cartID           string
	}{
		{
			file: "shopify/order-fr-paid.json", topic: ShopifyOrdersCreate, externalID: "6123456789012", currency: "EUR", inclusive: true,
			payment: order.Paid, fulfilment: order.AwaitingProcessing,
			lines: []line{
				{"THE-SENCHA-100", 2, "12.90", "5.5", false},
				{"THEIERE-FONTE-08", 1, "34.90", "20", false},
			},
			discounts:      []order.Discount{{Code: "BIENVENUE5", Amount: dec("5.00")}},
			shippingPrices: []string{"4.90"}, shippingRates: []string{"20"},
			grand: "60.60", vat: "7.39",
			email: "camille.durand@example.fr", name: "Camille Durand",
			utm:     order.UTM{Source: "newsletter", Medium: "email", Campaign: "printemps-2025"},
			updated: "2025-03-14T10:01:53Z", billingPostal: "69003",
			paymentMethod: "shopify_payments", shippingMethod: "Colissimo Domicile", wantNoteNonEmpty: true,
			cartID: "0b8c7f3e9a1d4e2f8c6b5a4d3e2f1a0b",
		},
		{
			file: "shopify/order-gb-pending.json", topic: ShopifyOrdersUpdated, externalID: "6123456790034", currency: "GBP", inclusive: true,
			payment: order.AwaitingPayment, fulfilment: order.AwaitingProcessing,
			lines: []line{
				{"EG-250", 3, "8.50", "0", false},
				{"INF-GL", 1, "6.00", "20", false},
			},
			shippingPrices: []string{"3.95"}, shippingRates: []string{"20"},
			grand: "35.45", vat: "1.66",
			email: "oliver.hughes@example.co.uk", name: "Oliver Hughes",
			updated: "2025-03-14T09:58:30Z", billingPostal: "NW1 6XE",
			paymentMethod: "Bank Deposit", shippingMethod: "Royal Mail Tracked 48",
		},
		{
			file: "shopify/order-digital-paid.json", topic: ShopifyOrdersPaid, externalID: "6123456790101", currency: "EUR", inclusive: true,
			payment: order.Paid, fulfilment: order.AwaitingProcessing,
			lines: []line{{"EBOOK-DEGUST", 1, "9.99", "5.5", true}},
			grand: "9.99", vat: "0.52",
			email: "ines.moreau@example.fr", name: "Inès Moreau",
			utm:     order.UTM{Source: "pinterest.fr", Medium: "referral"},
			updated: "2025-03-14T09:55:04Z", billingPostal: "31000",
			paymentMethod: "paypal",
		},
		{
			file: "shopify/order-cancelled.json", topic: ShopifyOrdersCancelled, externalID: "6123456790202", currency: "EUR", inclusive: true,
			payment: order.PaymentCancelled, fulfilment: order.WillNotDeliver, cancelled: true,
			lines:          []line{{"COFFRET-5", 1, "29.00", "5.5", false}},
			shippingPrices: []string{"3.90"}, shippingRates: []string{"20"},
			grand: "32.90", vat: "2.16",
			email: "hugo.lefebvre@example.fr", name: "Hugo Lefebvre",
			updated: "2025-03-14T09:31:41Z", billingPostal: "44000",
			paymentMethod: "shopify_payments", shippingMethod: "Mondial Relay - Point Relais",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body := testdata(t, tc.file)
			d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, tc.topic, key, body), body, Deps{Secrets: secrets})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if d.Kind != KindOrder || d.Topic != tc.topic || d.Source != order.SourceShopify {
				t.Fatalf("kind/topic/source = %v/%s/%s", d.Kind, d.Topic, d.Source)
			}
			if d.DeliveryID != "3f1d2c4b-8a9e-4f60-b7d1-2e3c4a5b6c7d" || d.EventID != "98880550-7158-44d4-b7cd-2c97c8a091b5" {
				t.Errorf("delivery/event id = %q/%q", d.DeliveryID, d.EventID)
			}
			o := d.Order
			if o.ExternalID != tc.externalID || o.Currency.Code() != tc.currency || o.PricesIncludeTax != tc.inclusive {
				t.Errorf("externalId/currency/inclusive = %s/%s/%v", o.ExternalID, o.Currency, o.PricesIncludeTax)
			}
			if o.Payment != tc.payment || o.Fulfilment != tc.fulfilment || d.Cancelled != tc.cancelled {
				t.Errorf("statuses = %s/%s cancelled=%v, want %s/%s cancelled=%v", o.Payment, o.Fulfilment, d.Cancelled, tc.payment, tc.fulfilment, tc.cancelled)
			}
			if len(o.Lines) != len(tc.lines) {
				t.Fatalf("%d lines, want %d", len(o.Lines), len(tc.lines))
			}
			for i, w := range tc.lines {
				l := o.Lines[i]
				if l.SKU != w.sku || l.Quantity != w.qty || !l.UnitPrice.Equal(dec(w.price)) || !l.VATRate.Equal(dec(w.rate)) || l.Digital != w.digital {
					t.Errorf("line %d = %s ×%d @%s %s%% digital=%v, want %+v", i, l.SKU, l.Quantity, l.UnitPrice, l.VATRate, l.Digital, w)
				}
			}
			if len(o.Discounts) != len(tc.discounts) {
				t.Fatalf("discounts = %+v, want %+v", o.Discounts, tc.discounts)
			}
			for i, w := range tc.discounts {
				if o.Discounts[i].Code != w.Code || !o.Discounts[i].Amount.Equal(w.Amount) {
					t.Errorf("discount %d = %+v, want %+v", i, o.Discounts[i], w)
				}
			}
			if len(o.ShippingLines) != len(tc.shippingPrices) {
				t.Fatalf("shipping = %+v", o.ShippingLines)
			}
			for i := range tc.shippingPrices {
				if !o.ShippingLines[i].Price.Equal(dec(tc.shippingPrices[i])) || !o.ShippingLines[i].VATRate.Equal(dec(tc.shippingRates[i])) {
					t.Errorf("shipping %d = %+v", i, o.ShippingLines[i])
				}
			}
			if o.Customer.Email != tc.email || o.Customer.Name != tc.name {
				t.Errorf("customer = %+v", o.Customer)
			}
			if o.UTM != tc.utm {
				t.Errorf("utm = %+v, want %+v", o.UTM, tc.utm)
			}
			if got := o.ExternalUpdatedAt.Format(time.RFC3339); got != tc.updated {
				t.Errorf("updated = %s, want %s", got, tc.updated)
			}
			if o.Billing.PostalCode != tc.billingPostal || o.PaymentMethod != tc.paymentMethod || o.ShippingMethod != tc.shippingMethod {
				t.Errorf("billing postal/payment/shipping = %q/%q/%q", o.Billing.PostalCode, o.PaymentMethod, o.ShippingMethod)
			}
			if d.CartExternalID != tc.cartID {
				t.Errorf("cart external id = %q, want %q", d.CartExternalID, tc.cartID)
			}
			if (o.Note != "") != tc.wantNoteNonEmpty {
				t.Errorf("note = %q", o.Note)
			}
			if o.ID != "" || o.Number != "" || o.Version != 0 || !o.CreatedAt.IsZero() {
				t.Errorf("fields the intake owns were set: id=%q number=%q", o.ID, o.Number)
			}
			tot := mustReconcile(t, d)
			if !tot.Grand.Amount.Equal(dec(tc.grand)) || !tot.VAT.Amount.Equal(dec(tc.vat)) {
				t.Errorf("computed grand/vat = %s/%s, want %s/%s", tot.Grand, tot.VAT, tc.grand, tc.vat)
			}
		})
	}
}

func TestShopifyCheckoutIsACart(t *testing.T) {
	secrets := localSecrets(t)
	body := testdata(t, "shopify/checkout-fr.json")
	for _, topic := range []string{ShopifyCheckoutsCreate, ShopifyCheckoutsUpdate} {
		d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, topic, secrets["shopify"][0], body), body, Deps{Secrets: secrets})
		if err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		if d.Kind != KindCart || d.Order != nil || d.Cart == nil {
			t.Fatalf("%s: kind %v, order %v", topic, d.Kind, d.Order != nil)
		}
		c := d.Cart
		if c.ExternalID != "b1946ac92492d2347c6235b4d2611184" || c.Customer.Email != "julien.petit@example.fr" || c.Customer.Name != "Julien Petit" {
			t.Errorf("cart id/customer = %q %+v", c.ExternalID, c.Customer)
		}
		if !c.Total.Equal(order.MustMoney("24.90", order.EUR)) || len(c.Lines) != 1 || c.Lines[0].SKU != "MATCHA-30" {
			t.Errorf("cart total/lines = %s %+v", c.Total, c.Lines)
		}
		if c.RecoveryURL == "" || d.CheckoutCompleted {
			t.Errorf("recovery %q completed %v", c.RecoveryURL, d.CheckoutCompleted)
		}
		if got := c.UpdatedAt.Format(time.RFC3339); got != "2025-03-14T09:49:02Z" {
			t.Errorf("updated = %s", got)
		}
	}
	done := jsonEdit(t, body, func(m map[string]any) { m["completed_at"] = "2025-03-14T10:50:00+01:00" })
	d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, ShopifyCheckoutsUpdate, secrets["shopify"][0], done), done, Deps{Secrets: secrets})
	if err != nil || !d.CheckoutCompleted {
		t.Fatalf("completed checkout: %v, completed=%v", err, d != nil && d.CheckoutCompleted)
	}
}

func TestShopifyDiscounts(t *testing.T) {
	// The discount mapping splits what the lines received between codes
	// and automatic discounts, and leaves shipping codes to the shipping lines.
	tests := []struct {
		name string
		edit func(m map[string]any)
		want []order.Discount
	}{
		{"one code", func(map[string]any) {}, []order.Discount{{Code: "BIENVENUE5", Amount: dec("5.00")}}},
		{"automatic discount on top of the code", func(m map[string]any) {
			items := m["line_items"].([]any)
			items[1].(map[string]any)["discount_allocations"] = []any{map[string]any{"amount": "2.87"}, map[string]any{"amount": "3.00"}}
		}, []order.Discount{{Code: "BIENVENUE5", Amount: dec("5.00")}, {Amount: dec("3.00")}}},
		{"code capped below its amount", func(m map[string]any) {
			m["discount_codes"] = []any{map[string]any{"code": "A", "amount": "4.00", "type": "fixed_amount"}, map[string]any{"code": "B", "amount": "3.00", "type": "percentage"}}
		}, []order.Discount{{Code: "A,B", Amount: dec("5.00")}}},
		{"no allocations: total_discounts", func(m map[string]any) {
			for _, it := range m["line_items"].([]any) {
				delete(it.(map[string]any), "discount_allocations")
			}
		}, []order.Discount{{Code: "BIENVENUE5", Amount: dec("5.00")}}},
		{"shipping code goes to shipping", func(m map[string]any) {
			m["discount_codes"] = append(m["discount_codes"].([]any), map[string]any{"code": "PORTOFFERT", "amount": "4.90", "type": "shipping"})
		}, []order.Discount{{Code: "BIENVENUE5", Amount: dec("5.00")}}},
	}
	secrets := localSecrets(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := jsonEdit(t, testdata(t, "shopify/order-fr-paid.json"), tc.edit)
			d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, ShopifyOrdersCreate, secrets["shopify"][0], body), body, Deps{Secrets: secrets})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !slices.EqualFunc(d.Order.Discounts, tc.want, func(a, b order.Discount) bool { return a.Code == b.Code && a.Amount.Equal(b.Amount) }) {
				t.Errorf("discounts = %+v, want %+v", d.Order.Discounts, tc.want)
			}
		})
	}
}

func TestShopifyFreeShippingCode(t *testing.T) {
	secrets := localSecrets(t)
	body := jsonEdit(t, testdata(t, "shopify/order-fr-paid.json"), func(m map[string]any) {
		s := m["shipping_lines"].([]any)[0].(map[string]any)
		delete(s, "discounted_price")
		s["discount_allocations"] = []any{map[string]any{"amount": "4.90"}}
	})
	d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, ShopifyOrdersCreate, secrets["shopify"][0], body), body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if !d.Order.ShippingLines[0].Price.IsZero() {
		t.Errorf("shipping after a free-shipping allocation = %s, want 0", d.Order.ShippingLines[0].Price)
	}
}

func TestShopifyBadInput(t *testing.T) {
	secrets := localSecrets(t)
	key := secrets["shopify"][0]
	sample := testdata(t, "shopify/order-fr-paid.json")
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
		{name: "missing signature", body: sample, headers: func(h map[string]string) { delete(h, "x-shopify-hmac-sha256") }, kind: order.Unauthenticated, code: "missing_signature"},
		{name: "wrong signature", body: sample, headers: func(h map[string]string) { h["x-shopify-hmac-sha256"] = "iKqz7ejTrflNJquQ07r9SiCDBww7zOnAFO4EpEOEfAs=" }, kind: order.Unauthenticated, code: "invalid_signature"},
		{name: "signature not base64", body: sample, headers: func(h map[string]string) { h["x-shopify-hmac-sha256"] = "not base64!" }, kind: order.Unauthenticated, code: "invalid_signature"},
		{name: "missing topic", body: sample, headers: func(h map[string]string) { delete(h, "x-shopify-topic") }, kind: order.Invalid, code: "missing_field"},
		{name: "unknown topic", topic: "orders/fulfilled", body: sample, kind: order.Invalid, code: "unknown_topic"},
		{name: "malformed json", body: []byte(`{"id": 1, "line_items": [`), kind: order.Invalid, code: "malformed_json"},
		{name: "wrong json type", body: edit(func(m map[string]any) { m["line_items"] = "none" }), kind: order.Invalid, code: "malformed_json"},
		{name: "invalid utf-8", body: append([]byte(`{"note": "caf`), 0xe9, '"', '}'), kind: order.Invalid, code: "invalid_utf8"},
		{name: "unknown currency", body: edit(func(m map[string]any) { m["currency"] = "XXX" }), kind: order.Invalid, code: "unknown_currency"},
		{name: "missing currency", body: edit(func(m map[string]any) { delete(m, "currency") }), kind: order.Invalid, code: "missing_field"},
		{name: "quantity zero", body: edit(func(m map[string]any) { line(m, 0)["quantity"] = 0 }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "quantity negative", body: edit(func(m map[string]any) { line(m, 1)["quantity"] = -2 }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "quantity fractional", body: edit(func(m map[string]any) { line(m, 0)["quantity"] = json.Number("1.5") }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "missing quantity", body: edit(func(m map[string]any) { delete(line(m, 0), "quantity") }), kind: order.Invalid, code: "missing_field"},
		{name: "amount with a comma", body: edit(func(m map[string]any) { line(m, 0)["price"] = "12,90" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "amount not a number", body: edit(func(m map[string]any) { m["total_price"] = "douze" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "amount with a huge exponent", body: edit(func(m map[string]any) { line(m, 0)["price"] = json.Number("1e-999999999") }), kind: order.Invalid, code: "invalid_amount"},
		{name: "negative price", body: edit(func(m map[string]any) { line(m, 0)["price"] = "-12.90" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "missing price", body: edit(func(m map[string]any) { delete(line(m, 0), "price") }), kind: order.Invalid, code: "missing_field"},
		{name: "missing id", body: edit(func(m map[string]any) { delete(m, "id") }), kind: order.Invalid, code: "missing_field"},
		{name: "no lines", body: edit(func(m map[string]any) { m["line_items"] = []any{} }), kind: order.Invalid, code: "missing_field"},
		{name: "missing updated_at", body: edit(func(m map[string]any) { delete(m, "updated_at") }), kind: order.Invalid, code: "missing_field"},
		{name: "bad updated_at", body: edit(func(m map[string]any) { m["updated_at"] = "yesterday" }), kind: order.Invalid, code: "invalid_date"},
		{name: "unknown financial status", body: edit(func(m map[string]any) { m["financial_status"] = "chargeback" }), kind: order.Invalid, code: "unknown_status"},
		{name: "rate over 100 %", body: edit(func(m map[string]any) {
			line(m, 0)["tax_lines"] = []any{map[string]any{"rate": json.Number("1.5"), "price": "1.00"}}
		}), kind: order.Invalid, code: "invalid_vat_rate"},
		{name: "bad e-mail", body: edit(func(m map[string]any) { m["email"] = "camille at example" }), kind: order.Invalid, code: "invalid_email"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topic := tc.topic
			if topic == "" {
				topic = ShopifyOrdersCreate
			}
			h := shopifyHeaders(t, topic, key, tc.body)
			if tc.headers != nil {
				tc.headers(h)
			}
			d, err := Parse(context.Background(), "shopify", h, tc.body, Deps{Secrets: secrets})
			if d != nil {
				t.Fatalf("got a delivery with the error: %+v", d)
			}
			wantError(t, err, tc.kind, tc.code)
		})
	}
}

func TestShopifyIDBeyondFloat64(t *testing.T) {
	// 2^53 + 1 cannot be held by a float64: the id must keep its digits.
	secrets := localSecrets(t)
	body := jsonEdit(t, testdata(t, "shopify/order-fr-paid.json"), func(m map[string]any) { m["id"] = json.Number("9007199254740993") })
	d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, ShopifyOrdersCreate, secrets["shopify"][0], body), body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.Order.ExternalID != "9007199254740993" {
		t.Errorf("external id = %s", d.Order.ExternalID)
	}
}

func FuzzShopify(f *testing.F) {
	for _, s := range []struct{ file, topic string }{
		{"shopify/order-fr-paid.json", ShopifyOrdersCreate},
		{"shopify/order-gb-pending.json", ShopifyOrdersUpdated},
		{"shopify/order-digital-paid.json", ShopifyOrdersPaid},
		{"shopify/order-cancelled.json", ShopifyOrdersCancelled},
		{"shopify/checkout-fr.json", ShopifyCheckoutsCreate},
	} {
		f.Add(s.topic, testdata(f, s.file))
	}
	f.Add("orders/create", []byte(`{"id":1,"currency":"EUR","updated_at":"2025-01-01T00:00:00Z","line_items":[{"title":"x","quantity":1,"price":"1e3"}]}`))
	key := []byte("fuzz-secret")
	deps := Deps{Secrets: StaticSecrets{"shopify": {key}}}
	f.Fuzz(func(t *testing.T, topic string, body []byte) {
		// Sign whatever the fuzzer made, so that it reaches the decoder.
		h := withSignature(t, order.SourceShopify, key, body, time.Time{}, map[string]string{"x-shopify-topic": topic, "x-shopify-webhook-id": "w"})
		d, err := Parse(context.Background(), "shopify", h, body, deps)
		checkFuzzResult(t, d, err)
	})
}
