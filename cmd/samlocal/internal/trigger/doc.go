// Package trigger feeds local functions from their event sources the way
// Lambda's pollers do: SQS event-source mappings (batch size, batching
// window, partial batch responses; redrive is the queue's own), DynamoDB
// stream mappings (starting position, partial batch checkpoints, retries,
// bisection, on-failure destination) and EventBridge schedules (rate, cron,
// at), with the real event shapes.
package trigger

import "context"

// Invoker runs a function synchronously. failed reports a function error;
// err is kept for failures of the local runtime itself.
type Invoker interface {
	Invoke(ctx context.Context, function string, event []byte) (answer []byte, failed bool, err error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, function string, event []byte) ([]byte, bool, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, function string, event []byte) ([]byte, bool, error) {
	return f(ctx, function, event)
}
