package adminapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/adminapi"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// TestTemplateDeclaresEveryRoute keeps template.yaml and the code in step:
// TransitionsFunction declares exactly the API's routes, each behind the
// staff JWT authorizer with the route's scope in both spellings.
func TestTemplateDeclaresEveryRoute(t *testing.T) {
	tpl, err := samtemplate.ParseFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := tpl.Functions()["TransitionsFunction"]
	if !ok {
		t.Fatal("template.yaml has no TransitionsFunction")
	}
	evs, _ := fn.Properties["Events"].(map[string]any)
	declared := map[string][]string{}
	for name, raw := range evs {
		ev, _ := raw.(map[string]any)
		if ev["Type"] != "HttpApi" {
			continue
		}
		p, _ := ev["Properties"].(map[string]any)
		auth, _ := p["Auth"].(map[string]any)
		if auth["Authorizer"] != "StaffJwt" {
			t.Errorf("route %s is not behind the StaffJwt authorizer", name)
		}
		var scopes []string
		list, _ := auth["AuthorizationScopes"].([]any)
		for _, s := range list {
			scopes = append(scopes, fmt.Sprint(s))
		}
		declared[fmt.Sprintf("%s %s", p["Method"], p["Path"])] = scopes
	}
	for route, scope := range adminapi.Routes {
		scopes, ok := declared[route]
		if !ok {
			t.Errorf("template.yaml lacks %s on TransitionsFunction", route)
			continue
		}
		want := []string{scope, strings.Replace(scope, ":", "/", 1)}
		if !slices.Equal(scopes, want) {
			t.Errorf("%s scopes = %v, want %v", route, scopes, want)
		}
		delete(declared, route)
	}
	for route := range declared {
		t.Errorf("template.yaml routes %s to TransitionsFunction, which does not serve it", route)
	}
}
