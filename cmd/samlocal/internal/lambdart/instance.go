package lambdart

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// MaxResponseBytes is Lambda's limit on a synchronous response payload.
const MaxResponseBytes = 6 * 1024 * 1024

// Runtime API paths (version 2018-06-01).
const (
	pathNext      = "GET /2018-06-01/runtime/invocation/next"
	pathResponse  = "POST /2018-06-01/runtime/invocation/{id}/response"
	pathError     = "POST /2018-06-01/runtime/invocation/{id}/error"
	pathInitError = "POST /2018-06-01/runtime/init/error"
)

// Runtime API headers.
const (
	headerRequestID     = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline      = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN   = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID       = "Lambda-Runtime-Trace-Id"
	headerClientContext = "Lambda-Runtime-Client-Context"
	headerCognito       = "Lambda-Runtime-Cognito-Identity"
	headerErrorType     = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody    = "Lambda-Runtime-Function-Error-Body"
)

// outcome is what the runtime posted for one invocation (or init).
type outcome struct {
	payload   []byte
	errorType string // empty on success
	isError   bool
}

// invocation is one event on its way through an instance.
type invocation struct {
	id            string
	payload       []byte
	deadline      time.Time
	arn           string
	traceID       string
	clientContext string
	cognito       string
	done          chan outcome // buffered: the handler never blocks
}

// instance is one execution environment: a bootstrap process and the Runtime
// API endpoint it talks to. It serves one invocation at a time.
type instance struct {
	id      int
	fn      *Function
	cmd     *exec.Cmd
	srv     *http.Server
	ln      net.Listener
	next    chan *invocation // unbuffered: a send succeeds only when the runtime is waiting in /next
	ready   chan struct{}    // closed on the first /next: init is over
	initErr chan outcome     // buffered: /init/error
	exited  chan struct{}    // closed when the process has exited
	started time.Time
	out     *logSink
	pipes   [2]*outputPipe // stdout, stderr
	onExit  func(*instance)

	readyOnce sync.Once
	initDur   time.Duration // set before ready is closed

	mu       sync.Mutex
	current  *invocation // the invocation handed over and not yet answered
	exitErr  error       // set before exited is closed
	maxRSSKB int64       // from rusage, set before exited is closed
}

// startInstance listens on a loopback port, then starts the bootstrap with
// AWS_LAMBDA_RUNTIME_API pointing at it.
func startInstance(fn *Function, id int, logs *syncWriter, onExit func(*instance)) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the runtime API of %s: %w", fn.Name, err)
	}
	in := &instance{
		id:      id,
		fn:      fn,
		ln:      ln,
		next:    make(chan *invocation),
		ready:   make(chan struct{}),
		initErr: make(chan outcome, 1),
		exited:  make(chan struct{}),
		out:     newLogSink(logs, fn.logPrefix()),
		onExit:  onExit,
	}
	for i := range in.pipes {
		p, err := newOutputPipe(in.out)
		if err != nil {
			_ = ln.Close()
			in.closePipes()
			return nil, fmt.Errorf("pipe for the output of %s: %w", fn.Name, err)
		}
		in.pipes[i] = p
	}
	mux := http.NewServeMux()
	mux.HandleFunc(pathNext, in.handleNext)
	mux.HandleFunc(pathResponse, in.handleResponse)
	mux.HandleFunc(pathError, in.handleError)
	mux.HandleFunc(pathInitError, in.handleInitError)
	in.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	cmd := exec.Command(fn.Bootstrap)
	cmd.Dir = filepath.Dir(fn.Bootstrap)
	cmd.Env = fn.environ(ln.Addr().String(), time.Now())
	cmd.Stdout = in.pipes[0].w
	cmd.Stderr = in.pipes[1].w
	// Own process group so that a terminal's Ctrl-C reaches only samlocal,
	// which then stops its children in order; Pdeathsig kills the child if
	// samlocal itself dies without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	in.cmd = cmd
	in.started = time.Now()
	err = cmd.Start()
	for _, p := range in.pipes {
		_ = p.w.Close() // the child has its copy; EOF comes when it exits
	}
	if err != nil {
		_ = ln.Close()
		in.closePipes()
		return nil, fmt.Errorf("start %s bootstrap %s: %w", fn.Name, fn.Bootstrap, err)
	}
	// Serving starts after the process does (its first connection waits in
	// the listen backlog meanwhile) so the handlers see cmd and started set.
	go func() { _ = in.srv.Serve(ln) }() // returns ErrServerClosed on close
	for _, p := range in.pipes {
		go p.run()
	}
	go in.wait()
	return in, nil
}

func (in *instance) closePipes() {
	for _, p := range in.pipes {
		if p != nil {
			_ = p.r.Close()
			_ = p.w.Close()
		}
	}
}

// drainOutput waits until everything the function wrote so far is logged.
func (in *instance) drainOutput() {
	for _, p := range in.pipes {
		p.drain()
	}
}

