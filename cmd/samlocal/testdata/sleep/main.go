// Command sleep is a conformance fixture: it sleeps for the event's "ms"
// without looking at its context (so only the runtime's timeout can stop
// it) and answers with its process id. Behind the HTTP API, "ms" is read
// from the request body.
package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Ms   int    `json:"ms"`
	Body string `json:"body"`
}

func handle(ctx context.Context, e event) (map[string]int, error) {
	if e.Body != "" {
		if err := json.Unmarshal([]byte(e.Body), &e); err != nil {
			return nil, err
		}
	}
	time.Sleep(time.Duration(e.Ms) * time.Millisecond)
	return map[string]int{"pid": os.Getpid(), "slept": e.Ms}, nil
}

func main() { lambda.Start(handle) }
