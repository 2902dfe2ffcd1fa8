package apihttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

func TestRequestAccessors(t *testing.T) {
	ev := loadEvent(t, "event_get_order.json")
	ev.QueryStringParameters = map[string]string{"expand": "lines,history"}
	ev.Headers["X-Mixed-Case"] = "kept" // as a local emulator might send it
	req := apihttp.NewRequest(ev, 0)

	tests := []struct {
		name, got, want string
	}{
		{"route key", req.RouteKey(), "GET /orders/{id}"},
		{"request id", req.RequestID(), "Q1b2cExampleReqId="},
		{"path param", req.PathParam("id"), "01JH2Z8K3V5Q7R9T1W3Y5A7C9E"},
		{"missing path param", req.PathParam("source"), ""},
		{"query", req.Query("expand"), "lines,history"},
		{"missing query", req.Query("limit"), ""},
		{"header any case", req.Header("User-Agent"), "Mozilla/5.0"},
		{"header sent in mixed case", req.Header("x-mixed-case"), "kept"},
		{"missing header", req.Header("If-Match"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestRouteKeyFromRequestContext(t *testing.T) {
	ev := newEvent("GET /orders", "r")
	ev.RouteKey = "" // some emulators fill only requestContext.routeKey
	if got := apihttp.NewRequest(ev, 0).RouteKey(); got != "GET /orders" {
		t.Errorf("RouteKey = %q", got)
	}
}

func TestBody(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name     string
		body     string
		base64   bool
		limit    int64
		want     string
		wantKind order.Kind
		wantCode string
	}{
		{name: "plain", body: `{"a":1}`, want: `{"a":1}`},
		{name: "empty", body: "", want: ""},
		{name: "base64", body: b64([]byte("é\x00\xff binary")), base64: true, want: "é\x00\xff binary"},
		{name: "plain at the limit", body: strings.Repeat("x", 16), limit: 16, want: strings.Repeat("x", 16)},
		{name: "plain over the limit", body: strings.Repeat("x", 17), limit: 16, wantKind: order.TooLarge, wantCode: "body_too_large"},
		{name: "base64 at the limit", body: b64([]byte(strings.Repeat("y", 16))), base64: true, limit: 16, want: strings.Repeat("y", 16)},
		{name: "base64 at the limit, no padding needed", body: b64([]byte(strings.Repeat("y", 15))), base64: true, limit: 15, want: strings.Repeat("y", 15)},
		{name: "base64 over the limit", body: b64([]byte(strings.Repeat("y", 17))), base64: true, limit: 16, wantKind: order.TooLarge, wantCode: "body_too_large"},
		{name: "base64 over the limit by one, under by encoded size", body: b64([]byte(strings.Repeat("y", 13))), base64: true, limit: 12, wantKind: order.TooLarge, wantCode: "body_too_large"},
		{name: "default limit is 1 MiB", body: strings.Repeat("z", apihttp.DefaultMaxBodyBytes+1), wantKind: order.TooLarge, wantCode: "body_too_large"},
		{name: "malformed base64", body: "not base64!", base64: true, wantKind: order.Invalid, wantCode: "malformed_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEvent("POST /webhooks/{source}", "r")
			ev.Body, ev.IsBase64Encoded = tt.body, tt.base64
			req := apihttp.NewRequest(ev, tt.limit)
			got, err := req.Body()
			if tt.wantCode != "" {
				if order.KindOf(err) != tt.wantKind || codeOf(err) != tt.wantCode {
					t.Fatalf("Body() error = %v, want kind %v code %s", err, tt.wantKind, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Body(): %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Body() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBodyFromFixture(t *testing.T) {
	req := apihttp.NewRequest(loadEvent(t, "event_webhook_base64.json"), 0)
	var payload struct {
		ID         int64  `json:"id"`
		Currency   string `json:"currency"`
		TotalPrice string `json:"total_price"`
		Note       string `json:"note"`
	}
	if err := req.DecodeJSON(&payload); err != nil {
		t.Fatalf("DecodeJSON: %v", err)
	}
	if payload.ID != 820982911946154508 || payload.TotalPrice != "42.50" || payload.Note != "Livraison après 18h" {
		t.Errorf("payload = %+v", payload)
	}
}

func TestBodyTooLargeResponse(t *testing.T) {
	var logs logBuffer
	ev := newEvent("POST /orders", "req-413")
	ev.Body = `{"note":"far too long"}`
	resp := serve(t, logs.logger(), "POST /orders", func(_ context.Context, req *apihttp.Request) (*apihttp.Response, error) {
		var v map[string]any
		if err := req.DecodeJSON(&v); err != nil {
			return nil, err
		}
		return apihttp.JSON(http.StatusCreated, v)
	}, ev, apihttp.WithMaxBodyBytes(16))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413", resp.StatusCode)
	}
	assertGolden(t, "error_body_too_large.json", resp.Body)
}

// currencyCode stands for a domain type whose UnmarshalJSON validates.
type currencyCode string

func (c *currencyCode) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s != "EUR" {
		return order.E("order.ParseCurrency", order.Invalid, "unknown_currency", "unknown currency "+s)
	}
	*c = currencyCode(s)
	return nil
}

func TestDecodeJSON(t *testing.T) {
	type line struct {
		SKU string `json:"sku"`
		Qty int    `json:"qty"`
	}
	type input struct {
		Email    string           `json:"email"`
		Currency currencyCode     `json:"currency"`
		Total    *decimal.Decimal `json:"total,omitempty"`
		Lines    []line           `json:"lines"`
	}
	tests := []struct {
		name        string
		body        string
		strict      bool
		want        input
		wantCode    string
		wantDetails map[string]any
	}{
		{name: "valid", body: `{"email":"a@b.fr","currency":"EUR","lines":[{"sku":"S1","qty":2}]}`,
			want: input{Email: "a@b.fr", Currency: "EUR", Lines: []line{{"S1", 2}}}},
		{name: "accents kept", body: `{"email":"élodie@exemple.fr"}`, want: input{Email: "élodie@exemple.fr"}},
		{name: "byte order mark tolerated", body: "\xEF\xBB\xBF" + `{"email":"a@b.fr"}`, want: input{Email: "a@b.fr"}},
		{name: "unknown field ignored when lenient", body: `{"email":"a@b.fr","shop_extra":{"x":1}}`, want: input{Email: "a@b.fr"}},
		{name: "unknown field rejected when strict", body: `{"email":"a@b.fr","emial":"typo"}`, strict: true,
			wantCode: "unknown_field", wantDetails: map[string]any{"field": "emial"}},
		{name: "empty", body: "", wantCode: "empty_body"},
		{name: "whitespace", body: " \n\t", wantCode: "empty_body"},
		{name: "invalid UTF-8", body: "{\"email\":\"\xff\xfe\"}", wantCode: "invalid_utf8"},
		{name: "overlong UTF-8", body: "{\"email\":\"\xc0\xaf\"}", wantCode: "invalid_utf8"},
		{name: "syntax error", body: `{"email":}`, wantCode: "malformed_json", wantDetails: map[string]any{"offset": float64(10)}},
		{name: "truncated", body: `{"email":"a@b.fr"`, wantCode: "malformed_json"},
		{name: "trailing garbage", body: `{"email":"a@b.fr"} x`, wantCode: "malformed_json"},
		{name: "two documents", body: `{"email":"a@b.fr"}{"email":"c@d.fr"}`, wantCode: "malformed_json"},
		{name: "wrong type", body: `{"lines":[{"sku":"S1","qty":"two"}]}`, wantCode: "invalid_field_type",
			wantDetails: map[string]any{"field": "lines.qty", "expected": "an integer"}},
		{name: "not an object", body: `[1,2]`, wantCode: "invalid_field_type",
			wantDetails: map[string]any{"field": "", "expected": "an object"}},
		{name: "domain validation passes through", body: `{"currency":"EUX"}`, wantCode: "unknown_currency"},
		{name: "decimal amount", body: `{"total":"12.50"}`, want: input{Total: ptr(decimal.RequireFromString("12.50"))}},
		{name: "amount a field type refuses", body: `{"total":"12,50"}`, wantCode: "invalid_value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEvent("POST /orders", "r")
			ev.Body = tt.body
			req := apihttp.NewRequest(ev, 0)
			var got input
			var err error
			if tt.strict {
				err = req.DecodeJSONStrict(&got)
			} else {
				err = req.DecodeJSON(&got)
			}
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				gb, _ := json.Marshal(got)
				wb, _ := json.Marshal(tt.want)
				assertJSONEq(t, string(wb), string(gb))
				return
			}
			var e *order.Error
			if !errors.As(err, &e) {
				t.Fatalf("decode error = %v, want *order.Error", err)
			}
			if e.Kind != order.Invalid || e.Code != tt.wantCode {
				t.Errorf("error = %v/%s, want invalid/%s (%v)", e.Kind, e.Code, tt.wantCode, err)
			}
			if e.Message == "" {
				t.Error("error has no message")
			}
			if tt.wantDetails != nil {
				// Compare as the client sees the details: through JSON.
				gb, _ := json.Marshal(e.Details)
				wb, _ := json.Marshal(tt.wantDetails)
				assertJSONEq(t, string(wb), string(gb))
			}
		})
	}
}

func TestDecodeJSONIntoNonPointerIsABug(t *testing.T) {
	ev := newEvent("POST /orders", "r")
	ev.Body = `{}`
	var v struct{}
	err := apihttp.NewRequest(ev, 0).DecodeJSON(v)
	if err == nil || order.KindOf(err) != order.Internal {
		t.Errorf("error = %v, want an Internal error", err)
	}
}

func ptr[T any](v T) *T { return &v }
