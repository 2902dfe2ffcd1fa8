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
func (c Config) deferred(ctx context.Context, idKey, id string, o Outcome) {
	c.logger().WarnContext(ctx, c.Name+" deferred: the invocation is about to time out", attrs(idKey, id, o)...)
}

// done logs what became of a record and says whether it is to be reported
// as failed: a transient failure is a warning, a permanent one an error.
func (c Config) done(ctx context.Context, idKey, id string, o Outcome, err error) (failed bool) {
	a := attrs(idKey, id, o)
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
	return retry
}
