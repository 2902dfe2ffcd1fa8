package lambdart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
)

// DefaultInitTimeout is Lambda's limit on the init phase of an on-demand
// function (from process start to the first /next).
const DefaultInitTimeout = 10 * time.Second

// ErrClosed is returned by Invoke after Close.
var ErrClosed = errors.New("lambdart: pool closed")

// Options tune a Pool.
type Options struct {
	Logs        io.Writer     // function output and START/END/REPORT lines; os.Stderr when nil
	InitTimeout time.Duration // DefaultInitTimeout when zero
}

// Request is one invoke.
type Request struct {
	Payload       []byte // the event, JSON
	ClientContext string // Lambda-Runtime-Client-Context, base64 JSON, optional
	TraceID       string // Lambda-Runtime-Trace-Id; generated when empty
	Tail          bool   // collect the last 4 KB of the invoke's log lines into Result.LogTail
}

// Result is the outcome of one invoke, whether the function succeeded or not.
// A function error is a Result with FunctionError set, never a Go error: Go
// errors are kept for failures of the local runtime itself.
type Result struct {
	RequestID     string
	Payload       []byte // the response, or the error document {"errorMessage","errorType",...}
	FunctionError string // "" on success, "Unhandled" otherwise (the X-Amz-Function-Error header)
	ErrorType     string // e.g. "errorString", "Sandbox.Timedout", "Runtime.ExitError"
	Report        Report
	InstanceID    int    // which instance served the invoke (1, 2, ... per pool)
	LogTail       []byte // when Request.Tail
}

// Failed reports whether the function failed.
func (r *Result) Failed() bool { return r.FunctionError != "" }

// Pool runs the instances of one function: it keeps them warm between
// invokes and starts another one when all are busy, up to the function's cap.
type Pool struct {
	fn          Function
	logs        *syncWriter
	sys         *logSink // the runtime's own lines, under the function's prefix
	initTimeout time.Duration
	slots       chan struct{} // one per concurrent invoke: bounds the instances

	mu     sync.Mutex
	idle   []*instance // most recently used last
	all    map[*instance]struct{}
	seq    int
	closed bool
}

// NewPool validates fn and returns an idle pool: the first invoke starts the
// first instance (a cold start).
func NewPool(fn Function, opt Options) (*Pool, error) {
	if err := fn.validate(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(fn.Bootstrap); err != nil {
		return nil, fmt.Errorf("function %s: %w", fn.Name, err)
	}
	w := opt.Logs
	if w == nil {
		w = os.Stderr
	}
	logs := &syncWriter{w: w}
	p := &Pool{
		fn:          fn,
		logs:        logs,
		sys:         newLogSink(logs, fn.logPrefix()),
		initTimeout: opt.InitTimeout,
		slots:       make(chan struct{}, fn.maxInstances()),
		all:         map[*instance]struct{}{},
	}
	if p.initTimeout <= 0 {
		p.initTimeout = DefaultInitTimeout
	}
	return p, nil
}

// Function returns the function the pool runs.
func (p *Pool) Function() Function { return p.fn }

// Instances returns how many instances are running (busy or idle).
func (p *Pool) Instances() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.all)
}

// Invoke runs one event through an instance and waits for its outcome. It
// waits for a free instance slot as long as ctx allows; once the event is
// handed to the function, the invoke runs to its end or its timeout, as in
// Lambda, whatever happens to ctx.
func (p *Pool) Invoke(ctx context.Context, req Request) (*Result, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("invoke %s: wait for a free instance: %w", p.fn.Name, ctx.Err())
	}
	defer func() { <-p.slots }()

	id := uuid.NewString()
	// An instance that died while idle (a panic right after its answer) is
	// noticed only when the event cannot be handed over; the event is then
	// still unprocessed and goes to another instance.
	for attempt := 0; attempt < 3; attempt++ {
		in, cold, err := p.acquire()
		if err != nil {
			return nil, fmt.Errorf("invoke %s: %w", p.fn.Name, err)
		}
		if cold {
			if res := p.awaitInit(ctx, in, id); res != nil {
				return res, nil
			}
		}
		res, delivered := p.run(ctx, in, id, req, cold)
		if !delivered {
			if in.alive() {
				p.release(in) // the caller gave up before the hand-over: the instance is fine
			} else {
				p.discard(in)
			}
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("invoke %s: %w", p.fn.Name, err)
			}
			continue
		}
		p.release(in)
		return res, nil
	}
	return nil, fmt.Errorf("invoke %s: no instance accepted the event after 3 attempts", p.fn.Name)
}

// acquire returns the warmest idle instance, or starts a new one.
func (p *Pool) acquire() (*instance, bool, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, ErrClosed
	}
	for len(p.idle) > 0 {
		in := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if in.alive() {
			p.mu.Unlock()
			return in, false, nil
		}
		delete(p.all, in)
	}
	p.seq++
	id := p.seq
	p.mu.Unlock()

	in, err := startInstance(&p.fn, id, p.logs, p.forget)
	if err != nil {
		return nil, false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		in.kill()
		return nil, false, ErrClosed
	}
	p.all[in] = struct{}{}
	if !in.alive() {
		delete(p.all, in) // it exited before it was added: forget already ran
	}
	return in, true, nil
}

// release puts a live instance back among the idle ones.
func (p *Pool) release(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !in.alive() || p.closed {
		delete(p.all, in)
		in.kill()
		return
	}
	p.idle = append(p.idle, in)
}

