package onfailure

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/streamevent"
)

// EnvQueueURL names the environment variable holding the URL of a stream
// consumer's on-failure queue (its mapping's OnFailure destination).
const EnvQueueURL = "ON_FAILURE_QUEUE_URL"

// ConditionSkipped is the requestContext.condition of a record a consumer
// skipped; Lambda's own are RetryAttemptsExhausted and
// MaximumRecordAgeExceeded.
const ConditionSkipped = "PermanentErrorSkipped"

// Message is one message of an on-failure queue: Lambda's on-failure record,
// plus, for a record a consumer skipped, what it was and why.
type Message struct {
	streamevent.OnFailure
	Skipped *consumer.Skipped `json:"skipped,omitempty"`
}

// Sender is the part of the SQS client a Queue uses.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var _ Sender = (*sqs.Client)(nil)

// Queue records the stream records a consumer skips in its on-failure
// queue: a consumer.SkipRecorder.
type Queue struct {
	sqs Sender
	url string
}

var _ consumer.SkipRecorder = (*Queue)(nil)

// NewQueue returns the recorder sending to the queue at url. Both are
// required.
func NewQueue(s Sender, url string) (*Queue, error) {
	const op = "onfailure.NewQueue"
	if err := order.RequireDeps(op, order.Need("SQS", s)); err != nil {
		return nil, err
	}
	if url == "" {
		return nil, order.E(op, order.Invalid, "no_queue", "the on-failure queue has no URL")
	}
	return &Queue{sqs: s, url: url}, nil
}

// RecordSkipped implements consumer.SkipRecorder.
func (q *Queue) RecordSkipped(ctx context.Context, s consumer.Skipped) error {
	body, err := json.Marshal(SkippedMessage(s))
	if err != nil {
		return fmt.Errorf("encode skipped record %s: %w", s.SequenceNumber, err)
	}
	if _, err := q.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(string(body))}); err != nil {
		return order.Wrap("onfailure.RecordSkipped", order.Transient, "on_failure_unavailable", "the on-failure queue cannot be reached", err)
	}
	return nil
}

// SkippedMessage is the message recording s: a batch of its one record,
// with no shard (a function is not told its records' shard).
func SkippedMessage(s consumer.Skipped) Message {
	m := Message{Skipped: &s}
	m.Version = "1.0"
	m.Timestamp = s.At.UTC().Format(time.RFC3339Nano)
	m.RequestContext.Condition = ConditionSkipped
	info := &m.DDBStreamBatchInfo
	info.StreamARN = s.Source
	info.StartSequenceNumber, info.EndSequenceNumber = s.SequenceNumber, s.SequenceNumber
	info.BatchSize = 1
	return m
}
