package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/devauth"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/fixtures"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

func offlineModel(t *testing.T, file string, mutate func(*samtemplate.Template)) (*model, *samtemplate.Context, error) {
	t.Helper()
	root, err := fixtures.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.ParseFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(tpl)
	}
	params := localParams()
	params["Suffix"] = "x1"
	c := &samtemplate.Context{Params: params, Region: localaws.Region, AccountID: localaws.AccountID, StackName: localaws.StackName,
		Refs: map[string]string{}, Attrs: map[string]map[string]string{}}
	offlineRefs(tpl, c)
	m, err := buildModel(tpl, c, nil)
	return m, c, err
}

func TestBuildModelFromTheConformanceTemplate(t *testing.T) {
	m, c, err := offlineModel(t, "cmd/samlocal/testdata/template.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	echo := m.Functions["EchoFunction"]
	if echo == nil || m.Functions["WorkerFunction"] == nil || m.Functions["SleepFunction"] == nil {
		t.Fatalf("functions %v", m.FunctionIDs())
	}
	fn := echo.Fn
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", fn.Name, "ordersmith-dev-EchoFunction"},
		{"log name", fn.LogName, "EchoFunction"},
		{"memory (function wins over Globals)", fn.MemoryMB, 256},
		{"timeout (from Globals)", fn.Timeout, 5 * time.Second},
		{"sleep timeout", m.Functions["SleepFunction"].Fn.Timeout, time.Second},
		{"log format", fn.LogFormat, "JSON"},
		{"log level", fn.LogLevel, "INFO"},
		{"log group", fn.LogGroup, "/aws/lambda/samlocal-x1-echo"},
		{"TABLE_NAME (Globals, !Ref)", fn.Env["TABLE_NAME"], "samlocal-x1"},
		{"QUEUE_URL (!Ref)", fn.Env["QUEUE_URL"], c.Refs["WorkQueue"]},
		{"QUEUE_ARN (!GetAtt)", fn.Env["QUEUE_ARN"], "arn:aws:sqs:eu-west-3:123456789012:samlocal-x1-work"},
		{"GREETING (!Sub)", fn.Env["GREETING"], "hello-dev"},
		{"folder", echo.Folder, "echo"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.what, ch.got, ch.want)
		}
	}

	api := m.APIs["Api"]
	if api == nil || api.Stage != "dev" || api.APIID != apiID("Api") {
		t.Fatalf("api %+v", api)
	}
	routes := map[string]string{}
	for _, r := range api.Routes {
		auth := "open"
		if r.Authorizer != nil {
			auth = fmt.Sprintf("%s(%s|%s|%v)", r.Authorizer.Name, r.Authorizer.Issuer, strings.Join(r.Authorizer.Audience, ","), r.Scopes)
		}
		routes[r.Key()] = r.Function + " " + auth
	}
	wantRoutes := map[string]string{
		"GET /echo/{proxy+}": "EchoFunction open",
		"GET /admin/orders":  "EchoFunction StaffJwt(" + devauth.Issuer + "|" + devauth.Audience + "|[orders:read])",
		"POST /slow":         "SleepFunction open",
	}
	for k, v := range wantRoutes {
		if routes[k] != v {
			t.Errorf("route %s = %q, want %q", k, routes[k], v)
		}
	}
	if len(routes) != len(wantRoutes) {
		t.Errorf("routes %v", routes)
	}

	if len(m.SQS) != 1 {
		t.Fatalf("sqs sources %+v", m.SQS)
	}
	sq := m.SQS[0]
	if sq.Function != "WorkerFunction" || sq.QueueURL != c.Refs["WorkQueue"] || sq.QueueARN != c.Attrs["WorkQueue"]["Arn"] ||
		sq.BatchSize != 10 || sq.MaxBatchingWindow != time.Second || !sq.ReportBatchItemFailures {
		t.Errorf("sqs source %+v", sq)
	}
	if len(m.Streams) != 1 {
		t.Fatalf("stream sources %+v", m.Streams)
	}
	st := m.Streams[0]
	if st.StreamARN != c.Attrs["Table"]["StreamArn"] || st.StartingPosition != "TRIM_HORIZON" || st.MaximumRetryAttempts != 0 ||
		!st.ReportBatchItemFailures || st.OnFailureQueueURL != c.Refs["StreamFailures"] || st.FunctionARN != "arn:aws:lambda:eu-west-3:123456789012:function:ordersmith-dev-WorkerFunction" {
		t.Errorf("stream source %+v", st)
	}
	if len(m.Schedules) != 2 {
		t.Fatalf("schedules %+v", m.Schedules)
	}
	for _, s := range m.Schedules {
		switch s.Event {
		case "Hourly":
			if s.Expression != "rate(1 hour)" || s.V2 || !s.Enabled || s.Name != "EchoFunction-Hourly" {
				t.Errorf("Hourly %+v", s)
			}
		case "Nightly":
			if s.Expression != "cron(0 2 * * ? *)" || !s.V2 || s.Timezone != "Europe/Paris" || s.Input != `{"job":"nightly"}` {
				t.Errorf("Nightly %+v", s)
			}
		default:
			t.Errorf("unexpected schedule %s", s.Event)
		}
	}
	if got := strings.Join(m.Scopes(), " "); got != "orders:read" {
		t.Errorf("scopes %q", got)
	}
}

