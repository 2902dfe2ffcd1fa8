package trigger_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/fixtures"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/lambdart"
	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/trigger"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	fixtures.Cleanup()
	os.Exit(code)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recording runs the partialbatch fixture through the real local runtime and
// keeps every event it was given.
type recording struct {
	pools  *lambdart.Pools
	mu     sync.Mutex
	events [][]byte
	failed []bool
}

func newRecording(t *testing.T) *recording {
	t.Helper()
	p, err := lambdart.NewPool(lambdart.Function{
		Name: "PartialBatchFunction", Bootstrap: fixtures.Build(t, "partialbatch"), MemoryMB: 128,
		Timeout: 10 * time.Second, Region: localaws.Region, AccountID: localaws.AccountID,
	}, lambdart.Options{Logs: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	pools := lambdart.NewPools()
	pools.Add(p, "PartialBatchFunction")
	t.Cleanup(func() { _ = pools.Close() })
	return &recording{pools: pools}
}

func (r *recording) Invoke(ctx context.Context, fn string, ev []byte) ([]byte, bool, error) {
	answer, failed, err := r.pools.Invoke(ctx, fn, ev)
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.failed = append(r.failed, failed)
	r.mu.Unlock()
	return answer, failed, err
}

// sqsBodies counts how often each body was delivered.
func (r *recording) sqsBodies(t *testing.T) map[string]int {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, raw := range r.events {
		var ev trigger.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		for _, m := range ev.Records {
			out[m.Body]++
		}
	}
	return out
}

func queueARN(t *testing.T, q *sqs.Client, url string) string {
	t.Helper()
	out, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
}

func shortVisibility(t *testing.T, q *sqs.Client, url string) {
	t.Helper()
	// One second, so that a failed message comes back within the test.
	if _, err := q.SetQueueAttributes(t.Context(), &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url),
		Attributes: map[string]string{"VisibilityTimeout": "1"}}); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, q *sqs.Client, url string, bodies ...string) {
	t.Helper()
	entries := make([]sqstypes.SendMessageBatchRequestEntry, len(bodies))
	for i, b := range bodies {
		entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(b),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{"source": {DataType: aws.String("String"), StringValue: aws.String("test")}}}
	}
	out, err := q.SendMessageBatch(t.Context(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil || len(out.Failed) > 0 {
		t.Fatalf("send: %v %v", err, out)
	}
}

func queueDepth(t *testing.T, q *sqs.Client, url string) int {
	t.Helper()
	visible, inFlight := localawstest.QueueCounts(t, q, url)
	return visible + inFlight
}

func TestSQSPartialBatchReturnsOnlyTheFailedMessagesThenRedrives(t *testing.T) {
	cfg := localawstest.Config(t)
	q := sqs.NewFromConfig(cfg)
	const maxReceive = 2
	url, dlq := localawstest.NewQueue(t, cfg, maxReceive)
	shortVisibility(t, q, url)
	rec := newRecording(t)
	src := trigger.SQSSource{Function: "PartialBatchFunction", QueueURL: url, QueueARN: queueARN(t, q, url), Region: localaws.Region,
		BatchSize: 10, MaxBatchingWindow: time.Second, ReportBatchItemFailures: true, WaitTime: time.Second}
	send(t, q, url, "ok-1", "ok-2", "fail-3", "fail-4")

	first, err := src.PollOnce(t.Context(), q, rec)
	if err != nil {
		t.Fatal(err)
	}
	if first.Received != 4 || first.Deleted != 2 || first.Failed {
		t.Fatalf("first poll = %+v, want 4 received and the 2 good ones deleted", first)
	}

	// The event has the real SQS shape.
	var ev trigger.SQSEvent
	if err := json.Unmarshal(rec.events[0], &ev); err != nil {
		t.Fatal(err)
	}
	m := ev.Records[0]
	if m.MessageID == "" || m.ReceiptHandle == "" || m.MD5OfBody == "" || m.EventSource != "aws:sqs" ||
		m.EventSourceARN != src.QueueARN || m.AWSRegion != localaws.Region || m.Attributes["ApproximateReceiveCount"] != "1" ||
		m.Attributes["SentTimestamp"] == "" || aws.ToString(m.MessageAttributes["source"].StringValue) != "test" {
		t.Errorf("record does not have the SQS event shape: %+v", m)
	}

	// The failed two come back after the visibility timeout, until the
	// queue's redrive policy moves them to the dead-letter queue.
	deadline := time.Now().Add(30 * time.Second)
	for queueDepth(t, q, dlq) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("messages never reached the DLQ; deliveries so far: %v", rec.sqsBodies(t))
		}
		if _, err := src.PollOnce(t.Context(), q, rec); err != nil {
			t.Fatal(err)
		}
	}
	if got, n := receiveBodies(t, q, dlq, 2, 5*time.Second), queueDepth(t, q, dlq); strings.Join(got, ",") != "fail-3,fail-4" || n != 2 {
		t.Errorf("DLQ holds %d messages, %v, want the two failed messages", n, got)
	}
	if n := queueDepth(t, q, url); n != 0 {
		t.Errorf("source queue still holds %d messages", n)
	}
	got := rec.sqsBodies(t)
	want := map[string]int{"ok-1": 1, "ok-2": 1, "fail-3": maxReceive, "fail-4": maxReceive}
	for body, n := range want {
		if got[body] != n {
			t.Errorf("%s delivered %d times, want %d (all: %v)", body, got[body], n, got)
		}
	}
}

