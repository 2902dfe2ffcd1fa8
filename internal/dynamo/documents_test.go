package dynamo_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// TestDocumentContract runs the document contract on DynamoDB Local.
func TestDocumentContract(t *testing.T) {
	storetest.RunDocumentStore(t, func(t *testing.T) order.DocumentStore {
		db, table := newTable(t)
		return dynamo.New(db, table).Documents()
	})
}
