package streamevent

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Event is the event a DynamoDB stream mapping sends.
type Event struct {
	Records []Record `json:"Records"`
}

// Record is one record of a DynamoDB stream event.
type Record struct {
	EventID        string        `json:"eventID"`
	EventName      string        `json:"eventName"`
	EventVersion   string        `json:"eventVersion"`
	EventSource    string        `json:"eventSource"`
	AWSRegion      string        `json:"awsRegion"`
	DynamoDB       RecordBody    `json:"dynamodb"`
	EventSourceARN string        `json:"eventSourceARN"`
	UserIdentity   *UserIdentity `json:"userIdentity,omitempty"`
}

// RecordBody is the record's "dynamodb" member.
type RecordBody struct {
	ApproximateCreationDateTime int64          `json:"ApproximateCreationDateTime"`
	Keys                        map[string]any `json:"Keys,omitempty"`
	NewImage                    map[string]any `json:"NewImage,omitempty"`
	OldImage                    map[string]any `json:"OldImage,omitempty"`
	SequenceNumber              string         `json:"SequenceNumber"`
	SizeBytes                   int64          `json:"SizeBytes"`
	StreamViewType              string         `json:"StreamViewType"`
}

// UserIdentity marks records of items deleted by TTL.
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
}

// FromAPI is the Lambda event record of a record read from the DynamoDB
// Streams API, as a stream mapping delivers it.
func FromAPI(r types.Record, region, streamARN string) (Record, error) {
	out := Record{
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventVersion:   "1.1",
		EventSource:    "aws:dynamodb",
		AWSRegion:      region,
		EventSourceARN: streamARN,
	}
	if r.UserIdentity != nil {
		out.UserIdentity = &UserIdentity{Type: aws.ToString(r.UserIdentity.Type), PrincipalID: aws.ToString(r.UserIdentity.PrincipalId)}
	}
	if d := r.Dynamodb; d != nil {
		body := RecordBody{SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes), StreamViewType: string(d.StreamViewType)}
		if d.ApproximateCreationDateTime != nil {
			body.ApproximateCreationDateTime = d.ApproximateCreationDateTime.Unix()
		}
		var err error
		if body.Keys, err = itemJSON(d.Keys); err != nil {
			return out, fmt.Errorf("record %s keys: %w", out.EventID, err)
		}
		if body.NewImage, err = itemJSON(d.NewImage); err != nil {
			return out, fmt.Errorf("record %s new image: %w", out.EventID, err)
		}
		if body.OldImage, err = itemJSON(d.OldImage); err != nil {
			return out, fmt.Errorf("record %s old image: %w", out.EventID, err)
		}
		out.DynamoDB = body
	}
	return out, nil
}

// OnFailure is what a stream mapping sends to its on-failure
// destination: where the failed batch is, not the records themselves.
type OnFailure struct {
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionARN            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	ResponseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError,omitempty"`
	} `json:"responseContext"`
	Version            string `json:"version"`
	Timestamp          string `json:"timestamp"`
	DDBStreamBatchInfo struct {
		ShardID                         string `json:"shardId"`
		StartSequenceNumber             string `json:"startSequenceNumber"`
		EndSequenceNumber               string `json:"endSequenceNumber"`
		ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord"`
		ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord"`
		BatchSize                       int    `json:"batchSize"`
		StreamARN                       string `json:"streamArn"`
	} `json:"DDBStreamBatchInfo"`
}
