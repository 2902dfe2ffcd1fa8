package onfailure

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/ordersmith/ordersmith/internal/consumer"
)

// shards is a stream of a closed shard and its open child, described one
// per page.
type shards struct{ StreamsAPI }

func (shards) DescribeStream(_ context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	if in.ExclusiveStartShardId == nil {
		return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &types.StreamDescription{
			Shards: []types.Shard{{ShardId: aws.String("closed"), SequenceNumberRange: &types.SequenceNumberRange{
				StartingSequenceNumber: aws.String("900000000000000000001"), EndingSequenceNumber: aws.String("999999999999999999999")}}},
			LastEvaluatedShardId: aws.String("closed")}}, nil
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &types.StreamDescription{
		Shards: []types.Shard{{ShardId: aws.String("open"), SequenceNumberRange: &types.SequenceNumberRange{
			StartingSequenceNumber: aws.String("1000000000000000000000")}}}}}, nil
}

// TestShardOf: the shard of a sequence number is found by numeric range,
// across pages (sequence numbers grow in length: "1000…" follows "9999…").
func TestShardOf(t *testing.T) {
	r := &Replayer{d: ReplayDeps{Streams: shards{}}}
	for seq, want := range map[string]string{
		"900000000000000000005":  "closed",
		"999999999999999999999":  "closed",
		"1000000000000000000042": "open",
	} {
		got, err := r.shardOf(context.Background(), "arn:stream", seq)
		if err != nil || got != want {
			t.Errorf("shardOf(%s) = %q, %v; want %q", seq, got, err, want)
		}
	}
	if _, err := r.shardOf(context.Background(), "arn:stream", "42"); err == nil {
		t.Error("a sequence number before every shard was placed")
	}
}

// TestSkippedMessage: a skipped record is a one-record batch of its stream,
// without a shard, carrying why it was skipped.
func TestSkippedMessage(t *testing.T) {
	s := consumer.Skipped{Consumer: "numbering", Source: "arn:stream", SequenceNumber: "42", OrderID: "O1", Code: "invalid_pending",
		At: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)}
	b, err := json.Marshal(SkippedMessage(s))
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	info := m.DDBStreamBatchInfo
	if info.StreamARN != "arn:stream" || info.StartSequenceNumber != "42" || info.EndSequenceNumber != "42" || info.ShardID != "" ||
		m.RequestContext.Condition != ConditionSkipped || m.Skipped == nil || *m.Skipped != s {
		t.Errorf("message %s", b)
	}
}
