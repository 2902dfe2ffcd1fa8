package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// moneyDelivery builds a signed delivery of a storefront payload under
// internal/webhook/testdata, made unique as intakeSample makes the samples:
// its own ids, the customer's e-mail to, a fresh signature. For Ecwid, file
// is the order the stand-in serves and the event naming it is built here.
func moneyDelivery(t *testing.T, src order.Source, file, to string) intakeDelivery {
	t.Helper()
	testdata := filepath.Join(sys.root, "internal", "webhook", "testdata")
	raw, err := os.ReadFile(filepath.Join(testdata, file))
	if err != nil {
		t.Fatal(err)
	}
	id := intakeID()
	at := time.Now()
	body := decodeNumbers(t, raw)
	headers := map[string]string{"content-type": "application/json"}
	switch src {
	case order.SourceShopify:
		body["id"] = fmt.Sprint(id)
		headers["x-shopify-topic"] = webhook.ShopifyOrdersCreate
		headers["x-shopify-webhook-id"] = fmt.Sprintf("e2e-money-%d", id)
	case order.SourceWooCommerce:
		body["id"] = fmt.Sprint(id)
		headers["x-wc-webhook-topic"] = webhook.WooOrderCreated
		headers["x-wc-webhook-delivery-id"] = fmt.Sprint(id)
	case order.SourceEcwid:
		orderID := fmt.Sprintf("E2E-%d", id)
		body["id"] = orderID
		readdress(body, to)
		sys.Ecwid.Add("7301234", orderID, mustMarshal(t, body))
		ev, err := os.ReadFile(filepath.Join(testdata, "ecwid", "event-order-created.json"))
		if err != nil {
			t.Fatal(err)
		}
		body = decodeNumbers(t, ev)
		body["data"].(map[string]any)["orderId"] = orderID
		body["entityId"] = fmt.Sprint(id)
		body["eventId"] = fmt.Sprintf("e2e-money-%d", id)
		body["eventCreated"] = at.Unix()
	}
	readdress(body, to)
	b := mustMarshal(t, body)
	sig, err := webhook.SignatureHeaders(src, intakeSecrets(t)[string(src)][0], b, at)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range sig {
		headers[k] = v
	}
	return intakeDelivery{source: src, body: b, headers: headers}
}

// TestStorefrontMoneyE2E delivers, through the local runtime, the orders
// whose money storefronts send besides lines and shipping: each is accepted
// with the storefront's own totals and shows its charges through the API.
func TestStorefrontMoneyE2E(t *testing.T) {
	tests := []struct {
		name       string
		src        order.Source
		file       string
		grand, vat string
		charges    []string // kind amount
	}{
		{"Shopify tip", order.SourceShopify, "shopify/order-tip.json", "64.60 EUR", "7.39 EUR", []string{"tip 4.00"}},
		{"Shopify duties", order.SourceShopify, "shopify/order-duties.json", "84.87 EUR", "0.00 EUR", []string{"duty 1.65", "duty 2.62"}},
		{"WooCommerce fee", order.SourceWooCommerce, "woocommerce/order-fee.json", "57.15 EUR", "6.90 EUR", []string{"fee 3.00"}},
		{"WooCommerce negative fee", order.SourceWooCommerce, "woocommerce/order-negative-fee.json", "49.15 EUR", "5.57 EUR", []string{"fee -5.00"}},
		{"Ecwid handling fee", order.SourceEcwid, "ecwid/orders/7301234-BTQ-1046.json", "45.20 EUR", "4.11 EUR", []string{"handling 2.40"}},
		{"Ecwid includeInPrice taxes, no order-level flag", order.SourceEcwid, "ecwid/orders/7301234-BTQ-1047.json", "42.80 EUR", "3.71 EUR", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := localawstest.Recipient(t)
			r := moneyDelivery(t, tt.src, tt.file, to).send(t)
			if r.Status != http.StatusCreated {
				t.Fatalf("delivery: %d %s, want 201", r.Status, r.Body)
			}
			var a intakeAnswer
			r.JSON(t, &a)
			o := sys.Do(t, http.MethodGet, "/orders/"+a.OrderID, sys.Token(t, "intake-e2e@shop", "orders:read"), nil, nil)
			if o.Status != http.StatusOK {
				t.Fatalf("GET /orders/%s: %d %s", a.OrderID, o.Status, o.Body)
			}
			var v struct {
				Totals struct {
					Grand order.Money `json:"grand"`
					VAT   order.Money `json:"vat"`
				} `json:"totals"`
				Charges []order.Charge `json:"charges"`
			}
			o.JSON(t, &v)
			if v.Totals.Grand.String() != tt.grand || v.Totals.VAT.String() != tt.vat {
				t.Errorf("totals %s (VAT %s), want %s (VAT %s)", v.Totals.Grand, v.Totals.VAT, tt.grand, tt.vat)
			}
			var got []string
			for _, c := range v.Charges {
				got = append(got, string(c.Kind)+" "+c.Amount.StringFixed(2))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.charges) {
				t.Errorf("charges %v, want %v", got, tt.charges)
			}
		})
	}
}
