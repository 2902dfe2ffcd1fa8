// Command echo is a conformance fixture: it answers with the event it got,
// the invoke's context and the Lambda environment, or with the event's
// "response" member verbatim when there is one (to drive the API mapping).
package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type answer struct {
	Event      json.RawMessage   `json:"event"`
	RequestID  string            `json:"requestId"`
	ARN        string            `json:"invokedFunctionArn"`
	DeadlineMs int64             `json:"deadlineMs"`
	PID        int               `json:"pid"`
	TraceID    string            `json:"traceId"`
	Env        map[string]string `json:"env"`
}

func handle(ctx context.Context, event json.RawMessage) (json.RawMessage, error) {
	var probe struct {
		Response json.RawMessage `json:"response"`
	}
	if json.Unmarshal(event, &probe) == nil && len(probe.Response) > 0 {
		return probe.Response, nil
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	a := answer{Event: event, PID: os.Getpid(), Env: map[string]string{}, DeadlineMs: deadline.UnixMilli(),
		TraceID: os.Getenv("_X_AMZN_TRACE_ID")}
	if lc != nil {
		a.RequestID, a.ARN = lc.AwsRequestID, lc.InvokedFunctionArn
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		a.Env[k] = v
	}
	return json.Marshal(a)
}

func main() { lambda.Start(handle) }
