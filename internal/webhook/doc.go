// Package webhook turns a storefront's webhook delivery into a normalised
// domain input: it checks the delivery's signature, decodes the storefront's
// JSON without ever passing money through float64, and maps it onto
// order.Order (or order.Cart for abandoned checkouts), with the statuses
// translated to our two axes.
//
// One file per storefront: shopify.go, woocommerce.go, ecwid.go and
// generic.go (our own documented format, see docs/generic-order.schema.json).
// signature.go holds the HMAC checks and the Secrets port, delivery.go the
// entry point Parse and its output Delivery.
//
// The package stores nothing and decides nothing about existing orders: the
// intake service uses Delivery.DeliveryID for deduplication, compares
// Order.ExternalUpdatedAt with what it holds ("apply only if newer"),
// computes totals and reconciles them with Delivery.Reported.
//
// docs/WEBHOOKS.md documents every mapping table; the signed sample events in
// events/intake are regenerated with `go generate ./internal/webhook`.
package webhook

//go:generate go run ./internal/gensamples -root ../..
