package order

// MayMoveStock reports whether StockMovesFor can move stock for an event of
// type t, given the order's lines: a consumer whose event does not carry
// them reads the order for these types only.
func (t EventType) MayMoveStock() bool {
	switch t {
	case OrderPaid, OrderCancelled, OrderStatusChanged, OrderDelivered, OrderShipped:
		return true
	}
	return false
}
