package dynamo

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// RequestCounter is SDK middleware that counts the requests a client sends,
// per operation, including the SDK's own retries (it sits after the retry
// step, so each attempt on the wire counts once). The benchmarks use it to
// hold the store to its request budget; any client can carry it:
//
//	c := &dynamo.RequestCounter{}
//	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
//		o.APIOptions = append(o.APIOptions, c.Register)
//	})
type RequestCounter struct {
	mu     sync.Mutex
	counts map[string]int64
}

// Register adds the counter to a client's middleware stack; it has the
// signature of an APIOptions entry.
func (c *RequestCounter) Register(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("ordersmith.RequestCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.add(awsmiddleware.GetOperationName(ctx))
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

func (c *RequestCounter) add(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int64{}
	}
	c.counts[op]++
}

// Total returns the number of requests counted so far.
func (c *RequestCounter) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Counts returns a copy of the per-operation counts.
func (c *RequestCounter) Counts() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// Operations returns the operation names counted, sorted.
func (c *RequestCounter) Operations() []string {
	counts := c.Counts()
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// Reset sets every count back to zero.
func (c *RequestCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = nil
}

// CapacityMeter is SDK middleware that asks DynamoDB for the consumed
// capacity of every request (ReturnConsumedCapacity TOTAL) and adds it up, so
// that a benchmark can report capacity units per order without the store
// knowing. Register it like RequestCounter.
type CapacityMeter struct {
	mu            sync.Mutex
	units, writes float64
}

// Register adds the meter to a client's middleware stack.
func (m *CapacityMeter) Register(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ordersmith.CapacityMeter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			askCapacity(in.Parameters)
			out, md, err := next.HandleInitialize(ctx, in)
			if err == nil {
				m.add(consumed(out.Result), writes(out.Result))
			}
			return out, md, err
		}), middleware.After)
}

// Units returns the capacity units consumed so far.
func (m *CapacityMeter) Units() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.units
}

// WriteUnits returns the part of Units consumed by writes (PutItem,
// UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems): on-demand
// tables bill them as write request units, the rest as read request units.
func (m *CapacityMeter) WriteUnits() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.writes
}

// ReadUnits returns the part of Units consumed by reads.
func (m *CapacityMeter) ReadUnits() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.units - m.writes
}

// Reset sets the total back to zero.
func (m *CapacityMeter) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.units, m.writes = 0, 0
}

func (m *CapacityMeter) add(u float64, write bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.units += u
	if write {
		m.writes += u
	}
}

// writes reports whether an output is a write's.
func writes(result any) bool {
	switch result.(type) {
	case *dynamodb.PutItemOutput, *dynamodb.UpdateItemOutput, *dynamodb.DeleteItemOutput,
		*dynamodb.BatchWriteItemOutput, *dynamodb.TransactWriteItemsOutput:
		return true
	}
	return false
}

// askCapacity sets ReturnConsumedCapacity on the inputs that take it.
func askCapacity(params any) {
	const total = types.ReturnConsumedCapacityTotal
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.PutItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.UpdateItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.DeleteItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.QueryInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.BatchGetItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.BatchWriteItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.TransactWriteItemsInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.TransactGetItemsInput:
		in.ReturnConsumedCapacity = total
	}
}

// consumed sums the capacity units an output reports.
func consumed(result any) float64 {
	sum := func(cc ...types.ConsumedCapacity) float64 {
		var u float64
		for _, c := range cc {
			if c.CapacityUnits != nil {
				u += *c.CapacityUnits
			}
		}
		return u
	}
	one := func(c *types.ConsumedCapacity) float64 {
		if c == nil {
			return 0
		}
		return sum(*c)
	}
	switch out := result.(type) {
	case *dynamodb.GetItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		return one(out.ConsumedCapacity)
	case *dynamodb.BatchGetItemOutput:
		return sum(out.ConsumedCapacity...)
	case *dynamodb.BatchWriteItemOutput:
		return sum(out.ConsumedCapacity...)
	case *dynamodb.TransactWriteItemsOutput:
		return sum(out.ConsumedCapacity...)
	case *dynamodb.TransactGetItemsOutput:
		return sum(out.ConsumedCapacity...)
	}
	return 0
}

// MedianMillis returns the median of durations in milliseconds (0 for
// none): the p50 the benchmarks report.
func MedianMillis(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[len(s)/2]) / float64(time.Millisecond)
}
