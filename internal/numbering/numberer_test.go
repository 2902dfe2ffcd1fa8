package numbering_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

var quiet = slog.New(slog.DiscardHandler)

// fakeStore numbers like the real store: in call order, from 1, and an
// order already numbered keeps its number. It fails the ids it is told to,
// and does not know the ids it is told to forget.
type fakeStore struct {
	numbers map[string]int64
	last    int64
	calls   []string
	fail    map[string]error
	unknown map[string]bool
	// accepted are the orders' acceptance times (CreatedAt); zero for
	// the others.
	accepted map[string]time.Time
}

func newFakeStore() *fakeStore {
	return &fakeStore{numbers: map[string]int64{}, fail: map[string]error{}, unknown: map[string]bool{}, accepted: map[string]time.Time{}}
}

func (f *fakeStore) AssignNumber(_ context.Context, id string) (*order.Order, error) {
	f.calls = append(f.calls, id)
	if err := f.fail[id]; err != nil {
		return nil, err
	}
	if f.unknown[id] {
		return nil, order.E("fake.AssignNumber", order.NotFound, order.CodeNotFound, "no order "+id)
	}
	if _, ok := f.numbers[id]; !ok {
		f.last++
		f.numbers[id] = f.last
	}
	n := f.numbers[id]
	return &order.Order{ID: id, Seq: n, Number: strconv.FormatInt(n, 10), Version: 1, CreatedAt: f.accepted[id]}, nil
}

func seqOf(n int) string { return fmt.Sprintf("%021d", n) }

func record(seq int, name string, image map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: name, EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{SequenceNumber: seqOf(seq), NewImage: image}}
}

// orderImage is the image of order id's record; pending adds the
// attribute an accepted order carries until it is numbered.
func orderImage(id string, pending bool) map[string]events.DynamoDBAttributeValue {
	img := map[string]events.DynamoDBAttributeValue{
		"PK":      events.NewStringAttribute("ORDER#" + id),
		"SK":      events.NewStringAttribute("ORDER"),
		"type":    events.NewStringAttribute("order"),
		"version": events.NewNumberAttribute("1"),
		"data":    events.NewStringAttribute("{}"),
	}
	if pending {
		img["pending"] = events.NewStringAttribute(`{"actor":{"kind":"storefront","id":"shopify"},"via":"webhook:shopify"}`)
	}
	return img
}

