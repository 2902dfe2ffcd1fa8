package adminapi_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/apihttp/apihttptest"
	"github.com/ordersmith/ordersmith/internal/memstore"
)

// TestTemplateDeclaresEveryRoute keeps template.yaml and the code in step:
// TransitionsFunction declares exactly the API's routes, each behind the
// staff JWT authorizer with the route's scope in both spellings.
func TestTemplateDeclaresEveryRoute(t *testing.T) {
	st := memstore.New()
	r := newRouter(t, st, st.Settings(), st.Stock())
	if got := len(r.Routes()); got != 8 {
		t.Fatalf("the API registers %d routes, want 8", got)
	}
	for route, scope := range r.Routes() {
		if scope != apihttp.ScopeOrdersRead && scope != apihttp.ScopeOrdersWrite {
			t.Errorf("%s needs scope %q, want orders:read or orders:write", route, scope)
		}
	}
	apihttptest.CheckTemplateRoutes(t, "../../template.yaml", "TransitionsFunction", "StaffJwt", r)
}
