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
// Nothing is lost: a record that fails for a transient reason, or that
// there is no time left for, is reported as the batch's failure
// (ReportBatchItemFailures), so Lambda retries from it, until the record is
// six hours old (MaximumRecordAgeInSeconds); it then goes to the mapping's
// on-failure queue (NumberingDLQ). A record that fails for good is sent to
// that queue by the handler itself (Deps.Skipped) and skipped, so it holds
// back nothing. cmd/replay re-drives the queue once the cause is mended,
// and the sweeper (internal/sweeper) numbers every order still pending a
// few minutes after its acceptance, whatever held it back. Numbering is
// idempotent, so a retried batch, or a record seen twice, numbers nothing
// twice. The batch loop is internal/consumer's.
//
// Each order numbered writes its numbering lag, the milliseconds since its
// acceptance, as the NumberingLagMs metric (platform.Metrics, in CloudWatch
// Embedded Metric Format on standard output).
package numbering
