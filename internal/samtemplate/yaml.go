package samtemplate

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// shortForms maps each short-form tag to its long-form key. !Ref and
// !Condition keep their names; every other tag becomes "Fn::<Name>".
var shortForms = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!GetAtt":       "Fn::GetAtt",
	"!Sub":          "Fn::Sub",
	"!If":           "Fn::If",
	"!Equals":       "Fn::Equals",
	"!Not":          "Fn::Not",
	"!And":          "Fn::And",
	"!Or":           "Fn::Or",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!FindInMap":    "Fn::FindInMap",
	"!Base64":       "Fn::Base64",
	"!GetAZs":       "Fn::GetAZs",
	"!ImportValue":  "Fn::ImportValue",
	"!Cidr":         "Fn::Cidr",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
	"!Transform":    "Fn::Transform",
}

// maxNodes bounds the values one document may expand to: aliases are
// copied on expansion, so a few nested anchors could otherwise ask for
// billions of nodes.
const maxNodes = 1 << 20

// converter turns YAML nodes into plain Go values.
type converter struct {
	nodes int          // values produced so far, against maxNodes
	stack []*yaml.Node // aliases being expanded, to refuse an anchor inside itself
}

// convert turns a YAML node into plain Go values (map[string]any, []any,
// string, int, float64, bool, nil), rewriting short-form tags to their long
// form on the way.
func convert(n *yaml.Node) (any, error) {
	return (&converter{}).convert(n)
}

func (cv *converter) convert(n *yaml.Node) (any, error) {
	cv.nodes++
	if cv.nodes > maxNodes {
		return nil, fmt.Errorf("line %d: document expands to more than %d values", n.Line, maxNodes)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return cv.convert(n.Content[0])
	case yaml.AliasNode:
		for _, a := range cv.stack {
			if a == n.Alias {
				return nil, fmt.Errorf("line %d: anchor %q contains itself", n.Line, n.Value)
			}
		}
		cv.stack = append(cv.stack, n.Alias)
		defer func() { cv.stack = cv.stack[:len(cv.stack)-1] }()
		return cv.convert(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return cv.convertTagged(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		return cv.convertMap(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := cv.convert(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}

func (cv *converter) convertMap(n *yaml.Node) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
		}
		if k.Tag == "!!merge" {
			// YAML merge key (<<: *anchor): keys of the map itself win.
			if err := cv.mergeInto(out, v); err != nil {
				return nil, err
			}
			continue
		}
		if _, dup := out[k.Value]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
		}
		val, err := cv.convert(v)
		if err != nil {
			return nil, err
		}
		out[k.Value] = val
	}
	return out, nil
}

// mergeInto applies a YAML merge value (one mapping or a list of them) under
// the keys already in out.
func (cv *converter) mergeInto(out map[string]any, v *yaml.Node) error {
	var sources []*yaml.Node
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	} else {
		sources = []*yaml.Node{v}
	}
	for _, s := range sources {
		m, err := cv.convert(s)
		if err != nil {
			return err
		}
		mm, ok := m.(map[string]any)
		if !ok {
			return fmt.Errorf("line %d: merge key needs a mapping", v.Line)
		}
		for k, val := range mm {
			if _, ok := out[k]; !ok {
				out[k] = val
			}
		}
	}
	return nil
}

func (cv *converter) convertTagged(n *yaml.Node) (any, error) {
	key, ok := shortForms[n.Tag]
	if !ok {
		return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
	}
	var arg any
	if n.Kind == yaml.ScalarNode {
		// The argument of a scalar short form is always text: !Ref 10 names
		// a thing called "10", it is not a number.
		arg = n.Value
	} else {
		// Convert the node without its tag, keeping the content's own tags.
		untagged := *n
		untagged.Tag = ""
		v, err := cv.convert(&untagged)
		if err != nil {
			return nil, err
		}
		arg = v
	}
	if key == "Fn::GetAtt" {
		if s, ok := arg.(string); ok {
			// "Resource.Attribute": the resource name has no dot, the
			// attribute may (e.g. Endpoint.Address).
			res, attr, found := strings.Cut(s, ".")
			if !found || res == "" || attr == "" {
				return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, s)
			}
			arg = []any{res, attr}
		}
	}
	return map[string]any{key: arg}, nil
}
