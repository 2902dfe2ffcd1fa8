package apihttp_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

func withJWT(ev events.APIGatewayV2HTTPRequest, claims map[string]string, scopes []string) events.APIGatewayV2HTTPRequest {
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: scopes},
	}
	return ev
}

func TestClaims(t *testing.T) {
	base := newEvent("GET /orders", "r")
	tests := []struct {
		name       string
		ev         events.APIGatewayV2HTTPRequest
		wantSub    string
		wantScopes []string
		wantKind   order.Kind // checked when wantSub is ""
	}{
		{name: "no authorizer", ev: base, wantKind: order.Unauthenticated},
		{name: "authorizer without jwt", ev: func() events.APIGatewayV2HTTPRequest {
			ev := base
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{}
			return ev
		}(), wantKind: order.Unauthenticated},
		{name: "no subject", ev: withJWT(base, map[string]string{"scope": "orders/read"}, nil), wantKind: order.Unauthenticated},
		{name: "scopes field", ev: withJWT(base, map[string]string{"sub": "u1"}, []string{"orders:read", "orders:write"}),
			wantSub: "u1", wantScopes: []string{"orders:read", "orders:write"}},
		{name: "Cognito scope claim", ev: withJWT(base, map[string]string{"sub": "u2", "scope": "openid orders/read  orders/write"}, nil),
			wantSub: "u2", wantScopes: []string{"openid", "orders/read", "orders/write"}},
		{name: "scp array flattened by API Gateway", ev: withJWT(base, map[string]string{"sub": "u3", "scp": "[orders:read orders:write]"}, nil),
			wantSub: "u3", wantScopes: []string{"orders:read", "orders:write"}},
		{name: "all sources merged without duplicates", ev: withJWT(base, map[string]string{"sub": "u4", "scope": "a b", "scp": "[b c]"}, []string{"a"}),
			wantSub: "u4", wantScopes: []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := apihttp.NewRequest(tt.ev, 0).Claims()
			if tt.wantSub == "" {
				if order.KindOf(err) != tt.wantKind || codeOf(err) != "missing_claims" {
					t.Fatalf("Claims() error = %v, want %v missing_claims", err, tt.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatalf("Claims(): %v", err)
			}
			if c.Subject != tt.wantSub || !reflect.DeepEqual(c.Scopes, tt.wantScopes) {
				t.Errorf("Claims() = %q %q, want %q %q", c.Subject, c.Scopes, tt.wantSub, tt.wantScopes)
			}
		})
	}
}

func TestClaimsFromFixture(t *testing.T) {
	c, err := apihttp.NewRequest(loadEvent(t, "event_get_order.json"), 0).Claims()
	if err != nil {
		t.Fatalf("Claims(): %v", err)
	}
	if c.Subject != "7c4f2a10-9d3e-4b1a-8f6e-2b5d9c0e1a34" || c.Raw["username"] != "camille" {
		t.Errorf("claims = %+v", c)
	}
	if !c.HasScope("orders/read") || c.HasScope("orders/admin") {
		t.Errorf("scopes = %q", c.Scopes)
	}
}

func TestRequireScope(t *testing.T) {
	base := newEvent("POST /orders", "req-403")
	tests := []struct {
		name       string
		ev         events.APIGatewayV2HTTPRequest
		scope      string
		wantStatus int
		wantCode   string
	}{
		{name: "granted", ev: withJWT(base, map[string]string{"sub": "u", "scope": "orders/read orders/write"}, nil), scope: "orders/write", wantStatus: 200},
		{name: "missing", ev: withJWT(base, map[string]string{"sub": "u", "scope": "orders/read"}, nil), scope: "orders/write", wantStatus: 403, wantCode: "missing_scope"},
		{name: "prefix is not a match", ev: withJWT(base, map[string]string{"sub": "u", "scope": "orders/writer"}, nil), scope: "orders/write", wantStatus: 403, wantCode: "missing_scope"},
		{name: "no identity", ev: base, scope: "orders/write", wantStatus: 401, wantCode: "missing_claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			resp := serve(t, logs.logger(), "POST /orders", func(_ context.Context, req *apihttp.Request) (*apihttp.Response, error) {
				if err := req.RequireScope(tt.scope); err != nil {
					return nil, err
				}
				return apihttp.JSON(http.StatusOK, map[string]string{"ok": "yes"})
			}, tt.ev)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			if tt.wantCode != "" {
				if code, _, _, _ := errorOf(t, resp.Body); code != tt.wantCode {
					t.Errorf("code = %q, want %q", code, tt.wantCode)
				}
			}
			if tt.wantCode == "missing_scope" && tt.name == "missing" {
				assertGolden(t, "error_missing_scope.json", resp.Body)
			}
		})
	}
}
