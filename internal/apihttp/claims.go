package apihttp

import (
	"slices"
	"strings"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Claims is the identity API Gateway's JWT authorizer verified for a request.
type Claims struct {
	Subject string            // the "sub" claim: a staff user, or the client id for machine tokens
	Scopes  []string          // granted OAuth scopes, without duplicates
	Raw     map[string]string // every claim as API Gateway passes it (arrays as "[a b]")
}

// HasScope reports whether scope was granted.
func (c Claims) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

// Claims returns the verified identity from requestContext.authorizer.jwt,
// or an Unauthenticated error (code missing_claims) when the route has no
// JWT authorizer or the token has no subject.
func (r *Request) Claims() (Claims, error) {
	const op = "apihttp.Claims"
	jwt := r.Event.RequestContext.Authorizer
	if jwt == nil || jwt.JWT == nil || jwt.JWT.Claims["sub"] == "" {
		return Claims{}, order.E(op, order.Unauthenticated, "missing_claims", "the request carries no verified identity")
	}
	raw := jwt.JWT.Claims
	// API Gateway fills "scopes" only for some issuers; Cognito and most OIDC
	// providers put them in the "scope" claim (space-separated) and Okta in
	// "scp", which API Gateway flattens to "[a b]". Take them all.
	var scopes []string
	add := func(list ...string) {
		for _, s := range list {
			if s != "" && !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	add(jwt.JWT.Scopes...)
	add(strings.Fields(raw["scope"])...)
	add(strings.Fields(strings.Trim(raw["scp"], "[]"))...)
	return Claims{Subject: raw["sub"], Scopes: scopes, Raw: raw}, nil
}
