package samtemplate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestAlarmsCoverTheTemplate keeps the project's alarms complete as the
// template grows: every function has an Errors and a Throttles alarm, every
// stream consumer an IteratorAge alarm, every dead-letter or on-failure
// queue a depth alarm, quarantined deliveries one, and every alarm tells
// the alarm topic.
func TestAlarmsCoverTheTemplate(t *testing.T) {
	tpl := realTemplate(t)
	topic := map[string]any{"Ref": "AlarmTopic"}
	covered := map[string]bool{} // "<metric> <dimension value>"
	var expressions []string
	for _, id := range tpl.ResourceIDs("AWS::CloudWatch::Alarm") {
		p := tpl.Resources[id].Properties
		if actions, _ := p["AlarmActions"].([]any); len(actions) != 1 || !reflect.DeepEqual(actions[0], topic) {
			t.Errorf("%s AlarmActions = %v, want [!Ref AlarmTopic]", id, p["AlarmActions"])
		}
		if m, ok := p["Metrics"].([]any); ok {
			for _, q := range m {
				expressions = append(expressions, fmt.Sprint(q.(map[string]any)["Expression"]))
			}
			continue
		}
		dims, _ := p["Dimensions"].([]any)
		for _, d := range dims {
			covered[fmt.Sprintf("%v %v", p["MetricName"], refName(d.(map[string]any)["Value"]))] = true
		}
	}
	need := func(metric, resource string) {
		if !covered[metric+" "+resource] {
			t.Errorf("no %s alarm on %s", metric, resource)
		}
	}
	for id, fn := range tpl.Functions() {
		need("Errors", id)
		need("Throttles", id)
		events, _ := fn.Properties["Events"].(map[string]any)
		for _, raw := range events {
			ev, _ := raw.(map[string]any)
			p, _ := ev["Properties"].(map[string]any)
			if ev["Type"] == "DynamoDB" || ev["Type"] == "Kinesis" {
				need("IteratorAge", id)
			}
			if dc, ok := p["DestinationConfig"].(map[string]any); ok {
				of, _ := dc["OnFailure"].(map[string]any)
				need("ApproximateNumberOfMessagesVisible", refName(of["Destination"]))
			}
		}
	}
	for _, id := range tpl.ResourceIDs("AWS::SQS::Queue") {
		if rp, ok := tpl.Resources[id].Properties["RedrivePolicy"].(map[string]any); ok {
			need("ApproximateNumberOfMessagesVisible", refName(rp["deadLetterTargetArn"]))
		}
	}
	if !strings.Contains(strings.Join(expressions, "\n"), "SUM(DeliveriesQuarantined) FROM SCHEMA(ordersmith, Source)") {
		t.Errorf("no alarm sums DeliveriesQuarantined over every Source: %v", expressions)
	}
}

// refName is the logical id a Ref or Fn::GetAtt names.
func refName(v any) string {
	if refs := References(v); len(refs) == 1 {
		return refs[0]
	}
	return fmt.Sprint(v)
}
