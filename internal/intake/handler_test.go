package intake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/intake"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/storetest"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// memEnv is the handlers over an intake over the in-memory store.
type memEnv struct {
	store *memstore.Store
	svc   *order.Intake
}

func newMemEnv(t *testing.T) *memEnv {
	t.Helper()
	st := memstore.New()
	svc, err := order.NewIntake(order.IntakeDeps{
		Orders: storetest.NumberAtOnce{OrderStore: st, Carts: st.Carts()}, Idempotency: st.Idempotency(), Settings: st.Settings(), Rates: st.Rates(), Carts: st.Carts(),
	}, order.IntakeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return &memEnv{store: st, svc: svc}
}

func (e *memEnv) orderCount(t *testing.T) int {
	t.Helper()
	p, err := e.store.List(context.Background(), order.ListQuery{PageRequest: order.PageRequest{Limit: order.MaxPageLimit}})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return len(p.Items)
}

// TestWebhookSamples delivers every storefront sample twice: the first
// delivery stores the order (or tracks the checkout) with the storefront's
// totals and our statuses, the retry is answered 200 with the same id and
// changes nothing.
func TestWebhookSamples(t *testing.T) {
	tests := []struct {
		event      string
		status     int
		outcome    order.Outcome
		grand, vat string // our computed totals; the storefront reported the same (WooCommerce US: one cent off, within tolerance)
		payment    string
		fulfilment string
	}{
		{"shopify-webhook-orders-create", 201, order.OutcomeCreated, "60.60 EUR", "7.39 EUR", "PAID", "AWAITING_PROCESSING"},
		{"shopify-webhook-orders-updated", 201, order.OutcomeCreated, "35.45 GBP", "1.66 GBP", "AWAITING_PAYMENT", "AWAITING_PROCESSING"},
		// Digital and paid online: delivered at once (seed rule).
		{"shopify-webhook-orders-paid", 201, order.OutcomeCreated, "9.99 EUR", "0.52 EUR", "PAID", "DELIVERED"},
		{"shopify-webhook-orders-cancelled", 201, order.OutcomeCreated, "32.90 EUR", "2.16 EUR", "CANCELLED", "WILL_NOT_DELIVER"},
		{"shopify-webhook-checkouts-create", 200, order.OutcomeCartTracked, "", "", "", ""},
		{"woocommerce-webhook-order-created", 201, order.OutcomeCreated, "54.15 EUR", "6.40 EUR", "PAID", "AWAITING_PROCESSING"},
		{"woocommerce-webhook-order-updated", 201, order.OutcomeCreated, "61.46 USD", "5.01 USD", "PAID", "SHIPPED"},
		{"woocommerce-webhook-order-updated-checkout-draft", 200, order.OutcomeCartTracked, "", "", "", ""},
		{"woocommerce-webhook-ping", 200, order.OutcomeIgnored, "", "", "", ""},
		{"ecwid-webhook-order-created", 201, order.OutcomeCreated, "42.80 EUR", "3.71 EUR", "PAID", "AWAITING_PROCESSING"},
		{"ecwid-webhook-order-updated", 201, order.OutcomeCreated, "25.00 EUR", "4.17 EUR", "PAID", "DELIVERED"},
		{"ecwid-webhook-unfinished-order-created", 200, order.OutcomeCartTracked, "", "", "", ""},
		{"generic-webhook-order-created", 201, order.OutcomeCreated, "100.75 EUR", "11.67 EUR", "AWAITING_PAYMENT", "AWAITING_PROCESSING"},
		// A zero total: the shop's default makes it PAID (seed rule).
		{"generic-webhook-order-updated", 201, order.OutcomeCreated, "0.00 EUR", "0.00 EUR", "PAID", "PROCESSING"},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.event] = true
		t.Run(tt.event, func(t *testing.T) {
			e := newMemEnv(t)
			r := newRouter(t, e.svc, webhookDeps(t))
			ev := loadEvent(t, "intake", tt.event)
			first := serve(t, r, ev)
			if first.Status != tt.status || first.Result.Outcome != tt.outcome {
				t.Fatalf("first delivery: %d %s, want %d %s (%s)", first.Status, first.Result.Outcome, tt.status, tt.outcome, first.Raw)
			}
			events := len(e.store.Outbox())
			if tt.outcome == order.OutcomeCreated {
				o, err := e.store.Get(context.Background(), first.Result.OrderID)
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				if o.Totals.Grand.String() != tt.grand || o.Totals.VAT.String() != tt.vat ||
					o.Payment.String() != tt.payment || o.Fulfilment.String() != tt.fulfilment || o.Number != first.Result.Number {
					t.Errorf("order = %s (VAT %s) %s/%s #%s, want %s (VAT %s) %s/%s #%s", o.Totals.Grand, o.Totals.VAT,
						o.Payment, o.Fulfilment, o.Number, tt.grand, tt.vat, tt.payment, tt.fulfilment, first.Result.Number)
				}
				if events != 1 || e.store.Outbox()[0].Type != order.OrderCreated {
					t.Errorf("outbox = %v, want one OrderCreated", e.store.Outbox())
				}
			}

			again := serve(t, r, ev)
			want := order.OutcomeDuplicate
			if tt.outcome == order.OutcomeIgnored {
				want = order.OutcomeIgnored
			}
			if again.Status != http.StatusOK || again.Result.Outcome != want ||
				again.Result.OrderID != first.Result.OrderID || again.Result.CartID != first.Result.CartID {
				t.Errorf("retry: %d %+v, want 200 %s of the same order or cart as %+v", again.Status, again.Result, want, first.Result)
			}
			if n := len(e.store.Outbox()); n != events {
				t.Errorf("the retry added %d events", n-events)
			}
		})
	}
	for _, name := range sampleNames(t) {
		if !covered[name] {
			t.Errorf("sample %s has no expectation here", name)
		}
	}
}

