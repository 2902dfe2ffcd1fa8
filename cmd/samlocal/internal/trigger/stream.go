package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/ordersmith/ordersmith/internal/streamevent"
)

// StreamsAPI is the part of the DynamoDB Streams client a stream poller uses.
type StreamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// QueueSender sends the on-failure records of a stream mapping.
type QueueSender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var (
	_ StreamsAPI  = (*dynamodbstreams.Client)(nil)
	_ QueueSender = (*sqs.Client)(nil)
)

// StreamSource is a DynamoDB event of a function: a stream mapping.
type StreamSource struct {
	Function                   string
	FunctionARN                string // requestContext.functionArn of on-failure records
	StreamARN                  string
	Region                     string
	StartingPosition           string // TRIM_HORIZON or LATEST, for the shards open when polling starts
	BatchSize                  int    // 100 when zero
	ReportBatchItemFailures    bool
	MaximumRetryAttempts       int  // -1: retry until the record expires (Lambda's default)
	BisectBatchOnFunctionError bool // split a failing batch in two and retry the halves
	// MaximumRecordAge sends records older than this to the on-failure
	// destination instead of retrying them; zero: no limit (Lambda's -1).
	MaximumRecordAge  time.Duration
	OnFailureQueueURL string
	PollInterval      time.Duration // pause when a shard had nothing; 250 ms (Lambda's four polls a second) when zero
	RetryBackoff      time.Duration // pause between retries of a batch; 200 ms when zero
}

// The Lambda event shapes of a stream mapping (see internal/streamevent).
type (
	StreamEvent      = streamevent.Event
	StreamRecord     = streamevent.Record
	StreamRecordBody = streamevent.RecordBody
	UserIdentity     = streamevent.UserIdentity
	OnFailureRecord  = streamevent.OnFailure
)

// Checkpoints keeps, per stream and shard, the sequence number of the last
// record processed, so that a restarted poller resumes where the last one
// stopped instead of replaying the stream, as an event-source mapping does
// across deployments.
type Checkpoints interface {
	Load(streamARN, shardID string) string
	Save(streamARN, shardID, sequenceNumber string)
}

// StreamPoller polls one stream for one mapping. Its state (open shards,
// checkpoints) lives as long as it does, as a mapping's does.
type StreamPoller struct {
	src    StreamSource
	api    StreamsAPI
	sender QueueSender
	inv    Invoker
	log    *slog.Logger
	saved  Checkpoints // nil: checkpoints live in memory only

	shards     map[string]*shardState
	order      []string // shard ids in discovery order
	discovered bool     // the first discovery is done: later shards start at TRIM_HORIZON
}

type shardState struct {
	id, parent string
	start      types.ShardIteratorType // where a shard without checkpoint starts
	iterator   *string
	checkpoint string // sequence number of the last record processed
	finished   bool   // closed and read to the end
}

// NewPoller returns a poller for the mapping.
func (s StreamSource) NewPoller(api StreamsAPI, sender QueueSender, inv Invoker, log *slog.Logger) *StreamPoller {
	if s.BatchSize <= 0 {
		s.BatchSize = 100
	}
	if s.PollInterval <= 0 {
		s.PollInterval = 250 * time.Millisecond
	}
	if s.RetryBackoff <= 0 {
		s.RetryBackoff = 200 * time.Millisecond
	}
	if s.StartingPosition == "" {
		s.StartingPosition = string(types.ShardIteratorTypeLatest)
	}
	if log == nil {
		log = slog.Default()
	}
	return &StreamPoller{src: s, api: api, sender: sender, inv: inv, log: log, shards: map[string]*shardState{}}
}

// WithCheckpoints makes the poller resume from, and record to, cp.
func (p *StreamPoller) WithCheckpoints(cp Checkpoints) *StreamPoller {
	p.saved = cp
	return p
}

// checkpoint records that every record up to seq of st was processed.
func (p *StreamPoller) checkpoint(st *shardState, seq string) {
	st.checkpoint = seq
	if p.saved != nil {
		p.saved.Save(p.src.StreamARN, st.id, seq)
	}
}

// Run polls until ctx ends.
func (p *StreamPoller) Run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		n, err := p.Poll(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			p.log.Error("stream poller", "function", p.src.Function, "stream", p.src.StreamARN, "err", err)
			sleep(ctx, backoff)
			backoff = min(2*backoff, 30*time.Second)
			continue
		case n == 0:
			sleep(ctx, p.src.PollInterval)
		}
		backoff = time.Second
	}
}

