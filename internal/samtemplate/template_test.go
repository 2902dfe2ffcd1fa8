package samtemplate

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// realTemplate parses the project's own template.yaml: these tests break
// when the template changes in a way the local stack would not follow.
func realTemplate(t *testing.T) *Template {
	t.Helper()
	tpl, err := ParseFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// devContext is the local stack's context for the real template, with the
// values Provision would report for the resources functions refer to.
func devContext() *Context {
	return &Context{
		Params:    map[string]string{"Stage": "dev"},
		Region:    "eu-west-3",
		AccountID: "123456789012",
		StackName: "ordersmith-dev",
		Refs: map[string]string{
			"OrdersTable":         "ordersmith-dev",
			"NotificationsDLQ":    "http://127.0.0.1:4566/123456789012/ordersmith-dev-notifications-dlq",
			"StaffUserPool":       "eu-west-3_pool",
			"StaffUserPoolClient": "client-123",
			"Api":                 "api123",
			"IntakeLogGroup":      "/aws/lambda/ordersmith-dev-intake",
		},
		Attrs: map[string]map[string]string{
			"NotificationsDLQ":  {"Arn": "arn:aws:sqs:eu-west-3:123456789012:ordersmith-dev-notifications-dlq"},
			"ApiAccessLogGroup": {"Arn": "arn:aws:logs:eu-west-3:123456789012:log-group:/ordersmith/dev/api-access:*"},
		},
	}
}

func TestRealTemplateStructure(t *testing.T) {
	tpl := realTemplate(t)
	stage := tpl.Parameters["Stage"]
	if stage.Default != "dev" || !stage.HasDefault || !slices.Contains(stage.AllowedValues, "dev") || !slices.Contains(stage.AllowedValues, "prod") {
		t.Errorf("Stage = %#v", stage)
	}
	if p := tpl.Parameters["JwtIssuer"]; !p.HasDefault || p.Default != "" {
		t.Errorf("JwtIssuer: an empty default is still a default: %#v", p)
	}
	if p := tpl.Parameters["LogRetentionDays"]; p.Type != "Number" || p.Default != "30" {
		t.Errorf("LogRetentionDays = %#v", p)
	}
	wantCond := map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "JwtIssuer"}, ""}}
	if got := tpl.Conditions["CreateUserPool"]; !reflect.DeepEqual(got, wantCond) {
		t.Errorf("CreateUserPool = %#v", got)
	}
	types := map[string]string{
		"OrdersTable":         "AWS::DynamoDB::Table",
		"ExportsBucket":       "AWS::S3::Bucket",
		"NotificationsQueue":  "AWS::SQS::Queue",
		"StaffUserPool":       "AWS::Cognito::UserPool",
		"Api":                 "AWS::Serverless::HttpApi",
		"IntakeFunction":      FunctionType,
		"TransitionsFunction": FunctionType,
	}
	for id, typ := range types {
		if got := tpl.Resources[id].Type; got != typ {
			t.Errorf("%s.Type = %q, want %q", id, got, typ)
		}
	}
	if r := tpl.Resources["StaffUserPoolClient"]; r.Condition != "CreateUserPool" || !reflect.DeepEqual(r.DependsOn, []string{"StaffResourceServer", "SettingsResourceServer", "FinanceResourceServer"}) {
		t.Errorf("StaffUserPoolClient Condition/DependsOn = %q %v", r.Condition, r.DependsOn)
	}
	if r := tpl.Resources["OrdersTable"]; r.DeletionPolicy != "Retain" {
		t.Errorf("OrdersTable DeletionPolicy = %q", r.DeletionPolicy)
	}
	redrive := tpl.Resources["NotificationsQueue"].Properties["RedrivePolicy"].(map[string]any)
	if got := redrive["deadLetterTargetArn"]; !reflect.DeepEqual(got, map[string]any{"Fn::GetAtt": []any{"NotificationsDLQ", "Arn"}}) {
		t.Errorf("RedrivePolicy target = %#v", got)
	}
}

