// Command panic is a conformance fixture: it panics when the event says
// {"panic":true} and otherwise answers with its process id, so a test can
// see the instance replaced.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Panic bool `json:"panic"`
}

func handle(ctx context.Context, e event) (map[string]int, error) {
	if e.Panic {
		panic("fixture asked to panic")
	}
	return map[string]int{"pid": os.Getpid()}, nil
}

func main() { lambda.Start(handle) }
