package exports_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp/apihttptest"
)

// TestTemplateDeclaresEveryRoute keeps template.yaml and the code in step:
// ExportsFunction declares exactly the API's routes, each behind the staff
// JWT authorizer with finance:read in both spellings.
func TestTemplateDeclaresEveryRoute(t *testing.T) {
	r := newFixture(t).router
	if got := len(r.Routes()); got != 3 {
		t.Fatalf("the API registers %d routes, want 3", got)
	}
	for route, scope := range r.Routes() {
		if scope != "finance:read" {
			t.Errorf("%s is registered with scope %q, want finance:read", route, scope)
		}
	}
	apihttptest.CheckTemplateRoutes(t, "../../template.yaml", "ExportsFunction", "StaffJwt", r)
}
