package trigger

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSAPI is the part of the SQS client an SQS poller uses.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

var _ SQSAPI = (*sqs.Client)(nil)

// SQSSource is an SQS event of a function: an event-source mapping.
type SQSSource struct {
	Function                string        // what the Invoker runs
	QueueURL                string        // where to receive
	QueueARN                string        // eventSourceARN of the records
	Region                  string        // awsRegion of the records
	BatchSize               int           // 10 when zero
	MaxBatchingWindow       time.Duration // how long to gather a batch; zero: the first messages received
	ReportBatchItemFailures bool          // FunctionResponseTypes: [ReportBatchItemFailures]
	WaitTime                time.Duration // long-poll wait of one receive; 2 s when zero
}

// SQSMessage is one record of an SQS event.
type SQSMessage struct {
	MessageID              string                         `json:"messageId"`
	ReceiptHandle          string                         `json:"receiptHandle"`
	Body                   string                         `json:"body"`
	Attributes             map[string]string              `json:"attributes"`
	MessageAttributes      map[string]SQSMessageAttribute `json:"messageAttributes"`
	MD5OfBody              string                         `json:"md5OfBody"`
	MD5OfMessageAttributes string                         `json:"md5OfMessageAttributes,omitempty"`
	EventSource            string                         `json:"eventSource"`
	EventSourceARN         string                         `json:"eventSourceARN"`
	AWSRegion              string                         `json:"awsRegion"`
}

// SQSMessageAttribute is a message attribute as the SQS event spells it.
type SQSMessageAttribute struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      *string  `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues []string `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

// SQSEvent is the event an SQS mapping sends.
type SQSEvent struct {
	Records []SQSMessage `json:"Records"`
}

// SQSResult says what one poll did.
type SQSResult struct {
	Received int  // messages in the batch (0: nothing to do)
	Deleted  int  // messages deleted as processed
	Failed   bool // the invoke failed or its partial response was unusable: nothing deleted
}

func (s *SQSSource) batchSize() int {
	if s.BatchSize > 0 {
		return s.BatchSize
	}
	return 10
}

func (s *SQSSource) waitTime() time.Duration {
	if s.WaitTime > 0 {
		return s.WaitTime
	}
	return 2 * time.Second
}

// Run polls until ctx ends, logging failures and backing off on errors.
func (s *SQSSource) Run(ctx context.Context, api SQSAPI, inv Invoker, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	backoff := time.Second
	for ctx.Err() == nil {
		res, err := s.PollOnce(ctx, api, inv)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("sqs poller", "function", s.Function, "queue", s.QueueARN, "err", err)
			sleep(ctx, backoff)
			backoff = min(2*backoff, 30*time.Second)
			continue
		case res.Failed:
			log.Warn("sqs batch failed", "function", s.Function, "queue", s.QueueARN, "messages", res.Received)
		}
		backoff = time.Second
	}
}

// PollOnce gathers one batch (up to BatchSize messages, within the batching
// window), invokes the function with it and deletes what it processed: every
// message on success; with ReportBatchItemFailures, all but the reported
// ones. A failed invoke deletes nothing, so the whole batch returns to the
// queue when its visibility timeout ends (and moves to the DLQ after the
// queue's maxReceiveCount).
func (s *SQSSource) PollOnce(ctx context.Context, api SQSAPI, inv Invoker) (SQSResult, error) {
	msgs, err := s.gather(ctx, api)
	if err != nil || len(msgs) == 0 {
		return SQSResult{}, err
	}
	ev := SQSEvent{Records: make([]SQSMessage, len(msgs))}
	for i, m := range msgs {
		ev.Records[i] = s.record(m)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return SQSResult{}, fmt.Errorf("encode sqs event: %w", err)
	}
	res := SQSResult{Received: len(msgs)}
	answer, failed, err := inv.Invoke(ctx, s.Function, payload)
	if err != nil {
		return res, fmt.Errorf("invoke %s with %d messages: %w", s.Function, len(msgs), err)
	}
	if failed {
		res.Failed = true
		return res, nil
	}
	done := msgs
	if s.ReportBatchItemFailures {
		ids := map[string]bool{}
		for _, m := range msgs {
			ids[aws.ToString(m.MessageId)] = true
		}
		bad, err := failedItems(answer, func(id string) bool { return ids[id] })
		if err != nil {
			res.Failed = true
			return res, nil
		}
		done = done[:0:0]
		var failed []types.Message
		for _, m := range msgs {
			if !bad[aws.ToString(m.MessageId)] {
				done = append(done, m)
			} else {
				failed = append(failed, m)
			}
		}
		if err := s.releaseHeldBack(ctx, api, failed); err != nil {
			return res, err
		}
	}
	n, err := s.delete(ctx, api, done)
	res.Deleted = n
	return res, err
}