// TestWebhookStorefrontSequence: the same order delivered as created, then
// updated (newer), then the older creation again, out of order.
func TestWebhookStorefrontSequence(t *testing.T) {
	e := newMemEnv(t)
	r := newRouter(t, e.svc, webhookDeps(t))
	body := genericBody(t)
	created := serve(t, r, signedWebhook(t, order.SourceGeneric, mustJSON(t, body), samplesSignedAt, nil))
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Raw)
	}

	paid := genericBody(t)
	paid["eventId"] = "evt_paid"
	paid["eventType"] = "order.updated"
	ord := paid["order"].(map[string]any)
	ord["updatedAt"] = "2025-03-14T10:05:00Z"
	ord["paymentStatus"] = "PAID"
	updated := serve(t, r, signedWebhook(t, order.SourceGeneric, mustJSON(t, paid), samplesSignedAt, nil))
	if updated.Status != http.StatusOK || updated.Result.Outcome != order.OutcomeUpdated || updated.Result.OrderID != created.Result.OrderID {
		t.Fatalf("update: %d %+v", updated.Status, updated.Result)
	}

	late := genericBody(t)
	late["eventId"] = "evt_late_retry"
	stale := serve(t, r, signedWebhook(t, order.SourceGeneric, mustJSON(t, late), samplesSignedAt, nil))
	if stale.Status != http.StatusOK || stale.Result.Outcome != order.OutcomeStale {
		t.Fatalf("late delivery: %d %+v, want 200 stale", stale.Status, stale.Result)
	}
	o, _ := e.store.Get(context.Background(), created.Result.OrderID)
	var types []string
	for _, ev := range e.store.Outbox() {
		types = append(types, string(ev.Type))
	}
	if o.Payment != order.Paid || o.Version != 2 || strings.Join(types, ",") != "OrderCreated,OrderPaid" {
		t.Errorf("order %s v%d, events %v; want PAID v2 and OrderCreated,OrderPaid", o.Payment, o.Version, types)
	}
}

