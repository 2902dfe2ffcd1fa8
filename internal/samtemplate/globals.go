package samtemplate

import "strings"

// FunctionType is the resource type of a SAM function.
const FunctionType = "AWS::Serverless::Function"

// Functions returns every AWS::Serverless::Function with the Globals.Function
// section applied as SAM applies it:
//   - a scalar (or a value of a different shape) in the resource replaces the
//     global one;
//   - maps are merged key by key, recursively, the resource winning;
//   - lists are concatenated, the global entries first;
//   - an intrinsic function on either side ({"Ref": ...}, {"Fn::If": ...})
//     is a value, not a map: the resource's value replaces the global one.
//
// The returned resources are copies: changing them does not change t.
func (t *Template) Functions() map[string]Resource {
	globals, _ := t.Globals["Function"].(map[string]any)
	out := map[string]Resource{}
	for id, r := range t.Resources {
		if r.Type != FunctionType {
			continue
		}
		merged := r
		merged.Properties = mergeGlobals(globals, r.Properties).(map[string]any)
		merged.Metadata, _ = deepCopy(r.Metadata).(map[string]any)
		merged.DependsOn = append([]string(nil), r.DependsOn...)
		out[id] = merged
	}
	return out
}

// mergeGlobals merges a global value under a resource value (see Functions).
func mergeGlobals(global, local any) any {
	if global == nil {
		return deepCopy(local)
	}
	if local == nil {
		return deepCopy(global)
	}
	gm, gIsMap := global.(map[string]any)
	lm, lIsMap := local.(map[string]any)
	if gIsMap && lIsMap && !isIntrinsic(gm) && !isIntrinsic(lm) {
		out := make(map[string]any, len(gm)+len(lm))
		for k, v := range gm {
			out[k] = deepCopy(v)
		}
		for k, v := range lm {
			out[k] = mergeGlobals(gm[k], v)
		}
		return out
	}
	gl, gIsList := global.([]any)
	ll, lIsList := local.([]any)
	if gIsList && lIsList {
		out := make([]any, 0, len(gl)+len(ll))
		for _, v := range gl {
			out = append(out, deepCopy(v))
		}
		for _, v := range ll {
			out = append(out, deepCopy(v))
		}
		return out
	}
	return deepCopy(local)
}

// isIntrinsic reports whether m is an intrinsic function call: a map with a
// single key that is Ref, Condition or Fn::*.
func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
