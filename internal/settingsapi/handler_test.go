package settingsapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/settingsapi"
)

func newRouter(t *testing.T) *apihttp.Router {
	t.Helper()
	st := memstore.New()
	admin, err := order.NewSettingsAdmin(st.Settings(), st.Rates(), order.DefaultSettings("Ma Boutique", "boutique@example.fr"))
	if err != nil {
		t.Fatal(err)
	}
	api, err := settingsapi.New(admin)
	if err != nil {
		t.Fatal(err)
	}
	return api.Router(apihttp.WithLogger(slog.New(slog.DiscardHandler)))
}

// call is one request of a scripted conversation with the API.
type call struct {
	name    string
	route   string
	params  map[string]string
	headers map[string]string
	body    string
	scopes  string
	status  int
	code    string            // error code, for 4xx
	want    map[string]string // JSON paths (dotted) → expected value, for 2xx
	etag    string
}

func (c call) event() events.APIGatewayV2HTTPRequest {
	scopes := c.scopes
	if scopes == "" {
		scopes = "orders:read settings:write"
	}
	return events.APIGatewayV2HTTPRequest{
		RouteKey: c.route, PathParameters: c.params, Headers: c.headers, Body: c.body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req", RouteKey: c.route,
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "auth0|42", "scope": scopes}}}},
	}
}

// lookup reads a dotted path ("numbering.next") from decoded JSON.
func lookup(v any, path string) string {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "<missing>"
		}
		v = m[k]
	}
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

func run(t *testing.T, r *apihttp.Router, calls []call) {
	t.Helper()
	for _, c := range calls {
		out, err := r.Serve(context.Background(), c.event())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(out.Body), &body); err != nil {
			t.Fatalf("%s: body %q: %v", c.name, out.Body, err)
		}
		if out.StatusCode != c.status {
			t.Errorf("%s: status %d (%s), want %d", c.name, out.StatusCode, out.Body, c.status)
			continue
		}
		if c.code != "" && lookup(body, "error.code") != c.code {
			t.Errorf("%s: code %s, want %s", c.name, lookup(body, "error.code"), c.code)
		}
		for path, want := range c.want {
			if got := lookup(body, path); got != want {
				t.Errorf("%s: %s = %s, want %s", c.name, path, got, want)
			}
		}
		if c.etag != "" && out.Headers["ETag"] != c.etag {
			t.Errorf("%s: ETag %q, want %q", c.name, out.Headers["ETag"], c.etag)
		}
	}
}

const settingsJSON = `{"shopName":"Ma Boutique","mailFrom":"boutique@example.fr","companyCurrency":"EUR",
 "numbering":{"prefix":"MaBoutique","suffix":"2019","next":1006},"zeroTotalPayment":"AWAITING_PAYMENT","lowStockDefault":5}`

func TestSettings(t *testing.T) {
	r := newRouter(t)
	get := settingsapi.RouteGetSettings
	put := settingsapi.RoutePutSettings
	ifMatch := func(v string) map[string]string { return map[string]string{"if-match": v} }
	run(t, r, []call{
		{name: "defaults before any save", route: get, status: 200, etag: `"0"`,
			want: map[string]string{"version": "0", "numbering.next": "1", "zeroTotalPayment": "PAID", "companyCurrency": "EUR"}},
		{name: "first save", route: put, headers: ifMatch(`"0"`), body: settingsJSON, status: 200, etag: `"1"`,
			want: map[string]string{"version": "1", "numbering.next": "1006", "numbering.prefix": "MaBoutique", "zeroTotalPayment": "AWAITING_PAYMENT"}},
		{name: "read back", route: get, status: 200, etag: `"1"`, want: map[string]string{"numbering.next": "1006", "numbering.suffix": "2019"}},
		{name: "lowering the next number", route: put, headers: ifMatch(`"1"`), body: strings.Replace(settingsJSON, "1006", "1005", 1),
			status: 409, code: "next_number_too_low"},
		{name: "stale If-Match", route: put, headers: ifMatch(`"0"`), body: settingsJSON, status: 412, code: "version_conflict"},
		{name: "foreign If-Match", route: put, headers: ifMatch(`W/"1"`), body: settingsJSON, status: 412, code: "version_mismatch"},
		{name: "stale version in the body", route: put, body: strings.Replace(settingsJSON, `"lowStockDefault"`, `"version":0,"lowStockDefault"`, 1),
			status: 412, code: "version_conflict"},
		{name: "zero-total status that is no choice", route: put, headers: ifMatch(`"1"`), body: strings.Replace(settingsJSON, `"AWAITING_PAYMENT"`, `"REFUNDED"`, 1),
			status: 400, code: "invalid_zero_total_payment"},
		{name: "unknown field", route: put, headers: ifMatch(`"1"`), body: strings.Replace(settingsJSON, `"shopName"`, `"shopTitle":"x","shopName"`, 1),
			status: 400, code: "unknown_field"},
		{name: "read scope cannot write", route: put, scopes: "orders:read", body: settingsJSON, status: 403, code: "missing_scope"},
		{name: "order write scope cannot change settings", route: put, scopes: "orders:read orders:write", body: settingsJSON, status: 403, code: "missing_scope"},
		{name: "Cognito's spelling can", route: put, scopes: "settings/write", body: strings.Replace(settingsJSON, "1006", "2000", 1), status: 200,
			want: map[string]string{"version": "2", "numbering.next": "2000"}},
		{name: "next left out is kept", route: put, headers: ifMatch(`"2"`), body: strings.Replace(settingsJSON, `,"next":1006`, ``, 1), status: 200,
			want: map[string]string{"version": "3", "numbering.next": "2000"}},
	})
}

