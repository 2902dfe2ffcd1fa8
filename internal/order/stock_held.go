package order

import "fmt"

// An order's stock moves arrive as events, through a queue that may deliver
// them out of order and more than once, and a take can be refused for lack
// of stock. The stock store therefore keeps, per order and SKU, what the
// order holds (units taken from the stock for it) and the order version of
// the last move applied: a take brings the holding to the order's quantity
// (taking only the difference), a restore gives back at most what is held,
// and a move older than the last one applied is stale and moves nothing. A
// refused take holds nothing, so the cancellation that follows gives
// nothing back; a cancellation processed before the payment it follows
// leaves the late payment stale.

// OrderStockMove is one SKU's move for an order event (StockStore.MoveForOrder).
type OrderStockMove struct {
	OrderID string
	// Version is the order's version when the event was written; 0 (an
	// event that does not say) is never stale.
	Version  int64
	SKU      string
	Move     StockMove
	Quantity int64
}

// Check refuses a move that is not one.
func (m OrderStockMove) Check(op string) error {
	if err := ValidID(op, "order id", m.OrderID); err != nil {
		return err
	}
	if err := CheckSKU(op, m.SKU); err != nil {
		return err
	}
	if m.Move != StockTake && m.Move != StockRestore {
		return E(op, Invalid, "invalid_move", fmt.Sprintf("unknown stock move %q", m.Move))
	}
	if m.Version < 0 {
		return E(op, Invalid, "invalid_version", "the order version cannot be negative")
	}
	return checkQuantity(op, m.Quantity)
}

// OrderStockResult is what a MoveForOrder did.
type OrderStockResult struct {
	// Applied is false for a token applied before and for a stale move.
	Applied bool
	// Stale is true for a move older than the last one applied.
	Stale bool
	// Moved is the change of the stock: negative for units taken, positive
	// for units put back, 0 when the holding already was what the move asks.
	Moved int64
	// Held is what the order holds of the SKU afterwards.
	Held int64
}

// NextHolding says what a move does to a holding of held units: the new
// holding and the change of the stock.
func (m OrderStockMove) NextHolding(held int64) (next, stockDelta int64) {
	if m.Move == StockTake {
		return m.Quantity, held - m.Quantity
	}
	back := min(m.Quantity, held)
	return held - back, back
}

// IsStale reports whether a move of version v comes after the last applied
// version last: a move that does not say its version never is.
func IsStale(v, last int64) bool { return v > 0 && v < last }
