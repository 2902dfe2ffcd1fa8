package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestEcwidStatusMapping(t *testing.T) {
	// Ecwid's names are ours, except INCOMPLETE (an unfinished checkout).
	payments := map[string]order.PaymentStatus{
		"":                   order.AwaitingPayment,
		"AWAITING_PAYMENT":   order.AwaitingPayment,
		"PAID":               order.Paid,
		"CANCELLED":          order.PaymentCancelled,
		"REFUNDED":           order.Refunded,
		"PARTIALLY_REFUNDED": order.PartiallyRefunded,
		"INCOMPLETE":         order.AwaitingPayment,
	}
	for k := range ecwidPayment {
		if _, ok := payments[k]; !ok {
			t.Errorf("paymentStatus %q is mapped but not tested", k)
		}
	}
	for name, want := range payments {
		p, f, err := ecwidStatuses(name, "")
		if err != nil || p != want || f != order.AwaitingProcessing {
			t.Errorf("%q: got %s/%s %v, want %s", name, p, f, err, want)
		}
	}
	for _, want := range order.AllFulfilmentStatuses {
		_, f, err := ecwidStatuses("PAID", want.String())
		if err != nil || f != want {
			t.Errorf("fulfillmentStatus %s: got %s %v", want, f, err)
		}
	}
	for _, bad := range [][2]string{{"DECLINED", ""}, {"PAID", "LOST"}, {"paid", ""}} {
		_, _, err := ecwidStatuses(bad[0], bad[1])
		wantError(t, err, order.Invalid, "unknown_status")
	}
}

func ecwidHeaders(t testing.TB, secret, body []byte) map[string]string {
	return withSignature(t, order.SourceEcwid, secret, body, time.Time{}, map[string]string{"content-type": "application/json; charset=UTF-8"})
}

func TestEcwidSamples(t *testing.T) {
	secrets := localSecrets(t)
	key := secrets["ecwid"][0]
	deps := Deps{Secrets: secrets, Ecwid: ecwidStandIn(t), EcwidStoreID: ecwidStore, Now: sampleClock(t)}
	tests := []struct {
		file       string
		kind       Kind
		externalID string
		payment    order.PaymentStatus
		fulfilment order.FulfilmentStatus
		lines      int
		digital    bool
		discount   *order.Discount
		shipping   string
		grand, vat string
		street2    string
		utm        order.UTM
		updated    string
	}{
		{
			file: "ecwid/event-order-created.json", kind: KindOrder, externalID: "BTQ-1042",
			payment: order.Paid, fulfilment: order.AwaitingProcessing, lines: 2,
			discount: &order.Discount{Code: "ETE4", Amount: dec("4")},
			shipping: "3.9", grand: "42.80", vat: "3.71", street2: "2e étage",
			utm:     order.UTM{Source: "google", Medium: "cpc", Campaign: "the-printemps"},
			updated: "2025-03-14T09:42:00Z",
		},
		{
			file: "ecwid/event-order-updated.json", kind: KindOrder, externalID: "BTQ-1044",
			payment: order.Paid, fulfilment: order.Delivered, lines: 1, digital: true,
			grand: "25.00", vat: "4.17",
			utm:     order.UTM{Source: "youtube", Medium: "video", Campaign: "atelier-replay"},
			updated: "2025-03-14T09:50:31Z",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body := testdata(t, tc.file)
			d, err := Parse(context.Background(), "ecwid", ecwidHeaders(t, key, body), body, deps)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if d.Kind != tc.kind || d.DeliveryID == "" || d.DeliveryID != d.EventID {
				t.Fatalf("kind/delivery/event = %v/%s/%s", d.Kind, d.DeliveryID, d.EventID)
			}
			o := d.Order
			if o.ExternalID != tc.externalID || o.Payment != tc.payment || o.Fulfilment != tc.fulfilment || o.Currency != order.EUR || !o.PricesIncludeTax {
				t.Errorf("order = %s %s/%s %s inclusive=%v", o.ExternalID, o.Payment, o.Fulfilment, o.Currency, o.PricesIncludeTax)
			}
			if len(o.Lines) != tc.lines || o.Lines[0].Digital != tc.digital {
				t.Errorf("lines = %+v", o.Lines)
			}
			if tc.discount != nil && (len(o.Discounts) != 1 || o.Discounts[0].Code != tc.discount.Code || !o.Discounts[0].Amount.Equal(tc.discount.Amount)) {
				t.Errorf("discounts = %+v", o.Discounts)
			}
			if tc.shipping == "" && len(o.ShippingLines) != 0 {
				t.Errorf("shipping = %+v, want none", o.ShippingLines)
			}
			if tc.shipping != "" && (len(o.ShippingLines) != 1 || !o.ShippingLines[0].Price.Equal(dec(tc.shipping)) || !o.ShippingLines[0].VATRate.Equal(dec("20"))) {
				t.Errorf("shipping = %+v", o.ShippingLines)
			}
			if d.CartExternalID != tc.externalID {
				t.Errorf("cart external id = %q", d.CartExternalID)
			}
			if o.Shipping.Line2 != tc.street2 || o.UTM != tc.utm {
				t.Errorf("street2/utm = %q %+v", o.Shipping.Line2, o.UTM)
			}
			if got := o.ExternalUpdatedAt.Format(time.RFC3339); got != tc.updated {
				t.Errorf("updated = %s", got)
			}
			tot := mustReconcile(t, d)
			if !tot.Grand.Amount.Equal(dec(tc.grand)) || !tot.VAT.Amount.Equal(dec(tc.vat)) {
				t.Errorf("computed grand/vat = %s/%s, want %s/%s", tot.Grand, tot.VAT, tc.grand, tc.vat)
			}
		})
	}
}