// genericBody is the generic sample's body, decoded, for tests to edit.
func genericBody(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "internal", "webhook", "testdata", "generic", "order-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// badDelivery is one refused webhook of the list.
type badDelivery struct {
	name   string
	event  func(t testing.TB) events.APIGatewayV2HTTPRequest
	now    time.Time // the server's clock; the samples' signing time when zero
	status int
	code   string
}

// badDeliveries are the refusals both the unit and the integration tests
// check: each writes no order. One that proves nothing (no or a wrong
// signature, an unknown source, a body over the limit) is a typed 4xx, and
// every signature failure says the same; an authentic one refused for its
// content is kept in the quarantine and answered 202 with its code.
func badDeliveries() []badDelivery {
	editGeneric := func(edit func(o map[string]any)) func(t testing.TB) events.APIGatewayV2HTTPRequest {
		return func(t testing.TB) events.APIGatewayV2HTTPRequest {
			b := genericBody(t)
			edit(b["order"].(map[string]any))
			return signedWebhook(t, order.SourceGeneric, mustJSON(t, b), samplesSignedAt, nil)
		}
	}
	shopifyWith := func(body string, headers map[string]string) func(t testing.TB) events.APIGatewayV2HTTPRequest {
		return func(t testing.TB) events.APIGatewayV2HTTPRequest {
			h := map[string]string{"x-shopify-topic": "orders/create", "x-shopify-webhook-id": "bad-1"}
			for k, v := range headers {
				h[k] = v
			}
			return signedWebhook(t, order.SourceShopify, []byte(body), samplesSignedAt, h)
		}
	}
	return []badDelivery{
		{"missing signature", func(t testing.TB) events.APIGatewayV2HTTPRequest {
			ev := loadEvent(t, "intake", "shopify-webhook-orders-create")
			delete(ev.Headers, "x-shopify-hmac-sha256")
			return ev
		}, time.Time{}, 401, "invalid_signature"},
		{"wrong signature", func(t testing.TB) events.APIGatewayV2HTTPRequest {
			ev := loadEvent(t, "intake", "shopify-webhook-orders-create")
			ev.Body = strings.Replace(ev.Body, `"60.60"`, `"0.60"`, 1)
			return ev
		}, time.Time{}, 401, "invalid_signature"},
		{"signed with a retired secret", func(t testing.TB) events.APIGatewayV2HTTPRequest {
			ev := loadEvent(t, "intake", "woocommerce-webhook-order-created")
			sig, _ := webhook.SignatureHeaders(order.SourceWooCommerce, []byte("wc_retired_secret"), []byte(ev.Body), samplesSignedAt)
			ev.Headers["x-wc-webhook-signature"] = sig["x-wc-webhook-signature"]
			return ev
		}, time.Time{}, 401, "invalid_signature"},
		{"stale generic timestamp", func(t testing.TB) events.APIGatewayV2HTTPRequest {
			return loadEvent(t, "intake", "generic-webhook-order-created")
		}, samplesSignedAt.Add(webhook.GenericTolerance + time.Minute), 401, "invalid_signature"},
		{"malformed JSON", shopifyWith(`{"id": 6123456789012, "currency": "EUR",`, nil), time.Time{}, 202, "malformed_json"},
		{"invalid UTF-8", shopifyWith("{\"id\": 1, \"currency\": \"EUR\", \"note\": \"caf\xe9\"}", nil), time.Time{}, 202, "invalid_utf8"},
		{"body over 1 MiB", func(t testing.TB) events.APIGatewayV2HTTPRequest {
			body := `{"id": 1, "note": "` + strings.Repeat("a", webhook.MaxBodyBytes) + `"}`
			return signedWebhook(t, order.SourceShopify, []byte(body), samplesSignedAt, map[string]string{"x-shopify-topic": "orders/create"})
		}, time.Time{}, 413, "body_too_large"},
		{"unknown topic", func(t testing.TB) events.APIGatewayV2HTTPRequest {
			ev := loadEvent(t, "intake", "shopify-webhook-orders-create")
			ev.Headers["x-shopify-topic"] = "products/create"
			return ev
		}, time.Time{}, 202, "unknown_topic"},
		{"unknown source", func(t testing.TB) events.APIGatewayV2HTTPRequest {
			ev := loadEvent(t, "intake", "shopify-webhook-orders-create")
			ev.PathParameters["source"] = "amazon"
			return ev
		}, time.Time{}, 400, "unknown_source"},
		{"missing required field", editGeneric(func(o map[string]any) { delete(o, "externalId") }), time.Time{}, 202, "missing_field"},
		{"quantity zero", editGeneric(func(o map[string]any) {
			o["lines"].([]any)[0].(map[string]any)["quantity"] = 0
		}), time.Time{}, 202, "invalid_quantity"},
		{"quantity negative", editGeneric(func(o map[string]any) {
			o["lines"].([]any)[1].(map[string]any)["quantity"] = -2
		}), time.Time{}, 202, "invalid_quantity"},
		{"unknown currency", editGeneric(func(o map[string]any) { o["currency"] = "XYZ" }), time.Time{}, 202, "unknown_currency"},
		{"totals mismatch", editGeneric(func(o map[string]any) {
			// Two lines and a shipping charge: 0.03 of tolerance; 0.05 off is refused.
			o["totals"].(map[string]any)["grand"] = "100.80"
		}), time.Time{}, 202, "totals_mismatch"},
	}
}

func TestWebhookRefusalsWriteNothing(t *testing.T) {
	for _, tt := range badDeliveries() {
		t.Run(tt.name, func(t *testing.T) {
			e := newMemEnv(t)
			deps := webhookDeps(t)
			if !tt.now.IsZero() {
				deps.Now = func() time.Time { return tt.now }
			}
			kept := memstore.NewQuarantine()
			r := newRouterWith(t, e.svc, deps, intake.Config{Quarantine: kept, Metrics: platform.NewMetrics(discard{}, platform.MetricsNamespace, nil)})
			resp := serve(t, r, tt.event(t))
			if resp.Status != tt.status || resp.code() != tt.code || (resp.Status != http.StatusAccepted && resp.Error.Message == "") {
				t.Fatalf("answer %d %q (%s), want %d %q with a message", resp.Status, resp.code(), resp.Error.Message, tt.status, tt.code)
			}
			// An authentic delivery refused for its content is kept, with
			// why; nothing else is.
			listed, err := kept.List(context.Background(), order.QuarantineHeld, order.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.status == http.StatusAccepted]; len(listed.Items) != want ||
				(want == 1 && (listed.Items[0].Reason.Code != tt.code || listed.Items[0].ID != resp.Quarantined.QuarantineID)) {
				t.Errorf("quarantine holds %+v, want %d item with code %s", listed.Items, want, tt.code)
			}
			if n := e.orderCount(t); n != 0 || len(e.store.Outbox()) != 0 {
				t.Errorf("refused delivery wrote %d orders, %d events", n, len(e.store.Outbox()))
			}
			// The generic sample's event id is the delivery id: no claim of
			// it may be left behind.
			held, err := e.store.Idempotency().Begin(context.Background(), "webhook:generic", "evt_01JPB3K8Q7Z4M2N6X9C5V1R0TA", "", time.Minute)
			if held != nil || err != nil {
				t.Errorf("idempotency record left: %+v %v", held, err)
			}
		})
	}
}

const manualBody = `{
  "customer": {"name": "Paul Martin", "email": "paul@example.fr", "phone": "+33 6 12 34 56 78"},
  "shippingAddress": {"name": "Paul Martin", "line1": "3 rue de la Paix", "postalCode": "75002", "city": "Paris", "country": "FR"},
  "lines": [
    {"sku": "BOOK-1", "name": "Livre", "quantity": 1, "unitPrice": "21.10", "vatRate": "5.5"},
    {"sku": "MUG-1", "name": "Tasse", "quantity": 2, "unitPrice": 10.00, "vatRate": 20}
  ],
  "shippingLines": [{"title": "Colissimo", "price": "4.90", "vatRate": "20"}],
  "pricesIncludeTax": true,
  "currency": "EUR",
  "paymentMethod": "Chèque",
  "internalComment": "commande passée par téléphone"
}`

func TestManualOrder(t *testing.T) {
	write := []string{"orders:write"}
	tests := []struct {
		name   string
		body   string
		sub    string
		scopes []string
		status int
		code   string
		grand  string
	}{
		{"phone order", manualBody, "auth0|42", write, 201, "", "46.00 EUR"},
		{"Cognito's scope spelling", manualBody, "a1b2c3", []string{"openid", "orders/write"}, 201, "", "46.00 EUR"},
		{"paid on the phone", strings.Replace(manualBody, `"currency"`, `"paymentStatus": "PAID", "currency"`, 1), "auth0|42", write, 201, "", "46.00 EUR"},
		{"read scope only", manualBody, "auth0|42", []string{"orders:read"}, 403, "missing_scope", ""},
		{"no token", manualBody, "", nil, 401, "missing_claims", ""},
		{"unknown field", strings.Replace(manualBody, `"currency"`, `"curency": "EUR", "currency"`, 1), "auth0|42", write, 400, "unknown_field", ""},
		{"amount with an exponent", strings.Replace(manualBody, `"21.10"`, `"1e-999999999"`, 1), "auth0|42", write, 400, "invalid_amount", ""},
		{"amount with a small exponent", strings.Replace(manualBody, `"21.10"`, `"2.11e1"`, 1), "auth0|42", write, 400, "invalid_amount", ""},
		{"amount with a comma", strings.Replace(manualBody, `"21.10"`, `"21,10"`, 1), "auth0|42", write, 400, "invalid_amount", ""},
		{"no currency", strings.Replace(manualBody, `"currency": "EUR",`, ``, 1), "auth0|42", write, 400, "missing_field", ""},
		{"unknown currency", strings.Replace(manualBody, `"EUR"`, `"ECU"`, 1), "auth0|42", write, 400, "unknown_currency", ""},
		{"quantity zero", strings.Replace(manualBody, `"quantity": 1`, `"quantity": 0`, 1), "auth0|42", write, 400, "invalid_quantity", ""},
		{"fractional quantity", strings.Replace(manualBody, `"quantity": 1`, `"quantity": 1.5`, 1), "auth0|42", write, 400, "invalid_field_type", ""},
		{"a refunded new order", strings.Replace(manualBody, `"currency"`, `"paymentStatus": "REFUNDED", "currency"`, 1), "auth0|42", write, 400, "invalid_payment_status", ""},
		{"malformed JSON", manualBody[:40], "auth0|42", write, 400, "malformed_json", ""},
		{"invalid UTF-8", strings.Replace(manualBody, "Livre", "Liv\xffre", 1), "auth0|42", write, 400, "invalid_utf8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMemEnv(t)
			r := newRouter(t, e.svc, webhookDeps(t))
			resp := serve(t, r, manualEvent(tt.body, tt.sub, tt.scopes, nil))
			if resp.Status != tt.status || resp.Error.Code != tt.code {
				t.Fatalf("answer %d %q (%s), want %d %q", resp.Status, resp.Error.Code, resp.Raw, tt.status, tt.code)
			}
			if tt.status != http.StatusCreated {
				if n := e.orderCount(t); n != 0 {
					t.Errorf("refused request stored %d orders", n)
				}
				return
			}
			o := resp.Order
			if o.Totals.Grand.String() != tt.grand || o.Source != order.SourceManual || o.Number != "1" || o.InternalComment == "" {
				t.Errorf("order = %s %s #%s, want %s manual #1 with the staff comment", o.Totals.Grand, o.Source, o.Number, tt.grand)
			}
			if resp.Headers["Location"] != "/orders/"+o.ID || resp.Headers["ETag"] != `"1"` {
				t.Errorf("headers = %v", resp.Headers)
			}
			out := e.store.Outbox()
			if len(out) != 1 || out[0].Actor != order.StaffActor(tt.sub) {
				t.Errorf("outbox = %+v, want one event by %s", out, tt.sub)
			}
		})
	}
}

