package samtemplate

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM/CloudFormation template with every short-form tag
// rewritten to its long form. Values are plain Go values: map[string]any,
// []any, string, int, float64, bool and nil.
type Template struct {
	Description string
	Transform   any // a string or a list of strings
	Parameters  map[string]Parameter
	Mappings    map[string]any
	Conditions  map[string]any
	Globals     map[string]any
	Resources   map[string]Resource
	Outputs     map[string]any
}

// Parameter is one entry of the Parameters section.
type Parameter struct {
	Type          string
	Description   string
	Default       string // the default as CloudFormation sees it: text, even for a Number
	HasDefault    bool   // Default: "" is a default; no Default key is not
	AllowedValues []string
	NoEcho        bool
}

// Resource is one entry of the Resources section.
type Resource struct {
	Type                string
	Properties          map[string]any
	Metadata            map[string]any
	Condition           string   // the name of the condition that gates it, if any
	DependsOn           []string // always a list, even when the template has one name
	DeletionPolicy      string
	UpdateReplacePolicy string
}

// ParseFile reads and parses a template file.
func ParseFile(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	return t, nil
}

// Parse parses a template from YAML (JSON, being YAML, works too).
func Parse(b []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	v, err := convert(&doc)
	if err != nil {
		return nil, err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a mapping")
	}
	t := &Template{
		Transform:  top["Transform"],
		Parameters: map[string]Parameter{},
		Resources:  map[string]Resource{},
	}
	if t.Description, err = optString(top, "Description", "template"); err != nil {
		return nil, err
	}
	for _, sec := range []struct {
		name string
		dst  *map[string]any
	}{{"Mappings", &t.Mappings}, {"Conditions", &t.Conditions}, {"Globals", &t.Globals}, {"Outputs", &t.Outputs}} {
		if *sec.dst, err = optMap(top, sec.name, "template"); err != nil {
			return nil, err
		}
		if *sec.dst == nil {
			*sec.dst = map[string]any{}
		}
	}
	params, err := optMap(top, "Parameters", "template")
	if err != nil {
		return nil, err
	}
	for name, raw := range params {
		p, err := parseParameter(name, raw)
		if err != nil {
			return nil, err
		}
		t.Parameters[name] = p
	}
	resources, err := optMap(top, "Resources", "template")
	if err != nil {
		return nil, err
	}
	if len(resources) == 0 {
		return nil, fmt.Errorf("template has no Resources")
	}
	for id, raw := range resources {
		r, err := parseResource(id, raw)
		if err != nil {
			return nil, err
		}
		if r.Condition != "" {
			if _, ok := t.Conditions[r.Condition]; !ok {
				return nil, fmt.Errorf("resource %s: unknown condition %q", id, r.Condition)
			}
		}
		t.Resources[id] = r
	}
	return t, nil
}

func parseParameter(name string, raw any) (Parameter, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Parameter{}, fmt.Errorf("parameter %s: not a mapping", name)
	}
	where := "parameter " + name
	var p Parameter
	var err error
	if p.Type, err = optString(m, "Type", where); err != nil {
		return Parameter{}, err
	}
	if p.Type == "" {
		return Parameter{}, fmt.Errorf("%s: no Type", where)
	}
	if p.Description, err = optString(m, "Description", where); err != nil {
		return Parameter{}, err
	}
	if d, ok := m["Default"]; ok {
		if p.Default, err = scalarString(d); err != nil {
			return Parameter{}, fmt.Errorf("%s: Default: %w", where, err)
		}
		p.HasDefault = true
	}
	if av, ok := m["AllowedValues"]; ok {
		list, ok := av.([]any)
		if !ok {
			return Parameter{}, fmt.Errorf("%s: AllowedValues is not a list", where)
		}
		for _, v := range list {
			s, err := scalarString(v)
			if err != nil {
				return Parameter{}, fmt.Errorf("%s: AllowedValues: %w", where, err)
			}
			p.AllowedValues = append(p.AllowedValues, s)
		}
	}
	if ne, ok := m["NoEcho"]; ok {
		s, err := scalarString(ne)
		if err != nil {
			return Parameter{}, fmt.Errorf("%s: NoEcho: %w", where, err)
		}
		p.NoEcho = s == "true"
	}
	return p, nil
}

