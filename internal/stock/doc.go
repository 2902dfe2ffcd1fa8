// Package stock is the stock keeper: a Lambda handler on the StockQueue
// that moves per-SKU stock levels as orders are paid, cancelled, returned or
// marked unpaid (order.StockMovesFor says which).
//
// Only SKUs the shop tracks (those with a stock item) move. Each SKU of an
// event is moved in its own conditional transaction, keyed by the event id
// and the SKU: the guard item that makes the move happen once is written in
// the same transaction as the stock update and the order's holding of the
// SKU (order.OrderStockMove), so a redelivered event never moves the stock
// twice, a batch that failed half-way is finished by its redelivery without
// repeating the half that succeeded, and an order's events add up whatever
// order they arrive in (a move older than the last one applied is stale).
//
// A decrement that would take an item below zero (and the item does not
// allow backorders) is refused by the store's condition. The refusal is
// logged (what was asked, what was on hand) and acknowledged: it is not
// retried forever, since only new stock can make it succeed, and the
// order's holding of the SKU says it took nothing.
//
// The batch loop (deadline, partial batch response, log lines) is
// internal/consumer's.
package stock
