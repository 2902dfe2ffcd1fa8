package samtemplate

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Context is what Resolve needs to know about the world outside the
// template: parameter values, pseudo parameters and the resources that exist.
type Context struct {
	// Params overrides parameter defaults, by parameter name.
	Params map[string]string
	// Region, AccountID and StackName are AWS::Region, AWS::AccountId and
	// AWS::StackName.
	Region, AccountID, StackName string
	// Refs is the value of Ref for each resource that exists, by logical id
	// (a table name, a queue URL, a bucket name...).
	Refs map[string]string
	// Attrs holds the Fn::GetAtt attributes of each resource, by logical id
	// then attribute name (Arn, QueueName, StreamArn...).
	Attrs map[string]map[string]string
	// Imports holds the values Fn::ImportValue can see, by export name.
	Imports map[string]string
}

// noValue is what Ref AWS::NoValue resolves to: the enclosing map key or
// list element is dropped.
type noValue struct{}

// Resolve evaluates every intrinsic function in v (Ref, Fn::GetAtt, Fn::Sub,
// Fn::If, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Base64,
// Fn::GetAZs, Fn::ImportValue, and the condition functions) and returns a new
// value made only of maps, lists and scalars. A reference to an unknown
// parameter, resource, attribute, condition or mapping key is an error.
// AWS::NoValue removes the enclosing key or list element; if v itself
// resolves to it, Resolve returns nil.
func (t *Template) Resolve(v any, c *Context) (any, error) {
	if c == nil {
		c = &Context{}
	}
	r := &resolver{t: t, c: c}
	out, err := r.value(v)
	if err != nil {
		return nil, err
	}
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, nil
}

// ResolveString resolves v and requires the result to be a scalar, which it
// returns as text (CloudFormation's view of numbers and booleans).
func (t *Template) ResolveString(v any, c *Context) (string, error) {
	out, err := t.Resolve(v, c)
	if err != nil {
		return "", err
	}
	return scalarString(out)
}

// ConditionTrue evaluates the named entry of the Conditions section.
func (t *Template) ConditionTrue(name string, c *Context) (bool, error) {
	if c == nil {
		c = &Context{}
	}
	r := &resolver{t: t, c: c}
	return r.condition(name)
}

// ParamValue returns the value of a parameter: the Context's if given, else
// the template's default. A missing value, or one outside AllowedValues, is
// an error.
func (t *Template) ParamValue(name string, c *Context) (string, error) {
	p, ok := t.Parameters[name]
	if !ok {
		return "", fmt.Errorf("unknown parameter %q", name)
	}
	v, ok := "", false
	if c != nil {
		v, ok = c.Params[name]
	}
	if !ok {
		if !p.HasDefault {
			return "", fmt.Errorf("parameter %s has no value and no default", name)
		}
		v = p.Default
	}
	if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, v) {
		return "", fmt.Errorf("parameter %s: %q is not one of %v", name, v, p.AllowedValues)
	}
	return v, nil
}

type resolver struct {
	t        *Template
	c        *Context
	visiting []string        // conditions being evaluated, to catch cycles
	known    map[string]bool // conditions already evaluated: nested And/Or would otherwise cost exponential time
}

