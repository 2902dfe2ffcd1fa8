package samtemplate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const inlineTemplate = `
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Subnets: {Type: CommaDelimitedList, Default: "a, b,c"}
  Required: {Type: String}
  Port: {Type: Number, Default: 8080}
Mappings:
  Sizes:
    dev: {Memory: 128, Tags: [x, y]}
    prod: {Memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [a, a]]
  Either: !Or [!Condition IsProd, !Equals [!Ref Port, "8080"]]
  LoopA: !Condition LoopB
  LoopB: !Not [!Condition LoopA]
  Nested: !Not [!And [!Condition IsProd, !Condition IsDev]]
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Off:
    Type: AWS::SQS::Queue
    Condition: IsProd
`

func inlineContext() *Context {
	return &Context{
		Params:    map[string]string{"Required": "given"},
		Region:    "eu-west-3",
		AccountID: "123456789012",
		StackName: "s",
		Refs:      map[string]string{"Queue": "http://q"},
		Attrs:     map[string]map[string]string{"Queue": {"Arn": "arn:q", "Deep.Name": "deep"}},
		Imports:   map[string]string{"shared-vpc": "vpc-1"},
	}
}

func TestResolve(t *testing.T) {
	tpl, err := Parse([]byte(inlineTemplate))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		yaml string
		want any
	}{
		{"Ref parameter default", "!Ref Stage", "dev"},
		{"Ref parameter from context", "!Ref Required", "given"},
		{"Ref number parameter is text", "!Ref Port", "8080"},
		{"Ref list parameter", "!Ref Subnets", []any{"a", "b", "c"}},
		{"Ref resource", "!Ref Queue", "http://q"},
		{"Ref pseudo parameters", "[!Ref AWS::Region, !Ref AWS::AccountId, !Ref AWS::StackName, !Ref AWS::Partition, !Ref AWS::URLSuffix]",
			[]any{"eu-west-3", "123456789012", "s", "aws", "amazonaws.com"}},
		{"Ref AWS::StackId", "!Ref AWS::StackId", "arn:aws:cloudformation:eu-west-3:123456789012:stack/s/local"},
		{"GetAtt", "!GetAtt Queue.Arn", "arn:q"},
		{"GetAtt list with dotted attribute", "!GetAtt [Queue, Deep.Name]", "deep"},
		{"Sub parameters, pseudo, resources, attributes", `!Sub "${Stage}/${AWS::Region}/${Queue}/${Queue.Arn}"`, "dev/eu-west-3/http://q/arn:q"},
		{"Sub escape", `!Sub "${!Literal}-${Stage}"`, "${Literal}-dev"},
		{"Sub with variables", `!Sub ["${Name}-${Stage}", {Name: !Select [1, !Ref Subnets]}]`, "b-dev"},
		{"Sub variable shadows parameter", `!Sub ["${Stage}", {Stage: other}]`, "other"},
		{"Sub without variables", `!Sub "plain"`, "plain"},
		{"If true branch", "!If [IsDev, yes, !Ref Nope]", "yes"},
		{"If false branch", "!If [IsProd, !Ref Nope, no]", "no"},
		{"If NoValue removes a key", "{A: !If [IsProd, x, !Ref AWS::NoValue], B: 1}", map[string]any{"B": 1}},
		{"NoValue removes a list element", "[a, !Ref AWS::NoValue, b]", []any{"a", "b"}},
		{"Equals as a value", "!Equals [!Ref Stage, dev]", true},
		{"Join", `!Join ["-", [a, !Ref Stage, 3]]`, "a-dev-3"},
		{"Join of a list parameter", `!Join [";", !Ref Subnets]`, "a;b;c"},
		{"Select", `!Select ["2", [x, y, z]]`, "z"},
		{"Select of GetAZs", `!Select [0, !GetAZs ""]`, "eu-west-3a"},
		{"Split", `!Split [",", "a,b,,c"]`, []any{"a", "b", "", "c"}},
		{"Split then Select", `!Select [1, !Split ["/", !Sub "${Stage}/x"]]`, "x"},
		{"FindInMap", "!FindInMap [Sizes, !Ref Stage, Memory]", 128},
		{"FindInMap list", "!FindInMap [Sizes, dev, Tags]", []any{"x", "y"}},
		{"Base64", "!Base64 hello", "aGVsbG8="},
		{"Base64 of Sub", `!Base64 {"Fn::Sub": "${Stage}"}`, "ZGV2"},
		{"GetAZs of a region", "!GetAZs us-east-1", []any{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"ImportValue", "!ImportValue shared-vpc", "vpc-1"},
		{"nested structures", "{L: [{K: !Ref Stage}], N: 1}", map[string]any{"L": []any{map[string]any{"K": "dev"}}, "N": 1}},
		{"a Condition key in data is left alone", "{Condition: {StringEquals: {a: b}}, Effect: Allow}",
			map[string]any{"Condition": map[string]any{"StringEquals": map[string]any{"a": "b"}}, "Effect": "Allow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tpl.Resolve(parseValue(t, tt.yaml), inlineContext())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tpl, err := Parse([]byte(inlineTemplate))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, yaml, want string
		c                func(*Context)
	}{
		{name: "unknown Ref", yaml: "!Ref Nope", want: "no such parameter or resource"},
		{name: "resource without value", yaml: "!Ref Off", want: "has no value in this context"},
		{name: "parameter without value", yaml: "!Ref Required", want: "no value and no default", c: func(c *Context) { delete(c.Params, "Required") }},
		{name: "parameter outside AllowedValues", yaml: "!Ref Stage", want: "not one of", c: func(c *Context) { c.Params["Stage"] = "qa" }},
		{name: "unknown GetAtt resource", yaml: "!GetAtt Nope.Arn", want: "no such resource"},
		{name: "unknown GetAtt attribute", yaml: "!GetAtt Queue.QueueName", want: "attribute has no value"},
		{name: "unknown Sub variable", yaml: `!Sub "${Nope}"`, want: "no such parameter or resource"},
		{name: "unknown Sub attribute", yaml: `!Sub "${Queue.Nope}"`, want: "attribute has no value"},
		{name: "unclosed Sub", yaml: `!Sub "${Stage"`, want: "unclosed"},
		{name: "pseudo parameter missing from context", yaml: "!Ref AWS::Region", want: "not set in the context", c: func(c *Context) { c.Region = "" }},
		{name: "NoValue in Sub", yaml: `!Sub "${AWS::NoValue}"`, want: "cannot be substituted"},
		{name: "unknown condition", yaml: "!If [Nope, a, b]", want: `unknown condition "Nope"`},
		{name: "condition cycle", yaml: "!If [LoopA, a, b]", want: "refers to itself"},
		{name: "If arity", yaml: "!If [IsProd, a]", want: "want [Condition, IfTrue, IfFalse]"},
		{name: "Select out of range", yaml: "!Select [3, [a, b]]", want: "out of range"},
		{name: "Select of a non-list", yaml: "!Select [0, abc]", want: "want a list"},
		{name: "Join of a map", yaml: `!Join [",", [{a: b}]]`, want: "not a scalar"},
		{name: "FindInMap missing key", yaml: "!FindInMap [Sizes, prod, Tags]", want: `no key "Tags"`},
		{name: "FindInMap missing map", yaml: "!FindInMap [Nope, a, b]", want: `no key "Nope"`},
		{name: "ImportValue unknown", yaml: "!ImportValue nope", want: `no export named "nope"`},
		{name: "unsupported function", yaml: "!Cidr [10.0.0.0/16, 2, 8]", want: "Fn::Cidr is not supported"},
		{name: "error names the path", yaml: "{Outer: [{Inner: !Ref Nope}]}", want: "Outer: [0]: Inner: unknown name Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := inlineContext()
			if tt.c != nil {
				tt.c(c)
			}
			got, err := tpl.Resolve(parseValue(t, tt.yaml), c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve = %#v, %v; want an error containing %q", got, err, tt.want)
			}
		})
	}
}

func TestConditionTrue(t *testing.T) {
	tpl, err := Parse([]byte(inlineTemplate))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		stage string
		want  map[string]bool
	}{
		{"dev", map[string]bool{"IsProd": false, "IsDev": true, "Both": true, "Either": true, "Nested": true}},
		{"prod", map[string]bool{"IsProd": true, "IsDev": false, "Both": false, "Either": true, "Nested": true}},
	}
	for _, tt := range tests {
		for name, want := range tt.want {
			got, err := tpl.ConditionTrue(name, &Context{Params: map[string]string{"Stage": tt.stage}})
			if err != nil || got != want {
				t.Errorf("Stage=%s: %s = %v, %v; want %v", tt.stage, name, got, err, want)
			}
		}
	}
	if _, err := tpl.ConditionTrue("LoopA", nil); err == nil || !strings.Contains(err.Error(), "LoopA -> LoopB -> LoopA") {
		t.Errorf("cycle: got %v", err)
	}
}

