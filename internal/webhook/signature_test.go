package webhook

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestKnownSignatureVectors(t *testing.T) {
	// Computed outside Go with
	//   printf 'hello' | openssl dgst -sha256 -hmac secret -binary | base64
	//   printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac k2
	// so that a mistake shared by signer and verifier cannot hide.
	deps := Deps{Secrets: StaticSecrets{"shopify": {[]byte("secret")}, "generic": {[]byte("k2")}}, Now: func() time.Time { return time.Unix(1700000000, 0) }}
	if err := verifyBase64MAC(context.Background(), "test", deps, order.SourceShopify, "X", "iKqz7ejTrflNJquQ07r9SiCDBww7zOnAFO4EpEOEfAs=", []byte("hello")); err != nil {
		t.Errorf("base64 vector: %v", err)
	}
	if err := verifyGeneric(context.Background(), "test", deps, "t=1700000000,v1=945b875cef033853822f563ef77469f57a3c4b63a7941cb11a4eb09105090654", []byte(`{"a":1}`)); err != nil {
		t.Errorf("generic vector: %v", err)
	}
	h, err := SignatureHeaders(order.SourceShopify, []byte("secret"), []byte("hello"), time.Time{})
	if err != nil || h["x-shopify-hmac-sha256"] != "iKqz7ejTrflNJquQ07r9SiCDBww7zOnAFO4EpEOEfAs=" {
		t.Errorf("SignatureHeaders = %v %v", h, err)
	}
}

// rotationBody is a body each source can verify (Ecwid signs fields of it).
const rotationBody = `{"eventId":"e-1","eventCreated":1741946525,"storeId":1,"entityId":2,"eventType":"order.created"}`

func TestSecretRotation(t *testing.T) {
	oldKey, newKey, retired := []byte("previous-secret"), []byte("current-secret"), []byte("retired-secret")
	at := time.Unix(1741946525, 0)
	// Bodies are not valid orders: a signature that verifies gets as far as
	// the decoder and fails there, which is how "accepted" shows here.
	accepted := func(err error) bool {
		k := order.KindOf(err)
		return err != nil && k != order.Unauthenticated
	}
	for _, src := range []order.Source{order.SourceShopify, order.SourceWooCommerce, order.SourceEcwid, order.SourceGeneric} {
		deps := Deps{
			Secrets: StaticSecrets{string(src): {newKey, oldKey}},
			Ecwid:   memEcwid{},
			Now:     func() time.Time { return at },
		}
		headers := func(key []byte) map[string]string {
			return withSignature(t, src, key, []byte(rotationBody), at, map[string]string{
				"x-shopify-topic": "orders/create", "x-wc-webhook-topic": "order.created", "x-event-type": "order.created",
			})
		}
		tests := []struct {
			name string
			key  []byte
			ok   bool
		}{
			{"current secret", newKey, true},
			{"previous secret still active", oldKey, true},
			{"retired secret", retired, false},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/%s", src, tc.name), func(t *testing.T) {
				_, err := Parse(context.Background(), string(src), headers(tc.key), []byte(rotationBody), deps)
				if tc.ok && !accepted(err) {
					t.Fatalf("refused: %v", err)
				}
				if !tc.ok {
					wantError(t, err, order.Unauthenticated, "invalid_signature")
				}
			})
		}
		t.Run(string(src)+"/after retiring the previous secret", func(t *testing.T) {
			deps.Secrets = StaticSecrets{string(src): {newKey}}
			_, err := Parse(context.Background(), string(src), headers(oldKey), []byte(rotationBody), deps)
			wantError(t, err, order.Unauthenticated, "invalid_signature")
		})
	}
}

func TestEmptySecretNeverVerifies(t *testing.T) {
	// An empty key is public knowledge: a store that configured one by
	// mistake must refuse everything rather than accept a forgery.
	body := []byte(`{}`)
	h := withSignature(t, order.SourceShopify, []byte{}, body, time.Time{}, map[string]string{"x-shopify-topic": "orders/create"})
	for _, s := range []StaticSecrets{{"shopify": {{}}}, {"shopify": nil}, {}} {
		_, err := Parse(context.Background(), "shopify", h, body, Deps{Secrets: s})
		wantError(t, err, order.Unauthenticated, "invalid_signature")
	}
}

