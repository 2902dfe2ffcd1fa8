package order

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NotificationKind names a customer e-mail the shop can switch on or off.
type NotificationKind string

// The customer e-mails.
const (
	NotifyOrderConfirmed  NotificationKind = "order_confirmed"
	NotifyStatusChanged   NotificationKind = "status_changed"
	NotifyShipped         NotificationKind = "order_shipped"
	NotifyDelivered       NotificationKind = "order_delivered"
	NotifyCancelled       NotificationKind = "order_cancelled"
	NotifyPaymentReminder NotificationKind = "payment_reminder"
	NotifyAbandonedCart   NotificationKind = "abandoned_cart"
)

// AllNotificationKinds lists every customer e-mail.
var AllNotificationKinds = []NotificationKind{NotifyOrderConfirmed, NotifyStatusChanged, NotifyShipped,
	NotifyDelivered, NotifyCancelled, NotifyPaymentReminder, NotifyAbandonedCart}

// Limits of the settings.
const (
	MaxOrderNumber      = 999_999_999_999 // the largest Numbering.Next
	MaxCustomStatuses   = 30
	maxAffixRunes       = 20 // a numbering prefix or suffix
	maxCustomStatusRune = 40
	maxShopNameRunes    = 100
)

// Numbering is how display numbers are made: Prefix, the sequence number,
// Suffix, joined by "-" ("MaBoutique-1006-2019"). Next is the number the next
// order gets; a shop may raise it (to start at 1000 and not look new) but
// never lower it, which would reuse numbers.
type Numbering struct {
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
	Next   int64  `json:"next"`
}

// FormatNumber makes a display number: the non-empty parts of prefix, n and
// suffix joined by "-". FormatNumber("MaBoutique", 1006, "2019") is
// "MaBoutique-1006-2019"; FormatNumber("", 42, "") is "42".
func FormatNumber(prefix string, n int64, suffix string) string {
	parts := make([]string, 0, 3)
	if prefix != "" {
		parts = append(parts, prefix)
	}
	parts = append(parts, strconv.FormatInt(n, 10))
	if suffix != "" {
		parts = append(parts, suffix)
	}
	return strings.Join(parts, "-")
}

// Format makes the display number of sequence number n.
func (n Numbering) Format(seq int64) string { return FormatNumber(n.Prefix, seq, n.Suffix) }

// Raise sets Next to next, which must not be lower than the current Next
// (Invalid "next_number_too_low", Details {"minimum": Next}) nor above
// MaxOrderNumber. Raising to the current value is a no-op. The store that
// holds the real counter must apply it conditionally (only if the counter
// is still below next), since orders may be numbered meanwhile.
func (n *Numbering) Raise(next int64) error {
	const op = "order.Numbering.Raise"
	if next < n.Next {
		e := E(op, Invalid, "next_number_too_low", fmt.Sprintf("the next order number can only be raised: %d is below %d", next, n.Next))
		e.Details = map[string]any{"minimum": n.Next}
		return e
	}
	if next > MaxOrderNumber {
		return E(op, Invalid, "next_number_too_high", fmt.Sprintf("the next order number must be at most %d", int64(MaxOrderNumber)))
	}
	n.Next = next
	return nil
}

// Settings are a shop's choices that the domain rules read.
type Settings struct {
	ShopName string `json:"shopName"`
	// MailFrom is the sender of customer e-mails; it must be verified in SES.
	MailFrom        string    `json:"mailFrom"`
	CompanyCurrency Currency  `json:"companyCurrency"`
	Numbering       Numbering `json:"numbering"`
	// ZeroTotalPayment is the payment status a zero-total order gets (a 100 %
	// discount, a free sample): PAID or AWAITING_PAYMENT.
	ZeroTotalPayment PaymentStatus `json:"zeroTotalPayment"`
	// Notifications switches customer e-mails off: a kind that is absent is on.
	Notifications map[NotificationKind]bool `json:"notifications,omitempty"`
	// CustomStatuses are the shop's own status labels ("Retrait effectué",
	// "En attente de comptabilité"), set on orders beside the two axes.
	CustomStatuses []string `json:"customStatuses,omitempty"`
	// LowStockDefault is the low-stock threshold new stock items get.
	LowStockDefault int64 `json:"lowStockDefault"`
	// CartRecovery are the abandoned-cart reminders' settings; read them
	// with Recovery, which fills what is unset with the defaults.
	CartRecovery CartRecovery `json:"cartRecovery,omitzero"`
	// Invoicing is how invoices and credit notes are issued and whom they name as the seller.
	Invoicing Invoicing `json:"invoicing,omitzero"`
}

// Recovery returns the cart reminders' settings the shop runs on.
func (s Settings) Recovery() CartRecovery { return s.CartRecovery.Effective() }

// DefaultSettings are the settings of a new shop: numbers from 1, zero-total
// orders paid, every e-mail on, euro accounts, low stock at 5 or fewer, the
// default cart reminders (DefaultCartRecovery).
func DefaultSettings(shopName, mailFrom string) Settings {
	return Settings{
		ShopName: shopName, MailFrom: mailFrom, CompanyCurrency: EUR,
		Numbering: Numbering{Next: 1}, ZeroTotalPayment: Paid, LowStockDefault: 5,
		CartRecovery: DefaultCartRecovery(),
	}
}

