package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/webhook/ecwidstub"
	"github.com/ordersmith/ordersmith/internal/webhook/internal/samples"
)

// repoRoot is the repository root, from this package's directory.
const repoRoot = "../.."

// ecwidTestToken is the token the Ecwid stand-in accepts in tests.
const ecwidTestToken = "secret_local_test_token"

// localSecrets loads events/webhook-secrets.local.json, the secrets the
// sample events are signed with.
func localSecrets(t testing.TB) StaticSecrets {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, samples.SecretsPath))
	if err != nil {
		t.Fatalf("read local secrets: %v", err)
	}
	s, err := SecretsFromJSON(b)
	if err != nil {
		t.Fatalf("parse local secrets: %v", err)
	}
	for _, src := range []string{"shopify", "woocommerce", "ecwid", "generic"} {
		if len(s[src]) == 0 {
			t.Fatalf("no local secret for %s", src)
		}
	}
	return s
}

// signedAt is when the samples are signed (the manifest's signedAt).
func signedAt(t testing.TB) time.Time {
	t.Helper()
	m, err := samples.Load(repoRoot)
	if err != nil {
		t.Fatalf("load manifest: %v", err)
	}
	return m.SignedAt
}

// testdata reads a file under testdata/.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read testdata %s: %v", name, err)
	}
	return b
}

// withSignature returns headers plus the signature of body made with secret.
func withSignature(t testing.TB, src order.Source, secret, body []byte, at time.Time, headers map[string]string) map[string]string {
	t.Helper()
	sig, err := SignatureHeaders(src, secret, body, at)
	if err != nil {
		t.Fatalf("sign %s body: %v", src, err)
	}
	out := map[string]string{}
	for k, v := range headers {
		out[k] = v
	}
	for k, v := range sig {
		out[k] = v
	}
	return out
}

// ecwidStandIn serves the Ecwid orders of testdata/ecwid/orders on a
// loopback port and returns a real EcwidHTTP client pointed at it.
func ecwidStandIn(t testing.TB) *EcwidHTTP {
	t.Helper()
	stub := ecwidstub.New(ecwidTestToken)
	if err := stub.LoadDir(filepath.Join("testdata", "ecwid", "orders")); err != nil {
		t.Fatalf("load Ecwid orders: %v", err)
	}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	return NewEcwidHTTP(EcwidConfig{BaseURL: srv.URL + "/api/v3", Token: ecwidTestToken, Currency: "EUR"})
}

// memEcwid is an in-memory EcwidClient: order id → JSON.
type memEcwid map[string][]byte

func (m memEcwid) Order(_ context.Context, _, orderID string) (EcwidOrder, error) {
	b, ok := m[orderID]
	if !ok {
		return EcwidOrder{}, order.E("memEcwid.Order", order.Invalid, order.CodeNotFound, "no such order")
	}
	return EcwidOrder{JSON: b, Currency: "EUR"}, nil
}

var _ EcwidClient = memEcwid(nil)

// wantError fails unless err is an *order.Error of the given kind and code.
func wantError(t testing.TB, err error, kind order.Kind, code string) {
	t.Helper()
	var oe *order.Error
	if !errors.As(err, &oe) {
		t.Fatalf("got error %v (%T), want *order.Error %s/%s", err, err, kind, code)
	}
	if oe.Kind != kind || oe.Code != code {
		t.Fatalf("got %s/%s (%q), want %s/%s", oe.Kind, oe.Code, oe.Message, kind, code)
	}
}

// mustReconcile computes the order's totals and checks them against what
// the storefront reported, as the intake will.
func mustReconcile(t testing.TB, d *Delivery) order.Totals {
	t.Helper()
	if d.Order == nil {
		t.Fatalf("delivery %s has no order", d.Topic)
	}
	tot, err := order.ComputeTotals(d.Order)
	if err != nil {
		t.Fatalf("compute totals: %v", err)
	}
	if d.Reported.Grand == nil || d.Reported.VAT == nil {
		t.Fatalf("the storefront's totals were not reported: %+v", d.Reported)
	}
	if err := order.Reconcile(d.Order, tot, d.Reported); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	return tot
}

// checkFuzzResult is the fuzz property shared by every parser: no panic
// (the fuzzer catches those), and either an *order.Error of a kind a
// delivery can earn, or a Delivery whose content passes validation.
func checkFuzzResult(t *testing.T, d *Delivery, err error) {
	t.Helper()
	if err != nil {
		var oe *order.Error
		if !errors.As(err, &oe) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		switch oe.Kind {
		case order.Invalid, order.Unauthenticated, order.TooLarge:
		default:
			t.Fatalf("unexpected kind %s: %v", oe.Kind, err)
		}
		if oe.Code == "" || oe.Message == "" {
			t.Fatalf("error without code or message: %#v", oe)
		}
		return
	}
	if d == nil {
		t.Fatal("nil delivery without an error")
	}
	if d.DeliveryID == "" {
		t.Fatal("delivery without a DeliveryID")
	}
	switch d.Kind {
	case KindOrder:
		if d.Order == nil || d.Cart != nil {
			t.Fatalf("order delivery carries order=%v cart=%v", d.Order != nil, d.Cart != nil)
		}
		if err := d.Order.Validate(); err != nil {
			t.Fatalf("parsed order does not validate: %v", err)
		}
		if d.Order.Payment.IsZero() || d.Order.Fulfilment.IsZero() {
			t.Fatalf("statuses not mapped: %q/%q", d.Order.Payment, d.Order.Fulfilment)
		}
		// Totals may refuse the order (a discount over the subtotal), but
		// only with a typed error.
		if _, err := order.ComputeTotals(d.Order); err != nil && order.KindOf(err) != order.Invalid {
			t.Fatalf("totals: %v", err)
		}
	case KindCart:
		if d.Cart == nil || d.Order != nil {
			t.Fatalf("cart delivery carries order=%v cart=%v", d.Order != nil, d.Cart != nil)
		}
		if err := d.Cart.Validate(); err != nil {
			t.Fatalf("parsed cart does not validate: %v", err)
		}
	case KindPing:
		if d.Order != nil || d.Cart != nil {
			t.Fatal("a ping carries content")
		}
	default:
		t.Fatalf("unknown delivery kind %v", d.Kind)
	}
}

// jsonEdit decodes a JSON object, lets fn change it, and re-encodes it: the
// bad-input tables start from a valid sample and break one thing.
func jsonEdit(t testing.TB, body []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep amounts and ids exactly as written
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode sample: %v", err)
	}
	fn(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("encode sample: %v", err)
	}
	return b
}

// ecwidStore is the Ecwid store of the samples: the one the tests configure.
const ecwidStore = "7301234"

// sampleClock is a clock stopped at the samples' signing time, when their
// Ecwid events are minutes old.
func sampleClock(t testing.TB) func() time.Time {
	at := signedAt(t)
	return func() time.Time { return at }
}
