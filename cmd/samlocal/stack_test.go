package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/devauth"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/fixtures"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	fixtures.Cleanup()
	if benchDir != "" {
		_ = os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// fixtureBuilder "builds" a function by handing out a prebuilt fixture.
type fixtureBuilder struct {
	t        testing.TB
	fixtures map[string]string // logical id -> fixture name
}

func (b fixtureBuilder) Build(_ context.Context, spec *functionSpec) (string, error) {
	name, ok := b.fixtures[spec.ID]
	if !ok {
		return "", fmt.Errorf("no fixture for %s", spec.ID)
	}
	return fixtures.Build(b.t, name), nil
}

// syncBuffer collects the functions' output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// testLogWriter sends samlocal's own log to the test's log, shown when the
// test fails; the test must outlive every writer.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// startConformanceStack provisions testdata/template.yaml (names made unique
// for the test) in the shared emulators and runs it with the fixtures.
func startConformanceStack(t *testing.T, log *slog.Logger) (*app, *httptest.Server, *syncBuffer) {
	t.Helper()
	cfg := localawstest.Config(t) // fails the test when the emulators do not answer
	root, err := fixtures.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	suffix := localawstest.UniqueName(t, 40)
	a, err := newApp(t.Context(), config{
		Root:     root,
		Template: filepath.Join(root, "cmd", "samlocal", "testdata", "template.yaml"),
		CacheDir: t.TempDir(),
		Params:   map[string]string{"Suffix": suffix},
		Builder:  fixtureBuilder{t: t, fixtures: map[string]string{"EchoFunction": "echo", "WorkerFunction": "partialbatch", "SleepFunction": "sleep"}},
		Logs:     logs,
		Log:      log,
	})
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	deleteStackResources(t, cfg, a)
	srv := httptest.NewServer(a.httpHandler())
	t.Cleanup(srv.Close)
	return a, srv, logs
}

// deleteStackResources removes the test's tables and queues at the end.
func deleteStackResources(t *testing.T, cfg aws.Config, a *app) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		cl := localaws.NewClients(cfg)
		for id, ref := range a.tctx.Refs {
			switch a.tpl.Resources[id].Type {
			case localaws.TableType:
				if _, err := cl.DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(ref)}); err != nil {
					t.Errorf("delete table %s: %v", ref, err)
				}
			case localaws.QueueType:
				if _, err := cl.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(ref)}); err != nil {
					t.Errorf("delete queue %s: %v", ref, err)
				}
			case localaws.BucketType:
				// A bucket a function wrote to is not empty: it stays, named
				// after the test, in moto's memory.
				if _, err := cl.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(ref)}); err != nil {
					t.Logf("delete bucket %s: %v", ref, err)
				}
			}
		}
	})
}

