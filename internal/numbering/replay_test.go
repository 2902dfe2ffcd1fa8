package numbering_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/onfailure"
	"github.com/ordersmith/ordersmith/internal/order"
)

// brokenStore is the real store whose numbering fails for good while broken.
type brokenStore struct {
	*dynamo.Store
	broken bool
}

func (b *brokenStore) AssignNumber(ctx context.Context, id string) (*order.Order, error) {
	if b.broken {
		return nil, order.E("test.AssignNumber", order.Internal, "invalid_pending", "the pending creation cannot be read")
	}
	return b.Store.AssignNumber(ctx, id)
}

// TestReplayOnFailureQueue, on DynamoDB Local and moto: an order the
// numbering cannot number is recorded in the on-failure queue and skipped;
// a batch Lambda gave up on is there too, in Lambda's own shape (with its
// shard). Once the cause is mended, the replay reads both back from the
// stream, numbers the orders and empties the queue.
func TestReplayOnFailureQueue(t *testing.T) {
	ctx := t.Context()
	cfg := localawstest.Config(t)
	table := localawstest.NewTable(t, cfg)
	queueURL, _ := localawstest.NewQueue(t, cfg, 0)
	clients := localaws.NewClients(cfg)
	st := &brokenStore{Store: dynamo.New(clients.DynamoDB, table), broken: true}
	skipped, err := onfailure.NewQueue(clients.SQS, queueURL)
	if err != nil {
		t.Fatal(err)
	}
	n, err := numbering.New(numbering.Deps{Orders: st, Records: dynamo.Stream{}, Skipped: skipped, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := clients.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	stream := aws.ToString(desc.Table.LatestStreamArn)
	streams := dynamodbstreams.NewFromConfig(cfg)

	// The first order: skipped by the numbering and recorded.
	first, err := st.Accept(ctx, shopifyOrder(t, "6123456789101"), order.PendingCreation{Actor: order.StorefrontActor(order.SourceShopify)})
	if err != nil {
		t.Fatal(err)
	}
	ev := readStream(t, streams, stream, first.ID)
	for i := range ev.Records {
		ev.Records[i].EventSourceArn = stream
	}
	if resp, err := n.Handle(ctx, ev); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handle: %+v, %v; want the order skipped", resp, err)
	}
	// The second: a batch Lambda gave up on, as its on-failure record says.
	second, err := st.Accept(ctx, shopifyOrder(t, "6123456789102"), order.PendingCreation{Actor: order.StorefrontActor(order.SourceShopify)})
	if err != nil {
		t.Fatal(err)
	}
	ev = readStream(t, streams, stream, second.ID)
	last := ev.Records[len(ev.Records)-1].Change.SequenceNumber
	shards, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	var lambdaMsg onfailure.Message
	lambdaMsg.RequestContext.Condition = "RetryAttemptsExhausted"
	info := &lambdaMsg.DDBStreamBatchInfo
	info.StreamARN, info.ShardID = stream, aws.ToString(shards.StreamDescription.Shards[0].ShardId)
	info.StartSequenceNumber, info.EndSequenceNumber, info.BatchSize = last, last, 1
	body, err := json.Marshal(lambdaMsg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}

	st.broken = false // the cause is mended
	r, err := onfailure.NewReplayer(onfailure.ReplayDeps{Streams: streams, Queue: clients.SQS, Handler: n.Handle, Logger: quiet}, queueURL, localaws.Region)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res != (onfailure.Result{Replayed: 2}) {
		t.Errorf("replay %+v, want both messages replayed", res)
	}
	for _, id := range []string{first.ID, second.ID} {
		o, err := st.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Number == "" {
			t.Errorf("order %s has no number after the replay", id)
		}
	}
	left, err := clients.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Messages) != 0 {
		t.Errorf("%d messages left in the on-failure queue, want none", len(left.Messages))
	}
}