func TestManualOrderIdempotencyKey(t *testing.T) {
	e := newMemEnv(t)
	r := newRouter(t, e.svc, webhookDeps(t))
	key := map[string]string{"Idempotency-Key": "7d0c3a4e-phone-order"}
	first := serve(t, r, manualEvent(manualBody, "auth0|42", []string{"orders:write"}, key))
	again := serve(t, r, manualEvent(manualBody, "auth0|42", []string{"orders:write"}, key))
	if first.Status != 201 || again.Status != 200 || again.Order.ID != first.Order.ID || again.Headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("first %d %s, retry %d %s %v; want 201 then 200 replaying the same order", first.Status, first.Order.ID, again.Status, again.Order.ID, again.Headers)
	}
	other := serve(t, r, manualEvent(strings.Replace(manualBody, `"quantity": 2`, `"quantity": 3`, 1), "auth0|42", []string{"orders:write"}, key))
	if other.Status != http.StatusConflict || other.Error.Code != order.CodeIdempotencyKeyReused {
		t.Errorf("same key, other body: %d %s", other.Status, other.Error.Code)
	}
	if n := e.orderCount(t); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
}

// TestManualOrderEvent serves events/intake/manual-order.json as API
// Gateway sends it (Cognito's scope spelling, an Idempotency-Key).
func TestManualOrderEvent(t *testing.T) {
	e := newMemEnv(t)
	r := newRouter(t, e.svc, webhookDeps(t))
	ev := loadEvent(t, "intake", "manual-order")
	first := serve(t, r, ev)
	// 21.10 + 2 × 10.00 − 2.00 + 4.90 shipping, prices with tax.
	if first.Status != http.StatusCreated || first.Order.Totals.Grand.String() != "44.00 EUR" || first.Order.Payment != order.AwaitingPayment {
		t.Fatalf("manual order: %d %s", first.Status, first.Raw)
	}
	if again := serve(t, r, ev); again.Status != http.StatusOK || again.Order.ID != first.Order.ID {
		t.Errorf("replay: %d %s", again.Status, again.Raw)
	}
}