// Poll refreshes the shard list and reads one batch from every shard that
// may be read (a child only once its parent is finished), delivering each
// batch before moving on. It returns how many records it read.
func (p *StreamPoller) Poll(ctx context.Context) (int, error) {
	if err := p.discover(ctx); err != nil {
		return 0, err
	}
	total := 0
	for _, id := range p.order {
		st := p.shards[id]
		if st.finished || !p.parentDone(st) {
			continue
		}
		n, err := p.pollShard(ctx, st)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (p *StreamPoller) parentDone(st *shardState) bool {
	parent, ok := p.shards[st.parent]
	return st.parent == "" || !ok || parent.finished
}

// discover pages through DescribeStream and adds the shards not seen yet.
func (p *StreamPoller) discover(ctx context.Context) error {
	var start *string
	for {
		out, err := p.api.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.src.StreamARN), ExclusiveStartShardId: start})
		if err != nil {
			return fmt.Errorf("describe stream %s: %w", p.src.StreamARN, err)
		}
		if out.StreamDescription == nil {
			return fmt.Errorf("describe stream %s: no description", p.src.StreamARN)
		}
		for _, sh := range out.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if _, ok := p.shards[id]; ok {
				continue
			}
			st := &shardState{id: id, parent: aws.ToString(sh.ParentShardId), start: types.ShardIteratorTypeTrimHorizon}
			if !p.discovered {
				st.start = types.ShardIteratorType(p.src.StartingPosition)
			}
			if p.saved != nil {
				st.checkpoint = p.saved.Load(p.src.StreamARN, id)
			}
			p.shards[id] = st
			p.order = append(p.order, id)
		}
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			break
		}
	}
	p.discovered = true
	return nil
}

func (p *StreamPoller) pollShard(ctx context.Context, st *shardState) (int, error) {
	if st.iterator == nil {
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.src.StreamARN), ShardId: aws.String(st.id), ShardIteratorType: st.start}
		if st.checkpoint != "" {
			in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
			in.SequenceNumber = aws.String(st.checkpoint)
		}
		out, err := p.api.GetShardIterator(ctx, in)
		if err != nil {
			var gone *types.ResourceNotFoundException
			if errors.As(err, &gone) {
				st.finished = true // the shard was trimmed away
				return 0, nil
			}
			var trimmed *types.TrimmedDataAccessException
			if errors.As(err, &trimmed) && st.checkpoint != "" {
				// The checkpoint itself has expired: resume at the oldest
				// record still there, as Lambda does.
				st.checkpoint, st.start = "", types.ShardIteratorTypeTrimHorizon
				return 0, nil
			}
			return 0, fmt.Errorf("shard iterator for %s: %w", st.id, err)
		}
		st.iterator = out.ShardIterator
	}
	out, err := p.api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: st.iterator, Limit: aws.Int32(int32(p.src.BatchSize))})
	if err != nil {
		var expired *types.ExpiredIteratorException
		if errors.As(err, &expired) {
			st.iterator = nil // resume from the checkpoint with a new iterator
			return 0, nil
		}
		var trimmed *types.TrimmedDataAccessException
		if errors.As(err, &trimmed) {
			// DynamoDB Local answers so for an iterator taken while the
			// shard was still empty: take a new one from the checkpoint, or
			// from the oldest record.
			st.iterator = nil
			if st.checkpoint == "" {
				st.start = types.ShardIteratorTypeTrimHorizon
			}
			return 0, nil
		}
		return 0, fmt.Errorf("get records of %s: %w", st.id, err)
	}
	st.iterator = out.NextShardIterator
	if len(out.Records) > 0 {
		if err := p.deliver(ctx, st, out.Records); err != nil {
			return len(out.Records), err
		}
	}
	if out.NextShardIterator == nil {
		st.finished = true
	}
	return len(out.Records), nil
}

// deliver invokes the function with a batch until it is processed, the
// retries are spent (the batch then goes to the on-failure destination) or
// ctx ends. With a partial batch response, the records before the first
// failed one are checkpointed and the batch is retried from that record.
func (p *StreamPoller) deliver(ctx context.Context, st *shardState, records []types.Record) error {
	attempts := 0
	for len(records) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n := p.expired(records); n > 0 {
			if err := p.sendOnFailure(ctx, st, records[:n], attempts, false, "MaximumRecordAgeExceeded"); err != nil {
				return err
			}
			p.checkpoint(st, seq(records[n-1]))
			records = records[n:]
			continue
		}
		firstFailed, failed, err := p.invoke(ctx, records)
		if err != nil {
			return err
		}
		attempts++
		if firstFailed < 0 {
			p.checkpoint(st, seq(records[len(records)-1]))
			return nil
		}
		if firstFailed > 0 {
			p.checkpoint(st, seq(records[firstFailed-1]))
			records = records[firstFailed:]
		} else if failed && p.src.BisectBatchOnFunctionError && len(records) > 1 {
			// Splitting does not count against the retries: each half
			// starts its own count, as in Lambda.
			half := len(records) / 2
			if err := p.deliver(ctx, st, records[:half]); err != nil {
				return err
			}
			return p.deliver(ctx, st, records[half:])
		}
		if p.src.MaximumRetryAttempts >= 0 && attempts > p.src.MaximumRetryAttempts {
			if err := p.sendOnFailure(ctx, st, records, attempts, failed, "RetryAttemptsExhausted"); err != nil {
				return err
			}
			p.checkpoint(st, seq(records[len(records)-1]))
			return nil
		}
		sleep(ctx, p.src.RetryBackoff)
	}
	return nil
}

