// Package outbox is the handler of the outbox relay Lambda
// (OutboxRelayFunction): it reads the OrdersTable stream, picks out the
// outbox items (written in the same transaction as the change that caused
// them), and publishes each event to every queue of EVENT_QUEUE_URLS.
//
// Nothing is lost between the commit and the queues: an event exists only
// if its change committed, and the stream keeps the record until the relay
// reports it published. A send that fails is reported as the batch's first
// failure (ReportBatchItemFailures), so Lambda retries from it, until the
// record is six hours old, when the mapping sends the range to its
// on-failure queue; an item that can never be published is sent there by
// the handler itself (Deps.Skipped) and skipped. The outbox items, kept for
// a week, and cmd/replay allow a replay. The store adapter reads the
// records (Records); the batch loop is internal/consumer's.
//
// An event that reached every queue is marked published in the store
// (Deps.Outbox); one never marked is listed by the scheduled sweeper
// (internal/sweeper), which publishes it through Relay.Publish, the same
// code with the same message groups and deduplication ids, and marks it.
//
// To a FIFO queue (the notifications), each event goes in its order's
// message group, deduplicated on its id: an order's events, which share one
// partition of the table and so one stream shard, are consumed in the order
// of its changes.
//
// Delivery is at least once: a retried batch may publish an event twice,
// and consumers deduplicate on the event id (the message attribute eventId,
// and "id" in the body).
package outbox
