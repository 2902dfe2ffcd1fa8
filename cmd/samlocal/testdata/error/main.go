// Command error is a conformance fixture: every invoke fails with a typed
// error, which the runtime must report in Lambda's error shape.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

// ValidationError gives the error a type name the runtime reports as errorType.
type ValidationError struct{ Field string }

func (e *ValidationError) Error() string { return "invalid field " + e.Field }

func handle(ctx context.Context, event json.RawMessage) (json.RawMessage, error) {
	return nil, &ValidationError{Field: "total"}
}

func main() { lambda.Start(handle) }
