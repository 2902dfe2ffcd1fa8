package dynamo_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// TestRecoveryContract runs the reminder store contract against DynamoDB
// Local, a table per test.
func TestRecoveryContract(t *testing.T) {
	storetest.RunRecoveryStore(t, func(t *testing.T) order.RecoveryStore {
		db, table := newTable(t)
		return dynamo.New(db, table).Recovery()
	})
}
