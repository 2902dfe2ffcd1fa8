// Package storetest is the contract suite of the storage ports of
// internal/order. Each Run* function takes a Factory that builds fresh
// stores for one test; internal/memstore runs it in memory and
// internal/dynamo against DynamoDB Local, so the fake that service tests
// rely on is held to the same behaviour as the table: numbering without
// gaps, duplicates refused with nothing written, conditional updates,
// If-Match preconditions, idempotency expiry, paging with opaque cursors.
package storetest
