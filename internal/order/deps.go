package order

import (
	"reflect"
	"strings"
)

// Dep is one dependency a constructor was given, by the name its caller
// knows it by.
type Dep struct {
	Name  string
	Value any
}

// Need names a dependency for RequireDeps.
func Need(name string, v any) Dep { return Dep{Name: name, Value: v} }

// RequireDeps is how every constructor treats a missing dependency: it
// returns an Internal error (code missing_dependency) naming each one that
// is nil, a typed nil pointer, map, slice, func or channel included, or an
// empty string (a bucket's name, a queue's URL), so that
// a composition root fails at init with one clear message rather than at
// the first request with a nil dereference. It returns nil when all are set.
func RequireDeps(op string, deps ...Dep) error {
	var missing []string
	for _, d := range deps {
		if isNil(d.Value) {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return E(op, Internal, "missing_dependency", strings.Join(missing, ", ")+" required")
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	case reflect.String:
		return rv.Len() == 0
	}
	return false
}