// routeAuth describes each route of an API: "open", or the authorizer's
// name and the route's scopes.
func routeAuth(a *apiSpec) map[string]string {
	out := map[string]string{}
	for _, r := range a.Routes {
		auth := "open"
		if r.Authorizer != nil {
			auth = fmt.Sprintf("%s %v", r.Authorizer.Name, r.Scopes)
		}
		out[r.Key()] = auth
	}
	return out
}

// TestBuildModelDefaultAuthorizer: with Auth.DefaultAuthorizer, a route
// that names no authorizer is behind the default one (any valid token when
// it names no scope), and only Authorizer: NONE leaves a route open.
func TestBuildModelDefaultAuthorizer(t *testing.T) {
	m, _, err := offlineModel(t, "cmd/samlocal/testdata/template.yaml", func(tpl *samtemplate.Template) {
		tpl.Resources["Api"].Properties["Auth"].(map[string]any)["DefaultAuthorizer"] = "StaffJwt"
		open := tpl.Resources["EchoFunction"].Properties["Events"].(map[string]any)["Open"].(map[string]any)
		open["Properties"].(map[string]any)["Auth"] = map[string]any{"Authorizer": "NONE"}
	})
	if err != nil {
		t.Fatal(err)
	}
	got := routeAuth(m.APIs["Api"])
	want := map[string]string{
		"GET /echo/{proxy+}": "open",
		"GET /admin/orders":  "StaffJwt [orders:read]",
		"POST /slow":         "StaffJwt []",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("routes = %v, want %v", got, want)
	}
}

func TestBuildModelRejectsBrokenEvents(t *testing.T) {
	event := func(fn, name string, ev map[string]any) func(*samtemplate.Template) {
		return func(tpl *samtemplate.Template) {
			tpl.Resources[fn].Properties["Events"].(map[string]any)[name] = ev
		}
	}
	tests := []struct {
		name   string
		mutate func(*samtemplate.Template)
		want   string
	}{
		{"unknown authorizer", event("EchoFunction", "Bad", map[string]any{"Type": "HttpApi", "Properties": map[string]any{
			"ApiId": map[string]any{"Ref": "Api"}, "Method": "GET", "Path": "/bad", "Auth": map[string]any{"Authorizer": "Nope"}}}), "authorizer Nope"},
		{"queue not in the stack", event("WorkerFunction", "Bad", map[string]any{"Type": "SQS", "Properties": map[string]any{
			"Queue": "arn:aws:sqs:eu-west-3:123456789012:elsewhere"}}), "not a queue of the local stack"},
		{"bad schedule", event("EchoFunction", "Bad", map[string]any{"Type": "Schedule", "Properties": map[string]any{
			"Schedule": "every day"}}), "schedule expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := offlineModel(t, "cmd/samlocal/testdata/template.yaml", tt.mutate)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestBuildModelFromTheProjectTemplate(t *testing.T) {
	m, _, err := offlineModel(t, "template.yaml", nil)
	if err != nil {
		t.Fatalf("template.yaml does not resolve for the local stack: %v", err)
	}
	api := m.APIs["Api"]
	if api == nil {
		t.Fatal("no Api")
	}
	staff := api.Authorizers["StaffJwt"]
	if staff == nil || staff.Issuer != devauth.Issuer || strings.Join(staff.Audience, ",") != devauth.Audience {
		t.Errorf("StaffJwt = %+v: the local parameters must make it the local issuer (CreateUserPool false)", staff)
	}
	// The project's API closes every route but these: the signed webhooks,
	// and the links of the cart reminders, which carry their own signed,
	// expiring token (a customer has no staff token).
	openRoutes := map[string]bool{
		"POST /webhooks/{source}": true,
		"POST /unsubscribe":       true,
		"GET /unsubscribe":        true,
		"GET /carts/{id}/recover": true,
	}
	for route, auth := range routeAuth(api) {
		if open := auth == "open"; open != openRoutes[route] {
			t.Errorf("route %s is %s locally", route, auth)
		}
	}
	if _, ok := m.Functions["StaffScopesFunction"]; !ok {
		t.Error("StaffScopesFunction does not run locally: its sample cannot be invoked")
	}
	for _, w := range m.Warnings {
		t.Logf("warning: %s", w)
	}
}