func TestRealTemplateFunctions(t *testing.T) {
	tpl := realTemplate(t)
	fns := tpl.Functions()
	if want := len(tpl.ResourceIDs(FunctionType)); len(fns) != want || fns["IntakeFunction"].Type != FunctionType || fns["TransitionsFunction"].Type != FunctionType {
		t.Fatalf("Functions() = %d functions, want the template's %d including IntakeFunction and TransitionsFunction", len(fns), want)
	}
	tests := []struct {
		fn, path string
		want     any
	}{
		{"IntakeFunction", "Timeout", 5},       // the resource wins over Globals
		{"TransitionsFunction", "Timeout", 10}, // inherited from Globals
		{"IntakeFunction", "MemorySize", 256},
		{"IntakeFunction", "Runtime", "provided.al2023"},
		{"IntakeFunction", "Handler", "bootstrap"},
		{"IntakeFunction", "Architectures", []any{"arm64"}},
		{"IntakeFunction", "CodeUri", "."},
		// LoggingConfig is a map on both sides: merged key by key.
		{"IntakeFunction", "LoggingConfig.LogFormat", "JSON"},
		{"IntakeFunction", "LoggingConfig.ApplicationLogLevel", "INFO"},
		{"IntakeFunction", "LoggingConfig.LogGroup", map[string]any{"Ref": "IntakeLogGroup"}},
		{"TransitionsFunction", "LoggingConfig.LogGroup", map[string]any{"Ref": "TransitionsLogGroup"}},
		{"IntakeFunction", "Environment.Variables.TABLE_NAME", map[string]any{"Ref": "OrdersTable"}},
		{"IntakeFunction", "Events.Webhook.Type", "HttpApi"},
		{"IntakeFunction", "Events.Webhook.Properties.Path", "/webhooks/{source}"},
		{"IntakeFunction", "Events.Webhook.Properties.Method", "POST"},
		{"IntakeFunction", "Events.ManualOrder.Properties.Auth.Authorizer", "StaffJwt"},
		{"TransitionsFunction", "Events.GetOrder.Properties.Path", "/orders/{id}"},
		{"TransitionsFunction", "Events.ListOrders.Properties.Method", "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.fn+"."+tt.path, func(t *testing.T) {
			got := lookup(fns[tt.fn].Properties, tt.path)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	if got := fns["IntakeFunction"].Metadata["BuildMethod"]; got != "makefile" {
		t.Errorf("Metadata.BuildMethod = %v", got)
	}
	// Functions returns copies: the template's Globals must not change.
	fns["IntakeFunction"].Properties["LoggingConfig"].(map[string]any)["LogFormat"] = "Text"
	if got := lookup(tpl.Globals, "Function.LoggingConfig.LogFormat"); got != "JSON" {
		t.Errorf("Globals changed through Functions(): LogFormat = %v", got)
	}
	if _, ok := tpl.Resources["IntakeFunction"].Properties["MemorySize"]; ok {
		t.Error("Functions() wrote the merge back into t.Resources")
	}
}

func TestRealTemplateResolve(t *testing.T) {
	tpl := realTemplate(t)
	tests := []struct {
		name string
		c    func(*Context)
		v    any
		want any
	}{
		{
			name: "stage parameter changes names",
			c:    func(c *Context) { c.Params["Stage"] = "prod" },
			v:    tpl.Resources["NotificationsQueue"].Properties["QueueName"],
			want: "ordersmith-prod-notifications.fifo",
		},
		{
			name: "bucket name with AWS::AccountId",
			v:    tpl.Resources["ExportsBucket"].Properties["BucketName"],
			want: "ordersmith-dev-exports-123456789012",
		},
		{
			name: "GetAtt in a redrive policy",
			v:    tpl.Resources["NotificationsQueue"].Properties["RedrivePolicy"],
			want: map[string]any{"deadLetterTargetArn": "arn:aws:sqs:eu-west-3:123456789012:ordersmith-dev-notifications-dlq", "maxReceiveCount": 5},
		},
		{
			name: "If with the user pool created",
			v:    lookup(tpl.Resources["Api"].Properties, "Auth.Authorizers.StaffJwt.JwtConfiguration"),
			want: map[string]any{"issuer": "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_pool", "audience": []any{"client-123"}},
		},
		{
			name: "If with an external issuer: the pool's refs are not needed",
			c: func(c *Context) {
				c.Params["JwtIssuer"] = "https://id.example.com"
				c.Params["JwtAudience"] = "aud"
				delete(c.Refs, "StaffUserPool")
				delete(c.Refs, "StaffUserPoolClient")
			},
			v:    lookup(tpl.Resources["Api"].Properties, "Auth.Authorizers.StaffJwt.JwtConfiguration"),
			want: map[string]any{"issuer": "https://id.example.com", "audience": []any{"aud"}},
		},
		{
			name: "output with a resource in Sub",
			v:    lookup(tpl.Outputs, "ApiUrl.Value"),
			want: "https://api123.execute-api.eu-west-3.amazonaws.com/dev",
		},
		{
			name: "Number parameter resolves as text",
			v:    tpl.Resources["IntakeLogGroup"].Properties["RetentionInDays"],
			want: "30",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := devContext()
			if tt.c != nil {
				tt.c(c)
			}
			got, err := tpl.Resolve(tt.v, c)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestRealTemplateEnvironments checks, for every function, that its
// environment holds exactly the Globals variables plus its own (the deep
// merge), and that the shared ones resolve to the local stack's values.
func TestRealTemplateEnvironments(t *testing.T) {
	tpl := realTemplate(t)
	globalVars, _ := lookup(tpl.Globals, "Function.Environment.Variables").(map[string]any)
	if len(globalVars) == 0 {
		t.Fatal("Globals.Function.Environment.Variables is empty")
	}
	for id, fn := range tpl.Functions() {
		t.Run(id, func(t *testing.T) {
			env, err := tpl.Resolve(fn.Properties["Environment"], withEveryResource(tpl, devContext()))
			if err != nil {
				t.Fatal(err)
			}
			vars, _ := lookup(env, "Variables").(map[string]any)
			own, _ := lookup(tpl.Resources[id].Properties, "Environment.Variables").(map[string]any)
			want := map[string]bool{}
			for k := range globalVars {
				want[k] = true
			}
			for k := range own {
				want[k] = true
			}
			if len(vars) != len(want) {
				t.Errorf("%d variables, want %d (Globals and own): %v", len(vars), len(want), vars)
			}
			for k := range want {
				if _, ok := vars[k]; !ok {
					t.Errorf("variable %s missing", k)
				}
			}
			for k, v := range map[string]string{"STAGE": "dev", "TABLE_NAME": "ordersmith-dev", "SECRETS_PREFIX": "/ordersmith"} {
				if vars[k] != v {
					t.Errorf("%s = %v, want %q", k, vars[k], v)
				}
			}
		})
	}
}

func TestRealTemplateConditions(t *testing.T) {
	tpl := realTemplate(t)
	tests := []struct {
		params         map[string]string
		createUserPool bool
		isProd         bool
	}{
		{map[string]string{}, true, false},
		{map[string]string{"Stage": "prod"}, true, true},
		{map[string]string{"JwtIssuer": "https://id.example.com"}, false, false},
	}
	for _, tt := range tests {
		c := &Context{Params: tt.params}
		if got, err := tpl.ConditionTrue("CreateUserPool", c); err != nil || got != tt.createUserPool {
			t.Errorf("%v: CreateUserPool = %v, %v; want %v", tt.params, got, err, tt.createUserPool)
		}
		if got, err := tpl.ConditionTrue("IsProd", c); err != nil || got != tt.isProd {
			t.Errorf("%v: IsProd = %v, %v; want %v", tt.params, got, err, tt.isProd)
		}
	}
	if _, err := tpl.ConditionTrue("IsProd", &Context{Params: map[string]string{"Stage": "qa"}}); err == nil ||
		!strings.Contains(err.Error(), "not one of") {
		t.Errorf("a Stage outside AllowedValues must be refused, got %v", err)
	}
}

func TestRealTemplateReferences(t *testing.T) {
	tpl := realTemplate(t)
	got := References(tpl.Resources["NotificationsQueue"].Properties)
	if want := []string{"NotificationsDLQ", "Stage"}; !reflect.DeepEqual(got, want) {
		t.Errorf("References(NotificationsQueue) = %v, want %v", got, want)
	}
	// Through !GetAtt, !Ref inside !If, and ${Name} inside !Sub; never a
	// pseudo parameter.
	got = References(tpl.Resources["Api"].Properties)
	for _, want := range []string{"ApiAccessLogGroup", "JwtAudience", "JwtIssuer", "StaffUserPool", "StaffUserPoolClient", "Stage"} {
		if !slices.Contains(got, want) {
			t.Errorf("References(Api) = %v, missing %s", got, want)
		}
	}
	for _, name := range got {
		if strings.HasPrefix(name, "AWS::") {
			t.Errorf("References(Api) lists the pseudo parameter %s", name)
		}
	}
}

// withEveryResource gives each resource of tpl that c does not know a
// stand-in Ref and the usual attributes, so that a function's environment
// resolves whatever the template adds.
func withEveryResource(tpl *Template, c *Context) *Context {
	for _, id := range tpl.ResourceIDs("") {
		if _, ok := c.Refs[id]; !ok {
			c.Refs[id] = "ref-" + id
		}
		if _, ok := c.Attrs[id]; !ok {
			c.Attrs[id] = map[string]string{"Arn": "arn-" + id, "QueueUrl": "url-" + id, "QueueName": "name-" + id, "StreamArn": "stream-" + id}
		}
	}
	return c
}

// lookup follows a dotted path through nested maps.
func lookup(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