// EffectiveSettings are the settings the shop runs on, from what a
// SettingsStore's Get returned: saved, at version, when some were saved;
// before any were (version 0), fallback (DefaultSettings with what the
// deployment knows, such as its sender) with the counter's next number,
// which saved carries either way.
func EffectiveSettings(saved Settings, version int64, fallback Settings) Settings {
	if version > 0 {
		return saved
	}
	s := fallback
	s.Numbering.Next = max(saved.Numbering.Next, 1)
	return s
}

// ReadSettings reads the settings the shop runs on (EffectiveSettings of
// what r holds) and their version, 0 when none were saved.
func ReadSettings(ctx context.Context, r SettingsReader, fallback Settings) (Settings, int64, error) {
	saved, version, err := r.Get(ctx)
	if err != nil {
		return Settings{}, 0, err
	}
	return EffectiveSettings(saved, version, fallback), version, nil
}

// Notify reports whether the customer e-mail of kind k is on.
func (s Settings) Notify(k NotificationKind) bool {
	on, set := s.Notifications[k]
	return !set || on
}

// Validate checks the settings and returns an Invalid *Error whose Details
// name the field.
func (s Settings) Validate() error {
	const op = "order.Settings.Validate"
	bad := func(field, code, format string, args ...any) error {
		e := E(op, Invalid, code, fmt.Sprintf(format, args...))
		e.Details = map[string]any{"field": field}
		return e
	}
	if err := headerText(s.ShopName, maxShopNameRunes); err != "" || strings.TrimSpace(s.ShopName) == "" {
		if err == "" {
			err = "is required"
		}
		return bad("shopName", "invalid_shop_name", "the shop name %s", err)
	}
	if !ValidEmail(s.MailFrom) {
		return bad("mailFrom", "invalid_email", "the sender %q is not an e-mail address", s.MailFrom)
	}
	if s.CompanyCurrency.IsZero() {
		return bad("companyCurrency", "unknown_currency", "the company currency is missing or unknown")
	}
	for _, a := range []struct{ field, v string }{{"numbering.prefix", s.Numbering.Prefix}, {"numbering.suffix", s.Numbering.Suffix}} {
		if !validAffix(a.v) {
			return bad(a.field, "invalid_numbering", "%s must be at most %d letters, digits, '.', '_' or inner '-'", a.field, maxAffixRunes)
		}
	}
	if s.Numbering.Next < 1 || s.Numbering.Next > MaxOrderNumber {
		return bad("numbering.next", "invalid_numbering", "the next order number must be between 1 and %d", int64(MaxOrderNumber))
	}
	if s.ZeroTotalPayment != Paid && s.ZeroTotalPayment != AwaitingPayment {
		return bad("zeroTotalPayment", "invalid_zero_total_payment", "zero-total orders are either %s or %s", Paid, AwaitingPayment)
	}
	for k := range s.Notifications {
		if !isNotificationKind(k) {
			return bad("notifications", "unknown_notification", "unknown notification %q", k)
		}
	}
	if len(s.CustomStatuses) > MaxCustomStatuses {
		return bad("customStatuses", "too_many_custom_statuses", "at most %d custom statuses", MaxCustomStatuses)
	}
	for i, label := range s.CustomStatuses {
		if err := headerText(label, maxCustomStatusRune); err != "" || strings.TrimSpace(label) != label || label == "" {
			if err == "" {
				err = "must be non-empty, without surrounding spaces"
			}
			return bad(fmt.Sprintf("customStatuses[%d]", i), "invalid_custom_status", "custom status %d %s", i+1, err)
		}
		for _, prev := range s.CustomStatuses[:i] {
			if strings.EqualFold(prev, label) {
				return bad(fmt.Sprintf("customStatuses[%d]", i), "duplicate_custom_status", "custom status %q is listed twice", label)
			}
		}
	}
	if s.LowStockDefault < 0 {
		return bad("lowStockDefault", "invalid_threshold", "the low-stock threshold must not be negative")
	}
	if err := s.CartRecovery.Validate(); err != nil {
		return err
	}
	return s.Invoicing.Validate()
}

// ValidateUpdate validates s as the replacement of prev: s must be valid and
// must not lower the next order number.
func (s Settings) ValidateUpdate(prev Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	n := prev.Numbering
	if err := n.Raise(s.Numbering.Next); err != nil {
		return err
	}
	return nil
}

func isNotificationKind(k NotificationKind) bool {
	for _, n := range AllNotificationKinds {
		if n == k {
			return true
		}
	}
	return false
}

// headerText checks text that ends up in e-mail headers (the sender's display
// name, subjects): valid UTF-8, at most limit runes, and no control character,
// since a line break there would inject a header. It returns why it is not,
// or "".
func headerText(s string, limit int) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if utf8.RuneCountInString(s) > limit {
		return fmt.Sprintf("must be at most %d characters", limit)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "must not contain control characters or line breaks"
	}
	return ""
}

// validAffix checks a numbering prefix or suffix: it ends up in URLs, file
// names and e-mail subjects, so only ASCII letters, digits, '.', '_' and
// '-' (not at either end: FormatNumber adds the separators).
func validAffix(s string) bool {
	if len(s) > maxAffixRunes || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
