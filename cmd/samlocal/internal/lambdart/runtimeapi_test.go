package lambdart

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bareInstance is an instance without a process, to drive the Runtime API
// handlers directly.
func bareInstance() *instance {
	return &instance{
		next:    make(chan *invocation),
		ready:   make(chan struct{}),
		initErr: make(chan outcome, 1),
		exited:  make(chan struct{}),
		started: time.Now(),
	}
}

func serve(in *instance) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc(pathNext, in.handleNext)
	mux.HandleFunc(pathResponse, in.handleResponse)
	mux.HandleFunc(pathError, in.handleError)
	mux.HandleFunc(pathInitError, in.handleInitError)
	return httptest.NewServer(mux)
}

func post(t *testing.T, url, body string, header map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestRuntimeAPIProtocol(t *testing.T) {
	in := bareInstance()
	srv := serve(in)
	defer srv.Close()
	base := srv.URL + "/2018-06-01/runtime/"

	deadline := time.Now().Add(3 * time.Second)
	inv := &invocation{id: "req-1", payload: []byte(`{"a":1}`), deadline: deadline, arn: "arn:aws:lambda:eu-west-3:1:function:f",
		traceID: "Root=1-x", clientContext: "e30=", done: make(chan outcome, 1)}
	go func() { in.next <- inv }()
	resp, err := http.Get(base + "invocation/next")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	select {
	case <-in.ready:
	default:
		t.Error("the first /next did not end init")
	}
	headers := map[string]string{
		"Lambda-Runtime-Aws-Request-Id":       "req-1",
		"Lambda-Runtime-Deadline-Ms":          itoa(deadline.UnixMilli()),
		"Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:eu-west-3:1:function:f",
		"Lambda-Runtime-Trace-Id":             "Root=1-x",
		"Lambda-Runtime-Client-Context":       "e30=",
	}
	for k, v := range headers {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if string(body) != `{"a":1}` {
		t.Errorf("payload %s", body)
	}

	if r := post(t, base+"invocation/other/response", `{}`, nil); r.StatusCode != 400 {
		t.Errorf("response for an unknown id: %d, want 400", r.StatusCode)
	}
	if r := post(t, base+"invocation/req-1/response", `{"ok":true}`, nil); r.StatusCode != 202 {
		t.Errorf("response: %d, want 202", r.StatusCode)
	}
	if got := <-inv.done; got.isError || string(got.payload) != `{"ok":true}` {
		t.Errorf("outcome %+v", got)
	}
	if r := post(t, base+"invocation/req-1/response", `{"again":true}`, nil); r.StatusCode != 400 {
		t.Errorf("a second answer: %d, want 400", r.StatusCode)
	}
}

func TestRuntimeAPIErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		header   map[string]string
		wantType string
		wantBody string
	}{
		{"typed error", `{"errorMessage":"boom","errorType":"ValidationError"}`, nil, "ValidationError", `{"errorMessage":"boom","errorType":"ValidationError"}`},
		{"header wins", `{"errorMessage":"boom","errorType":"X"}`, map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.Custom"}, "Runtime.Custom", `{"errorMessage":"boom","errorType":"X"}`},
		{"not JSON", `plain text`, nil, "Unhandled", `{"errorMessage":"plain text","errorType":"Unhandled"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bareInstance()
			srv := serve(in)
			defer srv.Close()
			inv := &invocation{id: "r", done: make(chan outcome, 1)}
			in.current = inv
			if r := post(t, srv.URL+"/2018-06-01/runtime/invocation/r/error", tt.body, tt.header); r.StatusCode != 202 {
				t.Fatalf("status %d", r.StatusCode)
			}
			got := <-inv.done
			if !got.isError || got.errorType != tt.wantType || string(got.payload) != tt.wantBody {
				t.Errorf("outcome %+v %s", got, got.payload)
			}
		})
	}
}

func TestRuntimeAPIInitErrorAndTrailers(t *testing.T) {
	in := bareInstance()
	srv := serve(in)
	defer srv.Close()
	if r := post(t, srv.URL+"/2018-06-01/runtime/init/error", `{"errorMessage":"no TABLE_NAME","errorType":"Runtime.ConfigError"}`, nil); r.StatusCode != 202 {
		t.Fatalf("init error: %d", r.StatusCode)
	}
	if got := <-in.initErr; got.errorType != "Runtime.ConfigError" {
		t.Errorf("init outcome %+v", got)
	}

	// A streamed response that fails half-way reports its error in trailers.
	inv := &invocation{id: "s", done: make(chan outcome, 1)}
	in.current = inv
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/2018-06-01/runtime/invocation/s/response", io.MultiReader(strings.NewReader("partial")))
	req.Trailer = http.Header{"Lambda-Runtime-Function-Error-Type": {"Runtime.StreamError"},
		"Lambda-Runtime-Function-Error-Body": {base64.StdEncoding.EncodeToString([]byte(`{"errorMessage":"cut","errorType":"Runtime.StreamError"}`))}}
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := <-inv.done
	if !got.isError || got.errorType != "Runtime.StreamError" || !strings.Contains(string(got.payload), "cut") {
		t.Errorf("trailer outcome %+v %s", got, got.payload)
	}
}

func TestReportLine(t *testing.T) {
	tests := []struct {
		r    Report
		want string
	}{
		{Report{RequestID: "id", Duration: 1234567 * time.Nanosecond, MemorySizeMB: 256, MaxMemoryMB: 18, InitDuration: 4560 * time.Microsecond},
			"REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\tMax Memory Used: 18 MB\tInit Duration: 4.56 ms"},
		{Report{RequestID: "id", Duration: 300 * time.Microsecond, MemorySizeMB: 128, MaxMemoryMB: 7},
			"REPORT RequestId: id\tDuration: 0.30 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 7 MB"},
		{Report{RequestID: "id", Duration: time.Second, MemorySizeMB: 128, MaxMemoryMB: 9, Status: "timeout"},
			"REPORT RequestId: id\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tStatus: timeout"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		status string
		want   int
		ok     bool
	}{
		{"Name:\tbootstrap\nVmPeak:\t  1000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 9000 kB\n", 13, true},
		{"VmHWM:\t1024 kB\n", 1, true},
		{"Name:\tzombie\n", 0, false},
		{"VmHWM:\tlots kB\n", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseVmHWM(tt.status)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseVmHWM(%q) = %d, %v; want %d, %v", tt.status, got, ok, tt.want, tt.ok)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
