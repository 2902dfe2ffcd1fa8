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

// NoAuthorizer is the Authorizer of a route open to anyone, which must say
// so since the API has a DefaultAuthorizer (SAM's spelling).
const NoAuthorizer = "NONE"

// CheckTemplateRoutes fails t unless the function of the template at path
// declares exactly the routes r serves: a route registered with a scope
// behind the authorizer, its AuthorizationScopes the scope in both
// spellings (apihttp.ScopeSpellings); a route without one explicitly open
// (Authorizer: NONE, no scopes). Every HttpApi of the template must name
// authorizer as its DefaultAuthorizer, so that a route added without Auth
// is closed, not public.
func CheckTemplateRoutes(t testing.TB, path, function, authorizer string, r *apihttp.Router) {
	t.Helper()
	tpl, err := samtemplate.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range tpl.ResourceIDs("AWS::Serverless::HttpApi") {
		auth, _ := tpl.Resources[id].Properties["Auth"].(map[string]any)
		if got := auth["DefaultAuthorizer"]; got != authorizer {
			t.Errorf("%s: %s Auth.DefaultAuthorizer = %v, want %s", path, id, got, authorizer)
		}
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
		case scope == "" && (d.authorizer != NoAuthorizer || d.scopes != nil):
			t.Errorf("%s: the template puts it behind %v %v, the code asks no scope: want Authorizer: %s", route, d.authorizer, d.scopes, NoAuthorizer)
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

// CheckTemplateScopes fails t unless the template at path and
// apihttp.StaffScopes agree: the Cognito resource servers issue exactly
// the staff scopes (in Cognito's spelling, identifier/name), every user
// pool client may ask for all of them, and every route's
// AuthorizationScopes are spellings of staff scopes.
func CheckTemplateScopes(t testing.TB, path string) {
	t.Helper()
	tpl, err := samtemplate.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spellings := map[string]bool{}
	var cognito []string
	for _, s := range apihttp.StaffScopes() {
		sp := apihttp.ScopeSpellings(s)
		for _, x := range sp {
			spellings[x] = true
		}
		cognito = append(cognito, sp[len(sp)-1])
	}
	slices.Sort(cognito)
	var issued []string
	for _, id := range tpl.ResourceIDs("AWS::Cognito::UserPoolResourceServer") {
		p := tpl.Resources[id].Properties
		list, _ := p["Scopes"].([]any)
		for _, raw := range list {
			s, _ := raw.(map[string]any)
			issued = append(issued, fmt.Sprintf("%v/%v", p["Identifier"], s["ScopeName"]))
		}
	}
	slices.Sort(issued)
	if !slices.Equal(issued, cognito) {
		t.Errorf("%s: the resource servers issue %v, apihttp.StaffScopes are %v", path, issued, cognito)
	}
	for _, id := range tpl.ResourceIDs("AWS::Cognito::UserPoolClient") {
		allowed, _ := tpl.Resources[id].Properties["AllowedOAuthScopes"].([]any)
		for _, s := range cognito {
			if !slices.Contains(allowed, any(s)) {
				t.Errorf("%s: %s AllowedOAuthScopes lacks %s", path, id, s)
			}
		}
	}
	for id, fn := range tpl.Functions() {
		evs, _ := fn.Properties["Events"].(map[string]any)
		for name, raw := range evs {
			ev, _ := raw.(map[string]any)
			p, _ := ev["Properties"].(map[string]any)
			auth, _ := p["Auth"].(map[string]any)
			list, _ := auth["AuthorizationScopes"].([]any)
			for _, s := range list {
				if !spellings[fmt.Sprint(s)] {
					t.Errorf("%s: %s event %s asks scope %v, which is not a spelling of apihttp.StaffScopes", path, id, name, s)
				}
			}
		}
	}
}
