package apihttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

func TestStatusOf(t *testing.T) {
	tests := []struct {
		kind order.Kind
		want int
	}{
		{order.Invalid, 400},
		{order.Unauthenticated, 401},
		{order.Forbidden, 403},
		{order.NotFound, 404},
		{order.Conflict, 409},
		{order.PreconditionFailed, 412},
		{order.TooLarge, 413},
		{order.Transient, 503},
		{order.Internal, 500},
		{order.Kind(99), 500},
		{order.Kind(-1), 500},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			if got := apihttp.StatusOf(tt.kind); got != tt.want {
				t.Errorf("StatusOf(%v) = %d, want %d", tt.kind, got, tt.want)
			}
		})
	}
}

// TestErrorResponses runs each kind of failure through the router and checks
// what the caller sees and what is logged.
func TestErrorResponses(t *testing.T) {
	cause := errors.New("dynamodb: PutItem ordersmith-dev PK=ORDER#A1: connection reset")
	tests := []struct {
		name        string
		err         error
		wantStatus  int
		wantCode    string
		wantMessage string // "" to skip
		golden      string // "" to skip
		wantLevel   string
		retryAfter  bool
	}{
		{
			name:        "invalid",
			err:         order.E("order.ParseCurrency", order.Invalid, "unknown_currency", `unknown currency "EUX"`),
			wantStatus:  400,
			wantCode:    "unknown_currency",
			wantMessage: `unknown currency "EUX"`,
			wantLevel:   "INFO",
		},
		{
			name:       "unauthenticated",
			err:        order.E("webhook.Verify", order.Unauthenticated, "bad_signature", "the webhook signature does not match"),
			wantStatus: 401, wantCode: "bad_signature", wantLevel: "INFO",
		},
		{
			name:       "forbidden",
			err:        order.E("x", order.Forbidden, "not_your_shop", "this order belongs to another shop"),
			wantStatus: 403, wantCode: "not_your_shop", wantLevel: "INFO",
		},
		{
			name:       "not found, wrapped with context",
			err:        fmt.Errorf("get order A1: %w", order.E("dynamo.Get", order.NotFound, order.CodeNotFound, "order A1 does not exist")),
			wantStatus: 404, wantCode: "not_found", wantMessage: "order A1 does not exist", wantLevel: "INFO",
		},
		{
			name: "conflict with details",
			err: func() error {
				e := order.E("order.SetFulfilmentStatus", order.Conflict, "transition_not_allowed", "a shipped order cannot go back to unfulfilled")
				e.Details = map[string]any{"from": "shipped", "allowed": []string{"delivered", "returned"}}
				return e
			}(),
			wantStatus: 409, wantCode: "transition_not_allowed", golden: "error_transition_not_allowed.json", wantLevel: "INFO",
		},
		{
			name:       "precondition failed",
			err:        order.E("x", order.PreconditionFailed, "version_mismatch", "the order changed"),
			wantStatus: 412, wantCode: "version_mismatch", wantLevel: "INFO",
		},
		{
			name:       "too large",
			err:        order.E("x", order.TooLarge, "too_many_lines", "an order has at most 500 lines"),
			wantStatus: 413, wantCode: "too_many_lines", wantLevel: "INFO",
		},
		{
			name:       "transient",
			err:        order.Wrap("dynamo.Put", order.Transient, "table_throttled", "the order store is busy; retry in a moment", cause),
			wantStatus: 503, wantCode: "table_throttled", golden: "error_transient.json", wantLevel: "WARN", retryAfter: true,
		},
		{
			name:       "transient without code or message",
			err:        &order.Error{Kind: order.Transient, Err: cause},
			wantStatus: 503, wantCode: "service_unavailable", wantMessage: "a service we depend on is unavailable; retry in a moment", wantLevel: "WARN", retryAfter: true,
		},
		{
			name:       "kind without code or message",
			err:        &order.Error{Kind: order.NotFound},
			wantStatus: 404, wantCode: "not_found", wantMessage: "Not Found", wantLevel: "INFO",
		},
		{
			name:       "plain error is internal",
			err:        fmt.Errorf("save order A1: %w", cause),
			wantStatus: 500, wantCode: "internal_error", golden: "error_internal.json", wantLevel: "ERROR",
		},
		{
			name:       "internal domain error hides its message too",
			err:        order.Wrap("order.Totals", order.Internal, "totals_inconsistent", "lines do not add up: 12.00 != 12.50", cause),
			wantStatus: 500, wantCode: "internal_error", golden: "error_internal.json", wantLevel: "ERROR",
		},
		{
			name:       "unknown kind is internal",
			err:        &order.Error{Kind: order.Kind(42), Code: "weird", Message: "secret", Err: cause},
			wantStatus: 500, wantCode: "internal_error", golden: "error_internal.json", wantLevel: "ERROR",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			reqID := fmt.Sprintf("req-%d", tt.wantStatus)
			resp := serve(t, logs.logger(), "POST /orders", func(context.Context, *apihttp.Request) (*apihttp.Response, error) {
				return nil, tt.err
			}, newEvent("POST /orders", reqID))

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Headers["Content-Type"]; ct != apihttp.ContentTypeJSON {
				t.Errorf("content type = %q", ct)
			}
			code, msg, _, gotID := errorOf(t, resp.Body)
			if code != tt.wantCode {
				t.Errorf("code = %q, want %q", code, tt.wantCode)
			}
			if tt.wantMessage != "" && msg != tt.wantMessage {
				t.Errorf("message = %q, want %q", msg, tt.wantMessage)
			}
			if gotID != reqID {
				t.Errorf("request_id = %q, want %q", gotID, reqID)
			}
			if tt.golden != "" {
				assertGolden(t, tt.golden, resp.Body)
			}
			if got := resp.Headers["Retry-After"] != ""; got != tt.retryAfter {
				t.Errorf("Retry-After present = %v, want %v", got, tt.retryAfter)
			}
			if strings.Contains(resp.Body, "connection reset") || strings.Contains(resp.Body, "secret") {
				t.Errorf("body leaks the cause: %s", resp.Body)
			}

			// Logged exactly once, at the level the kind deserves, with the
			// full cause and the request id.
			lines := logs.lines(t)
			if len(lines) != 1 {
				t.Fatalf("logged %d lines, want 1: %v", len(lines), lines)
			}
			if lines[0]["level"] != tt.wantLevel {
				t.Errorf("log level = %v, want %s", lines[0]["level"], tt.wantLevel)
			}
			if lines[0]["error"] != tt.err.Error() {
				t.Errorf("logged error = %v, want %q", lines[0]["error"], tt.err.Error())
			}
			if lines[0]["request_id"] != reqID || lines[0]["route"] != "POST /orders" {
				t.Errorf("log line lacks request id or route: %v", lines[0])
			}
		})
	}
}

func TestDetailsThatCannotBeEncodedAreDropped(t *testing.T) {
	var logs logBuffer
	e := order.E("x", order.Invalid, "bad_thing", "a bad thing")
	e.Details = map[string]any{"f": func() {}}
	resp := serve(t, logs.logger(), "POST /orders", func(context.Context, *apihttp.Request) (*apihttp.Response, error) {
		return nil, e
	}, newEvent("POST /orders", "req-x"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	assertJSONEq(t, `{"error":{"code":"bad_thing","message":"a bad thing","request_id":"req-x"}}`, resp.Body)
}
