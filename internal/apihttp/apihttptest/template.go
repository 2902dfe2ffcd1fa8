// Package apihttptest holds test support for the functions behind the HTTP
// API: the check that keeps template.yaml's routes and scopes in step with
// a Router.
package apihttptest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// CheckTemplateRoutes fails t unless the function of the template at path
// declares exactly the routes r serves: a route registered with a scope
// behind the authorizer, its AuthorizationScopes the scope in both
// spellings (apihttp.ScopeSpellings); a route without one with no Auth.
func CheckTemplateRoutes(t testing.TB, path, function, authorizer string, r *apihttp.Router) {
	t.Helper()
	tpl, err := samtemplate.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := tpl.Functions()[function]
	if !ok {
		t.Fatalf("%s has no %s", path, function)
	}
	type declared struct {
		authorizer any
		scopes     []string
	}
	routes := map[string]declared{}
	evs, _ := fn.Properties["Events"].(map[string]any)
	for _, raw := range evs {
		ev, _ := raw.(map[string]any)
		if ev["Type"] != "HttpApi" {
			continue
		}
		p, _ := ev["Properties"].(map[string]any)
		auth, _ := p["Auth"].(map[string]any)
		var scopes []string
		list, _ := auth["AuthorizationScopes"].([]any)
		for _, s := range list {
			scopes = append(scopes, fmt.Sprint(s))
		}
		routes[fmt.Sprintf("%s %s", p["Method"], p["Path"])] = declared{authorizer: auth["Authorizer"], scopes: scopes}
	}
	for route, scope := range r.Routes() {
		d, ok := routes[route]
		delete(routes, route)
		switch {
		case !ok:
			t.Errorf("%s lacks %s on %s", path, route, function)
		case scope == "" && (d.authorizer != nil || d.scopes != nil):
			t.Errorf("%s: the template puts it behind %v %v, the code asks no scope", route, d.authorizer, d.scopes)
		case scope != "" && d.authorizer != authorizer:
			t.Errorf("route %s is not behind the %s authorizer", route, authorizer)
		case scope != "" && !slices.Equal(d.scopes, apihttp.ScopeSpellings(scope)):
			t.Errorf("%s scopes = %v, want %v", route, d.scopes, apihttp.ScopeSpellings(scope))
		}
	}
	for route := range routes {
		t.Errorf("%s routes %s to %s, which does not serve it", path, route, function)
	}
}
