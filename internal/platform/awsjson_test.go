package platform

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

var testService = JSONService{SDKID: "SSM", SigningName: "ssm", HostPrefix: "ssm"}

func TestJSONClientEndpoint(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "AWS itself", env: map[string]string{"AWS_REGION": "eu-west-3"}, want: "https://ssm.eu-west-3.amazonaws.com"},
		{name: "China", env: map[string]string{"AWS_REGION": "cn-north-1"}, want: "https://ssm.cn-north-1.amazonaws.com.cn"},
		{name: "one endpoint for all", env: map[string]string{"AWS_REGION": "eu-west-3", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566/"}, want: "http://127.0.0.1:4566"},
		{name: "service endpoint first", env: map[string]string{"AWS_REGION": "eu-west-3", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:9000"}, want: "http://127.0.0.1:9000"},
		{name: "SDK id with capitals", env: map[string]string{"AWS_REGION": "eu-west-3", "AWS_ENDPOINT_URL_SESV2": "http://127.0.0.1:9001"}, want: "http://127.0.0.1:9001"},
		{name: "endpoints ignored", env: map[string]string{"AWS_REGION": "eu-west-3", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:9000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, want: "https://ssm.eu-west-3.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := awsConfigFrom(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			svc := testService
			if tt.name == "SDK id with capitals" {
				svc = JSONService{SDKID: "SESv2", SigningName: "ses", HostPrefix: "email"}
			}
			if got := NewJSONClient(cfg, svc).Endpoint(); got != tt.want {
				t.Errorf("endpoint = %q, want %q", got, tt.want)
			}
		})
	}
}

// newTestClient returns a client of srv with test credentials and no wait
// between attempts.
func newTestClient(t *testing.T, srv *httptest.Server) *JSONClient {
	t.Helper()
	env := map[string]string{"AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_ENDPOINT_URL_SSM": srv.URL}
	cfg, err := awsConfigFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	c := NewJSONClient(cfg, testService)
	c.backoff = time.Millisecond
	return c
}

func TestJSONClientSendsSignedJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/":
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		case r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter":
			t.Errorf("X-Amz-Target = %q", r.Header.Get("X-Amz-Target"))
		case r.Header.Get("Content-Type") != "application/x-amz-json-1.1":
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
		case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKID/") ||
			!strings.Contains(r.Header.Get("Authorization"), "/eu-west-3/ssm/aws4_request"):
			t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
		case string(body) != `{"Name":"/p/x","WithDecryption":true}`:
			t.Errorf("body = %s", body)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"Parameter":{"Value":"v1"}}`)
	}))
	defer srv.Close()
	var out struct{ Parameter struct{ Value string } }
	err := newTestClient(t, srv).Do(t.Context(), JSONRequest{Path: "/", Target: "AmazonSSM.GetParameter", ContentType: "application/x-amz-json-1.1",
		Body: map[string]any{"Name": "/p/x", "WithDecryption": true}}, &out)
	if err != nil || out.Parameter.Value != "v1" {
		t.Fatalf("Do = %v, %+v", err, out)
	}
}

func TestJSONClientErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    string
		body      string
		wantCode  string
		wantMsg   string
		wantCalls int32
		wantFault smithy.ErrorFault
	}{
		{name: "awsJson __type with namespace", status: 400, body: `{"__type":"com.amazonaws.ssm#ParameterNotFound","message":"no such"}`,
			wantCode: "ParameterNotFound", wantMsg: "no such", wantCalls: 1, wantFault: smithy.FaultClient},
		{name: "restJson header with URL", status: 400, header: "MessageRejected:http://internal.amazon.com/coral/", body: `{"message":"bad address"}`,
			wantCode: "MessageRejected", wantMsg: "bad address", wantCalls: 1, wantFault: smithy.FaultClient},
		{name: "code field", status: 404, body: `{"code":"NotFoundException","Message":"gone"}`,
			wantCode: "NotFoundException", wantMsg: "gone", wantCalls: 1, wantFault: smithy.FaultClient},
		{name: "throttling is retried", status: 400, body: `{"__type":"ThrottlingException"}`, wantCode: "ThrottlingException", wantCalls: 3, wantFault: smithy.FaultClient},
		{name: "5xx is retried", status: 503, body: `not json`, wantCode: "Service Unavailable", wantCalls: 3, wantFault: smithy.FaultServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tt.header != "" {
					w.Header().Set("X-Amzn-ErrorType", tt.header)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			err := newTestClient(t, srv).Do(t.Context(), JSONRequest{Path: "/", ContentType: "application/json", Body: struct{}{}}, nil)
			var api smithy.APIError
			if !errors.As(err, &api) {
				t.Fatalf("error %v is not a smithy.APIError", err)
			}
			if api.ErrorCode() != tt.wantCode || api.ErrorMessage() != tt.wantMsg || api.ErrorFault() != tt.wantFault {
				t.Errorf("error = %q %q %v, want %q %q %v", api.ErrorCode(), api.ErrorMessage(), api.ErrorFault(), tt.wantCode, tt.wantMsg, tt.wantFault)
			}
			if !IsAPIError(err, "Other", tt.wantCode) || IsAPIError(err, "Other") {
				t.Errorf("IsAPIError does not tell %q", tt.wantCode)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d attempts, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestJSONClientRetriesThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": "m-1"})
	}))
	defer srv.Close()
	var out struct{ MessageId string }
	if err := newTestClient(t, srv).Do(t.Context(), JSONRequest{Path: "/v2/x", ContentType: "application/json", Body: struct{}{}}, &out); err != nil || out.MessageId != "m-1" {
		t.Fatalf("Do = %v, %+v", err, out)
	}
	if calls.Load() != 2 {
		t.Errorf("%d attempts, want 2", calls.Load())
	}
}

func TestJSONClientWithoutCredentials(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	env := map[string]string{"AWS_REGION": "eu-west-3", "AWS_ENDPOINT_URL": srv.URL}
	cfg, _ := awsConfigFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	err := NewJSONClient(cfg, testService).Do(t.Context(), JSONRequest{Path: "/", Body: struct{}{}}, nil)
	if err == nil || calls.Load() != 0 {
		t.Errorf("Do = %v after %d requests; want an error and none sent", err, calls.Load())
	}
}
