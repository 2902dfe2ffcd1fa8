// Package ecwidstub is a local stand-in for the one Ecwid REST API call the
// webhook intake makes, GET /{storeId}/orders/{orderId}, serving orders from
// JSON files. Tests run it with net/http/httptest; local tools may mount it
// on a loopback port so that Ecwid sample events can be replayed offline.
package ecwidstub
