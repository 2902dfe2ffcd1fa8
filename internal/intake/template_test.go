package intake_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/apihttp/apihttptest"
	"github.com/ordersmith/ordersmith/internal/intake"
)

// TestTemplateDeclaresEveryRoute keeps template.yaml and the code in step:
// IntakeFunction declares exactly the intake's routes; the webhooks are
// signed, not behind the authorizer; a manual order and the quarantine need
// orders:write in both spellings.
func TestTemplateDeclaresEveryRoute(t *testing.T) {
	e := newMemEnv(t)
	r := newRouter(t, e.svc, webhookDeps(t))
	want := map[string]string{
		intake.RouteWebhook: "", intake.RouteManualOrder: apihttp.ScopeOrdersWrite,
		intake.RouteQuarantineList: apihttp.ScopeOrdersWrite, intake.RouteQuarantineGet: apihttp.ScopeOrdersWrite,
		intake.RouteQuarantineReplay: apihttp.ScopeOrdersWrite, intake.RouteQuarantineReplayAll: apihttp.ScopeOrdersWrite,
	}
	for route, scope := range r.Routes() {
		if w, ok := want[route]; !ok || w != scope {
			t.Errorf("%s registered with scope %q, want %q", route, scope, w)
		}
	}
	if len(r.Routes()) != len(want) {
		t.Errorf("routes = %v, want %v", r.Routes(), want)
	}
	apihttptest.CheckTemplateRoutes(t, "../../template.yaml", "IntakeFunction", "StaffJwt", r)
}