func pendingRecord(seq int, name, id string) events.DynamoDBEventRecord {
	return record(seq, name, orderImage(id, true))
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name      string
		records   []events.DynamoDBEventRecord
		setup     func(f *fakeStore)
		wantCalls []string         // AssignNumber's ids, in order
		wantNums  map[string]int64 // the numbers given
		wantFail  string           // sequence number reported, "" for none
	}{
		{
			name:      "pending orders numbered in stream order",
			records:   []events.DynamoDBEventRecord{pendingRecord(1, "INSERT", "B"), pendingRecord(2, "INSERT", "A"), pendingRecord(3, "MODIFY", "C")},
			wantCalls: []string{"B", "A", "C"},
			wantNums:  map[string]int64{"B": 1, "A": 2, "C": 3},
		},
		{
			name: "other records skipped",
			records: []events.DynamoDBEventRecord{
				record(1, "INSERT", orderImage("NUMBERED", false)), // an order created numbered
				record(2, "MODIFY", orderImage("NUMBERED", false)), // the numbering's own write
				record(3, "INSERT", map[string]events.DynamoDBAttributeValue{ // an outbox event
					"PK": events.NewStringAttribute("OUTBOX#E1"), "SK": events.NewStringAttribute("OUTBOX"), "data": events.NewStringAttribute("{}"),
				}),
				record(4, "INSERT", map[string]events.DynamoDBAttributeValue{ // another item of the order's partition
					"PK": events.NewStringAttribute("ORDER#X"), "SK": events.NewStringAttribute("HISTORY#1"), "pending": events.NewStringAttribute("{}"),
				}),
				{EventName: "REMOVE", Change: events.DynamoDBStreamRecord{SequenceNumber: seqOf(5), OldImage: orderImage("GONE", true)}},
				record(6, "REMOVE", orderImage("GONE", true)), // never carries a NewImage; skipped on the event name
				pendingRecord(7, "INSERT", "A"),
			},
			wantCalls: []string{"A"},
			wantNums:  map[string]int64{"A": 1},
		},
		{
			name:      "a failure stops at its record and reports it",
			records:   []events.DynamoDBEventRecord{pendingRecord(1, "INSERT", "A"), pendingRecord(2, "INSERT", "B"), pendingRecord(3, "INSERT", "C")},
			setup:     func(f *fakeStore) { f.fail["B"] = order.E("fake", order.Transient, "numbering_contention", "retry") },
			wantCalls: []string{"A", "B"},
			wantNums:  map[string]int64{"A": 1},
			wantFail:  seqOf(2),
		},
		{
			name:      "an order the store does not find is reported, not skipped",
			records:   []events.DynamoDBEventRecord{pendingRecord(1, "INSERT", "A"), pendingRecord(2, "INSERT", "C")},
			setup:     func(f *fakeStore) { f.unknown["A"] = true },
			wantCalls: []string{"A"},
			wantNums:  map[string]int64{},
			wantFail:  seqOf(1),
		},
		{
			name: "duplicate records number once",
			records: []events.DynamoDBEventRecord{pendingRecord(1, "INSERT", "A"), pendingRecord(2, "MODIFY", "A"),
				pendingRecord(3, "INSERT", "B"), pendingRecord(4, "INSERT", "A")},
			wantCalls: []string{"A", "A", "B", "A"},
			wantNums:  map[string]int64{"A": 1, "B": 2},
		},
		{
			name:      "a batch already numbered (a retry) changes nothing",
			records:   []events.DynamoDBEventRecord{pendingRecord(1, "INSERT", "A"), pendingRecord(2, "INSERT", "B")},
			setup:     func(f *fakeStore) { f.numbers["A"], f.numbers["B"], f.last = 7, 8, 8 },
			wantCalls: []string{"A", "B"},
			wantNums:  map[string]int64{"A": 7, "B": 8},
		},
		{name: "an empty batch", wantNums: map[string]int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStore()
			if tt.setup != nil {
				tt.setup(f)
			}
			n, err := numbering.New(numbering.Deps{Orders: f, Records: dynamo.Stream{}, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := n.Handle(context.Background(), events.DynamoDBEvent{Records: tt.records})
			if err != nil {
				t.Fatalf("handle: %v", err)
			}
			if got := failedSeq(t, resp); got != tt.wantFail {
				t.Errorf("failure = %q, want %q", got, tt.wantFail)
			}
			if !slices.Equal(f.calls, tt.wantCalls) {
				t.Errorf("AssignNumber calls = %v, want %v", f.calls, tt.wantCalls)
			}
			if fmt.Sprint(f.numbers) != fmt.Sprint(tt.wantNums) {
				t.Errorf("numbers = %v, want %v", f.numbers, tt.wantNums)
			}
		})
	}
}

// failedSeq is the one sequence number a response reports, or "".
func failedSeq(t *testing.T, resp events.DynamoDBEventResponse) string {
	t.Helper()
	switch len(resp.BatchItemFailures) {
	case 0:
		return ""
	case 1:
		return resp.BatchItemFailures[0].ItemIdentifier
	}
	t.Fatalf("%d failures reported, want at most one: %+v", len(resp.BatchItemFailures), resp.BatchItemFailures)
	return ""
}

