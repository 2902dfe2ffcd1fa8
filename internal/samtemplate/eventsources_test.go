package samtemplate

import (
	"fmt"
	"strconv"
	"testing"
)

// TestSQSEventSources keeps two rules true for every SQS event source of
// the project's template: the queue's visibility timeout is at least six
// times the consuming function's timeout (AWS's guidance for Lambda SQS
// event sources: room to retry a throttled batch), and the source caps its
// concurrency with ScalingConfig.MaximumConcurrency (at least 2, SQS's
// minimum), so that a burst cannot take every Lambda slot of the account.
func TestSQSEventSources(t *testing.T) {
	tpl := realTemplate(t)
	sources := 0
	for id, fn := range tpl.Functions() {
		timeout, err := intProp(fn.Properties, "Timeout", 3) // Lambda's default
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		events, _ := fn.Properties["Events"].(map[string]any)
		for name, raw := range events {
			ev, _ := raw.(map[string]any)
			if ev["Type"] != "SQS" {
				continue
			}
			sources++
			p, _ := ev["Properties"].(map[string]any)
			refs := References(p["Queue"])
			if len(refs) != 1 || tpl.Resources[refs[0]].Type != "AWS::SQS::Queue" {
				t.Errorf("%s event %s: Queue %v is not one queue of the template", id, name, p["Queue"])
				continue
			}
			queue := refs[0]
			visibility, err := intProp(tpl.Resources[queue].Properties, "VisibilityTimeout", 30) // SQS's default
			if err != nil {
				t.Fatalf("%s: %v", queue, err)
			}
			if visibility < 6*timeout {
				t.Errorf("%s VisibilityTimeout = %d s, want at least 6 x %s's timeout of %d s = %d s", queue, visibility, id, timeout, 6*timeout)
			}
			scaling, _ := p["ScalingConfig"].(map[string]any)
			max, err := intProp(scaling, "MaximumConcurrency", 0)
			if err != nil {
				t.Fatalf("%s event %s: %v", id, name, err)
			}
			if max < 2 {
				t.Errorf("%s event %s: ScalingConfig.MaximumConcurrency = %d, want a cap of at least 2", id, name, max)
			}
		}
	}
	if sources == 0 {
		t.Fatal("the template has no SQS event source: the test reads the wrong template")
	}
}

// intProp reads an integer property written as a YAML number or string,
// def when absent.
func intProp(props map[string]any, name string, def int) (int, error) {
	v, ok := props[name]
	if !ok {
		return def, nil
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case string:
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%s = %#v is not a literal integer", name, v)
}
