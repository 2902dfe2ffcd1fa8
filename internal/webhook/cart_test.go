package webhook

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestEmptiedCheckoutIsAcknowledged(t *testing.T) {
	// A checkout the customer emptied has nothing to track: it is
	// acknowledged (KindPing) rather than refused, for every storefront.
	secrets := localSecrets(t)
	shopify := jsonEdit(t, testdata(t, "shopify/checkout-fr.json"), func(m map[string]any) { m["line_items"] = []any{} })
	woo := jsonEdit(t, testdata(t, "woocommerce/checkout-draft.json"), func(m map[string]any) { m["line_items"] = []any{} })
	ecwidEvent := testdata(t, "ecwid/event-unfinished-order-created.json")
	ecwidOrder := jsonEdit(t, testdata(t, "ecwid/orders/7301234-BTQ-1045.json"), func(m map[string]any) { m["items"] = []any{} })
	tests := []struct {
		source  string
		body    []byte
		headers map[string]string
		deps    Deps
	}{
		{"shopify", shopify, shopifyHeaders(t, ShopifyCheckoutsUpdate, secrets["shopify"][0], shopify), Deps{Secrets: secrets}},
		{"woocommerce", woo, wooHeaders(t, WooOrderUpdated, secrets["woocommerce"][0], woo), Deps{Secrets: secrets}},
		{"ecwid", ecwidEvent, ecwidHeaders(t, secrets["ecwid"][0], ecwidEvent), Deps{Secrets: secrets, Ecwid: memEcwid{"BTQ-1045": ecwidOrder}, EcwidStoreID: ecwidStore, Now: sampleClock(t)}},
	}
	for _, tc := range tests {
		d, err := Parse(context.Background(), tc.source, tc.headers, tc.body, tc.deps)
		if err != nil {
			t.Fatalf("%s: %v", tc.source, err)
		}
		if d.Kind != KindPing || d.Cart != nil || d.Order != nil || d.DeliveryID == "" {
			t.Errorf("%s: kind %v cart %v", tc.source, d.Kind, d.Cart != nil)
		}
	}
}

func TestCartDropsWhatIsStillBeingTyped(t *testing.T) {
	secrets := localSecrets(t)
	body := jsonEdit(t, testdata(t, "shopify/checkout-fr.json"), func(m map[string]any) {
		m["email"] = "julien.petit@exam"
		m["customer"].(map[string]any)["email"] = "julien.petit@exam"
		m["abandoned_checkout_url"] = "javascript:alert(1)"
	})
	d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, ShopifyCheckoutsUpdate, secrets["shopify"][0], body), body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.Cart.Customer.Email != "" || d.Cart.RecoveryURL != "" {
		t.Errorf("kept e-mail %q and link %q", d.Cart.Customer.Email, d.Cart.RecoveryURL)
	}
	if d.Cart.Customer.Name != "Julien Petit" || len(d.Cart.Lines) != 1 {
		t.Errorf("the rest of the cart was lost: %+v", d.Cart)
	}
}

func TestCartTotalFallsBackToTheLines(t *testing.T) {
	c := newCart(order.SourceShopify, "tok", order.Customer{}, []order.LineItem{
		{Name: "Thé", Quantity: 3, UnitPrice: dec("3.333")},
		{Name: "Tasse", Quantity: 1, UnitPrice: dec("10")},
	}, order.EUR, order.JSONDecimal{}, "", signedAt(t))
	if !c.Total.Equal(order.MustMoney("20.00", order.EUR)) {
		t.Errorf("total = %s", c.Total)
	}
}

func TestVisitorControlledUTMCannotBreakAnOrder(t *testing.T) {
	// A landing URL is whatever link the visitor followed: bytes that are
	// not UTF-8 and huge tags are cleaned, never a reason to refuse.
	secrets := localSecrets(t)
	long := strings.Repeat("é", 5000)
	body := jsonEdit(t, testdata(t, "shopify/order-fr-paid.json"), func(m map[string]any) {
		m["landing_site"] = "/?utm_source=%FF%FEnews&utm_campaign=" + long + "&utm_medium=%20email%20"
	})
	d, err := Parse(context.Background(), "shopify", shopifyHeaders(t, ShopifyOrdersCreate, secrets["shopify"][0], body), body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	u := d.Order.UTM
	if u.Source != "news" || u.Medium != "email" || utf8.RuneCountInString(u.Campaign) != maxHintRunes || !utf8.ValidString(u.Campaign) {
		t.Errorf("utm = %q %q (%d runes)", u.Source, u.Medium, utf8.RuneCountInString(u.Campaign))
	}
}
