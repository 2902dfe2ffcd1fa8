package settingsapi_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp/apihttptest"
)

// TestTemplateDeclaresEveryRoute keeps template.yaml and the code in step:
// SettingsFunction declares exactly the API's routes, each behind the staff
// JWT authorizer with the route's scope in both spellings.
func TestTemplateDeclaresEveryRoute(t *testing.T) {
	r := newRouter(t)
	if got := len(r.Routes()); got != 4 {
		t.Fatalf("the API registers %d routes, want 4", got)
	}
	for route, scope := range r.Routes() {
		if scope == "" {
			t.Errorf("%s is registered without a scope", route)
		}
	}
	apihttptest.CheckTemplateRoutes(t, "../../template.yaml", "SettingsFunction", "StaffJwt", r)
}
