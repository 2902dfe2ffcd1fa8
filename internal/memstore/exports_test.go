package memstore_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

func TestExportContract(t *testing.T) {
	storetest.RunExportStore(t, func(*testing.T) order.ExportStore { return memstore.NewExports() })
}