func TestComparisonIsConstantTime(t *testing.T) {
	// Every MAC comparison goes through hmac.Equal, and every active
	// secret is tried, so that neither the bytes of a guess nor which
	// secret matched show in the response time.
	var calls int
	macEqual = func(a, b []byte) bool { calls++; return hmac.Equal(a, b) }
	t.Cleanup(func() { macEqual = hmac.Equal })

	keys := [][]byte{[]byte("k1"), []byte("k2"), []byte("k3")}
	deps := Deps{Secrets: StaticSecrets{"woocommerce": keys, "generic": keys}, Now: func() time.Time { return time.Unix(1741946525, 0) }}
	body := []byte(`{}`)
	for _, key := range [][]byte{keys[0], []byte("wrong")} {
		calls = 0
		h := withSignature(t, order.SourceWooCommerce, key, body, time.Time{}, nil)
		_ = verifyBase64MAC(context.Background(), "test", deps, order.SourceWooCommerce, "X", h["x-wc-webhook-signature"], body)
		if calls != len(keys) {
			t.Errorf("base64 MAC with key %q: %d comparisons, want %d", key, calls, len(keys))
		}
	}
	calls = 0
	h := withSignature(t, order.SourceGeneric, keys[2], body, time.Unix(1741946525, 0), nil)
	two := h["x-signature"] + ",v1=" + fmt.Sprintf("%064x", 0)
	if err := verifyGeneric(context.Background(), "test", deps, two, body); err != nil {
		t.Fatalf("generic with two v1: %v", err)
	}
	if calls != len(keys)*2 {
		t.Errorf("generic: %d comparisons, want %d", calls, len(keys)*2)
	}
}

func TestParseSignatureHeader(t *testing.T) {
	mac := fmt.Sprintf("%064x", 1)
	tests := []struct {
		header string
		t      int64
		macs   int
		ok     bool
	}{
		{"t=1741946525,v1=" + mac, 1741946525, 1, true},
		{" t=1741946525 , v1=" + mac + " ", 1741946525, 1, true},
		{"v1=" + mac + ",t=1741946525", 1741946525, 1, true},
		{"t=1741946525,v1=" + mac + ",v1=" + mac, 1741946525, 2, true},
		{"t=1741946525,v0=abc,v1=" + mac, 1741946525, 1, true},
		{"", 0, 0, false},
		{"t=1741946525", 0, 0, false},
		{"v1=" + mac, 0, 0, false},
		{"t=abc,v1=" + mac, 0, 0, false},
		{"t=-5,v1=" + mac, 0, 0, false},
		{"t=+5,v1=" + mac, 0, 0, false},
		{"t=1,t=2,v1=" + mac, 0, 0, false},
		{"t=99999999999999,v1=" + mac, 0, 0, false},
		{"t=1741946525,v1=" + mac[:62], 0, 0, false},
		{"t=1741946525,v1=zz" + mac[2:], 0, 0, false},
		{"t=1741946525,v1", 0, 0, false},
		{"t=1741946525,v1=" + mac + ",v1=" + mac + ",v1=" + mac + ",v1=" + mac + ",v1=" + mac, 0, 0, false},
	}
	for _, tc := range tests {
		sig, err := parseSignatureHeader(tc.header)
		if !tc.ok {
			wantError(t, err, order.Unauthenticated, "invalid_signature")
			continue
		}
		if err != nil || sig.t != tc.t || len(sig.v1s) != tc.macs {
			t.Errorf("%q: %+v %v", tc.header, sig, err)
		}
	}
}

func TestGenericTimestampWindow(t *testing.T) {
	secrets := StaticSecrets{"generic": {[]byte("k")}}
	signed := time.Unix(1741946525, 0)
	body := []byte(`{}`)
	h := withSignature(t, order.SourceGeneric, []byte("k"), body, signed, nil)
	tests := []struct {
		skew time.Duration
		ok   bool
	}{
		{0, true},
		{GenericTolerance, true},
		{-GenericTolerance, true},
		{GenericTolerance - time.Second, true},
		{GenericTolerance + time.Second, false},
		{-GenericTolerance - time.Second, false},
		{24 * time.Hour, false},
	}
	for _, tc := range tests {
		deps := Deps{Secrets: secrets, Now: func() time.Time { return signed.Add(tc.skew) }}
		err := verifyGeneric(context.Background(), "test", deps, h["x-signature"], body)
		if tc.ok && err != nil {
			t.Errorf("skew %s: %v", tc.skew, err)
		}
		if !tc.ok {
			wantError(t, err, order.Unauthenticated, "stale_timestamp")
		}
	}
}