func TestResolveString(t *testing.T) {
	tpl, err := Parse([]byte(inlineTemplate))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		yaml, want string
		wantErr    bool
	}{
		{yaml: "!Ref Stage", want: "dev"},
		{yaml: "!FindInMap [Sizes, prod, Memory]", want: "1024"},
		{yaml: "!Equals [a, b]", want: "false"},
		{yaml: "!Ref Subnets", wantErr: true},
	}
	for _, tt := range tests {
		got, err := tpl.ResolveString(parseValue(t, tt.yaml), inlineContext())
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ResolveString(%s) = %q, %v; want %q (error %v)", tt.yaml, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestGlobalsMerge(t *testing.T) {
	src := `
Globals:
  Function:
    Timeout: 10
    Layers: [global-layer]
    Environment:
      Variables: {A: global, B: global}
    VpcConfig: !If [IsProd, {SubnetIds: [s]}, !Ref AWS::NoValue]
    Tags: {team: core}
Conditions:
  IsProd: !Equals [a, b]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 3
      Layers: [own-layer]
      Environment:
        Variables: {B: own, C: own}
      VpcConfig: {SubnetIds: [mine]}
      Tags: !Ref AWS::NoValue
  Bare:
    Type: AWS::Serverless::Function
    Properties: {}
  NotAFunction:
    Type: AWS::SQS::Queue
`
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fns := tpl.Functions()
	if _, ok := fns["NotAFunction"]; ok || len(fns) != 2 {
		t.Fatalf("Functions() = %v", fns)
	}
	tests := []struct {
		fn, path string
		want     any
	}{
		{"Fn", "Timeout", 3},
		{"Fn", "Layers", []any{"global-layer", "own-layer"}},
		{"Fn", "Environment", map[string]any{"Variables": map[string]any{"A": "global", "B": "own", "C": "own"}}},
		{"Fn", "VpcConfig", map[string]any{"SubnetIds": []any{"mine"}}}, // intrinsic global: replaced, not merged
		{"Fn", "Tags", map[string]any{"Ref": "AWS::NoValue"}},           // intrinsic local: replaces the map
		{"Bare", "Timeout", 10},
		{"Bare", "Layers", []any{"global-layer"}},
		{"Bare", "Environment", map[string]any{"Variables": map[string]any{"A": "global", "B": "global"}}},
	}
	for _, tt := range tests {
		t.Run(tt.fn+"."+tt.path, func(t *testing.T) {
			if got := lookup(fns[tt.fn].Properties, tt.path); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// A chain of conditions that each use the next one ten times would take
// 10^depth evaluations without memoisation; this one must stay instant.
func TestConditionChainIsLinear(t *testing.T) {
	const depth = 30
	var b strings.Builder
	b.WriteString("Conditions:\n")
	for i := 0; i < depth; i++ {
		ops := strings.Repeat(fmt.Sprintf("!Condition C%d, ", i+1), 10)
		fmt.Fprintf(&b, "  C%d: !And [%s]\n", i, strings.TrimSuffix(ops, ", "))
	}
	fmt.Fprintf(&b, "  C%d: !Equals [a, a]\nResources: {R: {Type: X}}\n", depth)
	tpl, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if ok, err := tpl.ConditionTrue("C0", nil); err != nil || !ok {
			t.Errorf("C0 = %v, %v; want true", ok, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("condition evaluation is exponential in the nesting depth")
	}
}
