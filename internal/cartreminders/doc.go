// Package cartreminders is CartRemindersFunction: on its schedule it sends
// the abandoned-cart reminders that are due, and it answers the links those
// e-mails carry.
//
// A run pages the carts of the reminder index (order.CartStore.Due, never a
// scan), decides each one at send time (order.DecideRecovery: an order
// since, an unsubscribed address, the cart's age, the legal basis, quiet
// hours), claims the (cart, step) before sending (order.RecoveryStore.Claim)
// so that overlapping runs send each reminder once, and records what it did
// with its legal basis or its reason. A send SES refuses or fails releases
// the claim: the reminder stays due for the next run. Throttling backs off,
// and a run stops claiming DeadlineMargin before the invocation's deadline.
//
// The e-mails carry two signed, expiring links (Tokens): the recovery link,
// GET /carts/{id}/recover, which counts the click and redirects to the
// cart's own recovery URL with UTM tags, and the unsubscribe link, whose
// POST is RFC 8058's one-click unsubscribe (List-Unsubscribe and
// List-Unsubscribe-Post headers) and whose GET shows a confirmation page.
// A forged or expired token gets a plain page, never a redirect.
//
// One function serves both the schedule and the links (Handle dispatches on
// the event's shape): they share the token key, the stores and one log
// group, and the links are a handful of requests a day.
package cartreminders
