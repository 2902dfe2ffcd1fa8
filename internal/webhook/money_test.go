package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// wantCharge is a charge as the tests expect it: kind, name, amount, rate
// ("" when outside the scope of VAT).
type wantCharge struct {
	kind   order.ChargeKind
	name   string
	amount string
	rate   string
}

func checkCharges(t *testing.T, got []order.Charge, want []wantCharge) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("charges = %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		taxable := w.rate != ""
		if g.Kind != w.kind || g.Name != w.name || !g.Amount.Equal(dec(w.amount)) || g.Taxable != taxable ||
			(taxable && !g.VATRate.Equal(dec(w.rate))) || (!taxable && !g.VATRate.IsZero()) {
			t.Errorf("charge %d = %+v, want %+v", i, g, w)
		}
	}
}

// reconcilesToTheCent checks that our totals are the storefront's, to the
// cent: the grand total and the VAT it reported.
func reconcilesToTheCent(t *testing.T, d *Delivery) order.Totals {
	t.Helper()
	tot := mustReconcile(t, d)
	if !tot.Grand.Amount.Equal(*d.Reported.Grand) || !tot.VAT.Amount.Equal(*d.Reported.VAT) {
		t.Errorf("computed grand %s VAT %s; the storefront reported %s and %s", tot.Grand, tot.VAT, d.Reported.Grand, d.Reported.VAT)
	}
	return tot
}

// TestStorefrontMoney parses each storefront's charges from payloads written
// from the platforms' documentation: Shopify total_tip_received and duties
// (line_items[].duties, original_total_duties_set), WooCommerce fee_lines,
// Ecwid handlingFee and per-tax includeInPrice without the order-level
// pricesIncludeTax. Each reconciles with the storefront's totals.
func TestStorefrontMoney(t *testing.T) {
	secrets := localSecrets(t)
	ecwidDeps := Deps{Secrets: secrets, Ecwid: ecwidStandIn(t), EcwidStoreID: ecwidStore, Now: sampleClock(t)}
	shopify := func(file string, edit func(m map[string]any)) func(t *testing.T) (*Delivery, error) {
		return func(t *testing.T) (*Delivery, error) {
			body := testdata(t, file)
			if edit != nil {
				body = jsonEdit(t, body, edit)
			}
			return Parse(context.Background(), "shopify", shopifyHeaders(t, ShopifyOrdersCreate, secrets["shopify"][0], body), body, Deps{Secrets: secrets})
		}
	}
	woo := func(file string) func(t *testing.T) (*Delivery, error) {
		return func(t *testing.T) (*Delivery, error) {
			body := testdata(t, file)
			return Parse(context.Background(), "woocommerce", wooHeaders(t, WooOrderCreated, secrets["woocommerce"][0], body), body, Deps{Secrets: secrets})
		}
	}
	ecwid := func(orderID string) func(t *testing.T) (*Delivery, error) {
		return func(t *testing.T) (*Delivery, error) {
			body := jsonEdit(t, testdata(t, "ecwid/event-order-created.json"), func(m map[string]any) {
				m["data"].(map[string]any)["orderId"] = orderID
			})
			return Parse(context.Background(), "ecwid", ecwidHeaders(t, secrets["ecwid"][0], body), body, ecwidDeps)
		}
	}
	line := func(m map[string]any, i int) map[string]any { return m["line_items"].([]any)[i].(map[string]any) }
	tests := []struct {
		name      string
		parse     func(t *testing.T) (*Delivery, error)
		charges   []wantCharge
		inclusive bool
		grand     string
		outside   string // Totals.OutsideVAT
	}{
		{
			// total_price 64.60 = the order of order-fr-paid.json (60.60)
			// and a 4.00 tip; total_tax is unchanged.
			name: "Shopify tip", parse: shopify("shopify/order-tip.json", nil),
			charges: []wantCharge{{order.ChargeTip, "Tip", "4.00", ""}}, inclusive: true, grand: "64.60", outside: "4.00",
		},
		{
			// Exported to New York: no VAT; duties per line, outside VAT.
			name: "Shopify line duties", parse: shopify("shopify/order-duties.json", nil),
			charges: []wantCharge{{order.ChargeDuty, "Duties (HS 090210)", "1.65", ""}, {order.ChargeDuty, "Duties (HS 732393)", "2.62", ""}},
			grand:   "84.87", outside: "4.27",
		},
		{
			name: "Shopify order-level duties", parse: shopify("shopify/order-duties.json", func(m map[string]any) {
				delete(line(m, 0), "duties")
				delete(line(m, 1), "duties")
			}),
			charges: []wantCharge{{order.ChargeDuty, "Duties", "4.27", ""}}, grand: "84.87", outside: "4.27",
		},
		{
			// A duty Shopify taxed (a 20 % tax line on it): inside the VAT.
			name: "Shopify taxed duty", parse: shopify("shopify/order-duties.json", func(m map[string]any) {
				duty := line(m, 1)["duties"].([]any)[0].(map[string]any)
				duty["tax_lines"] = []any{map[string]any{"title": "VAT", "price": "0.52", "rate": 0.2}}
				m["total_tax"], m["total_price"] = "0.52", "85.39"
			}),
			charges: []wantCharge{{order.ChargeDuty, "Duties (HS 090210)", "1.65", ""}, {order.ChargeDuty, "Duties (HS 732393)", "2.62", "20"}},
			grand:   "85.39", outside: "1.65",
		},
		{
			// 2.50 + 0.50 tax, shown tax-inclusive like the shop's prices.
			name: "WooCommerce fee", parse: woo("woocommerce/order-fee.json"),
			charges: []wantCharge{{order.ChargeFee, "Emballage cadeau", "3.00", "20"}}, inclusive: true, grand: "57.15", outside: "0",
		},
		{
			// −4.17 − 0.83 tax: a reduction of 5.00 TTC at 20 %.
			name: "WooCommerce negative fee", parse: woo("woocommerce/order-negative-fee.json"),
			charges: []wantCharge{{order.ChargeFee, "Remise fidélité", "-5.00", "20"}}, inclusive: true, grand: "49.15", outside: "0",
		},
		{
			// handlingFee value 2.40 (2.00 without tax, 0.40 of TVA 20 %).
			name: "Ecwid handling fee", parse: ecwid("BTQ-1046"),
			charges: []wantCharge{{order.ChargeHandling, "Emballage cadeau", "2.4", "20"}}, inclusive: true, grand: "45.20", outside: "0",
		},
		{
			// No pricesIncludeTax: every tax says includeInPrice.
			name: "Ecwid includeInPrice without the order-level flag", parse: ecwid("BTQ-1047"),
			inclusive: true, grand: "42.80", outside: "0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.parse(t)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			checkCharges(t, d.Order.Charges, tt.charges)
			if d.Order.PricesIncludeTax != tt.inclusive {
				t.Errorf("prices include tax = %v, want %v", d.Order.PricesIncludeTax, tt.inclusive)
			}
			tot := reconcilesToTheCent(t, d)
			if !tot.Grand.Amount.Equal(dec(tt.grand)) || !tot.OutsideVAT.Amount.Equal(dec(tt.outside)) {
				t.Errorf("grand %s, outside VAT %s; want %s and %s", tot.Grand, tot.OutsideVAT, tt.grand, tt.outside)
			}
		})
	}
}

