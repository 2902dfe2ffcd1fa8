package invoices_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp/apihttptest"
)

// TestTemplateDeclaresEveryRoute keeps template.yaml and the code in step:
// InvoicesApiFunction declares exactly the documents routes, each behind
// the staff JWT authorizer with the route's scope in both spellings.
func TestTemplateDeclaresEveryRoute(t *testing.T) {
	f := newFixture(t, "")
	if got := len(f.router.Routes()); got != 2 {
		t.Fatalf("the API registers %d routes, want 2", got)
	}
	apihttptest.CheckTemplateRoutes(t, "../../template.yaml", "InvoicesApiFunction", "StaffJwt", f.router)
}
