package webhook

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestBodyTooLargeIsCheckedFirst(t *testing.T) {
	// Over the limit, nothing else is looked at: not the source, not the
	// secrets store, not the signature.
	big := bytes.Repeat([]byte("a"), MaxBodyBytes+1)
	for _, tc := range []struct {
		source string
		deps   Deps
	}{
		{"shopify", Deps{Secrets: localSecrets(t)}},
		{"ecwid", Deps{Secrets: failingSecrets{}}},
		{"no-such-source", Deps{}},
	} {
		_, err := Parse(context.Background(), tc.source, nil, big, tc.deps)
		wantError(t, err, order.TooLarge, "body_too_large")
	}
	// At the limit, the body goes on to the signature check.
	atLimit := bytes.Repeat([]byte(" "), MaxBodyBytes)
	_, err := Parse(context.Background(), "shopify", nil, atLimit, Deps{Secrets: localSecrets(t)})
	wantError(t, err, order.Unauthenticated, "missing_signature")
}

func TestParseSourceAndDeps(t *testing.T) {
	secrets := localSecrets(t)
	for _, src := range []string{"", "manual", "Shopify", "prestashop"} {
		_, err := Parse(context.Background(), src, nil, []byte(`{}`), Deps{Secrets: secrets})
		wantError(t, err, order.Invalid, "unknown_source")
	}
	_, err := Parse(context.Background(), "shopify", nil, []byte(`{}`), Deps{})
	wantError(t, err, order.Internal, "secrets_not_configured")

	body := testdata(t, "ecwid/event-order-created.json")
	_, err = Parse(context.Background(), "ecwid", ecwidHeaders(t, secrets["ecwid"][0], body), body, Deps{Secrets: secrets})
	wantError(t, err, order.Internal, "ecwid_not_configured")
}

func TestHeaderNamesAnyCase(t *testing.T) {
	// API Gateway lower-cases header names; other callers may not.
	secrets := localSecrets(t)
	body := testdata(t, "shopify/order-fr-paid.json")
	h := shopifyHeaders(t, ShopifyOrdersCreate, secrets["shopify"][0], body)
	mixed := map[string]string{
		"X-Shopify-Hmac-Sha256": h["x-shopify-hmac-sha256"],
		"X-Shopify-Topic":       h["x-shopify-topic"],
		"X-SHOPIFY-WEBHOOK-ID":  h["x-shopify-webhook-id"],
	}
	d, err := Parse(context.Background(), "shopify", mixed, body, Deps{Secrets: secrets})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.DeliveryID != h["x-shopify-webhook-id"] {
		t.Errorf("delivery id = %q", d.DeliveryID)
	}
}

func TestRetriesKeepTheirDeliveryID(t *testing.T) {
	// A retry is the same request again: it must map to the same key, so
	// that the intake's conditional write on it refuses a second order.
	secrets := localSecrets(t)
	at := signedAt(t)
	deps := Deps{Secrets: secrets, Ecwid: ecwidStandIn(t), Now: func() time.Time { return at }, EcwidStoreID: ecwidStore}
	cases := []struct {
		source, file string
		headers      func(body []byte) map[string]string
	}{
		{"shopify", "shopify/order-fr-paid.json", func(b []byte) map[string]string {
			return shopifyHeaders(t, ShopifyOrdersCreate, secrets["shopify"][0], b)
		}},
		{"woocommerce", "woocommerce/order-fr-processing.json", func(b []byte) map[string]string {
			return wooHeaders(t, WooOrderCreated, secrets["woocommerce"][0], b)
		}},
		{"ecwid", "ecwid/event-order-created.json", func(b []byte) map[string]string { return ecwidHeaders(t, secrets["ecwid"][0], b) }},
		{"generic", "generic/order-created.json", func(b []byte) map[string]string {
			return genericHeaders(t, secrets["generic"][0], b, at, nil)
		}},
	}
	for _, tc := range cases {
		body := testdata(t, tc.file)
		first, err := Parse(context.Background(), tc.source, tc.headers(body), body, deps)
		if err != nil {
			t.Fatalf("%s: %v", tc.source, err)
		}
		again, err := Parse(context.Background(), tc.source, tc.headers(body), body, deps)
		if err != nil {
			t.Fatalf("%s retry: %v", tc.source, err)
		}
		if first.DeliveryID == "" || first.DeliveryID != again.DeliveryID || first.Order.ExternalID != again.Order.ExternalID {
			t.Errorf("%s: %q then %q", tc.source, first.DeliveryID, again.DeliveryID)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindOrder: "order", KindCart: "cart", KindPing: "ping", Kind(0): "kind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", int(k), got, want)
		}
	}
}
