// Package order is the domain core of the order-management backend: money
// and currencies, orders and their lines, totals per VAT rate, the payment and
// fulfilment state machines, and the typed errors the edges map to HTTP.
//
// It knows nothing of AWS or HTTP. Adapters (internal/dynamo, internal/webhook,
// the Lambda handlers) depend on it, never the other way round.
package order
