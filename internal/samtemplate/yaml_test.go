package samtemplate

import (
	"reflect"
	"strings"
	"testing"
)

// parseValue parses a template whose only interesting part is the Value
// property of resource R, and returns that value.
func parseValue(t *testing.T, value string) any {
	t.Helper()
	tpl, err := Parse([]byte("Resources:\n  R:\n    Type: Test::Thing\n    Properties:\n      Value: " + value + "\n"))
	if err != nil {
		t.Fatalf("Parse(%q): %v", value, err)
	}
	return tpl.Resources["R"].Properties["Value"]
}

func TestShortFormTags(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want any
	}{
		{"Ref", "!Ref Stage", map[string]any{"Ref": "Stage"}},
		{"Ref keeps numbers as names", "!Ref 10", map[string]any{"Ref": "10"}},
		{"GetAtt dotted", "!GetAtt Queue.Arn", map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}}},
		{"GetAtt dotted attribute", "!GetAtt Db.Endpoint.Address", map[string]any{"Fn::GetAtt": []any{"Db", "Endpoint.Address"}}},
		{"GetAtt list", "!GetAtt [Queue, Arn]", map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}}},
		{"Sub string", `!Sub "a-${Stage}"`, map[string]any{"Fn::Sub": "a-${Stage}"}},
		{"Sub list", "!Sub [\"${A}-${B}\", {A: x, B: !Ref Stage}]",
			map[string]any{"Fn::Sub": []any{"${A}-${B}", map[string]any{"A": "x", "B": map[string]any{"Ref": "Stage"}}}}},
		{"If", "!If [IsProd, 1, !Ref AWS::NoValue]",
			map[string]any{"Fn::If": []any{"IsProd", 1, map[string]any{"Ref": "AWS::NoValue"}}}},
		{"Equals", `!Equals [!Ref Stage, prod]`, map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "Stage"}, "prod"}}},
		{"Not", "!Not [!Condition IsProd]", map[string]any{"Fn::Not": []any{map[string]any{"Condition": "IsProd"}}}},
		{"And", "!And [!Condition A, !Condition B]",
			map[string]any{"Fn::And": []any{map[string]any{"Condition": "A"}, map[string]any{"Condition": "B"}}}},
		{"Or", "!Or [!Condition A, !Equals [x, y]]",
			map[string]any{"Fn::Or": []any{map[string]any{"Condition": "A"}, map[string]any{"Fn::Equals": []any{"x", "y"}}}}},
		{"Condition", "!Condition IsProd", map[string]any{"Condition": "IsProd"}},
		{"Join", `!Join [":", [a, !Ref Stage]]`, map[string]any{"Fn::Join": []any{":", []any{"a", map[string]any{"Ref": "Stage"}}}}},
		{"Select", `!Select [0, !GetAZs ""]`, map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::GetAZs": ""}}}},
		{"Split", `!Split [",", "a,b"]`, map[string]any{"Fn::Split": []any{",", "a,b"}}},
		{"FindInMap", "!FindInMap [Sizes, !Ref Stage, Memory]",
			map[string]any{"Fn::FindInMap": []any{"Sizes", map[string]any{"Ref": "Stage"}, "Memory"}}},
		{"Base64 scalar", "!Base64 hello", map[string]any{"Fn::Base64": "hello"}},
		{"Base64 of Sub", `!Base64 {"Fn::Sub": "x-${Stage}"}`, map[string]any{"Fn::Base64": map[string]any{"Fn::Sub": "x-${Stage}"}}},
		{"GetAZs", "!GetAZs eu-west-3", map[string]any{"Fn::GetAZs": "eu-west-3"}},
		{"ImportValue", "!ImportValue shared-vpc", map[string]any{"Fn::ImportValue": "shared-vpc"}},
		{"ImportValue of Sub", `!ImportValue {"Fn::Sub": "${Stage}-vpc"}`,
			map[string]any{"Fn::ImportValue": map[string]any{"Fn::Sub": "${Stage}-vpc"}}},
		{"long form untouched", `{"Fn::GetAtt": [Q, Arn]}`, map[string]any{"Fn::GetAtt": []any{"Q", "Arn"}}},
		{"plain scalars keep their type", "[1, true, 2.5, text, null]", []any{1, true, 2.5, "text", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseValue(t, tt.yaml)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown tag", "Resources:\n  R:\n    Type: X\n    Properties: {A: !Nope x}\n", "unknown tag !Nope"},
		{"GetAtt without attribute", "Resources:\n  R:\n    Type: X\n    Properties: {A: !GetAtt Queue}\n", "want Resource.Attribute"},
		{"duplicate key", "Resources:\n  R:\n    Type: X\n  R:\n    Type: Y\n", `duplicate key "R"`},
		{"no resources", "Parameters: {}\n", "no Resources"},
		{"resource without type", "Resources:\n  R:\n    Properties: {}\n", "resource R: no Type"},
		{"unknown resource condition", "Resources:\n  R:\n    Type: X\n    Condition: Nope\n", `unknown condition "Nope"`},
		{"parameter without type", "Parameters:\n  P: {Default: x}\nResources:\n  R: {Type: X}\n", "parameter P: no Type"},
		{"not a mapping", "- a\n- b\n", "not a mapping"},
		{"bad yaml", "Resources: [\n", "yaml:"},
		{"DependsOn of the wrong shape", "Resources:\n  R:\n    Type: X\n    DependsOn: {a: b}\n", "DependsOn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseSections(t *testing.T) {
	src := `
Description: test
Transform: [AWS::Serverless-2016-10-31]
Parameters:
  Size: {Type: Number, Default: 30, AllowedValues: [7, 30]}
  Name: {Type: String}
  Empty: {Type: String, Default: ""}
Mappings:
  M: {a: {b: c}}
Base: &base {Type: AWS::SQS::Queue}
Resources:
  Q:
    <<: *base
    DependsOn: Other
  Other:
    Type: AWS::SQS::Queue
    DependsOn: [Q]
    DeletionPolicy: Retain
`
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Description != "test" || !reflect.DeepEqual(tpl.Transform, []any{"AWS::Serverless-2016-10-31"}) {
		t.Errorf("Description/Transform = %q %v", tpl.Description, tpl.Transform)
	}
	wantParams := map[string]Parameter{
		"Size":  {Type: "Number", Default: "30", HasDefault: true, AllowedValues: []string{"7", "30"}},
		"Name":  {Type: "String"},
		"Empty": {Type: "String", Default: "", HasDefault: true},
	}
	if !reflect.DeepEqual(tpl.Parameters, wantParams) {
		t.Errorf("Parameters = %#v\nwant %#v", tpl.Parameters, wantParams)
	}
	if got := tpl.Resources["Q"]; got.Type != "AWS::SQS::Queue" || !reflect.DeepEqual(got.DependsOn, []string{"Other"}) {
		t.Errorf("Q (merge key, DependsOn string) = %#v", got)
	}
	if got := tpl.Resources["Other"]; !reflect.DeepEqual(got.DependsOn, []string{"Q"}) || got.DeletionPolicy != "Retain" {
		t.Errorf("Other = %#v", got)
	}
	if got := tpl.ResourceIDs("AWS::SQS::Queue"); !reflect.DeepEqual(got, []string{"Other", "Q"}) {
		t.Errorf("ResourceIDs = %v", got)
	}
	if tpl.Conditions == nil || tpl.Globals == nil || tpl.Outputs == nil {
		t.Error("absent sections must be empty maps, not nil")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Resources:\n  R:\n    Type: X\n    Properties: {A: !Sub '${B.C}', B: !GetAtt X.Y}\n"))
	f.Add([]byte("Resources: {R: {Type: X, Properties: {A: !If [C, !Ref P, !Join ['', [a]]]}}}\n"))
	f.Add([]byte("Conditions: {C: !Equals [a, a]}\nResources: {R: {Type: X, Condition: C}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tpl, err := Parse(b)
		if err != nil {
			return
		}
		again, err := Parse(b)
		if err != nil || !reflect.DeepEqual(tpl, again) {
			t.Fatalf("Parse is not deterministic: %v", err)
		}
		// Whatever parses must resolve or fail cleanly, never panic.
		for _, r := range tpl.Resources {
			_, _ = tpl.Resolve(r.Properties, &Context{Region: "eu-west-3", AccountID: "1", StackName: "s"})
		}
		for name := range tpl.Conditions {
			_, _ = tpl.ConditionTrue(name, nil)
		}
		_ = tpl.Functions()
	})
}
