package dynamo_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/dynamo"
)

// TestCapacityMeterSplitsReadsAndWrites: a write's units count as writes,
// a read's as reads, and together they are Units.
func TestCapacityMeterSplitsReadsAndWrites(t *testing.T) {
	meter := &dynamo.CapacityMeter{}
	db, table := newTable(t, meter.Register)
	key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "METER#1"}, "SK": &types.AttributeValueMemberS{Value: "X"}}
	if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: key}); err != nil {
		t.Fatal(err)
	}
	if w, r := meter.WriteUnits(), meter.ReadUnits(); w != 1 || r != 0 {
		t.Fatalf("after a put: %v write and %v read units, want 1 and 0", w, r)
	}
	if _, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if w, r := meter.WriteUnits(), meter.ReadUnits(); w != 1 || r != 1 || meter.Units() != 2 {
		t.Fatalf("after a get: %v write and %v read units of %v, want 1, 1 of 2", w, r, meter.Units())
	}
	meter.Reset()
	if meter.Units() != 0 || meter.WriteUnits() != 0 || meter.ReadUnits() != 0 {
		t.Fatalf("after Reset: %v %v %v", meter.Units(), meter.WriteUnits(), meter.ReadUnits())
	}
}
