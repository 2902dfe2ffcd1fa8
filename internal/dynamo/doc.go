// Package dynamo is the single-table DynamoDB adapter: the key builders, the
// item records, the repositories that implement the storage ports of
// internal/order (orders, idempotency records, settings, exchange rates,
// stock, carts, customers), the order-number counter and the outbox.
//
// Every access pattern is listed in docs/DATA_MODEL.md with its key
// condition, its index and the method that owns it. The domain never sees a
// key: records are translated to and from order types here.
//
// Writes that can race are conditional, and the conditional failures are
// mapped to *order.Error kinds with errors.As (never by matching messages):
// a lost version race is Conflict (or PreconditionFailed for If-Match), a
// duplicate is Conflict with code already_exists, throttling and exhausted
// retries are Transient. Every query pages through the SDK paginators.
package dynamo
