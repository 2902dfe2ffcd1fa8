package dynamo_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// TestQuarantineContract runs the quarantine contract against DynamoDB
// Local, a table per test.
func TestQuarantineContract(t *testing.T) {
	storetest.RunQuarantineStore(t, func(t *testing.T) order.QuarantineStore {
		db, table := newTable(t)
		return dynamo.New(db, table).Quarantine()
	})
}
