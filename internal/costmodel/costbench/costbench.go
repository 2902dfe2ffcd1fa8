// Package costbench is what the benchmarks of the consumers share to feed
// the cost model: the sample events of events/ made new for each
// iteration, and the names of the metrics cmd/costreport reads.
package costbench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/dynamo"
)

// The metrics a consumer's benchmark reports per event it handles
// (b.ReportMetric units); cmd/costreport reads them from `make bench`'s
// output.
const (
	MetricHandlerMs   = "handler-p50-ms"     // median duration of the handler for one event
	MetricWriteUnits  = "WRU/event"          // DynamoDB write request units
	MetricReadUnits   = "RRU/event"          // DynamoDB read request units
	MetricSQSRequests = "sqs-requests/event" // SQS requests the handler sends
	MetricEmails      = "emails/event"       // e-mails sent
)

// Usage is what a benchmark measured over its events.
type Usage struct {
	Events      int
	HandlerMs   float64 // median per event
	WriteUnits  float64 // totals over Events
	ReadUnits   float64
	SQSRequests float64
	Emails      float64
}

// Report reports u per event under the metric names above.
func Report(b *testing.B, u Usage) {
	b.Helper()
	if u.Events <= 0 {
		b.Fatalf("cost metrics of no event")
	}
	n := float64(u.Events)
	b.ReportMetric(u.HandlerMs, MetricHandlerMs)
	b.ReportMetric(u.WriteUnits/n, MetricWriteUnits)
	b.ReportMetric(u.ReadUnits/n, MetricReadUnits)
	b.ReportMetric(u.SQSRequests/n, MetricSQSRequests)
	b.ReportMetric(u.Emails/n, MetricEmails)
}

// SQSSample reads an SQS batch of events/ (path relative to the test).
func SQSSample(tb testing.TB, path string) events.SQSEvent {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return ev
}

// Renumbered returns a copy of a batch of order events whose event and
// order ids end in -n, so that each iteration handles new events of a new
// order rather than redeliveries.
func Renumbered(tb testing.TB, ev events.SQSEvent, n int) events.SQSEvent {
	tb.Helper()
	out := events.SQSEvent{Records: make([]events.SQSMessage, len(ev.Records))}
	for i, m := range ev.Records {
		var body map[string]any
		if err := json.Unmarshal([]byte(m.Body), &body); err != nil {
			tb.Fatalf("message %s: %v", m.MessageId, err)
		}
		for _, k := range []string{"id", "orderId"} {
			if s, ok := body[k].(string); ok {
				body[k] = fmt.Sprintf("%s-%d", s, n)
			}
		}
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		m.Body = string(b)
		m.MessageId = fmt.Sprintf("%s-%d", m.MessageId, n)
		out.Records[i] = m
	}
	return out
}

// SQSHandler is an SQS-triggered function's handler.
type SQSHandler func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// HandleSamples runs the benchmark's loop: each iteration hands h the
// sample renumbered (new events of a new order) and fails on any failed
// message. It returns the events handled and the median duration per
// batch (one invocation) in milliseconds.
func HandleSamples(b *testing.B, h SQSHandler, sample events.SQSEvent) (handled int, medianMs float64) {
	b.Helper()
	ctx := context.Background()
	durations := make([]time.Duration, 0, b.N)
	for b.Loop() {
		ev := Renumbered(b, sample, handled)
		start := time.Now()
		resp, err := h(ctx, ev)
		durations = append(durations, time.Since(start))
		if err != nil || len(resp.BatchItemFailures) != 0 {
			b.Fatalf("events from %d: %v %+v", handled, err, resp)
		}
		handled += len(ev.Records)
	}
	return handled, dynamo.MedianMillis(durations)
}