// invoke runs one batch. firstFailed is -1 when every record was processed,
// else the index to retry from (0 for a failed invoke); failed tells a
// function error from a partial batch response.
func (p *StreamPoller) invoke(ctx context.Context, records []types.Record) (firstFailed int, failed bool, err error) {
	ev := StreamEvent{Records: make([]StreamRecord, len(records))}
	for i, r := range records {
		rec, err := p.record(r)
		if err != nil {
			return 0, false, err
		}
		ev.Records[i] = rec
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return 0, false, fmt.Errorf("encode stream event: %w", err)
	}
	answer, fnFailed, err := p.inv.Invoke(ctx, p.src.Function, payload)
	if err != nil {
		return 0, false, fmt.Errorf("invoke %s with %d stream records: %w", p.src.Function, len(records), err)
	}
	if fnFailed {
		p.log.Warn("stream batch failed", "function", p.src.Function, "records", len(records), "first", seq(records[0]))
		return 0, true, nil
	}
	if !p.src.ReportBatchItemFailures {
		return -1, false, nil
	}
	index := map[string]int{}
	for i, r := range records {
		index[seq(r)] = i
	}
	bad, err := failedItems(answer, func(id string) bool { _, ok := index[id]; return ok })
	if err != nil {
		p.log.Warn("unusable partial batch response", "function", p.src.Function, "err", err)
		return 0, true, nil
	}
	first := -1
	for id := range bad {
		if i := index[id]; first < 0 || i < first {
			first = i
		}
	}
	return first, false, nil
}

func (p *StreamPoller) record(r types.Record) (StreamRecord, error) {
	return streamevent.FromAPI(r, p.src.Region, p.src.StreamARN)
}

// expired is how many records at the head of records are older than the
// mapping's MaximumRecordAge.
func (p *StreamPoller) expired(records []types.Record) int {
	if p.src.MaximumRecordAge <= 0 {
		return 0
	}
	limit := time.Now().Add(-p.src.MaximumRecordAge)
	n := 0
	for _, r := range records {
		if r.Dynamodb == nil || r.Dynamodb.ApproximateCreationDateTime == nil || !r.Dynamodb.ApproximateCreationDateTime.Before(limit) {
			break
		}
		n++
	}
	return n
}

func (p *StreamPoller) sendOnFailure(ctx context.Context, st *shardState, records []types.Record, attempts int, failed bool, condition string) error {
	var rec OnFailureRecord
	rec.RequestContext.RequestID = uuid.NewString()
	rec.RequestContext.FunctionARN = p.src.FunctionARN
	rec.RequestContext.Condition = condition
	rec.RequestContext.ApproximateInvokeCount = attempts
	rec.ResponseContext.StatusCode = 200
	rec.ResponseContext.ExecutedVersion = "$LATEST"
	if failed {
		rec.ResponseContext.FunctionError = "Unhandled"
	}
	rec.Version = "1.0"
	rec.Timestamp = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	info := &rec.DDBStreamBatchInfo
	info.ShardID = st.id
	info.StartSequenceNumber = seq(records[0])
	info.EndSequenceNumber = seq(records[len(records)-1])
	info.ApproximateArrivalOfFirstRecord = arrival(records[0])
	info.ApproximateArrivalOfLastRecord = arrival(records[len(records)-1])
	info.BatchSize = len(records)
	info.StreamARN = p.src.StreamARN
	p.log.Warn("stream batch discarded after retries", "function", p.src.Function, "records", len(records),
		"start", info.StartSequenceNumber, "end", info.EndSequenceNumber, "destination", p.src.OnFailureQueueURL)
	if p.src.OnFailureQueueURL == "" || p.sender == nil {
		return nil
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode on-failure record: %w", err)
	}
	if _, err := p.sender.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.src.OnFailureQueueURL), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("send on-failure record to %s: %w", p.src.OnFailureQueueURL, err)
	}
	return nil
}

func seq(r types.Record) string {
	if r.Dynamodb == nil {
		return ""
	}
	return aws.ToString(r.Dynamodb.SequenceNumber)
}

func arrival(r types.Record) string {
	if r.Dynamodb == nil || r.Dynamodb.ApproximateCreationDateTime == nil {
		return ""
	}
	return r.Dynamodb.ApproximateCreationDateTime.UTC().Format("2006-01-02T15:04:05.000Z")
}
