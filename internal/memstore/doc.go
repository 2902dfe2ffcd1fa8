// Package memstore is a real in-memory implementation of the storage ports
// of internal/order, with the semantics of internal/dynamo: versions and
// conditional updates, unique external ids and display numbers, gapless
// numbering, idempotency records that expire, opaque page cursors. It passes
// the same contract suite (internal/storetest), so service tests can use it
// in place of DynamoDB and trust the result.
package memstore
