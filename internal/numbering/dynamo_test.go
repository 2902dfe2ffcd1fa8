package numbering_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/numbering"
	"github.com/ordersmith/ordersmith/internal/order"
)

// countingStore is the real store, with the ids it was asked to number.
type countingStore struct {
	*dynamo.Store
	calls []string
}

func (c *countingStore) AssignNumber(ctx context.Context, id string) (*order.Order, error) {
	c.calls = append(c.calls, id)
	return c.Store.AssignNumber(ctx, id)
}

// TestNumberAcceptedOrdersFromTheStream accepts two Shopify orders in
// DynamoDB Local and hands the numberer the table's real stream, read from
// the start each time: the first order gets number 1, the second 2, and
// neither the numbering's own writes nor the first order's records, seen
// again with the second batch, number anything twice.
func TestNumberAcceptedOrdersFromTheStream(t *testing.T) {
	ctx := t.Context()
	cfg := localawstest.Config(t)
	table := localawstest.NewTable(t, cfg)
	db := localaws.NewClients(cfg).DynamoDB
	st := &countingStore{Store: dynamo.New(db, table)}
	n, err := numbering.New(numbering.Deps{Orders: st, Records: dynamo.Stream{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	stream := aws.ToString(desc.Table.LatestStreamArn)
	if stream == "" {
		t.Fatal("the test table has no stream")
	}
	streams := dynamodbstreams.NewFromConfig(cfg)

	var ids []string
	for i, ext := range []string{"6123456789001", "6123456789002"} {
		o, err := st.Accept(ctx, shopifyOrder(t, ext), order.PendingCreation{
			Actor: order.StorefrontActor(order.SourceShopify), Via: order.ViaWebhook(order.SourceShopify)})
		if err != nil {
			t.Fatalf("accept %s: %v", ext, err)
		}
		if o.Number != "" {
			t.Fatalf("accepted order %s has number %q before the numbering", o.ID, o.Number)
		}
		ids = append(ids, o.ID)
		st.calls = nil
		resp, err := n.Handle(ctx, readStream(t, streams, stream, o.ID))
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("handle the stream after order %d: %+v, %v", i+1, resp, err)
		}
		// Each pending INSERT once: the MODIFY that numbered the first
		// order carries no "pending" and is skipped.
		if got, want := len(st.calls), i+1; got != want {
			t.Errorf("batch %d: AssignNumber called for %v, want %v", i+1, st.calls, ids)
		}
		for j, id := range ids {
			got, err := st.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if want := strconv.Itoa(j + 1); got.Number != want || got.Seq != int64(j+1) {
				t.Errorf("after batch %d: order %d has number %q (seq %d), want %s", i+1, j+1, got.Number, got.Seq, want)
			}
		}
	}
}

// shopifyOrder is a valid Shopify order with its totals computed.
func shopifyOrder(t *testing.T, externalID string) *order.Order {
	t.Helper()
	created := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	o := &order.Order{
		Source:     order.SourceShopify,
		ExternalID: externalID,
		Customer:   order.Customer{Name: "Camille Martin", Email: "camille.martin@example.fr", Locale: "fr-FR"},
		Lines: []order.LineItem{
			{SKU: "MUG-001", Name: "Mug émaillé", Quantity: 2, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.NewFromInt(20)},
		},
		PricesIncludeTax: true,
		Currency:         order.EUR,
		Payment:          order.AwaitingPayment,
		Fulfilment:       order.AwaitingProcessing,
		CreatedAt:        created,
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatalf("compute totals: %v", err)
	}
	o.Totals = totals
	return o
}

// readStream returns every record of the stream, from the oldest, as one
// Lambda event; it waits for the INSERT of order id's record to be there.
func readStream(t *testing.T, api *dynamodbstreams.Client, stream, id string) events.DynamoDBEvent {
	t.Helper()
	ctx := t.Context()
	for deadline := time.Now().Add(10 * time.Second); ; {
		var ev events.DynamoDBEvent
		desc, err := api.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(stream)})
		if err != nil {
			t.Fatalf("describe stream: %v", err)
		}
		for _, sh := range desc.StreamDescription.Shards {
			it, err := api.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(stream),
				ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatalf("shard iterator: %v", err)
			}
			for iter := it.ShardIterator; iter != nil; {
				out, err := api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
				if err != nil {
					t.Fatalf("get records: %v", err)
				}
				if len(out.Records) == 0 {
					break // an open shard has no end: stop at its last record
				}
				for _, r := range out.Records {
					ev.Records = append(ev.Records, lambdaRecord(t, r))
				}
				iter = out.NextShardIterator
			}
		}
		for _, r := range ev.Records {
			if got, ok := (dynamo.Stream{}).AcceptedOrderID(r); ok && got == id && r.EventName == "INSERT" {
				return ev
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream has no INSERT of accepted order %s after 10 s (%d records)", id, len(ev.Records))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lambdaRecord is a stream record as Lambda delivers it.
func lambdaRecord(t *testing.T, r streamtypes.Record) events.DynamoDBEventRecord {
	t.Helper()
	return events.DynamoDBEventRecord{
		EventID:     aws.ToString(r.EventID),
		EventName:   string(r.EventName),
		EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{
			Keys:           lambdaImage(t, r.Dynamodb.Keys),
			NewImage:       lambdaImage(t, r.Dynamodb.NewImage),
			OldImage:       lambdaImage(t, r.Dynamodb.OldImage),
			SequenceNumber: aws.ToString(r.Dynamodb.SequenceNumber),
			StreamViewType: string(r.Dynamodb.StreamViewType),
		},
	}
}

func lambdaImage(t *testing.T, img map[string]streamtypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	t.Helper()
	if img == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(img))
	for k, v := range img {
		out[k] = lambdaValue(t, v)
	}
	return out
}

func lambdaValue(t *testing.T, v streamtypes.AttributeValue) events.DynamoDBAttributeValue {
	t.Helper()
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *streamtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *streamtypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *streamtypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = lambdaValue(t, e)
		}
		return events.NewListAttribute(l)
	case *streamtypes.AttributeValueMemberM:
		return events.NewMapAttribute(lambdaImage(t, v.Value))
	}
	t.Fatalf("unsupported stream attribute value %T", v)
	return events.DynamoDBAttributeValue{}
}
