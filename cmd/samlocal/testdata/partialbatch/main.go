// Command partialbatch is a conformance fixture for batch event sources
// (SQS and DynamoDB streams): a record whose payload (an SQS body, a stream
// record's new image) contains "fail" is reported in batchItemFailures (by
// messageId, or by sequence number for a stream record); a payload
// containing "crash" fails the whole invoke.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type batch struct {
	Records []json.RawMessage `json:"Records"`
}

type record struct {
	MessageID string `json:"messageId"`
	Body      string `json:"body"`
	DynamoDB  struct {
		SequenceNumber string          `json:"SequenceNumber"`
		NewImage       json.RawMessage `json:"NewImage"`
	} `json:"dynamodb"`
}

type itemFailure struct {
	ItemIdentifier string `json:"itemIdentifier"`
}

type response struct {
	BatchItemFailures []itemFailure `json:"batchItemFailures"`
}

func handle(ctx context.Context, b batch) (response, error) {
	resp := response{BatchItemFailures: []itemFailure{}}
	for _, raw := range b.Records {
		var r record
		if err := json.Unmarshal(raw, &r); err != nil {
			return resp, fmt.Errorf("decode record: %w", err)
		}
		id, payload := r.MessageID, []byte(r.Body)
		if id == "" {
			id, payload = r.DynamoDB.SequenceNumber, r.DynamoDB.NewImage
		}
		fmt.Fprintf(os.Stdout, "{\"level\":\"INFO\",\"msg\":\"record\",\"id\":%q}\n", id)
		switch {
		case bytes.Contains(payload, []byte("crash")):
			return resp, errors.New("batch crashed on " + id)
		case bytes.Contains(payload, []byte("fail")):
			resp.BatchItemFailures = append(resp.BatchItemFailures, itemFailure{ItemIdentifier: id})
		}
	}
	return resp, nil
}

func main() { lambda.Start(handle) }
