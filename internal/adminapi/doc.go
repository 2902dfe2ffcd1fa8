// Package adminapi is the HTTP handler of the transitions Lambda: the staff
// admin API over orders (reads, payment and fulfilment moves, the actions of
// the order page, history) and stock counts. Each handler checks the scope,
// decodes, calls one order.Lifecycle method and encodes; the business rules
// live in internal/order.
//
// Reads need the orders:read scope and writes orders:write; either spelling
// of a scope is accepted (orders:write from the local and OIDC issuers,
// orders/write from a Cognito resource server), as API Gateway's route
// configuration lists both. Orders carry their version as a strong ETag, and
// a write with If-Match is applied only on that version (else 412).
package adminapi
