package apihttp_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
)

func TestScopeSpellings(t *testing.T) {
	tests := []struct {
		scope string
		want  []string
	}{
		{apihttp.ScopeOrdersRead, []string{"orders:read", "orders/read"}},
		{apihttp.ScopeOrdersWrite, []string{"orders:write", "orders/write"}},
		{"orders/write", []string{"orders/write"}},
		{"openid", []string{"openid"}},
	}
	for _, tt := range tests {
		if got := apihttp.ScopeSpellings(tt.scope); !slices.Equal(got, tt.want) {
			t.Errorf("ScopeSpellings(%q) = %q, want %q", tt.scope, got, tt.want)
		}
	}
}

// TestDeclaredScope serves a route declared with apihttp.Scope: the router
// checks the scope, in either spelling, before the handler runs.
func TestDeclaredScope(t *testing.T) {
	const route = "POST /orders"
	base := newEvent(route, "req-scope")
	tests := []struct {
		name       string
		ev         events.APIGatewayV2HTTPRequest
		wantStatus int
		wantCode   string
	}{
		{name: "local and OIDC spelling", ev: withJWT(base, map[string]string{"sub": "u", "scope": "orders:write"}, nil), wantStatus: 200},
		{name: "Cognito's spelling", ev: withJWT(base, map[string]string{"sub": "u", "scope": "openid orders/write"}, nil), wantStatus: 200},
		{name: "in API Gateway's scopes", ev: withJWT(base, map[string]string{"sub": "u"}, []string{"orders/write"}), wantStatus: 200},
		{name: "read scope only", ev: withJWT(base, map[string]string{"sub": "u", "scope": "orders:read orders/read"}, nil), wantStatus: 403, wantCode: "missing_scope"},
		{name: "a prefix is no match", ev: withJWT(base, map[string]string{"sub": "u", "scope": "orders:writer"}, nil), wantStatus: 403, wantCode: "missing_scope"},
		{name: "no identity", ev: base, wantStatus: 401, wantCode: "missing_claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := false
			r := apihttp.NewRouter(apihttp.WithLogger(quietLogger()))
			r.Handle(route, func(context.Context, *apihttp.Request) (*apihttp.Response, error) {
				ran = true
				return apihttp.NoContent(), nil
			}, apihttp.Scope(apihttp.ScopeOrdersWrite))
			resp, err := r.Serve(context.Background(), tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantStatus == http.StatusOK {
				if resp.StatusCode != http.StatusNoContent || !ran {
					t.Fatalf("status %d, handler ran %v: %s", resp.StatusCode, ran, resp.Body)
				}
				return
			}
			if resp.StatusCode != tt.wantStatus || ran {
				t.Fatalf("status %d, handler ran %v, want %d and no run: %s", resp.StatusCode, ran, tt.wantStatus, resp.Body)
			}
			code, _, details, _ := errorOf(t, resp.Body)
			if code != tt.wantCode {
				t.Errorf("code = %q, want %q", code, tt.wantCode)
			}
			if code == "missing_scope" {
				assertJSONEq(t, `{"required_scope":"orders:write"}`, mustJSON(t, details))
			}
		})
	}
}