// releaseHeldBack makes the failed messages of a FIFO queue that follow
// the first failed one of their group visible at once. On SQS that changes
// nothing (a group's messages wait while an earlier one is in flight); on
// moto, which re-delivers a group's messages out of order when several of
// them come back from the same timeout, it leaves only the first failed
// message of each group on its timeout, so that the group resumes in order.
func (s *SQSSource) releaseHeldBack(ctx context.Context, api SQSAPI, failed []types.Message) error {
	if !strings.HasSuffix(s.QueueURL, ".fifo") {
		return nil
	}
	seen := map[string]bool{}
	var entries []types.ChangeMessageVisibilityBatchRequestEntry
	for _, m := range failed {
		g := m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]
		if !seen[g] {
			seen[g] = true
			continue
		}
		entries = append(entries, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(len(entries))), ReceiptHandle: m.ReceiptHandle})
	}
	for start := 0; start < len(entries); start += 10 {
		if _, err := api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(s.QueueURL),
			Entries: entries[start:min(start+10, len(entries))]}); err != nil {
			return fmt.Errorf("release held-back messages of %s: %w", s.QueueURL, err)
		}
	}
	return nil
}

// gather receives until the batch is full or the window is over; without a
// window, the first non-empty receive is the batch.
func (s *SQSSource) gather(ctx context.Context, api SQSAPI) ([]types.Message, error) {
	want := s.batchSize()
	deadline := time.Now().Add(s.MaxBatchingWindow)
	var msgs []types.Message
	for len(msgs) < want {
		wait := s.waitTime()
		if s.MaxBatchingWindow > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			wait = min(wait, left)
		}
		out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(s.QueueURL),
			MaxNumberOfMessages:         int32(min(10, want-len(msgs))),
			WaitTimeSeconds:             waitSeconds(wait),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(msgs) > 0 && ctx.Err() == nil {
				break // invoke with what was gathered; the next poll reports the error
			}
			return nil, fmt.Errorf("receive from %s: %w", s.QueueURL, err)
		}
		msgs = append(msgs, out.Messages...)
		if s.MaxBatchingWindow <= 0 && len(msgs) > 0 {
			break
		}
		if s.MaxBatchingWindow <= 0 && len(out.Messages) == 0 {
			break
		}
	}
	return msgs, nil
}

func (s *SQSSource) record(m types.Message) SQSMessage {
	r := SQSMessage{
		MessageID:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Attributes:             map[string]string{},
		MessageAttributes:      map[string]SQSMessageAttribute{},
		MD5OfBody:              aws.ToString(m.MD5OfBody),
		MD5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		EventSource:            "aws:sqs",
		EventSourceARN:         s.QueueARN,
		AWSRegion:              s.Region,
	}
	for k, v := range m.Attributes {
		r.Attributes[k] = v
	}
	for k, v := range m.MessageAttributes {
		a := SQSMessageAttribute{StringValue: v.StringValue, DataType: aws.ToString(v.DataType),
			StringListValues: append([]string{}, v.StringListValues...), BinaryListValues: []string{}}
		if v.BinaryValue != nil {
			b := base64.StdEncoding.EncodeToString(v.BinaryValue)
			a.BinaryValue = &b
		}
		for _, b := range v.BinaryListValues {
			a.BinaryListValues = append(a.BinaryListValues, base64.StdEncoding.EncodeToString(b))
		}
		r.MessageAttributes[k] = a
	}
	return r
}

// delete removes processed messages, ten per call.
func (s *SQSSource) delete(ctx context.Context, api SQSAPI, msgs []types.Message) (int, error) {
	deleted := 0
	var errs []error
	for start := 0; start < len(msgs); start += 10 {
		chunk := msgs[start:min(start+10, len(msgs))]
		entries := make([]types.DeleteMessageBatchRequestEntry, len(chunk))
		for i, m := range chunk {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
		}
		out, err := api.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(s.QueueURL), Entries: entries})
		if err != nil {
			errs = append(errs, fmt.Errorf("delete %d messages from %s: %w", len(entries), s.QueueURL, err))
			continue
		}
		deleted += len(out.Successful)
		for _, f := range out.Failed {
			errs = append(errs, fmt.Errorf("delete message from %s: %s %s", s.QueueURL, aws.ToString(f.Code), aws.ToString(f.Message)))
		}
	}
	return deleted, errors.Join(errs...)
}

// waitSeconds is a long-poll wait in whole seconds, within SQS's 0..20.
func waitSeconds(d time.Duration) int32 {
	return int32(max(0, min(20, int(d.Round(time.Second)/time.Second))))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
