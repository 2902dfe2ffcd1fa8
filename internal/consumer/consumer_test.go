package consumer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/order"
)

var (
	errTransient = order.E("test", order.Transient, "busy", "retry later")
	errPermanent = order.E("test", order.Invalid, "malformed_event", "not an event")
	errPlain     = errors.New("no kind: errPermanent")
)

func seq(n int) string { return fmt.Sprintf("%021d", n) }

// streamOf is a batch of stream records whose NewImage "v" holds the value
// each asks for: "skip" is a write the consumer does not handle, "bad" one it
// cannot decode.
func streamOf(values ...string) events.DynamoDBEvent {
	var ev events.DynamoDBEvent
	for i, v := range values {
		ev.Records = append(ev.Records, events.DynamoDBEventRecord{EventName: "INSERT",
			Change: events.DynamoDBStreamRecord{SequenceNumber: seq(i + 1), NewImage: map[string]events.DynamoDBAttributeValue{"v": events.NewStringAttribute(v)}}})
	}
	return ev
}

func decode(rec events.DynamoDBEventRecord) (consumer.Item[string], bool, error) {
	v := rec.Change.NewImage["v"].String()
	switch v {
	case "skip":
		return consumer.Item[string]{}, false, nil
	case "bad":
		return consumer.Item[string]{}, true, errPermanent
	}
	return consumer.Item[string]{Value: v, OrderID: "O-" + v}, true, nil
}

// worker handles values, failing those it is told to, and cancels the
// invocation's context once it has handled cancelAfter of them (the
// deadline reached mid-batch).
type worker struct {
	mu          sync.Mutex
	fail        map[string]error
	handled     []string
	cancelAfter int
	cancel      context.CancelFunc
}

// newWorker is a worker and the invocation's context, which it cancels
// after cancelAfter values (0: never).
func newWorker(t *testing.T, fail map[string]error, cancelAfter int) (context.Context, *worker) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := &worker{fail: fail, cancelAfter: cancelAfter}
	if cancelAfter > 0 {
		w.cancel = cancel
	}
	return ctx, w
}

func (w *worker) do(v string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.handled = append(w.handled, v)
	if w.cancel != nil && len(w.handled) == w.cancelAfter {
		w.cancel()
	}
	return w.fail[v]
}

func (w *worker) done() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.handled)
}

// retryFrom is the stream response that retries from record n; 0: none.
func retryFrom(n int) events.DynamoDBEventResponse {
	if n == 0 {
		return events.DynamoDBEventResponse{}
	}
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: seq(n)}}}
}

func TestHandleStream(t *testing.T) {
	tests := []struct {
		name        string
		values      []string
		fail        map[string]error
		skip        bool // Config.SkipPermanent
		cancelAfter int
		wantDone    []string
		wantFail    int // the record retried from, 0 for none
	}{
		{name: "all done in stream order, skipped records left out", values: []string{"a", "skip", "b", "c"}, wantDone: []string{"a", "b", "c"}},
		{name: "a transient failure stops at its record", values: []string{"a", "b", "c"}, fail: map[string]error{"b": errTransient},
			wantDone: []string{"a", "b"}, wantFail: 2},
		{name: "a permanent failure stops at its record too", values: []string{"a", "b", "c"}, fail: map[string]error{"a": errPermanent},
			wantDone: []string{"a"}, wantFail: 1},
		{name: "acknowledged permanent failure: the batch goes on", values: []string{"a", "b", "c"}, fail: map[string]error{"a": errPlain}, skip: true,
			wantDone: []string{"a", "b", "c"}},
		{name: "acknowledging leaves a transient failure retried", values: []string{"a", "b", "c"}, fail: map[string]error{"b": errTransient}, skip: true,
			wantDone: []string{"a", "b"}, wantFail: 2},
		{name: "an undecodable record: those before it are done, then it fails", values: []string{"a", "b", "bad", "c"},
			wantDone: []string{"a", "b"}, wantFail: 3},
		{name: "an undecodable record acknowledged", values: []string{"a", "bad", "c"}, skip: true, wantDone: []string{"a", "c"}},
		{name: "deadline reached mid-batch: the first record not started is reported", values: []string{"a", "skip", "b", "skip", "c", "d"}, cancelAfter: 2,
			wantDone: []string{"a", "b"}, wantFail: 5},
		{name: "an empty batch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, w := newWorker(t, tt.fail, tt.cancelAfter)
			c := consumer.Config{Name: "test work", Margin: time.Second, SkipPermanent: tt.skip, Log: slog.New(slog.DiscardHandler)}
			resp := consumer.HandleStream(ctx, c, streamOf(tt.values...), decode, func(_ context.Context, it consumer.Item[string]) (consumer.Outcome, error) {
				return consumer.Outcome{}, w.do(it.Value)
			})
			if want := retryFrom(tt.wantFail); !reflect.DeepEqual(resp, want) {
				t.Errorf("response %+v, want %+v", resp, want)
			}
			if got := w.done(); !slices.Equal(got, tt.wantDone) {
				t.Errorf("handled %v, want %v", got, tt.wantDone)
			}
		})
	}
}