func (in *instance) wait() {
	err := in.cmd.Wait()
	var maxRSS int64
	if ru, ok := in.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss // kilobytes on Linux
	}
	// The last lines of a dying process come before its exit is reported;
	// a grandchild still holding the pipe is not waited for long.
	for _, p := range in.pipes {
		select {
		case <-p.done:
		case <-time.After(time.Second):
		}
	}
	in.mu.Lock()
	in.exitErr = err
	in.maxRSSKB = maxRSS
	in.mu.Unlock()
	close(in.exited)
	if in.onExit != nil {
		in.onExit(in)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = in.srv.Shutdown(ctx) // only loopback connections of a dead process remain
	_ = in.srv.Close()
}

// kill stops the whole process group at once: a timed-out instance gets no
// grace period in Lambda either.
func (in *instance) kill() {
	if in.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
}

// alive reports whether the process is still running.
func (in *instance) alive() bool {
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

// exitError describes how the process ended, as Lambda words it.
func (in *instance) exitError() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.exitErr == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(in.exitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "signal: " + ws.Signal().String()
		}
		return "exit status " + strconv.Itoa(ee.ExitCode())
	}
	return in.exitErr.Error()
}

// peakMemoryMB is the instance's peak resident set: VmHWM while it runs,
// the rusage maximum once it has exited.
func (in *instance) peakMemoryMB() int {
	if in.alive() {
		if mb, ok := peakMemoryMB(in.cmd.Process.Pid); ok {
			return mb
		}
	}
	select {
	case <-in.exited:
	default:
		return 0 // /proc unreadable yet the process runs: nothing to report
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return kbToMB(in.maxRSSKB)
}

func (in *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	in.readyOnce.Do(func() {
		in.initDur = time.Since(in.started)
		close(in.ready)
	})
	var inv *invocation
	select {
	case inv = <-in.next:
	case <-r.Context().Done():
		return
	case <-in.exited:
		return
	}
	in.mu.Lock()
	in.current = inv
	in.mu.Unlock()
	h := w.Header()
	h.Set(headerRequestID, inv.id)
	h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(headerFunctionARN, inv.arn)
	h.Set(headerTraceID, inv.traceID)
	if inv.clientContext != "" {
		h.Set(headerClientContext, inv.clientContext)
	}
	if inv.cognito != "" {
		h.Set(headerCognito, inv.cognito)
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload) // a broken connection shows up as a timeout
}

// take returns the current invocation if id names it, and forgets it so a
// second answer for the same id is refused as Lambda refuses it.
func (in *instance) take(id string) *invocation {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.current == nil || in.current.id != id {
		return nil
	}
	inv := in.current
	in.current = nil
	return inv
}

func (in *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes+1))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequest", "read response body: "+err.Error())
		return
	}
	inv := in.take(r.PathValue("id"))
	if inv == nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	switch {
	case len(body) > MaxResponseBytes:
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseBytes)
		inv.done <- outcome{isError: true, errorType: "Function.ResponseSizeTooLarge", payload: errorJSON(msg, "Function.ResponseSizeTooLarge")}
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
		return
	case r.Trailer.Get(headerErrorType) != "":
		// A streamed response that failed half-way reports its error in trailers.
		payload, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
		inv.done <- outcome{isError: true, errorType: r.Trailer.Get(headerErrorType), payload: payload}
	default:
		inv.done <- outcome{payload: body}
	}
	writeAccepted(w)
}

func (in *instance) handleError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequest", "read error body: "+err.Error())
		return
	}
	inv := in.take(r.PathValue("id"))
	if inv == nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	inv.done <- outcome{isError: true, errorType: errorTypeOf(r.Header.Get(headerErrorType), body), payload: normalizeError(body)}
	writeAccepted(w)
}

func (in *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequest", "read error body: "+err.Error())
		return
	}
	select {
	case in.initErr <- outcome{isError: true, errorType: errorTypeOf(r.Header.Get(headerErrorType), body), payload: normalizeError(body)}:
	default: // only the first init error counts
	}
	writeAccepted(w)
}

// errorTypeOf prefers the error type header, then the body's errorType.
func errorTypeOf(header string, body []byte) string {
	if header != "" {
		return header
	}
	var e struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &e) == nil && e.ErrorType != "" {
		return e.ErrorType
	}
	return "Unhandled"
}

// normalizeError keeps a JSON error body as the runtime sent it and wraps
// anything else into Lambda's {"errorMessage","errorType"} shape.
func normalizeError(body []byte) []byte {
	if json.Valid(body) && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return body
	}
	return errorJSON(string(body), "Unhandled")
}

// errorJSON renders Lambda's error shape.
func errorJSON(message, errorType string) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{message, errorType}) // two strings always marshal
	return b
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func writeAPIError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorJSON(message, errorType))
}
