package lambdart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/fixtures"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/lambdart"
)

func TestMain(m *testing.M) {
	code := m.Run()
	fixtures.Cleanup()
	os.Exit(code)
}

// logBuffer is a goroutine-safe log sink for the pool.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newPool(t *testing.T, fixture string, timeout time.Duration, maxInstances int) (*lambdart.Pool, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	p, err := lambdart.NewPool(lambdart.Function{
		Name:         "fx-" + fixture,
		Bootstrap:    fixtures.Build(t, fixture),
		Handler:      "bootstrap",
		MemoryMB:     128,
		Timeout:      timeout,
		Region:       "eu-west-3",
		AccountID:    "123456789012",
		LogFormat:    "JSON",
		LogLevel:     "INFO",
		Env:          map[string]string{"TABLE_NAME": "orders-test", "AWS_LAMBDA_FUNCTION_NAME": "overridden"},
		MaxInstances: maxInstances,
	}, lambdart.Options{Logs: logs})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p, logs
}

func invoke(t *testing.T, p *lambdart.Pool, payload string) *lambdart.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := p.Invoke(ctx, lambdart.Request{Payload: []byte(payload)})
	if err != nil {
		t.Fatalf("Invoke(%s): %v", payload, err)
	}
	return res
}

type lambdaError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func decodeError(t *testing.T, res *lambdart.Result) lambdaError {
	t.Helper()
	var e lambdaError
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("error payload %s is not Lambda's error shape: %v", res.Payload, err)
	}
	return e
}

var reportLine = regexp.MustCompile(`REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB`)

func TestEchoSeesTheLambdaEnvironmentAndInvokeContext(t *testing.T) {
	p, logs := newPool(t, "echo", 5*time.Second, 0)
	before := time.Now()
	res := invoke(t, p, `{"hello":"world"}`)
	if res.Failed() {
		t.Fatalf("echo failed: %s", res.Payload)
	}
	var got struct {
		Event      json.RawMessage   `json:"event"`
		RequestID  string            `json:"requestId"`
		ARN        string            `json:"invokedFunctionArn"`
		DeadlineMs int64             `json:"deadlineMs"`
		TraceID    string            `json:"traceId"`
		Env        map[string]string `json:"env"`
	}
	if err := json.Unmarshal(res.Payload, &got); err != nil {
		t.Fatalf("decode %s: %v", res.Payload, err)
	}
	if string(got.Event) != `{"hello":"world"}` {
		t.Errorf("event = %s", got.Event)
	}
	if got.RequestID != res.RequestID {
		t.Errorf("request id in the function %q, in the result %q", got.RequestID, res.RequestID)
	}
	if got.ARN != "arn:aws:lambda:eu-west-3:123456789012:function:fx-echo" {
		t.Errorf("arn = %q", got.ARN)
	}
	deadline := time.UnixMilli(got.DeadlineMs)
	if deadline.Before(before.Add(4*time.Second)) || deadline.After(time.Now().Add(5*time.Second)) {
		t.Errorf("deadline %v is not about 5 s after the invoke", deadline)
	}
	if !strings.HasPrefix(got.TraceID, "Root=1-") {
		t.Errorf("_X_AMZN_TRACE_ID = %q", got.TraceID)
	}
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "fx-echo", // reserved: wins over the function's own variable
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/fx-echo",
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_LAMBDA_LOG_LEVEL":            "INFO",
		"AWS_REGION":                      "eu-west-3",
		"AWS_DEFAULT_REGION":              "eu-west-3",
		"_HANDLER":                        "bootstrap",
		"TZ":                              ":UTC",
		"TABLE_NAME":                      "orders-test",
	}
	for k, v := range want {
		if got.Env[k] != v {
			t.Errorf("env %s = %q, want %q", k, got.Env[k], v)
		}
	}
	for _, k := range []string{"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_LOG_STREAM_NAME"} {
		if got.Env[k] == "" {
			t.Errorf("env %s is empty", k)
		}
	}
	if _, leaked := got.Env["HOME"]; leaked {
		t.Errorf("the parent's HOME leaked into the function environment")
	}
	if !strings.Contains(logs.String(), "[fx-echo] START RequestId: "+res.RequestID+" Version: $LATEST") {
		t.Errorf("no START line in logs:\n%s", logs)
	}
}