// TestHandleStreamRuns: a consumer that takes several items at once is
// called again on what it left, and a failure inside a run is reported at
// its own record.
func TestHandleStreamRuns(t *testing.T) {
	tests := []struct {
		name        string
		values      []string
		fail        map[string]error
		skip        bool
		cancelAfter int // runs
		wantRuns    [][]string
		wantFail    int
	}{
		{name: "runs of two", values: []string{"a", "b", "skip", "c", "d", "e"},
			wantRuns: [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		{name: "a failure inside a run", values: []string{"a", "b", "c", "d"}, fail: map[string]error{"d": errTransient},
			wantRuns: [][]string{{"a", "b"}, {"c", "d"}}, wantFail: 4},
		{name: "a permanent failure acknowledged inside a run", values: []string{"a", "b", "c", "d"}, fail: map[string]error{"a": errPermanent}, skip: true,
			wantRuns: [][]string{{"a", "b"}, {"b", "c"}, {"d"}}},
		{name: "an undecodable record after a run", values: []string{"a", "b", "c", "bad", "d"},
			wantRuns: [][]string{{"a", "b"}, {"c"}}, wantFail: 4},
		{name: "deadline reached between runs", values: []string{"a", "b", "c", "d", "e"}, cancelAfter: 1,
			wantRuns: [][]string{{"a", "b"}}, wantFail: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var runs [][]string
			c := consumer.Config{Name: "test work", Margin: time.Second, SkipPermanent: tt.skip, Log: slog.New(slog.DiscardHandler)}
			resp := consumer.HandleStreamRuns(ctx, c, streamOf(tt.values...), decode, func(_ context.Context, items []consumer.Item[string]) (int, error) {
				var run []string
				for _, it := range items[:min(2, len(items))] {
					run = append(run, it.Value)
				}
				runs = append(runs, run)
				if len(runs) == tt.cancelAfter {
					cancel()
				}
				for i, v := range run {
					if err := tt.fail[v]; err != nil {
						return i, err
					}
				}
				return len(run), nil
			})
			if want := retryFrom(tt.wantFail); !reflect.DeepEqual(resp, want) {
				t.Errorf("response %+v, want %+v", resp, want)
			}
			if fmt.Sprint(runs) != fmt.Sprint(tt.wantRuns) {
				t.Errorf("runs %v, want %v", runs, tt.wantRuns)
			}
		})
	}
}

func sqsOf(ids ...string) events.SQSEvent {
	var ev events.SQSEvent
	for _, id := range ids {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: id, Body: id})
	}
	return ev
}