// TestEcwidTaxesThatDisagree: without the order-level flag, taxes that
// disagree on includeInPrice cannot be read either way.
func TestEcwidTaxesThatDisagree(t *testing.T) {
	secrets := localSecrets(t)
	orderJSON := jsonEdit(t, testdata(t, "ecwid/orders/7301234-BTQ-1047.json"), func(m map[string]any) {
		m["taxesOnShipping"].([]any)[0].(map[string]any)["includeInPrice"] = false
	})
	body := jsonEdit(t, testdata(t, "ecwid/event-order-created.json"), func(m map[string]any) {
		m["data"].(map[string]any)["orderId"] = "BTQ-1047"
	})
	deps := Deps{Secrets: secrets, Ecwid: memEcwid{"BTQ-1047": orderJSON}, EcwidStoreID: ecwidStore, Now: sampleClock(t)}
	_, err := Parse(context.Background(), "ecwid", ecwidHeaders(t, secrets["ecwid"][0], body), body, deps)
	wantError(t, err, order.Invalid, "mixed_tax_modes")
}

// TestShopifyTopicDoesNotCancel: X-Shopify-Topic is not signed. A forged
// orders/cancelled topic on an order whose signed body has no cancelled_at
// does not cancel it; the signed cancelled_at cancels whatever the topic.
func TestShopifyTopicDoesNotCancel(t *testing.T) {
	secrets := localSecrets(t)
	key := secrets["shopify"][0]
	open := testdata(t, "shopify/order-fr-paid.json")
	for _, topic := range []string{ShopifyOrdersUpdated, ShopifyOrdersCancelled} {
		d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, topic, key, open), open, Deps{Secrets: secrets})
		if err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		if d.Cancelled || d.Order.Payment != order.Paid {
			t.Errorf("topic %s: cancelled %v, payment %s; want neither cancelled nor moved", topic, d.Cancelled, d.Order.Payment)
		}
	}
	cancelled := jsonEdit(t, open, func(m map[string]any) { m["cancelled_at"] = "2025-03-14T12:00:00+01:00" })
	d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, ShopifyOrdersUpdated, key, cancelled), cancelled, Deps{Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Cancelled {
		t.Error("a signed cancelled_at delivered as orders/updated is not cancelled")
	}
}

// TestGenericEventIDWins: an unsigned Idempotency-Key does not rename a
// signed delivery: the same body is the same delivery whatever the header.
func TestGenericEventIDWins(t *testing.T) {
	secrets := localSecrets(t)
	at := signedAt(t)
	body := testdata(t, "generic/order-created.json")
	deps := Deps{Secrets: secrets, Now: func() time.Time { return at }}
	for _, key := range []string{"", "forged-1", "forged-2"} {
		extra := map[string]string{}
		if key != "" {
			extra["idempotency-key"] = key
		}
		d, err := Parse(context.Background(), "generic", genericHeaders(t, secrets["generic"][0], body, at, extra), body, deps)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if d.DeliveryID != "evt_01JPB3K8Q7Z4M2N6X9C5V1R0TA" {
			t.Errorf("Idempotency-Key %q: delivery id %q, want the signed eventId", key, d.DeliveryID)
		}
	}
}