// failingSecrets is a secrets store that cannot answer.
type failingSecrets struct{ err error }

func (f failingSecrets) Active(context.Context, string) ([][]byte, error) { return nil, f.err }

func TestSecretsStoreFailure(t *testing.T) {
	body := []byte(`{}`)
	h := withSignature(t, order.SourceShopify, []byte("k"), body, time.Time{}, map[string]string{"x-shopify-topic": "orders/create"})
	_, err := Parse(context.Background(), "shopify", h, body, Deps{Secrets: failingSecrets{errors.New("ssm: throttled")}})
	wantError(t, err, order.Transient, "secrets_unavailable")
	if cause := errors.Unwrap(err); cause == nil || !strings.Contains(cause.Error(), "ssm: throttled") {
		t.Errorf("the cause is not kept: %v", cause)
	}
	typed := order.E("ssm", order.Internal, "parameter_missing", "no parameter")
	_, err = Parse(context.Background(), "shopify", h, body, Deps{Secrets: failingSecrets{typed}})
	wantError(t, err, order.Internal, "parameter_missing")
}

func TestSecretsFromJSON(t *testing.T) {
	s, err := SecretsFromJSON([]byte(`{"shopify":["a","b"],"generic":["c"]}`))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	got, _ := s.Active(context.Background(), "shopify")
	if len(got) != 2 || string(got[0]) != "a" || string(got[1]) != "b" {
		t.Errorf("shopify = %q", got)
	}
	got[0][0] = 'z' // a caller must not be able to change the store
	if again, _ := s.Active(context.Background(), "shopify"); string(again[0]) != "a" {
		t.Errorf("Active returned the store's own slice")
	}
	if none, _ := s.Active(context.Background(), "ecwid"); len(none) != 0 {
		t.Errorf("ecwid = %q", none)
	}
	if _, err := SecretsFromJSON([]byte(`{"shopify":"a"}`)); err == nil {
		t.Error("a string instead of a list was accepted")
	}
}

func FuzzSignatureHeader(f *testing.F) {
	for _, s := range []string{
		"t=1741946525,v1=" + fmt.Sprintf("%064x", 7),
		"t=1741946525,v1=" + fmt.Sprintf("%064x", 7) + ",v1=" + fmt.Sprintf("%064x", 8),
		"v1=abc", "t=", ",,,", "t=1,v1=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		sig, err := parseSignatureHeader(h)
		if err != nil {
			wantError(t, err, order.Unauthenticated, "invalid_signature")
			return
		}
		if sig.t <= 0 || len(sig.v1s) == 0 || len(sig.v1s) > maxSignatureMACs {
			t.Fatalf("accepted %q as %+v", h, sig)
		}
		for _, m := range sig.v1s {
			if len(m) != 32 {
				t.Fatalf("accepted a %d-byte MAC", len(m))
			}
		}
	})
}

// TestVerificationRecordsTheSignature: the edge learns whether a failing
// delivery was authentic (its signature verified before the failure) or
// proves nothing.
func TestVerificationRecordsTheSignature(t *testing.T) {
	secret := []byte("shpss_test")
	body := []byte(`{"id": 1, "not": "an order"}`)
	signed, err := SignatureHeaders(order.SourceShopify, secret, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	signed["x-shopify-topic"] = "orders/create"
	deps := Deps{Secrets: StaticSecrets{"shopify": {secret}}}
	cases := []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"signed, refused for its content", signed, true},
		{"unsigned", map[string]string{"x-shopify-topic": "orders/create"}, false},
		{"wrong signature", map[string]string{"x-shopify-topic": "orders/create", "x-shopify-hmac-sha256": "iKqz7ejTrflNJquQ07r9SiCDBww7zOnAFO4EpEOEfAs="}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, v := WithVerification(context.Background())
			if _, err := Parse(ctx, "shopify", c.headers, body, deps); err == nil {
				t.Fatal("want a refusal")
			}
			if v.Verified() != c.want {
				t.Fatalf("Verified() = %v, want %v", v.Verified(), c.want)
			}
		})
	}
	var none *Verification
	if none.Verified() {
		t.Fatal("a nil Verification verified")
	}
}
