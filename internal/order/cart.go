package order

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Cart is an abandoned checkout: a customer who filled a cart, gave an
// e-mail and left without ordering. The shop reminds them (with a link back
// to the cart) on CartReminderSchedule, until they order or the reminders run
// out.
type Cart struct {
	ID         string     `json:"id"`
	Source     Source     `json:"source"`
	ExternalID string     `json:"externalId,omitempty"` // the storefront's checkout id
	Customer   Customer   `json:"customer"`
	Lines      []LineItem `json:"lines"`
	Currency   Currency   `json:"currency"`
	Total      Money      `json:"total"` // as the storefront computed it
	// RecoveryURL takes the customer back to their cart; it goes in the
	// reminder e-mail.
	RecoveryURL      string     `json:"recoveryUrl,omitempty"`
	UpdatedAt        time.Time  `json:"updatedAt"`
	AbandonedAt      time.Time  `json:"abandonedAt,omitzero"`
	RemindersSent    int        `json:"remindersSent"`
	NextReminderAt   *time.Time `json:"nextReminderAt,omitempty"`
	RecoveredOrderID string     `json:"recoveredOrderId,omitempty"`
	RecoveredAt      time.Time  `json:"recoveredAt,omitzero"`
	// TimeZone is the customer's IANA time zone when the storefront knows
	// it; reminders respect quiet hours there.
	TimeZone string `json:"timeZone,omitempty"`
	// MarketingConsent is the customer's consent to marketing e-mail as the
	// storefront reported it (nil: not reported).
	MarketingConsent *Consent `json:"marketingConsent,omitempty"`
}

// The reminder rule: the first reminder CartReminderSchedule[0] after
// abandonment, the second CartReminderSchedule[1] after it, and no more. A
// late reminder (the scheduler was down) never follows the previous one by
// less than CartReminderMinGap, and none is sent once the cart is older than
// CartReminderExpiry, when its prices and stock are no longer worth promising.
var CartReminderSchedule = []time.Duration{2 * time.Hour, 24 * time.Hour}

// Bounds of the reminder rule.
const (
	CartReminderMinGap = 12 * time.Hour
	CartReminderExpiry = 7 * 24 * time.Hour
)

// CodeReminderNotDue is the Conflict code of MarkReminded when no reminder is
// due: it is how a retried or concurrent run of the scheduler learns that the
// reminder was already sent.
const CodeReminderNotDue = "reminder_not_due"

// Validate checks the cart as Order.Validate checks an order: a known
// currency and source, at least one line, sane amounts, a total in the cart's
// currency, a bare e-mail, an http(s) recovery link and valid UTF-8.
func (c *Cart) Validate() error {
	const op = "order.Cart.Validate"
	bad := func(field, code, format string, args ...any) error {
		e := E(op, Invalid, code, fmt.Sprintf(format, args...))
		e.Details = map[string]any{"field": field}
		return e
	}
	if c.Currency.IsZero() {
		return bad("currency", "unknown_currency", "currency is missing or unknown")
	}
	if _, err := ParseSource(string(c.Source)); err != nil {
		return bad("source", "unknown_source", "unknown cart source %q", c.Source)
	}
	if len(c.Lines) == 0 || len(c.Lines) > MaxLines {
		return bad("lines", "missing_field", "a cart has between 1 and %d lines", MaxLines)
	}
	for _, f := range []struct{ name, v string }{
		{"id", c.ID}, {"externalId", c.ExternalID}, {"customer.name", c.Customer.Name},
		{"customer.email", c.Customer.Email}, {"customer.locale", c.Customer.Locale}, {"recoveryUrl", c.RecoveryURL},
		{"timeZone", c.TimeZone},
	} {
		if !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > maxTextRunes {
			return bad(f.name, "invalid_utf8", "%s must be valid UTF-8 of at most %d characters", f.name, maxTextRunes)
		}
	}
	if c.Customer.Email != "" && !ValidEmail(c.Customer.Email) {
		return bad("customer.email", "invalid_email", "customer e-mail is not an address") // never quoted: refusals are logged
	}
	if c.RecoveryURL != "" {
		u, err := url.Parse(c.RecoveryURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return bad("recoveryUrl", "invalid_url", "the recovery link must be an http(s) URL")
		}
	}
	for i, l := range c.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		if !utf8.ValidString(l.Name) || !utf8.ValidString(l.SKU) {
			return bad(field, "invalid_utf8", "line %d must be valid UTF-8", i+1)
		}
		if l.Quantity <= 0 || l.Quantity > MaxQuantity {
			return bad(field+".quantity", "invalid_quantity", "line %d: quantity must be between 1 and %d, got %d", i+1, MaxQuantity, l.Quantity)
		}
		if err := validAmount(l.UnitPrice); err != nil {
			return bad(field+".unitPrice", "invalid_amount", "line %d: unit price %v", i+1, err)
		}
	}
	if c.Total.Currency != c.Currency {
		return bad("total", "currency_mismatch", "the total is in %q, the cart in %s", c.Total.Currency, c.Currency)
	}
	if err := validAmount(c.Total.Amount); err != nil {
		return bad("total", "invalid_amount", "the total %v", err)
	}
	return nil
}

