package platform

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"
)

// MetricsNamespace is the CloudWatch namespace of every ordersmith metric.
const MetricsNamespace = "ordersmith"

// The metric names the functions emit, as exported constants so that the
// template's alarms and dashboards name the same metrics:
//
//   - OrdersAccepted: a storefront delivery stored a new order (dimension Source)
//   - OrdersDuplicate: a retry of a delivery already handled (dimension Source)
//   - DeliveriesQuarantined: an authentic delivery kept in the quarantine
//     because it could not be processed (dimension Source); alarm on any
//   - DeliveriesRefused: a delivery answered with a 4xx (bad signature, a
//     body no retry can fix and that could not be quarantined) (dimension Source)
//   - EmailsSent: SES accepted a customer e-mail; a redelivery sends none
//     (dimension Kind)
//   - NumberingLagMs: the time between an order's acceptance and its
//     number, in milliseconds (no dimension)
const (
	MetricOrdersAccepted        = "OrdersAccepted"
	MetricOrdersDuplicate       = "OrdersDuplicate"
	MetricDeliveriesQuarantined = "DeliveriesQuarantined"
	MetricDeliveriesRefused     = "DeliveriesRefused"
	MetricEmailsSent            = "EmailsSent"
	MetricNumberingLagMs        = "NumberingLagMs"
)

// DimensionSource is the dimension naming a delivery's storefront.
const DimensionSource = "Source"

// DimensionKind is the dimension naming an e-mail's kind
// (order.NotificationKind).
const DimensionKind = "Kind"

// The CloudWatch units of the metrics.
const (
	UnitCount        = "Count"        // a counted event
	UnitMilliseconds = "Milliseconds" // a duration
)

// Metrics writes metrics in CloudWatch Embedded Metric Format: one JSON
// line per call, on the function's standard output, which Lambda sends to
// CloudWatch Logs, which extracts the metrics. No API call, no batching: a
// metric costs one log line, and the local runtime shows it in its log.
// It is safe for concurrent use.
type Metrics struct {
	namespace string
	now       Clock

	mu sync.Mutex
	w  io.Writer
}

// NewMetrics returns a writer of EMF lines to w in namespace, stamped by now
// (SystemClock when nil).
func NewMetrics(w io.Writer, namespace string, now Clock) *Metrics {
	if now == nil {
		now = SystemClock
	}
	return &Metrics{w: w, namespace: namespace, now: now}
}

// StdoutMetrics is the writer of a Lambda: EMF lines on standard output,
// in MetricsNamespace.
func StdoutMetrics() *Metrics { return NewMetrics(os.Stdout, MetricsNamespace, SystemClock) }

// Count records one occurrence of the named metric with its dimensions
// (name → value; one dimension set holding them all).
func (m *Metrics) Count(name string, dims map[string]string) error {
	return m.Put(name, UnitCount, 1, dims)
}

// Put records value of the named metric in unit, with its dimensions, as
// one EMF document:
//
//	{"_aws":{"Timestamp":<ms>,"CloudWatchMetrics":[{"Namespace":"ordersmith",
//	  "Dimensions":[["Source"]],"Metrics":[{"Name":"OrdersAccepted","Unit":"Count"}]}]},
//	 "Source":"shopify","OrdersAccepted":1}
func (m *Metrics) Put(name, unit string, value float64, dims map[string]string) error {
	b, err := EMFDocument(m.namespace, m.now(), name, unit, value, dims)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write metric %s: %w", name, err)
	}
	return nil
}

// emfMetric is a MetricDefinition of the specification.
type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit,omitempty"`
}

// emfDirective is a MetricDirective of the specification.
type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

// emfMetadata is the _aws member of the specification.
type emfMetadata struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// EMFDocument returns the EMF document of one metric value: the _aws
// metadata (Timestamp in milliseconds since the epoch, one directive with
// the namespace, one dimension set of every dimension name in sorted
// order, the metric's name and unit) and, as top-level members, each
// dimension's value and the metric's value. A dimension may not share the
// metric's name nor be called _aws.
func EMFDocument(namespace string, at time.Time, name, unit string, value float64, dims map[string]string) ([]byte, error) {
	if namespace == "" || name == "" {
		return nil, fmt.Errorf("metric: a namespace and a name are required")
	}
	names := make([]string, 0, len(dims))
	for k := range dims {
		if k == name || k == "_aws" || k == "" {
			return nil, fmt.Errorf("metric %s: dimension %q is not allowed", name, k)
		}
		names = append(names, k)
	}
	slices.Sort(names)
	doc := make(map[string]any, len(dims)+2)
	doc["_aws"] = emfMetadata{
		Timestamp: at.UnixMilli(),
		CloudWatchMetrics: []emfDirective{{
			Namespace: namespace, Dimensions: [][]string{names}, Metrics: []emfMetric{{Name: name, Unit: unit}},
		}},
	}
	for k, v := range dims {
		doc[k] = v
	}
	doc[name] = value
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("metric %s: %w", name, err)
	}
	return b, nil
}