func TestColdThenWarmReports(t *testing.T) {
	p, logs := newPool(t, "echo", 5*time.Second, 0)
	cold := invoke(t, p, `{}`)
	warm := invoke(t, p, `{}`)
	if !cold.Report.Cold() || cold.Report.InitDuration <= 0 {
		t.Errorf("first invoke has no init duration: %s", cold.Report)
	}
	if warm.Report.Cold() {
		t.Errorf("second invoke is cold: %s", warm.Report)
	}
	if cold.InstanceID != warm.InstanceID {
		t.Errorf("warm invoke ran on instance %d, cold on %d", warm.InstanceID, cold.InstanceID)
	}
	if cold.Report.MaxMemoryMB <= 0 {
		t.Errorf("max memory used not measured: %s", cold.Report)
	}
	text := logs.String()
	for _, r := range []*lambdart.Result{cold, warm} {
		if !reportLine.MatchString(r.Report.String()) {
			t.Errorf("report %q does not look like CloudWatch's", r.Report)
		}
		if !strings.Contains(text, "[fx-echo] "+r.Report.String()+"\n") {
			t.Errorf("report %q not in the logs", r.Report)
		}
	}
	if !strings.Contains(cold.Report.String(), "\tInit Duration: ") || strings.Contains(warm.Report.String(), "Init Duration") {
		t.Errorf("init duration on the wrong line: cold %q warm %q", cold.Report, warm.Report)
	}
	t.Logf("cold: %s", cold.Report)
	t.Logf("warm: %s", warm.Report)
}

func TestFunctionFailures(t *testing.T) {
	tests := []struct {
		name        string
		fixture     string
		timeout     time.Duration
		payload     string
		errorType   string
		messageHas  string
		replaced    bool // the instance must be gone after the invoke
		reportState string
	}{
		{name: "handler error", fixture: "error", timeout: 5 * time.Second, payload: `{}`,
			errorType: "ValidationError", messageHas: "invalid field total"},
		{name: "panic", fixture: "panic", timeout: 5 * time.Second, payload: `{"panic":true}`,
			errorType: "string", messageHas: "fixture asked to panic", replaced: true},
		{name: "timeout", fixture: "sleep", timeout: time.Second, payload: `{"ms":20000}`,
			errorType: "Sandbox.Timedout", messageHas: "Task timed out after 1.00 seconds", replaced: true, reportState: "timeout"},
		{name: "exit during init", fixture: "initfail", timeout: 5 * time.Second, payload: `{}`,
			errorType: "Runtime.ExitError", messageHas: "Runtime exited with error: exit status 3", replaced: true, reportState: "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, logs := newPool(t, tt.fixture, tt.timeout, 0)
			start := time.Now()
			res := invoke(t, p, tt.payload)
			if !res.Failed() || res.FunctionError != "Unhandled" {
				t.Fatalf("invoke did not fail: %s", res.Payload)
			}
			e := decodeError(t, res)
			if e.ErrorType != tt.errorType || res.ErrorType != tt.errorType {
				t.Errorf("errorType = %q (result %q), want %q", e.ErrorType, res.ErrorType, tt.errorType)
			}
			if !strings.Contains(e.ErrorMessage, tt.messageHas) {
				t.Errorf("errorMessage = %q, want it to contain %q", e.ErrorMessage, tt.messageHas)
			}
			if res.Report.Status != tt.reportState {
				t.Errorf("report status = %q, want %q", res.Report.Status, tt.reportState)
			}
			if tt.errorType == "Sandbox.Timedout" {
				if took := time.Since(start); took > 5*time.Second {
					t.Errorf("timeout took %v to be enforced", took)
				}
				if !strings.Contains(logs.String(), res.RequestID+" Task timed out after 1.00 seconds") {
					t.Errorf("no timeout line in the logs:\n%s", logs)
				}
			}
			if tt.replaced {
				waitFor(t, func() bool { return p.Instances() == 0 }, "the failed instance to be gone")
			} else if p.Instances() != 1 {
				t.Errorf("instances after a handled error = %d, want the same warm one", p.Instances())
			}
		})
	}
}

func TestPanicReplacesTheInstance(t *testing.T) {
	p, _ := newPool(t, "panic", 5*time.Second, 0)
	first := invoke(t, p, `{}`)
	crash := invoke(t, p, `{"panic":true}`)
	after := invoke(t, p, `{}`)
	if first.Failed() || !crash.Failed() || after.Failed() {
		t.Fatalf("unexpected outcomes: %s / %s / %s", first.Payload, crash.Payload, after.Payload)
	}
	if crash.InstanceID != first.InstanceID {
		t.Errorf("the panic ran on instance %d, not the warm %d", crash.InstanceID, first.InstanceID)
	}
	if after.InstanceID == crash.InstanceID || !after.Report.Cold() {
		t.Errorf("after the panic: instance %d (cold %v), want a new cold instance", after.InstanceID, after.Report.Cold())
	}
	var a, b map[string]int
	_ = json.Unmarshal(first.Payload, &a)
	_ = json.Unmarshal(after.Payload, &b)
	if a["pid"] == 0 || a["pid"] == b["pid"] {
		t.Errorf("process ids before and after the panic: %d and %d", a["pid"], b["pid"])
	}
	if err := syscall.Kill(a["pid"], 0); err == nil {
		t.Errorf("the panicked process %d still runs", a["pid"])
	}
}

