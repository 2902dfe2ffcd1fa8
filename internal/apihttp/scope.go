package apihttp

import (
	"fmt"
	"strings"

	"github.com/ordersmith/ordersmith/internal/order"
)

// The OAuth scopes routes are declared with, in the spelling of the local
// and OIDC issuers ("orders:write"). A Cognito resource server issues the
// same scopes with a slash ("orders/write"); RequireScope accepts both, and
// template.yaml lists both on each route (ScopeSpellings). A new scope is
// one more constant here.
const (
	ScopeOrdersRead    = "orders:read"    // read orders, stock, settings and exchange rates
	ScopeOrdersWrite   = "orders:write"   // create orders, change their status, count stock
	ScopeSettingsWrite = "settings:write" // change the shop's settings and exchange rates
	ScopeFinanceRead   = "finance:read"   // read the shop's money: invoices, credit notes, exports
)

// StaffScopes returns every scope above, in the order of their declaration:
// what the staff identity provider must be able to issue (template.yaml's
// Cognito resource servers, kept in step by a test).
func StaffScopes() []string {
	return []string{ScopeOrdersRead, ScopeOrdersWrite, ScopeSettingsWrite, ScopeFinanceRead}
}

// ScopeSpellings returns the spellings of scope a token may carry: as given,
// then with its first ":" as "/" (Cognito's resource-server form), in the
// order template.yaml lists them in AuthorizationScopes.
func ScopeSpellings(scope string) []string {
	alt := strings.Replace(scope, ":", "/", 1)
	if alt == scope {
		return []string{scope}
	}
	return []string{scope, alt}
}

// RequireScope returns nil when the verified token grants scope in either
// spelling (ScopeSpellings), an Unauthenticated error when there is no
// verified token, and a Forbidden error (code missing_scope) otherwise.
// API Gateway checks the route's AuthorizationScopes already; this is the
// second lock, in code, that still holds if a route is ever deployed
// without them. A route declared with Scope gets it from the router.
func (r *Request) RequireScope(scope string) error {
	c, err := r.Claims()
	if err != nil {
		return err
	}
	for _, s := range ScopeSpellings(scope) {
		if c.HasScope(s) {
			return nil
		}
	}
	e := order.E("apihttp.RequireScope", order.Forbidden, CodeMissingScope, fmt.Sprintf("this action needs the %q scope", scope))
	e.Details = map[string]any{"required_scope": scope}
	return e
}