func (r *resolver) value(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			rv, err := r.value(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, ok := rv.(noValue); !ok {
				out[k] = rv
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			rv, err := r.value(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, ok := rv.(noValue); !ok {
				out = append(out, rv)
			}
		}
		return out, nil
	}
	return v, nil
}

func (r *resolver) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("bad Ref: want a name, got %T", arg)
		}
		return r.ref(name)
	case "Fn::GetAtt":
		return r.getAtt(arg)
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::If":
		return r.fnIf(arg)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return r.condExpr(map[string]any{fn: arg})
	case "Fn::Join":
		return r.join(arg)
	case "Fn::Select":
		return r.selectFn(arg)
	case "Fn::Split":
		return r.split(arg)
	case "Fn::FindInMap":
		return r.findInMap(arg)
	case "Fn::Base64":
		s, err := r.text(arg)
		if err != nil {
			return nil, fmt.Errorf("Fn::Base64: %w", err)
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::GetAZs":
		return r.getAZs(arg)
	case "Fn::ImportValue":
		name, err := r.text(arg)
		if err != nil {
			return nil, fmt.Errorf("Fn::ImportValue: %w", err)
		}
		v, ok := r.c.Imports[name]
		if !ok {
			return nil, fmt.Errorf("Fn::ImportValue: no export named %q", name)
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s is not supported", fn)
}

// ref resolves a name as Ref and Fn::Sub see it: pseudo parameter, template
// parameter, then resource.
func (r *resolver) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return r.need(name, r.c.Region)
	case "AWS::AccountId":
		return r.need(name, r.c.AccountID)
	case "AWS::StackName":
		return r.need(name, r.c.StackName)
	case "AWS::StackId":
		if r.c.Region == "" || r.c.AccountID == "" || r.c.StackName == "" {
			return nil, fmt.Errorf("AWS::StackId needs Region, AccountID and StackName in the context")
		}
		return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/local", r.partition(), r.c.Region, r.c.AccountID, r.c.StackName), nil
	case "AWS::Partition":
		return r.partition(), nil
	case "AWS::URLSuffix":
		if strings.HasPrefix(r.c.Region, "cn-") {
			return "amazonaws.com.cn", nil
		}
		return "amazonaws.com", nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if p, ok := r.t.Parameters[name]; ok {
		v, err := r.t.ParamValue(name, r.c)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(p.Type, "List<") || p.Type == "CommaDelimitedList" {
			var out []any
			for _, s := range strings.Split(v, ",") {
				out = append(out, strings.TrimSpace(s))
			}
			return out, nil
		}
		return v, nil
	}
	if _, ok := r.t.Resources[name]; ok {
		v, ok := r.c.Refs[name]
		if !ok {
			return nil, fmt.Errorf("resource %s has no value in this context (not created, or its condition is false)", name)
		}
		return v, nil
	}
	return nil, fmt.Errorf("unknown name %s: no such parameter or resource", name)
}

func (r *resolver) need(name, v string) (any, error) {
	if v == "" {
		return nil, fmt.Errorf("%s is not set in the context", name)
	}
	return v, nil
}

