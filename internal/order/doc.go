// Package order is the domain core of the order-management backend: money
// and currencies, orders and their lines, totals per VAT rate, the payment and
// fulfilment state machines and the lifecycle actions built on them, the
// history and events those actions produce, shop settings, exchange rates,
// stock levels, abandoned carts, and the typed errors the edges map to HTTP.
//
// Where to look:
//
//	money.go     Currency, Money, rounding (half away from zero), Allocate
//	totals.go    ComputeTotals (the one rounding rule), Reconcile
//	status.go    the two status axes and their transition tables
//	order.go     Order and its parts, Validate, the raw status setters
//	actions.go   MarkPaid, MarkShipped, Hold, Cancel...: each returns Change rows
//	history.go   Change and Actor: the order's history
//	events.go    Event and EventsFor: what the outbox publishes
//	rules.go     Normalise and ApplyStatusRules, run on intake
//	settings.go  Settings, numbering, notifications
//	fx.go        exchange rates and Convert; date.go the civil Date
//	stock.go     StockItem and its levels
//	cart.go      abandoned carts and their reminders
//	ports.go     the storage interfaces the services consume
//
// It knows nothing of AWS or HTTP. Adapters (internal/dynamo, internal/webhook,
// the Lambda handlers) depend on it, never the other way round.
package order