// TestHandleNearTheDeadline: with less than DeadlineMargin left, no order
// is started and the first pending record is reported.
func TestHandleNearTheDeadline(t *testing.T) {
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record(1, "INSERT", orderImage("NUMBERED", false)), pendingRecord(2, "INSERT", "A"), pendingRecord(3, "INSERT", "B"),
	}}
	short, cancel := context.WithTimeout(context.Background(), numbering.DeadlineMargin-time.Second)
	defer cancel()
	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	for name, ctx := range map[string]context.Context{"deadline close": short, "cancelled": cancelled} {
		t.Run(name, func(t *testing.T) {
			f := newFakeStore()
			n, err := numbering.New(numbering.Deps{Orders: f, Records: dynamo.Stream{}, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := n.Handle(ctx, ev)
			if err != nil {
				t.Fatalf("handle: %v", err)
			}
			if got := failedSeq(t, resp); got != seqOf(2) || len(f.calls) != 0 {
				t.Errorf("failure %q after calls %v, want %q and no call", got, f.calls, seqOf(2))
			}
		})
	}
}

// TestHandleLogs: a transient failure is a warning, any other an error;
// both name the order and the record.
func TestHandleLogs(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantLevel string
	}{
		{"transient", order.E("fake", order.Transient, "numbering_contention", "retry"), "WARN"},
		{"internal", order.E("fake", order.Internal, "invalid_pending", "unreadable"), "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			f := newFakeStore()
			f.fail["A"] = tt.err
			n, err := numbering.New(numbering.Deps{Orders: f, Records: dynamo.Stream{}, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := n.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{pendingRecord(9, "INSERT", "A")}}); err != nil {
				t.Fatal(err)
			}
			var line struct {
				Level, Msg, Code string
				OrderID          string `json:"order_id"`
				Seq              string `json:"sequence_number"`
			}
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("log %q: %v", buf.String(), err)
			}
			if line.Level != tt.wantLevel || line.OrderID != "A" || line.Seq != seqOf(9) || line.Code != order.CodeOf(tt.err) {
				t.Errorf("log = %s, want level %s naming order A and record %s", buf.String(), tt.wantLevel, seqOf(9))
			}
		})
	}
}

func TestNew(t *testing.T) {
	if _, err := numbering.New(numbering.Deps{Logger: quiet}); order.CodeOf(err) != "missing_dependency" {
		t.Error("a numberer without a store was built")
	}
	if _, err := numbering.New(numbering.Deps{Orders: newFakeStore(), Logger: quiet}); order.CodeOf(err) != "missing_dependency" {
		t.Error("a numberer without a stream reader was built")
	}
}