func (r *resolver) partition() string {
	switch {
	case strings.HasPrefix(r.c.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(r.c.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func (r *resolver) getAtt(arg any) (any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != 2 {
		return nil, fmt.Errorf("Fn::GetAtt: want [Resource, Attribute], got %v", arg)
	}
	res, ok := list[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::GetAtt: resource name is a %T", list[0])
	}
	attr, err := r.text(list[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::GetAtt %s: attribute: %w", res, err)
	}
	return r.attr(res, attr)
}

func (r *resolver) attr(res, attr string) (string, error) {
	if _, ok := r.t.Resources[res]; !ok {
		return "", fmt.Errorf("Fn::GetAtt %s.%s: no such resource", res, attr)
	}
	v, ok := r.c.Attrs[res][attr]
	if !ok {
		return "", fmt.Errorf("Fn::GetAtt %s.%s: the attribute has no value in this context", res, attr)
	}
	return v, nil
}

func (r *resolver) sub(arg any) (any, error) {
	var format string
	vars := map[string]any{}
	switch x := arg.(type) {
	case string:
		format = x
	case []any:
		if len(x) != 2 {
			return nil, fmt.Errorf("Fn::Sub: want [String, {Var: Value}], got %d elements", len(x))
		}
		s, ok := x[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: format is a %T", x[0])
		}
		format = s
		m, ok := x[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: variables are a %T, want a mapping", x[1])
		}
		for k, v := range m {
			rv, err := r.value(v)
			if err != nil {
				return nil, fmt.Errorf("Fn::Sub variable %s: %w", k, err)
			}
			vars[k] = rv
		}
	default:
		return nil, fmt.Errorf("Fn::Sub: want a string or a list, got %T", arg)
	}
	var b strings.Builder
	rest := format
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return nil, fmt.Errorf("Fn::Sub %q: unclosed ${", format)
		}
		name := rest[:j]
		rest = rest[j+1:]
		if strings.HasPrefix(name, "!") {
			// ${!Literal} writes ${Literal}: the escape for text that only
			// looks like a variable.
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		s, err := r.subVar(strings.TrimSpace(name), vars)
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub %q: %w", format, err)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func (r *resolver) subVar(name string, vars map[string]any) (string, error) {
	if v, ok := vars[name]; ok {
		return scalarString(v)
	}
	if name == "" {
		return "", fmt.Errorf("empty ${}")
	}
	if res, attr, ok := strings.Cut(name, "."); ok && !strings.Contains(res, "::") {
		return r.attr(res, attr)
	}
	v, err := r.ref(name)
	if err != nil {
		return "", err
	}
	if _, ok := v.(noValue); ok {
		return "", fmt.Errorf("${AWS::NoValue} cannot be substituted")
	}
	return scalarString(v)
}

func (r *resolver) fnIf(arg any) (any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != 3 {
		return nil, fmt.Errorf("Fn::If: want [Condition, IfTrue, IfFalse], got %v", arg)
	}
	name, ok := list[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::If: condition name is a %T", list[0])
	}
	ok, err := r.condition(name)
	if err != nil {
		return nil, fmt.Errorf("Fn::If: %w", err)
	}
	// Only the chosen branch is resolved: the other one may refer to
	// resources that do not exist under this condition.
	if ok {
		return r.value(list[1])
	}
	return r.value(list[2])
}

func (r *resolver) condition(name string) (bool, error) {
	if v, ok := r.known[name]; ok {
		return v, nil
	}
	expr, ok := r.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %q", name)
	}
	if slices.Contains(r.visiting, name) {
		return false, fmt.Errorf("condition %s refers to itself (%s)", name, strings.Join(append(r.visiting, name), " -> "))
	}
	r.visiting = append(r.visiting, name)
	defer func() { r.visiting = r.visiting[:len(r.visiting)-1] }()
	ok, err := r.condExpr(expr)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	if r.known == nil {
		r.known = map[string]bool{}
	}
	r.known[name] = ok
	return ok, nil
}

// condExpr evaluates a condition expression: Fn::Equals, Fn::Not, Fn::And,
// Fn::Or or {"Condition": name}.
func (r *resolver) condExpr(expr any) (bool, error) {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("want a condition function, got %v", expr)
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			name, ok := arg.(string)
			if !ok {
				return false, fmt.Errorf("bad Condition: name is a %T", arg)
			}
			return r.condition(name)
		case "Fn::Equals":
			list, ok := arg.([]any)
			if !ok || len(list) != 2 {
				return false, fmt.Errorf("Fn::Equals: want [A, B], got %v", arg)
			}
			a, err := r.text(list[0])
			if err != nil {
				return false, fmt.Errorf("Fn::Equals: %w", err)
			}
			b, err := r.text(list[1])
			if err != nil {
				return false, fmt.Errorf("Fn::Equals: %w", err)
			}
			return a == b, nil
		case "Fn::Not":
			list, ok := arg.([]any)
			if !ok || len(list) != 1 {
				return false, fmt.Errorf("Fn::Not: want [Condition], got %v", arg)
			}
			v, err := r.condExpr(list[0])
			return !v, err
		case "Fn::And", "Fn::Or":
			list, ok := arg.([]any)
			if !ok || len(list) < 2 || len(list) > 10 {
				return false, fmt.Errorf("%s: want 2 to 10 conditions, got %v", fn, arg)
			}
			// All operands are evaluated, even after the result is known,
			// so that a broken operand is reported whatever the others say.
			and := fn == "Fn::And"
			result := and
			for _, e := range list {
				v, err := r.condExpr(e)
				if err != nil {
					return false, fmt.Errorf("%s: %w", fn, err)
				}
				if and {
					result = result && v
				} else {
					result = result || v
				}
			}
			return result, nil
		}
		return false, fmt.Errorf("%s is not a condition function", fn)
	}
	panic("unreachable")
}

func (r *resolver) join(arg any) (any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != 2 {
		return nil, fmt.Errorf("Fn::Join: want [Delimiter, [Values]], got %v", arg)
	}
	delim, ok := list[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::Join: delimiter is a %T", list[0])
	}
	values, err := r.list(list[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::Join: %w", err)
	}
	parts := make([]string, len(values))
	for i, v := range values {
		if parts[i], err = scalarString(v); err != nil {
			return nil, fmt.Errorf("Fn::Join: element %d: %w", i, err)
		}
	}
	return strings.Join(parts, delim), nil
}

func (r *resolver) selectFn(arg any) (any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != 2 {
		return nil, fmt.Errorf("Fn::Select: want [Index, [Values]], got %v", arg)
	}
	is, err := r.text(list[0])
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: index: %w", err)
	}
	i, err := strconv.Atoi(is)
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: index %q is not a number", is)
	}
	values, err := r.list(list[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: %w", err)
	}
	if i < 0 || i >= len(values) {
		return nil, fmt.Errorf("Fn::Select: index %d out of range [0, %d)", i, len(values))
	}
	return values[i], nil
}

func (r *resolver) split(arg any) (any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != 2 {
		return nil, fmt.Errorf("Fn::Split: want [Delimiter, String], got %v", arg)
	}
	delim, ok := list[0].(string)
	if !ok || delim == "" {
		return nil, fmt.Errorf("Fn::Split: delimiter must be non-empty text")
	}
	s, err := r.text(list[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::Split: %w", err)
	}
	var out []any
	for _, p := range strings.Split(s, delim) {
		out = append(out, p)
	}
	return out, nil
}

func (r *resolver) findInMap(arg any) (any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != 3 {
		return nil, fmt.Errorf("Fn::FindInMap: want [MapName, TopLevelKey, SecondLevelKey], got %v", arg)
	}
	var keys [3]string
	for i := range keys {
		s, err := r.text(list[i])
		if err != nil {
			return nil, fmt.Errorf("Fn::FindInMap: key %d: %w", i, err)
		}
		keys[i] = s
	}
	var cur any = r.t.Mappings
	for i, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap %v: %s is not a mapping", keys, strings.Join(keys[:i], "."))
		}
		if cur, ok = m[k]; !ok {
			return nil, fmt.Errorf("Fn::FindInMap %v: no key %q", keys, k)
		}
	}
	return r.value(cur)
}

func (r *resolver) getAZs(arg any) (any, error) {
	region, err := r.text(arg)
	if err != nil {
		return nil, fmt.Errorf("Fn::GetAZs: %w", err)
	}
	if region == "" {
		region = r.c.Region
	}
	if region == "" {
		return nil, fmt.Errorf("Fn::GetAZs: no region given and AWS::Region is not set in the context")
	}
	// The local stack has no real zones; three lettered zones is what most
	// regions have and what templates index into.
	return []any{region + "a", region + "b", region + "c"}, nil
}

// text resolves v and requires a scalar, returned as text.
func (r *resolver) text(v any) (string, error) {
	rv, err := r.value(v)
	if err != nil {
		return "", err
	}
	return scalarString(rv)
}

// list resolves v and requires a list.
func (r *resolver) list(v any) ([]any, error) {
	rv, err := r.value(v)
	if err != nil {
		return nil, err
	}
	l, ok := rv.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, got %T", rv)
	}
	return l, nil
}
