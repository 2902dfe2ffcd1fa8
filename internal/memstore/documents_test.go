package memstore_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

func TestDocumentContract(t *testing.T) {
	storetest.RunDocumentStore(t, func(*testing.T) order.DocumentStore { return memstore.NewDocuments() })
}