func TestTimeoutKillsTheProcess(t *testing.T) {
	p, _ := newPool(t, "sleep", time.Second, 0)
	ok := invoke(t, p, `{"ms":1}`)
	var got map[string]int
	if err := json.Unmarshal(ok.Payload, &got); err != nil || got["pid"] == 0 {
		t.Fatalf("warm-up answer %s: %v", ok.Payload, err)
	}
	res := invoke(t, p, `{"ms":20000}`)
	if res.ErrorType != "Sandbox.Timedout" || res.InstanceID != ok.InstanceID {
		t.Fatalf("got %s on instance %d", res.Payload, res.InstanceID)
	}
	if err := syscall.Kill(got["pid"], 0); err == nil {
		t.Errorf("timed-out process %d still runs", got["pid"])
	}
	next := invoke(t, p, `{"ms":1}`)
	if next.Failed() || !next.Report.Cold() {
		t.Errorf("invoke after a timeout: %s cold=%v", next.Payload, next.Report.Cold())
	}
}

func TestConcurrentInvokesUseSeparateInstances(t *testing.T) {
	tests := []struct {
		name          string
		maxInstances  int
		wantInstances int
	}{
		{name: "two instances", maxInstances: 0, wantInstances: 2},
		{name: "capped at one", maxInstances: 1, wantInstances: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newPool(t, "sleep", 10*time.Second, tt.maxInstances)
			var wg sync.WaitGroup
			results := make([]*lambdart.Result, 2)
			start := time.Now()
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := p.Invoke(context.Background(), lambdart.Request{Payload: []byte(`{"ms":700}`)})
					if err != nil {
						t.Errorf("Invoke: %v", err)
						return
					}
					results[i] = res
				}()
			}
			wg.Wait()
			if results[0] == nil || results[1] == nil {
				t.Fatal("an invoke failed")
			}
			ids := map[int]bool{results[0].InstanceID: true, results[1].InstanceID: true}
			if len(ids) != tt.wantInstances {
				t.Errorf("invokes ran on %d instances, want %d", len(ids), tt.wantInstances)
			}
			if p.Instances() != tt.wantInstances {
				t.Errorf("pool keeps %d instances, want %d", p.Instances(), tt.wantInstances)
			}
			took := time.Since(start)
			if tt.wantInstances == 1 && took < 1400*time.Millisecond {
				t.Errorf("capped invokes overlapped: both done in %v", took)
			}
		})
	}
}

func TestLogsArePrefixedAndTailed(t *testing.T) {
	p, logs := newPool(t, "partialbatch", 5*time.Second, 0)
	ctx := context.Background()
	res, err := p.Invoke(ctx, lambdart.Request{Payload: []byte(`{"Records":[{"messageId":"m-1","body":"ok"}]}`), Tail: true})
	if err != nil {
		t.Fatal(err)
	}
	line := `[fx-partialbatch] {"level":"INFO","msg":"record","id":"m-1"}`
	if !strings.Contains(logs.String(), line+"\n") {
		t.Errorf("function output not forwarded with its prefix:\n%s", logs)
	}
	tail := string(res.LogTail)
	if !strings.Contains(tail, `"id":"m-1"`) || !strings.Contains(tail, "REPORT RequestId: "+res.RequestID) {
		t.Errorf("log tail = %q", tail)
	}
}

func TestNewPoolRejectsBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		fn   lambdart.Function
	}{
		{"no name", lambdart.Function{Bootstrap: "/bin/true", MemoryMB: 128, Timeout: time.Second}},
		{"no timeout", lambdart.Function{Name: "f", Bootstrap: "/bin/true", MemoryMB: 128}},
		{"no memory", lambdart.Function{Name: "f", Bootstrap: "/bin/true", Timeout: time.Second}},
		{"missing bootstrap", lambdart.Function{Name: "f", Bootstrap: "/nonexistent/bootstrap", MemoryMB: 128, Timeout: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := lambdart.NewPool(tt.fn, lambdart.Options{}); err == nil {
				t.Errorf("NewPool accepted %+v", tt.fn)
			}
		})
	}
}

func TestInvokeAfterCloseFails(t *testing.T) {
	p, _ := newPool(t, "echo", 5*time.Second, 0)
	invoke(t, p, `{}`)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if p.Instances() != 0 {
		t.Errorf("instances after Close = %d", p.Instances())
	}
	if _, err := p.Invoke(context.Background(), lambdart.Request{Payload: []byte(`{}`)}); err == nil {
		t.Error("Invoke after Close succeeded")
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