// slowService stands for an intake whose dependency hangs: it waits for
// its ctx to end, as the stores do, and reports when that was.
type slowService struct{ ended chan time.Time }

func (s slowService) Receive(ctx context.Context, in order.Inbound) (order.IntakeResult, error) {
	<-ctx.Done()
	s.ended <- time.Now()
	return order.IntakeResult{}, order.Wrap("test", order.Transient, "cancelled", "the request was cancelled or timed out", ctx.Err())
}

func (s slowService) CreateManual(ctx context.Context, m order.ManualOrder) (order.IntakeResult, error) {
	return order.IntakeResult{}, nil
}

// TestWebhookAnswersBeforeTheDeadline: a hanging dependency is given up
// the router's answer margin before the invocation's deadline, and the storefront gets a
// 503 with Retry-After instead of Lambda's timeout.
func TestWebhookAnswersBeforeTheDeadline(t *testing.T) {
	svc := slowService{ended: make(chan time.Time, 1)}
	r := newRouter(t, svc, webhookDeps(t))
	deadline := time.Now().Add(apihttp.DefaultAnswerMargin + 300*time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	out, err := r.Serve(ctx, loadEvent(t, "intake", "shopify-webhook-orders-create"))
	if err != nil {
		t.Fatal(err)
	}
	ended := <-svc.ended
	if out.StatusCode != http.StatusServiceUnavailable || out.Headers["Retry-After"] == "" {
		t.Errorf("answer %d %v %s, want 503 with Retry-After", out.StatusCode, out.Headers, out.Body)
	}
	if left := deadline.Sub(ended); left < apihttp.DefaultAnswerMargin-50*time.Millisecond {
		t.Errorf("the work stopped %s before the deadline, want about %s", left, apihttp.DefaultAnswerMargin)
	}
}

// TestShopifyOrderRecoversItsCheckout: a Shopify checkout tracked as a cart
// is marked recovered by the order whose checkout_token names it.
func TestShopifyOrderRecoversItsCheckout(t *testing.T) {
	e := newMemEnv(t)
	r := newRouter(t, e.svc, webhookDeps(t))
	cart := serve(t, r, loadEvent(t, "intake", "shopify-webhook-checkouts-create"))
	if cart.Status != http.StatusOK || cart.Result.Outcome != order.OutcomeCartTracked {
		t.Fatalf("checkout: %d %s", cart.Status, cart.Raw)
	}
	// The order of the checkout's customer (a cart is recovered only by
	// an order of the same e-mail).
	body := strings.NewReplacer(`"checkout_token": "0b8c7f3e9a1d4e2f8c6b5a4d3e2f1a0b"`, `"checkout_token": "b1946ac92492d2347c6235b4d2611184"`,
		"camille.durand@example.fr", "julien.petit@example.fr").Replace(string(shopifyBody(t, 7001)))
	if !strings.Contains(body, "b1946ac92492d2347c6235b4d2611184") || !strings.Contains(body, "julien.petit@example.fr") {
		t.Fatal("the Shopify sample order no longer has the checkout token and e-mail this test replaces")
	}
	res := serve(t, r, signedWebhook(t, order.SourceShopify, []byte(body), samplesSignedAt, map[string]string{
		"x-shopify-topic": "orders/create", "x-shopify-webhook-id": "wh-7001",
	}))
	if res.Status != http.StatusCreated {
		t.Fatalf("order: %d %s", res.Status, res.Raw)
	}
	c, err := e.store.Carts().Get(context.Background(), cart.Result.CartID)
	if err != nil || c.RecoveredOrderID != res.Result.OrderID {
		t.Fatalf("cart after the order = %+v, %v; want recovered by %s", c, err, res.Result.OrderID)
	}
	var types []order.EventType
	for _, ev := range e.store.Outbox() {
		types = append(types, ev.Type)
	}
	if !slices.Contains(types, order.CartRecovered) {
		t.Fatalf("events = %v, want a CartRecovered", types)
	}
}

// TestManualOrderIdempotencyKeyLimit: the Idempotency-Key header is bounded
// in bytes (order.MaxIdempotencyKeyBytes), as the stores' keys are.
func TestManualOrderIdempotencyKeyLimit(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		status int
		code   string
	}{
		{"at the limit", strings.Repeat("k", order.MaxIdempotencyKeyBytes), http.StatusCreated, ""},
		{"one byte over", strings.Repeat("k", order.MaxIdempotencyKeyBytes+1), http.StatusBadRequest, "invalid_idempotency_key"},
		{"128 characters, 256 bytes", strings.Repeat("é", 128), http.StatusBadRequest, "invalid_idempotency_key"},
		{"invalid UTF-8", "key-\xff", http.StatusBadRequest, "invalid_idempotency_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMemEnv(t)
			r := newRouter(t, e.svc, webhookDeps(t))
			resp := serve(t, r, manualEvent(manualBody, "auth0|42", []string{"orders:write"}, map[string]string{"Idempotency-Key": tt.key}))
			if resp.Status != tt.status || resp.Error.Code != tt.code {
				t.Fatalf("answer %d %q (%s), want %d %q", resp.Status, resp.Error.Code, resp.Raw, tt.status, tt.code)
			}
		})
	}
}
