package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// fakeStream is one open shard holding fixed records, served once.
type fakeStream struct {
	records []types.Record
	served  bool
}

func (f *fakeStream) DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &types.StreamDescription{Shards: []types.Shard{{ShardId: aws.String("shard-1")}}}}, nil
}

func (f *fakeStream) GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String("it")}, nil
}

func (f *fakeStream) GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	if f.served {
		return &dynamodbstreams.GetRecordsOutput{NextShardIterator: aws.String("it")}, nil
	}
	f.served = true
	return &dynamodbstreams.GetRecordsOutput{Records: f.records, NextShardIterator: aws.String("it")}, nil
}

type fakeSender struct{ bodies []string }

func (f *fakeSender) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.bodies = append(f.bodies, aws.ToString(in.MessageBody))
	return &sqs.SendMessageOutput{}, nil
}

func streamRecords(notes ...string) []types.Record {
	out := make([]types.Record, len(notes))
	for i, n := range notes {
		out[i] = types.Record{EventID: aws.String(fmt.Sprint(i)), EventName: types.OperationTypeInsert,
			Dynamodb: &types.StreamRecord{SequenceNumber: aws.String(fmt.Sprintf("%03d", i+1)), StreamViewType: types.StreamViewTypeNewImage,
				NewImage: map[string]types.AttributeValue{"note": &types.AttributeValueMemberS{Value: n}}}}
	}
	return out
}

// crashOn fails any batch holding a "crash" note and records the batches.
func crashOn(batches *[]string) Invoker {
	return InvokerFunc(func(_ context.Context, _ string, ev []byte) ([]byte, bool, error) {
		var e StreamEvent
		if err := json.Unmarshal(ev, &e); err != nil {
			return nil, false, err
		}
		var notes []string
		crashed := false
		for _, r := range e.Records {
			n := r.DynamoDB.NewImage["note"].(map[string]any)["S"].(string)
			notes = append(notes, n)
			crashed = crashed || n == "crash"
		}
		*batches = append(*batches, strings.Join(notes, " "))
		if crashed {
			return []byte(`{"errorMessage":"crash","errorType":"errorString"}`), true, nil
		}
		return []byte("null"), false, nil
	})
}

func TestStreamBatchFailures(t *testing.T) {
	tests := []struct {
		name        string
		bisect      bool
		maxRetries  int
		wantBatches string // the invokes, in order, separated by " | "
		wantFailed  string // start-end sequence numbers sent on failure
	}{
		{name: "retries then on-failure", maxRetries: 2,
			wantBatches: "a b crash d | a b crash d | a b crash d", wantFailed: "001-004"},
		{name: "bisect isolates the bad record", bisect: true, maxRetries: 0,
			wantBatches: "a b crash d | a b | crash d | crash | d", wantFailed: "003-003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var batches []string
			sender := &fakeSender{}
			src := StreamSource{Function: "F", StreamARN: "arn:stream", StartingPosition: "TRIM_HORIZON", BatchSize: 10,
				MaximumRetryAttempts: tt.maxRetries, BisectBatchOnFunctionError: tt.bisect, OnFailureQueueURL: "http://q", RetryBackoff: time.Millisecond}
			p := src.NewPoller(&fakeStream{records: streamRecords("a", "b", "crash", "d")}, sender, crashOn(&batches), slog.New(slog.NewTextHandler(io.Discard, nil)))
			if _, err := p.Poll(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(batches, " | "); got != tt.wantBatches {
				t.Errorf("invokes %q, want %q", got, tt.wantBatches)
			}
			if len(sender.bodies) != 1 {
				t.Fatalf("on-failure messages: %d, want 1", len(sender.bodies))
			}
			var of OnFailureRecord
			if err := json.Unmarshal([]byte(sender.bodies[0]), &of); err != nil {
				t.Fatal(err)
			}
			if got := of.DDBStreamBatchInfo.StartSequenceNumber + "-" + of.DDBStreamBatchInfo.EndSequenceNumber; got != tt.wantFailed {
				t.Errorf("on-failure batch %s, want %s", got, tt.wantFailed)
			}
			if p.shards["shard-1"].checkpoint != "004" {
				t.Errorf("checkpoint %q, want past the whole batch", p.shards["shard-1"].checkpoint)
			}
		})
	}
}

// recordingIterators records the iterator requests.
type recordingIterators struct {
	fakeStream
	requests []string
}

func (r *recordingIterators) GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	r.requests = append(r.requests, string(in.ShardIteratorType)+"@"+aws.ToString(in.SequenceNumber))
	return r.fakeStream.GetShardIterator(ctx, in, opts...)
}

// TestStreamRecordAge: with retries unbounded, a record older than the
// mapping's maximum age goes to the on-failure destination instead of being
// retried; the records after it are delivered.
func TestStreamRecordAge(t *testing.T) {
	records := streamRecords("old", "new")
	records[0].Dynamodb.ApproximateCreationDateTime = aws.Time(time.Now().Add(-2 * time.Hour))
	records[1].Dynamodb.ApproximateCreationDateTime = aws.Time(time.Now())
	var batches []string
	sender := &fakeSender{}
	src := StreamSource{Function: "F", StreamARN: "arn:stream", StartingPosition: "TRIM_HORIZON", BatchSize: 10,
		MaximumRetryAttempts: -1, MaximumRecordAge: time.Hour, OnFailureQueueURL: "http://q", RetryBackoff: time.Millisecond}
	p := src.NewPoller(&fakeStream{records: records}, sender, crashOn(&batches), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(batches, " | "); got != "new" {
		t.Errorf("invokes %q, want only the record within its age", got)
	}
	if len(sender.bodies) != 1 {
		t.Fatalf("on-failure messages: %d, want 1", len(sender.bodies))
	}
	var of OnFailureRecord
	if err := json.Unmarshal([]byte(sender.bodies[0]), &of); err != nil {
		t.Fatal(err)
	}
	if info := of.DDBStreamBatchInfo; info.StartSequenceNumber != "001" || info.EndSequenceNumber != "001" || of.RequestContext.Condition != "MaximumRecordAgeExceeded" {
		t.Errorf("on-failure record %+v (%s), want 001-001, MaximumRecordAgeExceeded", info, of.RequestContext.Condition)
	}
}