func TestSQSFunctionErrorReturnsTheWholeBatch(t *testing.T) {
	cfg := localawstest.Config(t)
	q := sqs.NewFromConfig(cfg)
	url, _ := localawstest.NewQueue(t, cfg, 0)
	shortVisibility(t, q, url)
	rec := newRecording(t)
	src := trigger.SQSSource{Function: "PartialBatchFunction", QueueURL: url, QueueARN: queueARN(t, q, url), Region: localaws.Region,
		BatchSize: 10, MaxBatchingWindow: time.Second, ReportBatchItemFailures: true, WaitTime: time.Second}
	send(t, q, url, "ok-a", "crash-b", "fail-c")

	res, err := src.PollOnce(t.Context(), q, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || res.Deleted != 0 || res.Received != 3 {
		t.Fatalf("poll = %+v, want a failed batch with nothing deleted", res)
	}
	// Nothing was deleted: the three stay in the queue (in flight until
	// their visibility timeout ends), then each can be received again.
	if n := queueDepth(t, q, url); n != 3 {
		t.Errorf("right after the failed batch the queue holds %d messages, want the 3", n)
	}
	again := receiveBodies(t, q, url, 3, 10*time.Second)
	if strings.Join(again, ",") != "crash-b,fail-c,ok-a" {
		t.Errorf("after a function error the queue gives back %v, want the whole batch", again)
	}
}

// receiveBodies receives from the queue until n distinct bodies came back
// or timeout passed, and returns them sorted; what it receives stays in
// flight for 30 s, so none comes twice.
func receiveBodies(t *testing.T, q *sqs.Client, url string, n int, timeout time.Duration) []string {
	t.Helper()
	seen := map[string]bool{}
	for deadline := time.Now().Add(timeout); len(seen) < n && time.Now().Before(deadline); {
		out, err := q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
			VisibilityTimeout: 30, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			seen[aws.ToString(m.Body)] = true
		}
	}
	bodies := make([]string, 0, len(seen))
	for b := range seen {
		bodies = append(bodies, b)
	}
	sort.Strings(bodies)
	return bodies
}

func TestDynamoDBStreamPartialBatchRetriesThenOnFailure(t *testing.T) {
	cfg := localawstest.Config(t)
	table := localawstest.NewTable(t, cfg)
	q := sqs.NewFromConfig(cfg)
	onFailure, _ := localawstest.NewQueue(t, cfg, 0)
	db := localaws.NewClients(cfg).DynamoDB
	desc, err := db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	streamARN := aws.ToString(desc.Table.LatestStreamArn)
	if streamARN == "" {
		t.Fatal("the test table has no stream")
	}
	for _, id := range []string{"ok-1", "fail-2", "ok-3"} {
		if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: "ORDER#" + id}, "SK": &ddbtypes.AttributeValueMemberS{Value: "META"},
			"note": &ddbtypes.AttributeValueMemberS{Value: id}, "total": &ddbtypes.AttributeValueMemberN{Value: "12.50"},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	rec := newRecording(t)
	streams := dynamodbstreams.NewFromConfig(cfg)
	src := trigger.StreamSource{Function: "PartialBatchFunction", FunctionARN: "arn:aws:lambda:eu-west-3:123456789012:function:fx",
		StreamARN: streamARN, Region: localaws.Region, StartingPosition: "TRIM_HORIZON", BatchSize: 10,
		ReportBatchItemFailures: true, MaximumRetryAttempts: 1, OnFailureQueueURL: onFailure, RetryBackoff: 10 * time.Millisecond}
	poller := src.NewPoller(streams, q, rec, quiet)

	deadline := time.Now().Add(20 * time.Second)
	read := 0
	for read < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("read %d stream records, want 3", read)
		}
		n, err := poller.Poll(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		read += n
	}
	// Invoke 1: [ok-1 fail-2 ok-3] reports fail-2: ok-1 is checkpointed.
	// Invoke 2 (the one retry): [fail-2 ok-3] fails again: retries spent,
	// the rest of the batch goes to the on-failure queue.
	var batches [][]string
	for _, raw := range rec.events {
		var ev trigger.StreamEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, r := range ev.Records {
			if r.EventName != "INSERT" || r.EventSource != "aws:dynamodb" || r.EventSourceARN != streamARN || r.DynamoDB.StreamViewType != "NEW_AND_OLD_IMAGES" {
				t.Errorf("record shape: %+v", r)
			}
			note, _ := r.DynamoDB.NewImage["note"].(map[string]any)
			total, _ := r.DynamoDB.NewImage["total"].(map[string]any)
			if total["N"] != "12.5" {
				t.Errorf("number attribute %v, want {\"N\":\"12.5\"} (DynamoDB normalises numbers)", total)
			}
			notes = append(notes, fmt.Sprint(note["S"]))
		}
		batches = append(batches, notes)
	}
	if fmt.Sprint(batches) != "[[ok-1 fail-2 ok-3] [fail-2 ok-3]]" {
		t.Fatalf("invokes = %v", batches)
	}
	out, err := q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(onFailure), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("on-failure queue holds %d messages, want 1", len(out.Messages))
	}
	var of trigger.OnFailureRecord
	if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &of); err != nil {
		t.Fatal(err)
	}
	var second trigger.StreamEvent
	if err := json.Unmarshal(rec.events[1], &second); err != nil {
		t.Fatal(err)
	}
	info := of.DDBStreamBatchInfo
	if of.RequestContext.Condition != "RetryAttemptsExhausted" || of.RequestContext.ApproximateInvokeCount != 2 ||
		info.BatchSize != 2 || info.StartSequenceNumber != second.Records[0].DynamoDB.SequenceNumber ||
		info.EndSequenceNumber != second.Records[1].DynamoDB.SequenceNumber || info.StreamARN != streamARN {
		t.Errorf("on-failure record = %+v", of)
	}
	// Nothing is read twice once checkpointed.
	if n, err := poller.Poll(t.Context()); err != nil || n != 0 {
		t.Errorf("a later poll read %d records (%v)", n, err)
	}
}
