package consumer

import (
	"context"
	"log/slog"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// Keys of the per-record log attributes.
const (
	LogKeyMessageID      = "message_id"      // an SQS message
	LogKeySequenceNumber = "sequence_number" // a stream record
	LogKeyEventID        = "event_id"        // the order.Event a record carries
	LogKeyOrderID        = platform.LogKeyOrderID
)

// Config is what a consumer tells the loop.
type Config struct {
	// Name is the work of one record in log lines: "stock adjustment".
	Name string
	// Margin is the time left before the invocation's deadline under which
	// no new record is started.
	Margin time.Duration
	// Concurrency is how many SQS messages are handled at once (0 and 1:
	// one at a time). Stream records are always handled in order.
	Concurrency int
	// SkipPermanent acknowledges a record whose error is permanent (not
	// order.Transient) once it is logged; false reports it for a retry like
	// a transient error, until the dead-letter queue or the on-failure
	// destination takes it.
	SkipPermanent bool
	// Skipped records each record acknowledged for a permanent error, so
	// that none is dropped silently; a record it fails to record is
	// reported for a retry instead. nil: the error line is the only trace.
	Skipped SkipRecorder
	// Log receives the lines; nil is slog.Default().
	Log *slog.Logger
}

// Outcome is what a consumer says of one record, for its log line: the
// event and the order it concerns as far as they are known (a failure
// included), and, when it succeeded, what was done.
type Outcome struct {
	EventID string
	OrderID string
	// Done is the message of the success line; "" logs none.
	Done string
	// Attrs are the success line's key-value pairs.
	Attrs []any
}

func (c Config) logger() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

// outOfTime reports whether no new record may start: the context is done,
// or its deadline is less than the margin away.
func (c Config) outOfTime(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < c.Margin
}

// retry says whether a record that failed with err is reported for a retry.
func (c Config) retry(err error) bool {
	return !c.SkipPermanent || order.IsKind(err, order.Transient)
}

// SkipRecorder keeps the records a consumer acknowledged despite a
// permanent error, for a look and a replay once the cause is fixed.
type SkipRecorder interface {
	RecordSkipped(ctx context.Context, s Skipped) error
}

// Skipped is a record acknowledged despite a permanent error.
type Skipped struct {
	Consumer string // Config.Name
	// Source is the ARN of the stream or queue the record came from.
	Source string
	// SequenceNumber names a stream record, MessageID an SQS message.
	SequenceNumber string
	MessageID      string
	EventID        string
	OrderID        string
	// Kind, Code and Reason say why it failed (order.Error's).
	Kind, Code, Reason string
	At                 time.Time
}

// ref names one record in the log and in a Skipped.
type ref struct {
	key, id, source string
}

func streamRef(seq, source string) ref { return ref{LogKeySequenceNumber, seq, source} }
func sqsRef(id, source string) ref     { return ref{LogKeyMessageID, id, source} }

// attrs are the log attributes naming a record.
func attrs(idKey, id string, o Outcome) []any {
	a := []any{idKey, id}
	if o.EventID != "" {
		a = append(a, LogKeyEventID, o.EventID)
	}
	if o.OrderID != "" {
		a = append(a, LogKeyOrderID, o.OrderID)
	}
	return a
}

// deferred logs a record that is not started for lack of time.
func (c Config) deferred(ctx context.Context, r ref, o Outcome) {
	c.logger().WarnContext(ctx, c.Name+" deferred: the invocation is about to time out", attrs(r.key, r.id, o)...)
}

// done logs what became of a record and says whether it is to be reported
// as failed: a transient failure is a warning, a permanent one an error. A
// permanent failure acknowledged is recorded by Config.Skipped, and
// reported for a retry when it cannot be.
func (c Config) done(ctx context.Context, r ref, o Outcome, err error) (failed bool) {
	a := attrs(r.key, r.id, o)
	if err == nil {
		if o.Done != "" {
			c.logger().InfoContext(ctx, o.Done, append(a, o.Attrs...)...)
		}
		return false
	}
	level, msg := slog.LevelError, c.Name+" failed"
	if order.IsKind(err, order.Transient) {
		level = slog.LevelWarn
	}
	retry := c.retry(err)
	if !retry {
		msg = c.Name + " failed for good: acknowledged"
	}
	a = append(a, "kind", order.KindOf(err).String(), "code", order.CodeOf(err), "error", err.Error())
	c.logger().Log(ctx, level, msg, a...)
	if retry || c.Skipped == nil {
		return retry
	}
	s := Skipped{Consumer: c.Name, Source: r.source, EventID: o.EventID, OrderID: o.OrderID,
		Kind: order.KindOf(err).String(), Code: order.CodeOf(err), Reason: err.Error(), At: time.Now().UTC()}
	if r.key == LogKeySequenceNumber {
		s.SequenceNumber = r.id
	} else {
		s.MessageID = r.id
	}
	if rerr := c.Skipped.RecordSkipped(ctx, s); rerr != nil {
		c.logger().ErrorContext(ctx, c.Name+": the skipped record cannot be recorded: retried instead", append(attrs(r.key, r.id, o), "error", rerr.Error())...)
		return true
	}
	return false
}