func TestEcwidUnfinishedOrderIsACart(t *testing.T) {
	secrets := localSecrets(t)
	body := testdata(t, "ecwid/event-unfinished-order-created.json")
	d, err := Parse(context.Background(), "ecwid", ecwidHeaders(t, secrets["ecwid"][0], body), body, Deps{Secrets: secrets, Ecwid: ecwidStandIn(t), EcwidStoreID: ecwidStore, Now: sampleClock(t)})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.Kind != KindCart || d.Cart == nil || d.Order != nil {
		t.Fatalf("kind %v", d.Kind)
	}
	if c := d.Cart; c.ExternalID != "BTQ-1045" || c.Customer.Email != "manon.faure@example.fr" || !c.Total.Equal(order.MustMoney("31.00", order.EUR)) || len(c.Lines) != 1 {
		t.Errorf("cart = %+v", c)
	}
}

func TestEcwidSignatureCoversEventFieldsOnly(t *testing.T) {
	// Ecwid signs "{eventCreated}.{eventId}", not the body: changing the
	// event id breaks the signature, changing other fields does not (the
	// order is fetched with our own token, so they cannot forge content).
	secrets := localSecrets(t)
	deps := Deps{Secrets: secrets, Ecwid: ecwidStandIn(t), EcwidStoreID: ecwidStore, Now: sampleClock(t)}
	body := testdata(t, "ecwid/event-order-created.json")
	h := ecwidHeaders(t, secrets["ecwid"][0], body)

	otherID := jsonEdit(t, body, func(m map[string]any) { m["eventId"] = "11111111-2222-4333-8444-555555555555" })
	_, err := Parse(context.Background(), "ecwid", h, otherID, deps)
	wantError(t, err, order.Unauthenticated, "invalid_signature")

	otherTime := jsonEdit(t, body, func(m map[string]any) { m["eventCreated"] = 1741945999 })
	_, err = Parse(context.Background(), "ecwid", h, otherTime, deps)
	wantError(t, err, order.Unauthenticated, "invalid_signature")

	otherData := jsonEdit(t, body, func(m map[string]any) { m["data"].(map[string]any)["newPaymentStatus"] = "REFUNDED" })
	d, err := Parse(context.Background(), "ecwid", h, otherData, deps)
	if err != nil {
		t.Fatalf("unsigned fields changed: %v", err)
	}
	if d.Order.Payment != order.Paid {
		t.Errorf("payment = %s: the fetched order, not the event, must decide", d.Order.Payment)
	}
}