// retry is the SQS response that retries the messages ids.
func retry(ids ...string) events.SQSEventResponse {
	var r events.SQSEventResponse
	for _, id := range ids {
		r.BatchItemFailures = append(r.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	return r
}

func TestHandleSQS(t *testing.T) {
	tests := []struct {
		name        string
		ids         []string
		fail        map[string]error
		skip        bool
		concurrency int
		cancelAfter int
		wantDone    []string // sorted
		wantFail    []string
	}{
		{name: "every message handled, at once", ids: []string{"m1", "m2", "m3", "m4", "m5"}, concurrency: 3,
			wantDone: []string{"m1", "m2", "m3", "m4", "m5"}},
		{name: "failures reported each on its own, the others done", ids: []string{"m1", "m2", "m3", "m4"}, concurrency: 2,
			fail: map[string]error{"m1": errTransient, "m3": errPermanent}, wantDone: []string{"m1", "m2", "m3", "m4"}, wantFail: []string{"m1", "m3"}},
		{name: "permanent failures acknowledged, transient ones retried", ids: []string{"m1", "m2", "m3", "m4"}, skip: true,
			fail: map[string]error{"m1": errTransient, "m2": errPlain, "m3": errPermanent}, wantDone: []string{"m1", "m2", "m3", "m4"}, wantFail: []string{"m1"}},
		{name: "deadline reached mid-batch: the messages not started are reported", ids: []string{"m1", "m2", "m3", "m4"}, cancelAfter: 2,
			fail: map[string]error{"m1": errTransient}, wantDone: []string{"m1", "m2"}, wantFail: []string{"m1", "m3", "m4"}},
		{name: "an empty batch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, w := newWorker(t, tt.fail, tt.cancelAfter)
			c := consumer.Config{Name: "test work", Margin: time.Second, Concurrency: tt.concurrency, SkipPermanent: tt.skip, Log: slog.New(slog.DiscardHandler)}
			resp := consumer.HandleSQS(ctx, c, sqsOf(tt.ids...), func(_ context.Context, m events.SQSMessage) (consumer.Outcome, error) {
				return consumer.Outcome{}, w.do(m.Body)
			})
			if want := retry(tt.wantFail...); !reflect.DeepEqual(resp, want) {
				t.Errorf("response %+v, want %+v", resp, want)
			}
			got := w.done()
			slices.Sort(got)
			if !slices.Equal(got, tt.wantDone) {
				t.Errorf("handled %v, want %v", got, tt.wantDone)
			}
		})
	}
}

// TestDeadlineMargin: with less than the margin left, nothing starts.
func TestDeadlineMargin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := consumer.Config{Name: "test work", Margin: 2 * time.Minute, Log: slog.New(slog.DiscardHandler)}
	w := &worker{}
	resp := consumer.HandleSQS(ctx, c, sqsOf("m1", "m2"), func(_ context.Context, m events.SQSMessage) (consumer.Outcome, error) {
		return consumer.Outcome{}, w.do(m.Body)
	})
	if want := retry("m1", "m2"); !reflect.DeepEqual(resp, want) || len(w.done()) != 0 {
		t.Errorf("SQS: response %+v after %v, want %+v and none handled", resp, w.done(), want)
	}
	sresp := consumer.HandleStream(ctx, c, streamOf("skip", "a", "b"), decode, func(_ context.Context, it consumer.Item[string]) (consumer.Outcome, error) {
		return consumer.Outcome{}, w.do(it.Value)
	})
	if want := retryFrom(2); !reflect.DeepEqual(sresp, want) || len(w.done()) != 0 {
		t.Errorf("stream: response %+v after %v, want %+v (the first record to handle) and none handled", sresp, w.done(), want)
	}
}

