package order_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

// TestMayMoveStock keeps MayMoveStock in step with StockMovesFor: given a
// payload that would make any move (lines, a restock, a paid order
// returned), exactly the types it names move stock.
func TestMayMoveStock(t *testing.T) {
	p := order.LifecyclePayload{
		OrderEventData: order.OrderEventData{PaymentStatus: order.Paid.String(), FulfilmentStatus: order.Returned.String(),
			Changes: []order.Change{{Field: order.FieldFulfilmentStatus, From: order.Shipped.String(), To: order.Returned.String()}},
			Restock: []order.RestockLine{{SKU: "MUG", Quantity: 1}}},
		Lines: []order.EventLine{{SKU: "MUG", Quantity: 1}},
	}
	for _, typ := range order.AllEventTypes {
		_, _, moves := order.StockMovesFor(order.Event{Type: typ}, p)
		if moves != typ.MayMoveStock() {
			t.Errorf("%s: StockMovesFor moves %v, MayMoveStock says %v", typ, moves, typ.MayMoveStock())
		}
	}
}