func get(t *testing.T, url, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

type echoAnswer struct {
	Event struct {
		RouteKey       string `json:"routeKey"`
		RawPath        string `json:"rawPath"`
		PathParameters map[string]string
		RequestContext struct {
			Stage      string `json:"stage"`
			Authorizer *struct {
				JWT struct {
					Claims map[string]string `json:"claims"`
					Scopes []string          `json:"scopes"`
				} `json:"jwt"`
			} `json:"authorizer"`
		} `json:"requestContext"`
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
	} `json:"event"`
	Env map[string]string `json:"env"`
}

func TestConformanceStackHTTP(t *testing.T) {
	a, srv, logs := startConformanceStack(t, quietLog)
	suffix := a.tctx.Params["Suffix"]

	t.Run("open route reaches the function with the resolved environment", func(t *testing.T) {
		resp, body := get(t, srv.URL+"/echo/a/b?x=1", "")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var got echoAnswer
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		if got.Event.RouteKey != "GET /echo/{proxy+}" || got.Event.PathParameters["proxy"] != "a/b" || got.Event.RequestContext.Stage != "dev" {
			t.Errorf("event = %+v", got.Event)
		}
		want := map[string]string{
			"TABLE_NAME":                      "samlocal-" + suffix, // Globals merged, !Ref resolved to the local table
			"STAGE":                           "dev",
			"GREETING":                        "hello-dev", // !Sub
			"QUEUE_URL":                       a.tctx.Refs["WorkQueue"],
			"QUEUE_ARN":                       a.tctx.Attrs["WorkQueue"]["Arn"], // !GetAtt
			"AWS_LAMBDA_FUNCTION_NAME":        localaws.StackName + "-EchoFunction",
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
			"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/samlocal-" + suffix + "-echo",
			"AWS_LAMBDA_LOG_FORMAT":           "JSON",
			"AWS_REGION":                      localaws.Region,
			"AWS_ENDPOINT_URL_DYNAMODB":       os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"),
			"AWS_ENDPOINT_URL":                os.Getenv("AWS_ENDPOINT_URL"),
		}
		for k, v := range want {
			if got.Env[k] != v || v == "" {
				t.Errorf("env %s = %q, want %q", k, got.Env[k], v)
			}
		}
		if !strings.Contains(logs.String(), "[EchoFunction] REPORT RequestId: ") {
			t.Errorf("no REPORT line for EchoFunction in:\n%s", logs)
		}
	})

	t.Run("admin route needs a token with the scope", func(t *testing.T) {
		read, err := a.key.Mint(devauth.TokenRequest{Subject: "alice@shop", Scopes: []string{"orders:read"}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		write, err := a.key.Mint(devauth.TokenRequest{Subject: "bob@shop", Scopes: []string{"orders:write"}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			token  string
			status int
			body   string
		}{
			{"", 401, `{"message":"Unauthorized"}`},
			{"garbage", 401, `{"message":"Unauthorized"}`},
			{write, 403, `{"message":"Forbidden"}`},
			{read, 200, ""},
		}
		for _, c := range cases {
			resp, body := get(t, srv.URL+"/admin/orders", c.token)
			if resp.StatusCode != c.status || (c.body != "" && string(body) != c.body) {
				t.Errorf("token %.10q: %d %s, want %d %s", c.token, resp.StatusCode, body, c.status, c.body)
				continue
			}
			if c.status == 200 {
				var got echoAnswer
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatal(err)
				}
				if az := got.Event.RequestContext.Authorizer; az == nil || az.JWT.Claims["sub"] != "alice@shop" || strings.Join(az.JWT.Scopes, " ") != "orders:read" {
					t.Errorf("authorizer context = %+v", got.Event.RequestContext.Authorizer)
				}
			}
		}
	})

	t.Run("unknown route and function timeout", func(t *testing.T) {
		if resp, body := get(t, srv.URL+"/nowhere", ""); resp.StatusCode != 404 || string(body) != `{"message":"Not Found"}` {
			t.Errorf("unknown route: %d %s", resp.StatusCode, body)
		}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/slow", strings.NewReader(`{"ms":5000}`))
		req.Header.Set("Content-Type", "application/json")
		if resp, body := send(t, req); resp.StatusCode != 500 || string(body) != `{"message":"Internal Server Error"}` {
			t.Errorf("timed-out function: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("invoke API", func(t *testing.T) {
		invoke := func(name, payload string, headers map[string]string) (*http.Response, []byte) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/2015-03-31/functions/"+name+"/invocations", strings.NewReader(payload))
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			return send(t, req)
		}
		resp, body := invoke("EchoFunction", `{"response":{"ok":true}}`, map[string]string{"X-Amz-Log-Type": "Tail"})
		if resp.StatusCode != 200 || string(body) != `{"ok":true}` || resp.Header.Get("X-Amz-Function-Error") != "" {
			t.Errorf("echo: %d %s", resp.StatusCode, body)
		}
		tail, _ := base64.StdEncoding.DecodeString(resp.Header.Get("X-Amz-Log-Result"))
		if !strings.Contains(string(tail), "REPORT RequestId: "+resp.Header.Get("X-Amzn-RequestId")) {
			t.Errorf("log tail %q", tail)
		}
		// The physical name and the ARN work as well as the logical id.
		arn := a.tctx.Attrs["EchoFunction"]["Arn"]
		if resp, body := invoke(arn, `{"response":1}`, nil); resp.StatusCode != 200 || string(body) != "1" {
			t.Errorf("by ARN %s: %d %s", arn, resp.StatusCode, body)
		}
		resp, body = invoke("SleepFunction", `{"ms":3000}`, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "Unhandled" || !strings.Contains(string(body), `"errorType":"Sandbox.Timedout"`) {
			t.Errorf("timeout: %d %s %v", resp.StatusCode, body, resp.Header)
		}
		if resp, _ := invoke("NoSuchFunction", `{}`, nil); resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "ResourceNotFoundException" {
			t.Errorf("unknown function: %d", resp.StatusCode)
		}
		if resp, _ := invoke("EchoFunction", `{not json`, nil); resp.StatusCode != 400 {
			t.Errorf("bad payload: %d", resp.StatusCode)
		}
		if resp, _ := invoke("EchoFunction", `{}`, map[string]string{"X-Amz-Invocation-Type": "DryRun"}); resp.StatusCode != 204 {
			t.Errorf("dry run: %d", resp.StatusCode)
		}
	})

	t.Run("schedules run on demand", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/_local/schedules/EchoFunction/run", nil)
		resp, body := send(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		var runs []struct {
			Event    string          `json:"event"`
			Failed   bool            `json:"failed"`
			Response json.RawMessage `json:"response"`
		}
		if err := json.Unmarshal(body, &runs); err != nil || len(runs) != 2 {
			t.Fatalf("runs %s: %v", body, err)
		}
		var hourly echoAnswer
		if err := json.Unmarshal(runs[0].Response, &hourly); err != nil || runs[0].Event != "Hourly" ||
			hourly.Event.DetailType != "Scheduled Event" || hourly.Event.Source != "aws.events" {
			t.Errorf("Hourly run: %s", runs[0].Response)
		}
		var nightly struct {
			Event map[string]string `json:"event"`
		}
		if err := json.Unmarshal(runs[1].Response, &nightly); err != nil || runs[1].Event != "Nightly" || nightly.Event["job"] != "nightly" {
			t.Errorf("Nightly run (Input passed as the event): %s", runs[1].Response)
		}
		req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/_local/schedules/EchoFunction.Nope/run", nil)
		if resp, _ := send(t, req); resp.StatusCode != 404 {
			t.Errorf("unknown schedule: %d", resp.StatusCode)
		}
	})
}

func TestConformanceStackEventSources(t *testing.T) {
	a, _, _ := startConformanceStack(t, slog.New(slog.NewTextHandler(testLogWriter{t}, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	wait := a.runSources(ctx)
	defer func() { cancel(); wait() }()
	cl := localaws.NewClients(a.aws)

	// SQS: the good message is processed once, the failing one twice
	// (maxReceiveCount 2), then lands in the dead-letter queue.
	for _, body := range []string{"ok-1", "fail-2"} {
		if _, err := cl.SQS.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(a.tctx.Refs["WorkQueue"]), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	// Stream: a failing record, no retries: it goes to the on-failure queue.
	if _, err := cl.DynamoDB.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(a.tctx.Refs["Table"]), Item: map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: "fail-record"}}}); err != nil {
		t.Fatal(err)
	}
	waitForMessage := func(queueID string) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			out, err := cl.SQS.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(a.tctx.Refs[queueID]), WaitTimeSeconds: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Messages) > 0 {
				return aws.ToString(out.Messages[0].Body)
			}
		}
		t.Fatalf("nothing arrived in %s", queueID)
		return ""
	}
	if body := waitForMessage("WorkDLQ"); body != "fail-2" {
		t.Errorf("DLQ got %q, want fail-2", body)
	}
	var of struct {
		RequestContext struct {
			Condition string `json:"condition"`
		} `json:"requestContext"`
		DDBStreamBatchInfo struct {
			BatchSize int    `json:"batchSize"`
			StreamARN string `json:"streamArn"`
		} `json:"DDBStreamBatchInfo"`
	}
	if err := json.Unmarshal([]byte(waitForMessage("StreamFailures")), &of); err != nil {
		t.Fatal(err)
	}
	if of.RequestContext.Condition != "RetryAttemptsExhausted" || of.DDBStreamBatchInfo.BatchSize != 1 || of.DDBStreamBatchInfo.StreamARN != a.tctx.Attrs["Table"]["StreamArn"] {
		t.Errorf("on-failure record %+v", of)
	}
}