// forget drops an instance whose process has exited.
func (p *Pool) forget(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.all, in)
	for i, x := range p.idle {
		if x == in {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
}

// discard forgets an instance and makes sure its process is gone.
func (p *Pool) discard(in *instance) {
	in.kill()
	p.mu.Lock()
	delete(p.all, in)
	p.mu.Unlock()
}

// awaitInit waits for a new instance's first /next. It returns nil when the
// instance is ready, or the failed invoke's Result (the instance discarded).
func (p *Pool) awaitInit(ctx context.Context, in *instance, requestID string) *Result {
	timer := time.NewTimer(p.initTimeout)
	defer timer.Stop()
	var failure outcome
	select {
	case <-in.ready:
		return nil
	case failure = <-in.initErr:
		in.kill()
		<-in.exited
	case <-in.exited:
		// A posted init error explains the exit better than the exit status.
		select {
		case failure = <-in.initErr:
		default:
			msg := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", requestID, in.exitError())
			failure = outcome{isError: true, errorType: "Runtime.ExitError", payload: errorJSON(msg, "Runtime.ExitError")}
		}
	case <-timer.C:
		in.kill()
		<-in.exited
		msg := fmt.Sprintf("RequestId: %s Error: init phase did not complete within %s", requestID, p.initTimeout)
		failure = outcome{isError: true, errorType: "Runtime.InitTimeout", payload: errorJSON(msg, "Runtime.InitTimeout")}
	case <-ctx.Done():
		in.kill()
		<-in.exited
		msg := fmt.Sprintf("RequestId: %s Error: invoke cancelled during init: %v", requestID, ctx.Err())
		failure = outcome{isError: true, errorType: "Runtime.Cancelled", payload: errorJSON(msg, "Runtime.Cancelled")}
	}
	p.discard(in)
	rep := Report{RequestID: requestID, MemorySizeMB: p.fn.MemoryMB, MaxMemoryMB: in.peakMemoryMB(),
		InitDuration: time.Since(in.started), Status: "error"}
	p.sys.Line(fmt.Sprintf("INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error\tError Type: %s", ms(rep.InitDuration), failure.errorType))
	p.sys.Line(rep.String())
	return &Result{RequestID: requestID, Payload: failure.payload, FunctionError: "Unhandled",
		ErrorType: failure.errorType, Report: rep, InstanceID: in.id}
}

// run hands the event to a ready instance and waits for its outcome. It
// reports delivered=false when the instance died before taking the event.
func (p *Pool) run(ctx context.Context, in *instance, requestID string, req Request, cold bool) (*Result, bool) {
	traceID := req.TraceID
	if traceID == "" {
		traceID = newTraceID(time.Now())
	}
	start := time.Now()
	inv := &invocation{
		id:            requestID,
		payload:       req.Payload,
		deadline:      start.Add(p.fn.Timeout),
		arn:           p.fn.ARN(),
		traceID:       traceID,
		clientContext: req.ClientContext,
		done:          make(chan outcome, 1),
	}
	if req.Tail {
		in.out.startCapture()
	}
	select {
	case in.next <- inv:
	case <-in.exited:
		in.out.stopCapture()
		return nil, false
	case <-ctx.Done():
		in.out.stopCapture()
		return nil, false
	}
	in.out.Line("START RequestId: " + requestID + " Version: $LATEST")

	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	var (
		res    outcome
		status string
	)
	select {
	case res = <-inv.done:
	case <-in.exited:
		select {
		case res = <-inv.done: // answered, then exited (a panic): the answer stands
		default:
			msg := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", requestID, in.exitError())
			res = outcome{isError: true, errorType: "Runtime.ExitError", payload: errorJSON(msg, "Runtime.ExitError")}
			status = "error"
		}
	case <-timer.C:
		in.kill()
		<-in.exited
		secs := p.fn.Timeout.Seconds()
		in.out.Line(fmt.Sprintf("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), requestID, secs))
		msg := fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", requestID, secs)
		res = outcome{isError: true, errorType: "Sandbox.Timedout", payload: errorJSON(msg, "Sandbox.Timedout")}
		status = "timeout"
	}
	duration := time.Since(start)
	in.drainOutput()
	rep := Report{RequestID: requestID, Duration: duration, MemorySizeMB: p.fn.MemoryMB, MaxMemoryMB: in.peakMemoryMB(), Status: status}
	if cold {
		rep.InitDuration = in.initDur
	}
	in.out.Line("END RequestId: " + requestID)
	in.out.Line(rep.String())
	out := &Result{RequestID: requestID, Payload: res.payload, Report: rep, InstanceID: in.id}
	if res.isError {
		out.FunctionError = "Unhandled"
		out.ErrorType = res.errorType
	}
	if req.Tail {
		out.LogTail = in.out.stopCapture()
	}
	return out, true
}

// Close kills every instance and waits for them to exit. Invokes in flight
// end with a Runtime.ExitError.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	all := make([]*instance, 0, len(p.all))
	for in := range p.all {
		all = append(all, in)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, in := range all {
		in.kill()
	}
	for _, in := range all {
		<-in.exited
	}
	p.mu.Lock()
	clear(p.all)
	p.mu.Unlock()
	return nil
}

// newTraceID builds an X-Ray trace header with a new root.
func newTraceID(now time.Time) string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), randomHex(12), randomHex(8))
}
