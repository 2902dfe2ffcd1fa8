package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/fixtures"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
)

// TestTemplateConformance checks every function of template.yaml against
// the deploy rules: the same build as sam build, arm64, active tracing, JSON
// logs into an explicit log group with a retention, least-privilege policies,
// partial batch responses for SQS, and a queue visibility timeout Lambda
// accepts.
func TestTemplateConformance(t *testing.T) {
	root, err := fixtures.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.ParseFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	funcs := tpl.Functions()
	if len(funcs) == 0 {
		t.Fatal("template.yaml has no function")
	}
	for id, fn := range funcs {
		t.Run(id, func(t *testing.T) {
			p := fn.Properties
			checks := []struct {
				what string
				ok   bool
			}{
				{"Metadata.BuildMethod is makefile", fn.Metadata["BuildMethod"] == "makefile"},
				{"CodeUri is . (one go.mod)", p["CodeUri"] == "."},
				{"Runtime is provided.al2023", p["Runtime"] == "provided.al2023"},
				{"Handler is bootstrap", p["Handler"] == "bootstrap"},
				{"Architectures is [arm64]", fmt.Sprint(p["Architectures"]) == "[arm64]"},
				{"Tracing is Active", p["Tracing"] == "Active"},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: not so", c.what)
				}
			}
			lc, _ := p["LoggingConfig"].(map[string]any)
			if lc["LogFormat"] != "JSON" {
				t.Errorf("LoggingConfig.LogFormat = %v, want JSON", lc["LogFormat"])
			}
			group, _ := lc["LogGroup"].(map[string]any)
			ref, _ := group["Ref"].(string)
			lg, ok := tpl.Resources[ref]
			if !ok || lg.Type != "AWS::Logs::LogGroup" {
				t.Errorf("LoggingConfig.LogGroup = %v, want a !Ref to an AWS::Logs::LogGroup of the template", lc["LogGroup"])
			} else if _, ok := lg.Properties["RetentionInDays"]; !ok {
				t.Errorf("log group %s has no RetentionInDays", ref)
			}
			for _, problem := range policyProblems(p["Policies"]) {
				t.Errorf("Policies: %s", problem)
			}
			timeout := 3
			if v, ok := p["Timeout"]; ok {
				if n, err := asInt(v); err == nil {
					timeout = n
				}
			}
			events, _ := p["Events"].(map[string]any)
			for name, raw := range events {
				ev, _ := raw.(map[string]any)
				props, _ := ev["Properties"].(map[string]any)
				switch ev["Type"] {
				case "SQS":
					if !hasString(props["FunctionResponseTypes"], "ReportBatchItemFailures") {
						t.Errorf("SQS event %s: FunctionResponseTypes lacks ReportBatchItemFailures", name)
					}
					if q := queueOf(tpl, props["Queue"]); q != nil {
						vis := 30
						if v, ok := q.Properties["VisibilityTimeout"]; ok {
							vis, _ = asInt(v)
						}
						// Lambda refuses a mapping whose queue hides a message
						// for less time than the function may run.
						if vis < timeout {
							t.Errorf("SQS event %s: queue VisibilityTimeout %d s is below the function Timeout %d s", name, vis, timeout)
						}
					}
				case "DynamoDB":
					if !hasString(props["FunctionResponseTypes"], "ReportBatchItemFailures") {
						t.Errorf("DynamoDB event %s: FunctionResponseTypes lacks ReportBatchItemFailures", name)
					}
				}
			}
			// The deploy build rule exists for the function (make -n only
			// prints the commands).
			cmd := exec.Command("make", "-n", "--no-print-directory", "-C", root, "build-"+id, "ARTIFACTS_DIR=/nonexistent")
			if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "-tags lambda.norpc -trimpath -ldflags='-s -w'") {
				t.Errorf("make build-%s: %v\n%s", id, err, out)
			}
		})
	}
}

// queueOf returns the queue resource an event's Queue (!GetAtt Q.Arn) names.
func queueOf(tpl *samtemplate.Template, v any) *samtemplate.Resource {
	m, _ := v.(map[string]any)
	att, _ := m["Fn::GetAtt"].([]any)
	if len(att) != 2 {
		return nil
	}
	id, _ := att[0].(string)
	r, ok := tpl.Resources[id]
	if !ok {
		return nil
	}
	return &r
}

// broadManaged are managed policies no function of ours needs.
var broadManaged = []string{"AdministratorAccess", "PowerUserAccess", "FullAccess", "AWSLambda_FullAccess"}

// policyProblems lists what makes a function's policies broader than it
// needs: broad managed policies, wildcard actions, or SAM policy templates
// without the resource they are meant to be scoped to.
func policyProblems(v any) []string {
	var out []string
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil
		}
		list = []any{v}
	}
	for _, p := range list {
		switch x := p.(type) {
		case string:
			for _, b := range broadManaged {
				if strings.Contains(x, b) {
					out = append(out, "managed policy "+x+" is too broad")
				}
			}
		case map[string]any:
			if stmts, ok := x["Statement"].([]any); ok {
				for _, s := range stmts {
					st, _ := s.(map[string]any)
					for _, a := range stringList(st["Action"]) {
						if a == "*" || strings.HasSuffix(a, ":*") {
							out = append(out, "statement allows "+a)
						}
					}
				}
				continue
			}
			for name, args := range x {
				if strings.HasSuffix(name, "Policy") {
					if m, ok := args.(map[string]any); !ok || len(m) == 0 {
						out = append(out, name+" has no resource to scope it")
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestPolicyProblems(t *testing.T) {
	tests := []struct {
		name   string
		policy any
		want   int
	}{
		{"scoped SAM templates", []any{map[string]any{"DynamoDBCrudPolicy": map[string]any{"TableName": "t"}}, map[string]any{"SQSSendMessagePolicy": map[string]any{"QueueName": "q"}}}, 0},
		{"admin", []any{"arn:aws:iam::aws:policy/AdministratorAccess"}, 1},
		{"full access", "AmazonDynamoDBFullAccess", 1},
		{"wildcard action", []any{map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": []any{"s3:*"}, "Resource": "*"}}}}, 1},
		{"unscoped template", []any{map[string]any{"DynamoDBCrudPolicy": map[string]any{}}}, 1},
		{"none", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policyProblems(tt.policy); len(got) != tt.want {
				t.Errorf("problems %v, want %d", got, tt.want)
			}
		})
	}
}