// Abandon records that the checkout was abandoned at `at` and schedules the
// first reminder. A cart already abandoned keeps its first abandonment time
// (the storefront may say so twice). A cart without an e-mail gets no
// reminder.
func (c *Cart) Abandon(at time.Time) {
	if c.AbandonedAt.IsZero() {
		c.AbandonedAt = at
	}
	c.schedule(time.Time{})
}

// schedule sets NextReminderAt from the rule, after a reminder sent at last
// (zero when none was sent).
func (c *Cart) schedule(last time.Time) {
	c.NextReminderAt = nil
	if c.AbandonedAt.IsZero() || c.RecoveredOrderID != "" || strings.TrimSpace(c.Customer.Email) == "" ||
		c.RemindersSent >= len(CartReminderSchedule) {
		return
	}
	next := c.AbandonedAt.Add(CartReminderSchedule[c.RemindersSent])
	if !last.IsZero() && next.Before(last.Add(CartReminderMinGap)) {
		next = last.Add(CartReminderMinGap)
	}
	if next.After(c.AbandonedAt.Add(CartReminderExpiry)) {
		return
	}
	c.NextReminderAt = &next
}

// NextReminder returns when the next reminder is due (zero when none is left:
// not abandoned, recovered, no e-mail, all sent or expired) and whether it is
// due at now.
func (c *Cart) NextReminder(now time.Time) (at time.Time, due bool) {
	if c.NextReminderAt == nil || now.After(c.AbandonedAt.Add(CartReminderExpiry)) {
		return time.Time{}, false
	}
	return *c.NextReminderAt, !now.Before(*c.NextReminderAt)
}

// MarkReminded records that a reminder was sent at now and schedules the
// next one. When no reminder is due it changes nothing and returns a
// Conflict "reminder_not_due": the store applies it conditionally on
// RemindersSent, so that two runs of the scheduler cannot both send.
func (c *Cart) MarkReminded(now time.Time) error {
	if _, due := c.NextReminder(now); !due {
		e := E("order.Cart.MarkReminded", Conflict, CodeReminderNotDue, "no reminder is due for this cart")
		e.Details = map[string]any{"remindersSent": c.RemindersSent}
		if c.NextReminderAt != nil {
			e.Details = map[string]any{"remindersSent": c.RemindersSent, "nextReminderAt": c.NextReminderAt.UTC().Format(time.RFC3339)}
		}
		return e
	}
	c.RemindersSent++
	c.schedule(now)
	return nil
}

// Recover marks the cart recovered by o when o was placed by the same
// customer (same e-mail, without regard to case) after the cart was last
// updated: no more reminders. It reports whether the cart was recovered by
// this call; a cart already recovered, or an order that does not match, is
// left as it is.
func (c *Cart) Recover(o *Order, now time.Time) bool {
	if c.RecoveredOrderID != "" || o.ID == "" || !sameEmail(c.Customer.Email, o.Customer.Email) {
		return false
	}
	if !o.CreatedAt.IsZero() && o.CreatedAt.Before(c.UpdatedAt) {
		return false
	}
	c.RecoveredOrderID = o.ID
	c.RecoveredAt = now
	c.NextReminderAt = nil
	return true
}

// RecoverCart marks the tracked cart an order completes (its CheckoutID)
// recovered, with a CartRecovered event. A cart not tracked, recovered
// already or another customer's is left alone, so running it again is
// harmless: the numbering consumer runs it after each numbering, however
// often the stream delivers the record.
func RecoverCart(ctx context.Context, carts CartStore, o *Order, now time.Time) error {
	if carts == nil || o.CheckoutID == "" {
		return nil
	}
	c, err := carts.GetByExternal(ctx, o.Source, o.CheckoutID)
	if IsKind(err, NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = carts.Update(ctx, c.ID, func(c *Cart) ([]Event, error) {
		if !c.Recover(o, now) {
			return nil, nil
		}
		e, err := CartEvent(CartRecovered, c, StorefrontActor(o.Source), now)
		if err != nil {
			return nil, err
		}
		return []Event{e}, nil
	})
	return err
}

// sameEmail compares two addresses as customer keys (CustomerEmail).
// Empty addresses never match.
func sameEmail(a, b string) bool {
	a = CustomerEmail(a)
	return a != "" && a == CustomerEmail(b)
}

// CartEvent builds an event about the cart (CartAbandoned, CartReminderDue,
// CartRecovered) with its CartEventData.
func CartEvent(typ EventType, c *Cart, a Actor, at time.Time) (Event, error) {
	if typ != CartAbandoned && typ != CartReminderDue && typ != CartRecovered {
		return Event{}, E("order.CartEvent", Internal, "unknown_event_type", fmt.Sprintf("%s is not a cart event", typ))
	}
	e, err := NewEvent(typ, c.RecoveredOrderID, a, at, CartEventData{
		CustomerEmail: c.Customer.Email, Locale: c.Customer.Locale, Total: c.Total, RecoveryURL: c.RecoveryURL,
		RemindersSent: c.RemindersSent, RecoveredOrderID: c.RecoveredOrderID,
	})
	if err != nil {
		return Event{}, err
	}
	e.CartID = c.ID
	return e, nil
}
