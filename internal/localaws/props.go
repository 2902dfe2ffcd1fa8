package localaws

import (
	"fmt"
	"strconv"
)

// Readers for resolved template properties. CloudFormation is lax about
// scalar types (a number may be written "60" or 60, a boolean "true" or
// true), so these accept both and report the property path when they fail.

func propString(m map[string]any, key string) (string, bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", false, nil
	}
	switch x := v.(type) {
	case string:
		return x, true, nil
	case int, int64, uint64, bool:
		return fmt.Sprint(x), true, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true, nil
	}
	return "", false, fmt.Errorf("%s: want a scalar, got %T", key, v)
}

func propInt(m map[string]any, key string) (int64, bool, error) {
	s, ok, err := propString(m, key)
	if err != nil || !ok {
		return 0, ok, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %q is not an integer", key, s)
	}
	return n, true, nil
}

func propBool(m map[string]any, key string) (bool, bool, error) {
	s, ok, err := propString(m, key)
	if err != nil || !ok {
		return false, ok, err
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, false, fmt.Errorf("%s: %q is not a boolean", key, s)
	}
	return b, true, nil
}

func propMap(m map[string]any, key string) (map[string]any, bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, false, nil
	}
	mm, ok := v.(map[string]any)
	if !ok {
		return nil, false, fmt.Errorf("%s: want a mapping, got %T", key, v)
	}
	return mm, true, nil
}

// propMaps reads a list of mappings.
func propMaps(m map[string]any, key string) ([]map[string]any, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list, got %T", key, v)
	}
	out := make([]map[string]any, 0, len(l))
	for i, e := range l {
		mm, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s[%d]: want a mapping, got %T", key, i, e)
		}
		out = append(out, mm)
	}
	return out, nil
}

// propStrings reads a list of scalars.
func propStrings(m map[string]any, key string) ([]string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list, got %T", key, v)
	}
	out := make([]string, 0, len(l))
	for i := range l {
		s, _, err := propString(map[string]any{"": l[i]}, "")
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// mustString reads a required scalar.
func mustString(m map[string]any, key string) (string, error) {
	s, ok, err := propString(m, key)
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		return "", fmt.Errorf("%s is required", key)
	}
	return s, nil
}
