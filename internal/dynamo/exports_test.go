package dynamo_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// TestExportContract runs the export contract against DynamoDB Local, a
// table per test.
func TestExportContract(t *testing.T) {
	storetest.RunExportStore(t, func(t *testing.T) order.ExportStore {
		db, table := newTable(t)
		return dynamo.New(db, table).Exports()
	})
}