// TestLogLines: one line per record naming it, its event and its order; a
// transient failure is a warning, a permanent one an error.
func TestLogLines(t *testing.T) {
	var buf bytes.Buffer
	c := consumer.Config{Name: "test work", Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	fail := map[string]error{"b": errTransient, "c": errPermanent}
	consumer.HandleSQS(context.Background(), c, sqsOf("a", "b", "c"), func(_ context.Context, m events.SQSMessage) (consumer.Outcome, error) {
		return consumer.Outcome{EventID: "E-" + m.Body, OrderID: "O-" + m.Body, Done: "work done", Attrs: []any{"result", "fine"}}, fail[m.Body]
	})
	consumer.HandleStream(context.Background(), c, streamOf("d", "e"), decode, func(_ context.Context, it consumer.Item[string]) (consumer.Outcome, error) {
		if it.Value == "e" {
			return consumer.Outcome{EventID: "E-e"}, errTransient
		}
		return consumer.Outcome{}, nil // no success line
	})
	type line struct {
		Level, Msg, Code, Result string
		MessageID                string `json:"message_id"`
		Seq                      string `json:"sequence_number"`
		EventID                  string `json:"event_id"`
		OrderID                  string `json:"order_id"`
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var v line
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("log %q: %v", l, err)
		}
		got = append(got, v)
	}
	slices.SortStableFunc(got[:3], func(a, b line) int { return strings.Compare(a.MessageID, b.MessageID) })
	want := []line{
		{Level: "INFO", Msg: "work done", Result: "fine", MessageID: "a", EventID: "E-a", OrderID: "O-a"},
		{Level: "WARN", Msg: "test work failed", Code: "busy", MessageID: "b", EventID: "E-b", OrderID: "O-b"},
		{Level: "ERROR", Msg: "test work failed", Code: "malformed_event", MessageID: "c", EventID: "E-c", OrderID: "O-c"},
		{Level: "WARN", Msg: "test work failed", Code: "busy", Seq: seq(2), EventID: "E-e", OrderID: "O-e"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("log lines:\n%+v\nwant\n%+v", got, want)
	}
}

// recorder keeps the skipped records, or fails to.
type recorder struct {
	mu   sync.Mutex
	got  []consumer.Skipped
	fail error
}

func (r *recorder) RecordSkipped(_ context.Context, s consumer.Skipped) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	s.At = time.Time{}
	r.got = append(r.got, s)
	return nil
}

// TestSkippedRecorded: a permanent failure acknowledged is recorded, with
// its source and reason; one that cannot be recorded is retried instead.
func TestSkippedRecorded(t *testing.T) {
	const arn = "arn:aws:dynamodb:eu-west-3:123456789012:table/t/stream/1"
	ev := streamOf("a", "bad", "b", "c")
	for i := range ev.Records {
		ev.Records[i].EventSourceArn = arn
	}
	t.Run("stream", func(t *testing.T) {
		ctx, w := newWorker(t, map[string]error{"b": errPermanent}, 0)
		rec := &recorder{}
		c := consumer.Config{Name: "test work", SkipPermanent: true, Skipped: rec, Log: slog.New(slog.DiscardHandler)}
		resp := consumer.HandleStream(ctx, c, ev, decode, func(_ context.Context, it consumer.Item[string]) (consumer.Outcome, error) {
			return consumer.Outcome{EventID: "E-" + it.Value}, w.do(it.Value)
		})
		if !reflect.DeepEqual(resp, retryFrom(0)) {
			t.Errorf("response %+v, want none failed", resp)
		}
		if got := w.done(); !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Errorf("handled %v: the poison records held back the others", got)
		}
		want := []consumer.Skipped{
			{Consumer: "test work", Source: arn, SequenceNumber: seq(2), Kind: "invalid", Code: "malformed_event", Reason: errPermanent.Error()},
			{Consumer: "test work", Source: arn, SequenceNumber: seq(3), EventID: "E-b", OrderID: "O-b", Kind: "invalid", Code: "malformed_event", Reason: errPermanent.Error()},
		}
		if !reflect.DeepEqual(rec.got, want) {
			t.Errorf("recorded\n%+v\nwant\n%+v", rec.got, want)
		}
	})
	t.Run("stream, recording fails", func(t *testing.T) {
		ctx, w := newWorker(t, map[string]error{"b": errPermanent}, 0)
		c := consumer.Config{Name: "test work", SkipPermanent: true, Skipped: &recorder{fail: errTransient}, Log: slog.New(slog.DiscardHandler)}
		resp := consumer.HandleStream(ctx, c, streamOf("a", "b", "c"), decode, func(_ context.Context, it consumer.Item[string]) (consumer.Outcome, error) {
			return consumer.Outcome{}, w.do(it.Value)
		})
		if want := retryFrom(2); !reflect.DeepEqual(resp, want) {
			t.Errorf("response %+v, want %+v", resp, want)
		}
	})
	t.Run("sqs", func(t *testing.T) {
		ctx, w := newWorker(t, map[string]error{"m2": errPermanent, "m3": errTransient}, 0)
		rec := &recorder{}
		c := consumer.Config{Name: "test work", SkipPermanent: true, Skipped: rec, Log: slog.New(slog.DiscardHandler)}
		resp := consumer.HandleSQS(ctx, c, sqsOf("m1", "m2", "m3"), func(_ context.Context, m events.SQSMessage) (consumer.Outcome, error) {
			return consumer.Outcome{}, w.do(m.Body)
		})
		if want := retry("m3"); !reflect.DeepEqual(resp, want) {
			t.Errorf("response %+v, want %+v", resp, want)
		}
		want := []consumer.Skipped{{Consumer: "test work", MessageID: "m2", Kind: "invalid", Code: "malformed_event", Reason: errPermanent.Error()}}
		if !reflect.DeepEqual(rec.got, want) {
			t.Errorf("recorded %+v, want %+v", rec.got, want)
		}
	})
}

