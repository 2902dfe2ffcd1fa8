package e2e

import (
	"net/http"
	"testing"
)

// TestGatewayAuth checks the API Gateway emulation in front of every admin
// route: no token → 401, a token without the route's scope → 403, an unknown
// route → 404, as API Gateway answers before any function runs.
func TestGatewayAuth(t *testing.T) {
	noScope := sys.Token(t, "intern@shop")
	readOnly := sys.Token(t, "viewer@shop", "orders:read")
	cases := []struct {
		name, method, path, token string
		want                      int
	}{
		{"list without token", http.MethodGet, "/orders", "", http.StatusUnauthorized},
		{"list with garbage token", http.MethodGet, "/orders", "not-a-jwt", http.StatusUnauthorized},
		{"list without scope", http.MethodGet, "/orders", noScope, http.StatusForbidden},
		{"manual order without token", http.MethodPost, "/orders", "", http.StatusUnauthorized},
		{"manual order with read scope only", http.MethodPost, "/orders", readOnly, http.StatusForbidden},
		{"unknown route", http.MethodGet, "/nowhere", readOnly, http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.method == http.MethodPost {
				body = []byte(`{}`)
			}
			r := sys.Do(t, c.method, c.path, c.token, body, nil)
			if r.Status != c.want {
				t.Fatalf("%s %s: status %d, want %d (body %s)", c.method, c.path, r.Status, c.want, r.Body)
			}
		})
	}
}
