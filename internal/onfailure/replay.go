package onfailure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/streamevent"
)

// StreamsAPI is the part of the DynamoDB Streams client a Replayer uses.
type StreamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// QueueAPI is the part of the SQS client a Replayer uses.
type QueueAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

var (
	_ StreamsAPI = (*dynamodbstreams.Client)(nil)
	_ QueueAPI   = (*sqs.Client)(nil)
)

// Handler is a stream consumer's Lambda handler.
type Handler func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// ReplayDeps are what a Replayer consumes.
type ReplayDeps struct {
	Streams StreamsAPI
	Queue   QueueAPI
	Handler Handler
	Logger  *slog.Logger // nil is slog.Default()
}

// Replayer re-drives one on-failure queue through one consumer.
type Replayer struct {
	d        ReplayDeps
	queueURL string
	region   string
	log      *slog.Logger
	// Visibility is how long a received message stays hidden while it is
	// replayed (and, when kept, before anyone sees it again).
	Visibility time.Duration
}

// NewReplayer returns the replayer of the queue at queueURL. Every port is
// required; region is the awsRegion the replayed records carry.
func NewReplayer(d ReplayDeps, queueURL, region string) (*Replayer, error) {
	const op = "onfailure.NewReplayer"
	if err := order.RequireDeps(op, order.Need("Streams", d.Streams), order.Need("Queue", d.Queue), order.Need("Handler", d.Handler)); err != nil {
		return nil, err
	}
	if queueURL == "" {
		return nil, order.E(op, order.Invalid, "no_queue", "the on-failure queue has no URL")
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Replayer{d: d, queueURL: queueURL, region: region, log: log, Visibility: time.Minute}, nil
}

// Result says what a replay did.
type Result struct {
	Replayed int // messages whose records all went through: deleted
	Kept     int // messages left in the queue (see the log for why)
}

// Run replays the queue until it has nothing more to give. Messages sent
// after the run started (a record skipped again by the replay itself) are
// left for the next run.
func (r *Replayer) Run(ctx context.Context) (Result, error) {
	started := time.Now()
	var res Result
	for {
		out, err := r.d.Queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(r.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			VisibilityTimeout:           int32(r.Visibility / time.Second),
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameSentTimestamp},
		})
		if err != nil {
			return res, fmt.Errorf("receive from %s: %w", r.queueURL, err)
		}
		if len(out.Messages) == 0 {
			return res, nil
		}
		for _, m := range out.Messages {
			if sentAfter(m, started) {
				res.Kept++
				continue
			}
			if err := r.replay(ctx, aws.ToString(m.Body)); err != nil {
				r.log.WarnContext(ctx, "on-failure message kept", "message_id", aws.ToString(m.MessageId), "error", err.Error())
				res.Kept++
				continue
			}
			if _, err := r.d.Queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return res, fmt.Errorf("delete replayed message %s: %w", aws.ToString(m.MessageId), err)
			}
			res.Replayed++
		}
	}
}

// sentAfter reports whether m was sent after t.
func sentAfter(m sqstypes.Message, t time.Time) bool {
	ms, err := strconv.ParseInt(m.Attributes[string(sqstypes.MessageSystemAttributeNameSentTimestamp)], 10, 64)
	return err == nil && time.UnixMilli(ms).After(t)
}

// replay runs the records one message names through the handler.
func (r *Replayer) replay(ctx context.Context, body string) error {
	var m Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return fmt.Errorf("not an on-failure record: %w", err)
	}
	info := m.DDBStreamBatchInfo
	if info.StreamARN == "" || info.StartSequenceNumber == "" || info.EndSequenceNumber == "" {
		return errors.New("the on-failure record names no stream range")
	}
	ev, err := r.records(ctx, info.StreamARN, info.ShardID, info.StartSequenceNumber, info.EndSequenceNumber)
	if err != nil {
		return err
	}
	if len(ev.Records) == 0 {
		return fmt.Errorf("no record of %s..%s is left in the stream", info.StartSequenceNumber, info.EndSequenceNumber)
	}
	resp, err := r.d.Handler(ctx, ev)
	if err != nil {
		return fmt.Errorf("handler: %w", err)
	}
	if len(resp.BatchItemFailures) > 0 {
		return fmt.Errorf("the handler failed from record %s", resp.BatchItemFailures[0].ItemIdentifier)
	}
	return nil
}

// records reads the records start..end of a shard back from the stream; a
// shard left empty is the one whose range holds start.
func (r *Replayer) records(ctx context.Context, stream, shard, start, end string) (events.DynamoDBEvent, error) {
	var ev events.DynamoDBEvent
	if shard == "" {
		var err error
		if shard, err = r.shardOf(ctx, stream, start); err != nil {
			return ev, err
		}
	}
	it, err := r.d.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(stream), ShardId: aws.String(shard),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(start)})
	if err != nil {
		return ev, fmt.Errorf("shard iterator at %s in %s: %w", start, shard, err)
	}
	last := seqNum(end)
	iter := it.ShardIterator
	for iter != nil {
		out, err := r.d.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(100)})
		if err != nil {
			return ev, fmt.Errorf("read records of %s: %w", shard, err)
		}
		for _, rec := range out.Records {
			if rec.Dynamodb == nil || seqNum(aws.ToString(rec.Dynamodb.SequenceNumber)).Cmp(last) > 0 {
				return ev, nil
			}
			er, err := eventRecord(rec, r.region, stream)
			if err != nil {
				return ev, err
			}
			ev.Records = append(ev.Records, er)
		}
		if len(out.Records) == 0 {
			return ev, nil // the end of what the shard holds now
		}
		iter = out.NextShardIterator
	}
	return ev, nil
}

// eventRecord is rec as a stream mapping delivers it to a function.
func eventRecord(rec streamtypes.Record, region, stream string) (events.DynamoDBEventRecord, error) {
	var out events.DynamoDBEventRecord
	lr, err := streamevent.FromAPI(rec, region, stream)
	if err != nil {
		return out, err
	}
	b, err := json.Marshal(lr)
	if err != nil {
		return out, fmt.Errorf("encode record %s: %w", lr.EventID, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("decode record %s: %w", lr.EventID, err)
	}
	return out, nil
}

// shardOf finds the shard of stream whose sequence numbers include seq.
func (r *Replayer) shardOf(ctx context.Context, stream, seq string) (string, error) {
	want := seqNum(seq)
	var from *string
	for {
		out, err := r.d.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(stream), ExclusiveStartShardId: from})
		if err != nil {
			return "", fmt.Errorf("describe stream %s: %w", stream, err)
		}
		if out.StreamDescription == nil {
			return "", fmt.Errorf("describe stream %s: no description", stream)
		}
		for _, sh := range out.StreamDescription.Shards {
			rng := sh.SequenceNumberRange
			if rng == nil || rng.StartingSequenceNumber == nil || seqNum(*rng.StartingSequenceNumber).Cmp(want) > 0 {
				continue
			}
			if rng.EndingSequenceNumber == nil || seqNum(*rng.EndingSequenceNumber).Cmp(want) >= 0 {
				return aws.ToString(sh.ShardId), nil
			}
		}
		if from = out.StreamDescription.LastEvaluatedShardId; from == nil {
			return "", fmt.Errorf("no shard of %s holds sequence number %s", stream, seq)
		}
	}
}

// seqNum is a sequence number as a number: they are decimal strings of
// varying length, compared numerically.
func seqNum(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return new(big.Int)
	}
	return n
}