// TestEventSample hands events/numbering/'s sample to the handler: its
// record is the accepted order of the Shopify sample of events/intake/,
// which the numberer asks the store to number.
func TestEventSample(t *testing.T) {
	raw, err := os.ReadFile("../../events/numbering/stream-order-accepted.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	f := newFakeStore()
	n, err := numbering.New(numbering.Deps{Orders: f, Records: dynamo.Stream{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := n.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handle: %+v, %v", resp, err)
	}
	want := []string{order.StorefrontOrderID(order.SourceShopify, "6123456789012")}
	if !slices.Equal(f.calls, want) {
		t.Errorf("AssignNumber calls = %v, want %v", f.calls, want)
	}
}

// skipLog keeps the records a consumer skips.
type skipLog struct{ got []consumer.Skipped }

func (l *skipLog) RecordSkipped(_ context.Context, s consumer.Skipped) error {
	l.got = append(l.got, s)
	return nil
}

// TestHandlePoisonRecord: an order that fails for good in the middle of a
// batch is recorded and skipped; the orders after it are numbered, and a
// transient failure is still retried from its record.
func TestHandlePoisonRecord(t *testing.T) {
	f := newFakeStore()
	f.fail["B"] = order.E("fake", order.Internal, "invalid_pending", "the pending creation cannot be read")
	f.fail["E"] = order.E("fake", order.Transient, "numbering_contention", "retry")
	skipped := &skipLog{}
	n, err := numbering.New(numbering.Deps{Orders: f, Records: dynamo.Stream{}, Skipped: skipped, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	records := []events.DynamoDBEventRecord{pendingRecord(1, "INSERT", "A"), pendingRecord(2, "INSERT", "B"), pendingRecord(3, "INSERT", "C"),
		pendingRecord(4, "INSERT", "D"), pendingRecord(5, "INSERT", "E"), pendingRecord(6, "INSERT", "F")}
	resp, err := n.Handle(context.Background(), events.DynamoDBEvent{Records: records})
	if err != nil {
		t.Fatal(err)
	}
	if got := failedSeq(t, resp); got != seqOf(5) {
		t.Errorf("failure = %q, want the transient one, %q", got, seqOf(5))
	}
	if want := map[string]int64{"A": 1, "C": 2, "D": 3}; fmt.Sprint(f.numbers) != fmt.Sprint(want) {
		t.Errorf("numbers = %v, want %v", f.numbers, want)
	}
	if len(skipped.got) != 1 || skipped.got[0].OrderID != "B" || skipped.got[0].SequenceNumber != seqOf(2) || skipped.got[0].Code != "invalid_pending" {
		t.Errorf("skipped %+v, want order B at %s, invalid_pending", skipped.got, seqOf(2))
	}
}

// TestHandleRecordsNumberingLag: each order numbered writes one
// NumberingLagMs EMF line (unit Milliseconds, no dimension), the time from
// its acceptance to its numbering; a record skipped or failed writes none.
func TestHandleRecordsNumberingLag(t *testing.T) {
	now := time.Date(2025, 6, 2, 10, 0, 5, 0, time.UTC)
	f := newFakeStore()
	f.accepted["A"] = now.Add(-1250 * time.Millisecond)
	f.accepted["B"] = now.Add(-4 * time.Minute)
	f.accepted["C"] = now.Add(-time.Second)
	f.fail["C"] = order.E("fake", order.Transient, "numbering_contention", "retry")
	var metrics bytes.Buffer
	n, err := numbering.New(numbering.Deps{Orders: f, Records: dynamo.Stream{}, Logger: quiet,
		Metrics: platform.NewMetrics(&metrics, platform.MetricsNamespace, platform.FixedClock(now)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		pendingRecord(1, "INSERT", "A"), record(2, "MODIFY", orderImage("A", false)), pendingRecord(3, "INSERT", "B"), pendingRecord(4, "INSERT", "C"),
	}}
	if resp, err := n.Handle(context.Background(), ev); err != nil || failedSeq(t, resp) != seqOf(4) {
		t.Fatalf("handle: %v %+v", err, resp)
	}
	lag := func(ms int) string {
		return fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"ordersmith","Dimensions":[[]],`+
			`"Metrics":[{"Name":"NumberingLagMs","Unit":"Milliseconds"}]}]},"NumberingLagMs":%d}`, now.UnixMilli(), ms)
	}
	want := []string{lag(1250), lag(240_000)}
	got := strings.Split(strings.TrimSuffix(metrics.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("metrics:\n%s\nwant %d lines", metrics.String(), len(want))
	}
	for i := range want {
		var g, w any
		if err := json.Unmarshal([]byte(got[i]), &g); err != nil {
			t.Fatalf("line %d %q: %v", i, got[i], err)
		}
		if err := json.Unmarshal([]byte(want[i]), &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("line %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// TestNumberWithoutMetrics: Deps.Metrics is optional; an order without an
// acceptance time is numbered and records no lag.
func TestNumberWithoutMetrics(t *testing.T) {
	f := newFakeStore()
	f.accepted["A"] = time.Now().Add(-time.Second)
	n, err := numbering.New(numbering.Deps{Orders: f, Records: dynamo.Stream{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := n.Number(context.Background(), "A"); err != nil || o.Number != "1" {
		t.Fatalf("number: %+v %v", o, err)
	}
	var metrics bytes.Buffer
	n, err = numbering.New(numbering.Deps{Orders: f, Records: dynamo.Stream{}, Logger: quiet,
		Metrics: platform.NewMetrics(&metrics, platform.MetricsNamespace, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := n.Number(context.Background(), "B"); err != nil || o.Number != "2" || metrics.Len() != 0 {
		t.Fatalf("an order without an acceptance time: %+v %v, metrics %q", o, err, metrics.String())
	}
}
