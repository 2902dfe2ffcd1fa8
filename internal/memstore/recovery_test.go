package memstore_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// TestRecoveryContract runs the reminder store contract in memory.
func TestRecoveryContract(t *testing.T) {
	storetest.RunRecoveryStore(t, func(*testing.T) order.RecoveryStore { return memstore.NewRecovery() })
}