func TestEcwidBadInput(t *testing.T) {
	secrets := localSecrets(t)
	key := secrets["ecwid"][0]
	client := ecwidStandIn(t)
	sample := testdata(t, "ecwid/event-order-created.json")
	order1042 := testdata(t, "ecwid/orders/7301234-BTQ-1042.json")
	edit := func(fn func(m map[string]any)) []byte { return jsonEdit(t, sample, fn) }
	editOrder := func(fn func(m map[string]any)) memEcwid {
		return memEcwid{"BTQ-1042": jsonEdit(t, order1042, fn)}
	}
	item := func(m map[string]any, i int) map[string]any { return m["items"].([]any)[i].(map[string]any) }
	tests := []struct {
		name    string
		body    []byte
		headers func(h map[string]string)
		ecwid   EcwidClient
		kind    order.Kind
		code    string
	}{
		{name: "missing signature", body: sample, headers: func(h map[string]string) { delete(h, "x-ecwid-webhook-signature") }, kind: order.Unauthenticated, code: "missing_signature"},
		{name: "wrong signature", body: sample, headers: func(h map[string]string) {
			h["x-ecwid-webhook-signature"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
		}, kind: order.Unauthenticated, code: "invalid_signature"},
		{name: "malformed json", body: []byte(`{"eventId":`), kind: order.Invalid, code: "malformed_json"},
		{name: "invalid utf-8", body: []byte("{\"eventId\":\"\xc3\x28\"}"), kind: order.Invalid, code: "invalid_utf8"},
		{name: "missing eventId", body: edit(func(m map[string]any) { delete(m, "eventId") }), kind: order.Invalid, code: "missing_field"},
		{name: "missing eventCreated", body: edit(func(m map[string]any) { delete(m, "eventCreated") }), kind: order.Invalid, code: "missing_field"},
		{name: "unknown event type", body: edit(func(m map[string]any) { m["eventType"] = "order.deleted" }), kind: order.Invalid, code: "unknown_topic"},
		{name: "product event", body: edit(func(m map[string]any) { m["eventType"] = "product.updated" }), kind: order.Invalid, code: "unknown_topic"},
		{name: "missing storeId", body: edit(func(m map[string]any) { delete(m, "storeId") }), kind: order.Invalid, code: "missing_field"},
		{name: "order unknown to Ecwid", body: edit(func(m map[string]any) { m["data"] = map[string]any{"orderId": "BTQ-9999"} }), kind: order.Invalid, code: order.CodeNotFound},
		{name: "unknown currency", body: sample, ecwid: currencyEcwid{"XYZ", order1042}, kind: order.Invalid, code: "unknown_currency"},
		{name: "quantity zero", body: sample, ecwid: editOrder(func(m map[string]any) { item(m, 0)["quantity"] = 0 }), kind: order.Invalid, code: "invalid_quantity"},
		{name: "price not a number", body: sample, ecwid: editOrder(func(m map[string]any) { item(m, 0)["price"] = "seize" }), kind: order.Invalid, code: "invalid_amount"},
		{name: "missing price", body: sample, ecwid: editOrder(func(m map[string]any) {
			delete(item(m, 0), "price")
			delete(item(m, 0), "priceWithoutTax")
		}), kind: order.Invalid, code: "missing_field"},
		{name: "unknown payment status", body: sample, ecwid: editOrder(func(m map[string]any) { m["paymentStatus"] = "QUEUED" }), kind: order.Invalid, code: "unknown_status"},
		{name: "missing updateTimestamp", body: sample, ecwid: editOrder(func(m map[string]any) { delete(m, "updateTimestamp") }), kind: order.Invalid, code: "missing_field"},
		{name: "fetched order malformed", body: sample, ecwid: memEcwid{"BTQ-1042": []byte(`{"items": [}`)}, kind: order.Invalid, code: "malformed_json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := SignatureHeaders(order.SourceEcwid, key, tc.body, time.Time{})
			if err != nil {
				// An event that cannot be read cannot be signed either: any
				// signature will do, the decoder refuses it first.
				h = map[string]string{"x-ecwid-webhook-signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
			}
			if tc.headers != nil {
				tc.headers(h)
			}
			var ec EcwidClient = client
			if tc.ecwid != nil {
				ec = tc.ecwid
			}
			d, err := Parse(context.Background(), "ecwid", h, tc.body, Deps{Secrets: secrets, Ecwid: ec, EcwidStoreID: ecwidStore, Now: sampleClock(t)})
			if d != nil {
				t.Fatalf("got a delivery with the error: %+v", d)
			}
			wantError(t, err, tc.kind, tc.code)
		})
	}
}

// currencyEcwid serves one order in a given store currency.
type currencyEcwid struct {
	currency string
	json     []byte
}

func (c currencyEcwid) Order(context.Context, string, string) (EcwidOrder, error) {
	return EcwidOrder{JSON: c.json, Currency: c.currency}, nil
}

func TestEcwidHTTPErrors(t *testing.T) {
	// The real client against loopback stand-ins that misbehave: each
	// failure has its kind, so the intake answers 4xx (do not retry) or 503
	// (retry) as it should.
	slow := make(chan struct{})
	t.Cleanup(func() { close(slow) })
	tests := []struct {
		name    string
		handler http.HandlerFunc
		timeout time.Duration
		kind    order.Kind
		code    string
	}{
		{"not found", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"errorMessage":"Order not found"}`, http.StatusNotFound)
		}, 0, order.Invalid, order.CodeNotFound},
		{"server error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }, 0, order.Transient, "ecwid_unavailable"},
		{"unavailable", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		}, 0, order.Transient, "ecwid_unavailable"},
		{"rate limited", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow down", http.StatusTooManyRequests) }, 0, order.Transient, "ecwid_unavailable"},
		{"token refused", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "forbidden", http.StatusForbidden) }, 0, order.Internal, "ecwid_unauthorized"},
		{"token missing", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "unauthorized", http.StatusUnauthorized) }, 0, order.Internal, "ecwid_unauthorized"},
		{"unexpected status", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "teapot", http.StatusTeapot) }, 0, order.Internal, "ecwid_request_failed"},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-slow:
			case <-r.Context().Done():
			}
		}, 50 * time.Millisecond, order.Transient, "ecwid_unavailable"},
		{"order too large", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat(" ", MaxBodyBytes+1)))
		}, 0, order.TooLarge, "body_too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			cfg := EcwidConfig{BaseURL: srv.URL, Token: "t"}
			if tc.timeout > 0 {
				cfg.HTTPClient = &http.Client{Timeout: tc.timeout}
			}
			_, err := NewEcwidHTTP(cfg).Order(context.Background(), "7301234", "BTQ-1042")
			wantError(t, err, tc.kind, tc.code)
		})
	}
}

func TestEcwidHTTPRequest(t *testing.T) {
	// The request the client makes: path, token, and the ctx; ids that
	// are not Ecwid ids never reach a URL.
	var gotPath, gotAuth string
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		gotPath, gotAuth = r.URL.EscapedPath(), r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`{"id":"BTQ-1042"}`))
	}))
	defer srv.Close()
	c := NewEcwidHTTP(EcwidConfig{BaseURL: srv.URL + "/api/v3/", Token: "secret_abc", Currency: "GBP"})
	got, err := c.Order(context.Background(), "42", "BTQ-1042")
	if err != nil {
		t.Fatalf("order: %v", err)
	}
	if gotPath != "/api/v3/42/orders/BTQ-1042" || gotAuth != "Bearer secret_abc" {
		t.Errorf("path %q auth %q", gotPath, gotAuth)
	}
	if got.Currency != "GBP" || string(got.JSON) != `{"id":"BTQ-1042"}` {
		t.Errorf("got %+v", got)
	}
	for _, ids := range [][2]string{{"42", "A/B"}, {"42/../1", "A"}, {"42", "%2e%2e"}} {
		_, err := c.Order(context.Background(), ids[0], ids[1])
		wantError(t, err, order.Invalid, "invalid_id")
	}
	if requests != 1 {
		t.Errorf("%d requests, want 1: a malformed id reached the API", requests)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Order(ctx, "42", "A")
	wantError(t, err, order.Transient, "ecwid_unavailable")

	if d := NewEcwidHTTP(EcwidConfig{}); d.baseURL != DefaultEcwidBaseURL || d.currency != "EUR" || d.client.Timeout != DefaultEcwidTimeout {
		t.Errorf("defaults = %q %q %v", d.baseURL, d.currency, d.client.Timeout)
	}
}

func TestEcwidStandInRefusesWrongToken(t *testing.T) {
	c := ecwidStandIn(t)
	c.token = "wrong"
	_, err := c.Order(context.Background(), "7301234", "BTQ-1042")
	wantError(t, err, order.Internal, "ecwid_unauthorized")
}

func FuzzEcwid(f *testing.F) {
	orders := map[string][]byte{
		"BTQ-1042": testdata(f, "ecwid/orders/7301234-BTQ-1042.json"),
		"BTQ-1044": testdata(f, "ecwid/orders/7301234-BTQ-1044.json"),
		"BTQ-1045": testdata(f, "ecwid/orders/7301234-BTQ-1045.json"),
	}
	for file, id := range map[string]string{
		"ecwid/event-order-created.json":            "BTQ-1042",
		"ecwid/event-order-updated.json":            "BTQ-1044",
		"ecwid/event-unfinished-order-created.json": "BTQ-1045",
	} {
		f.Add(testdata(f, file), orders[id])
	}
	key := []byte("fuzz-secret")
	clock := sampleClock(f)
	f.Fuzz(func(t *testing.T, event, orderJSON []byte) {
		h := map[string]string{}
		if sig, err := SignatureHeaders(order.SourceEcwid, key, event, time.Time{}); err == nil {
			h = sig
		} else {
			h["x-ecwid-webhook-signature"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
		}
		// Whatever order the event names, the fuzzed order answers.
		d, err := Parse(context.Background(), "ecwid", h, event, Deps{Secrets: StaticSecrets{"ecwid": {key}}, Ecwid: anyOrder(orderJSON), EcwidStoreID: ecwidStore, Now: clock})
		checkFuzzResult(t, d, err)
	})
}

// anyOrder answers every fetch with the same order.
type anyOrder []byte

func (a anyOrder) Order(context.Context, string, string) (EcwidOrder, error) {
	return EcwidOrder{JSON: a, Currency: "EUR"}, nil
}
