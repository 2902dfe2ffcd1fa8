package order

// StockMove is what an order event asks of the stock: take the order's
// lines (a payment) or put them back (a cancellation, a return, a payment
// undone).
type StockMove string

// The stock moves.
const (
	StockTake    StockMove = "take"
	StockRestore StockMove = "restore"
)

// heldPayments are the payment statuses under which an order's goods have
// left the stock: it is taken when the payment arrives, and a refund alone
// does not bring the goods back.
func heldPayment(s string) bool {
	return s == Paid.String() || s == PartiallyRefunded.String() || s == Refunded.String()
}

// StockMovesFor says how an order event moves the stock, as
// docs/LIFECYCLE.md tells it ("Payé : le stock sera réduit"; "une fois une
// commande annulée ... les stocks sont mis à jour"):
//
//   - OrderPaid takes the lines;
//   - a cancellation restores the lines it lists (Restock, empty when the
//     staff unticked restocking) if the order's payment had been received,
//     since an unpaid order never took any;
//   - fulfilment moving to RETURNED restores the lines of a paid order;
//   - "mark unpaid" (PAID → AWAITING_PAYMENT) gives back what the payment
//     took, unless the goods are already back or never to leave, so that
//     paying again takes them once more and no more.
//
// The lines are the physical lines with a SKU, summed per SKU. It returns
// the move and the lines, or ok false when the event leaves the stock alone.
func StockMovesFor(e Event, p LifecyclePayload) (move StockMove, lines []RestockLine, ok bool) {
	switch e.Type {
	case OrderPaid:
		if lines := physicalLines(p.Lines); len(lines) > 0 {
			return StockTake, lines, true
		}
	case OrderCancelled:
		before := p.PaymentStatus
		for _, c := range p.Changes {
			if c.Field == FieldPaymentStatus {
				before = c.From
			}
		}
		if !heldPayment(before) || len(p.Restock) == 0 {
			return "", nil, false
		}
		return StockRestore, p.Restock, true
	case OrderStatusChanged, OrderDelivered, OrderShipped:
		for _, c := range p.Changes {
			returned := c.Field == FieldFulfilmentStatus && c.To == Returned.String() && heldPayment(p.PaymentStatus)
			unpaid := c.Field == FieldPaymentStatus && c.From == Paid.String() && c.To == AwaitingPayment.String() &&
				p.FulfilmentStatus != Returned.String() && p.FulfilmentStatus != WillNotDeliver.String()
			if returned || unpaid {
				if lines := physicalLines(p.Lines); len(lines) > 0 {
					return StockRestore, lines, true
				}
				return "", nil, false
			}
		}
	}
	return "", nil, false
}

// physicalLines sums the lines with a SKU that are not digital, per SKU in
// order of first appearance (as Order.RestockLines does for an order).
func physicalLines(lines []EventLine) []RestockLine {
	return sumPhysical(lines, func(l EventLine) (string, int64, bool) { return l.SKU, l.Quantity, l.Digital })
}