func TestExchangeRates(t *testing.T) {
	r := newRouter(t)
	get, put := settingsapi.RouteGetRate, settingsapi.RoutePutRate
	at := func(c, d string) map[string]string { return map[string]string{"currency": c, "date": d} }
	run(t, r, []call{
		{name: "put", route: put, params: at("USD", "2025-03-10"), body: `{"rate":"0.9231"}`, status: 200,
			want: map[string]string{"currency": "USD", "date": "2025-03-10", "rate": "0.9231"}},
		{name: "correct it", route: put, params: at("usd", "2025-03-10"), body: `{"rate":0.9245}`, status: 200,
			want: map[string]string{"rate": "0.9245"}},
		{name: "the day's rate", route: get, params: at("USD", "2025-03-10"), status: 200,
			want: map[string]string{"rate": "0.9245", "rateDate": "2025-03-10"}},
		{name: "a later day falls back", route: get, params: at("USD", "2025-03-14"), status: 200,
			want: map[string]string{"date": "2025-03-14", "rate": "0.9245", "rateDate": "2025-03-10"}},
		{name: "an earlier day has none", route: get, params: at("USD", "2025-03-09"), status: 404, code: "not_found"},
		{name: "the company currency", route: put, params: at("EUR", "2025-03-10"), body: `{"rate":"1"}`, status: 400, code: "company_currency_rate"},
		{name: "unknown currency", route: put, params: at("ECU", "2025-03-10"), body: `{"rate":"1.1"}`, status: 400, code: "unknown_currency"},
		{name: "no such day", route: put, params: at("USD", "2025-02-30"), body: `{"rate":"1.1"}`, status: 400, code: "invalid_date"},
		{name: "zero", route: put, params: at("USD", "2025-03-11"), body: `{"rate":"0"}`, status: 400, code: "invalid_exchange_rate"},
		{name: "exponent", route: put, params: at("USD", "2025-03-11"), body: `{"rate":"1e-999999"}`, status: 400, code: "invalid_exchange_rate"},
		{name: "small exponent", route: put, params: at("USD", "2025-03-11"), body: `{"rate":9.2e-1}`, status: 400, code: "invalid_exchange_rate"},
		{name: "not a number", route: put, params: at("USD", "2025-03-11"), body: `{"rate":"0,92"}`, status: 400, code: "invalid_exchange_rate"},
		{name: "negative", route: put, params: at("USD", "2025-03-11"), body: `{"rate":"-0.92"}`, status: 400, code: "invalid_exchange_rate"},
		{name: "missing", route: put, params: at("USD", "2025-03-11"), body: `{}`, status: 400, code: "missing_field"},
		{name: "read scope cannot write", route: put, scopes: "orders:read", params: at("GBP", "2025-03-11"), body: `{"rate":"1.17"}`, status: 403, code: "missing_scope"},
		{name: "order write scope cannot write", route: put, scopes: "orders:write", params: at("GBP", "2025-03-11"), body: `{"rate":"1.17"}`, status: 403, code: "missing_scope"},
	})
}

// TestSampleEvents serves the events of events/settings in order, as API
// Gateway sends them.
func TestSampleEvents(t *testing.T) {
	r := newRouter(t)
	steps := []struct {
		event  string
		status int
		want   map[string]string
	}{
		{"put-settings", 200, map[string]string{"version": "1", "numbering.next": "1006", "notifications.payment_reminder": "false"}},
		{"get-settings", 200, map[string]string{"version": "1", "customStatuses": `["Retrait effectué","En attente de comptabilité"]`}},
		{"put-exchange-rate", 200, map[string]string{"rate": "0.9231", "date": "2025-03-14"}},
		{"get-exchange-rate", 200, map[string]string{"rate": "0.9231", "date": "2025-03-17", "rateDate": "2025-03-14"}},
	}
	for _, s := range steps {
		b, err := os.ReadFile(filepath.Join("..", "..", "events", "settings", s.event+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		out, err := r.Serve(context.Background(), ev)
		if err != nil || out.StatusCode != s.status {
			t.Fatalf("%s: %d %s", s.event, out.StatusCode, out.Body)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(out.Body), &body); err != nil {
			t.Fatal(err)
		}
		for path, want := range s.want {
			if got := lookup(body, path); got != want {
				t.Errorf("%s: %s = %s, want %s", s.event, path, got, want)
			}
		}
	}
}