func parseResource(id string, raw any) (Resource, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Resource{}, fmt.Errorf("resource %s: not a mapping", id)
	}
	where := "resource " + id
	var r Resource
	var err error
	if r.Type, err = optString(m, "Type", where); err != nil {
		return Resource{}, err
	}
	if r.Type == "" {
		return Resource{}, fmt.Errorf("%s: no Type", where)
	}
	if r.Properties, err = optMap(m, "Properties", where); err != nil {
		return Resource{}, err
	}
	if r.Properties == nil {
		r.Properties = map[string]any{}
	}
	if r.Metadata, err = optMap(m, "Metadata", where); err != nil {
		return Resource{}, err
	}
	if r.Condition, err = optString(m, "Condition", where); err != nil {
		return Resource{}, err
	}
	if r.DeletionPolicy, err = optString(m, "DeletionPolicy", where); err != nil {
		return Resource{}, err
	}
	if r.UpdateReplacePolicy, err = optString(m, "UpdateReplacePolicy", where); err != nil {
		return Resource{}, err
	}
	switch d := m["DependsOn"].(type) {
	case nil:
	case string:
		r.DependsOn = []string{d}
	case []any:
		for _, v := range d {
			s, ok := v.(string)
			if !ok {
				return Resource{}, fmt.Errorf("%s: DependsOn holds a %T", where, v)
			}
			r.DependsOn = append(r.DependsOn, s)
		}
	default:
		return Resource{}, fmt.Errorf("%s: DependsOn is a %T", where, d)
	}
	return r, nil
}

// ResourceIDs returns the logical ids of the resources of the given type (all
// resources when typ is ""), sorted, so that callers iterate deterministically.
func (t *Template) ResourceIDs(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if typ == "" || r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func optString(m map[string]any, key, where string) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: %s is a %T, want text", where, key, v)
	}
	return s, nil
}

func optMap(m map[string]any, key, where string) (map[string]any, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	mm, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %s is a %T, want a mapping", where, key, v)
	}
	return mm, nil
}

// scalarString renders a YAML scalar the way CloudFormation sees it: as text.
func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case int, int64, uint64, bool:
		return fmt.Sprint(x), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("%T is not a scalar", v)
}

// References returns the names v refers to through Ref, Fn::GetAtt and
// Fn::Sub (parameters and resources alike, pseudo parameters excluded),
// sorted and without duplicates. Callers use it to create resources in
// dependency order.
func References(v any) []string {
	seen := map[string]bool{}
	collectRefs(v, seen)
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func collectRefs(v any, seen map[string]bool) {
	add := func(name string) {
		if name != "" && !strings.HasPrefix(name, "AWS::") {
			seen[name] = true
		}
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if name, ok := x["Ref"].(string); ok {
				add(name)
				return
			}
			if l, ok := x["Fn::GetAtt"].([]any); ok && len(l) > 0 {
				if name, ok := l[0].(string); ok {
					add(name)
				}
				collectRefs(l[1:], seen)
				return
			}
			if sub, ok := x["Fn::Sub"]; ok {
				format, vars := "", map[string]any(nil)
				switch s := sub.(type) {
				case string:
					format = s
				case []any:
					if len(s) == 2 {
						format, _ = s[0].(string)
						vars, _ = s[1].(map[string]any)
						collectRefs(s[1], seen)
					}
				}
				for _, name := range subNames(format) {
					if _, local := vars[name]; local {
						continue
					}
					res, _, _ := strings.Cut(name, ".")
					add(res)
				}
				return
			}
		}
		for _, e := range x {
			collectRefs(e, seen)
		}
	case []any:
		for _, e := range x {
			collectRefs(e, seen)
		}
	}
}

// subNames returns the ${...} variable names of a Fn::Sub format, skipping
// the ${!Literal} escapes.
func subNames(format string) []string {
	var names []string
	for {
		i := strings.Index(format, "${")
		if i < 0 {
			return names
		}
		format = format[i+2:]
		j := strings.IndexByte(format, '}')
		if j < 0 {
			return names
		}
		if name := strings.TrimSpace(format[:j]); !strings.HasPrefix(name, "!") {
			names = append(names, name)
		}
		format = format[j+1:]
	}
}
