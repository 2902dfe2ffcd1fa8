package memstore_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

func TestQuarantineContract(t *testing.T) {
	storetest.RunQuarantineStore(t, func(*testing.T) order.QuarantineStore { return memstore.NewQuarantine() })
}
