// Package numbering is the handler of the numbering Lambda
// (NumberingFunction): it reads the OrdersTable stream and gives each
// accepted storefront order its number.
//
// The intake accepts a storefront order with one conditional write of the
// order alone, marked pending (see order.PendingCreation). Its number, and
// the rest of its creation (history, outbox events, customer counters, SKU
// index), follow in one transaction, order.OrderStore.AssignNumber, run here
// for every INSERT or MODIFY whose new image is a pending order, in stream
// order; the store adapter reads the records (Records). The mapping's
// filter keeps the table's other writes away; those that reach the handler
// anyway are skipped, the numbering's own write among them (it clears
// "pending").
//
// Nothing is lost: a record that fails, or that there is no time left for,
// is reported as the batch's failure (ReportBatchItemFailures), so Lambda
// retries from it; after MaximumRetryAttempts the mapping sends the range to
// its on-failure queue (NumberingDLQ), and the order, still pending, is
// numbered by its first update. Numbering is idempotent, so a retried batch,
// or a record seen twice, numbers nothing twice. The batch loop is
// internal/consumer's.
package numbering