// TestHandleSQSGroups: the messages of one FIFO group are handled in batch
// order, never two at once, and a failure holds back the rest of its group
// only.
func TestHandleSQSGroups(t *testing.T) {
	var ev events.SQSEvent
	for _, m := range []struct{ id, group string }{{"a1", "A"}, {"b1", "B"}, {"a2", "A"}, {"a3", "A"}, {"b2", "B"}, {"x", ""}} {
		msg := events.SQSMessage{MessageId: m.id, Body: m.id, Attributes: map[string]string{}}
		if m.group != "" {
			msg.Attributes[consumer.AttrMessageGroupID] = m.group
		}
		ev.Records = append(ev.Records, msg)
	}
	var (
		mu       sync.Mutex
		running  = map[string]bool{}
		order    []string
		bStarted = make(chan struct{})
	)
	c := consumer.Config{Name: "test work", Concurrency: 4, Log: slog.New(slog.DiscardHandler)}
	resp := consumer.HandleSQS(context.Background(), c, ev, func(_ context.Context, m events.SQSMessage) (consumer.Outcome, error) {
		g := m.Attributes[consumer.AttrMessageGroupID]
		mu.Lock()
		if g != "" && running[g] {
			t.Errorf("%s started while another message of group %s runs", m.MessageId, g)
		}
		running[g] = true
		order = append(order, m.MessageId)
		mu.Unlock()
		switch m.MessageId {
		case "b1":
			close(bStarted)
		case "a1":
			// a1 runs until group B has started: groups run side by side,
			// and a2, were it started beside a1, would be caught above.
			select {
			case <-bStarted:
			case <-time.After(5 * time.Second):
				t.Error("group B did not start while group A ran")
			}
		}
		mu.Lock()
		running[g] = false
		mu.Unlock()
		if m.MessageId == "a2" {
			return consumer.Outcome{}, errTransient
		}
		return consumer.Outcome{}, nil
	})
	if want := retry("a2", "a3"); !reflect.DeepEqual(resp, want) {
		t.Errorf("response %+v, want %+v", resp, want)
	}
	var a, b []string
	for _, id := range order {
		switch id[0] {
		case 'a':
			a = append(a, id)
		case 'b':
			b = append(b, id)
		}
	}
	if !slices.Equal(a, []string{"a1", "a2"}) || !slices.Equal(b, []string{"b1", "b2"}) {
		t.Errorf("group A handled %v (want a1 a2: a3 held back), group B %v (want b1 b2)", a, b)
	}
}
