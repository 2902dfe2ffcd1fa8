package order

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The lifecycle actions of an order (the buttons of the order page). Each
// returns the history rows it produced, without Actor and Via (see Stamp).
//
// Every action is idempotent: asking for the state the order is already in
// changes nothing and returns no rows and no error, so that a retried request
// neither fails nor produces a second event or e-mail. A move the transition
// tables refuse is a Conflict with code "transition_not_allowed" and Details
// {"from", "to", "allowed"}. An action that fails leaves the order untouched.

// Codes of the Conflict errors the actions return, besides
// CodeTransitionNotAllowed and CodeOrderOnHold.
const (
	CodeOrderCompleted    = "order_completed"     // a completed order cannot be held
	CodeOrderCancelled    = "order_cancelled"     // no invoice for a cancelled order
	CodePaymentNotAwaited = "payment_not_awaited" // a payment reminder for an order not awaiting payment
	CodeNoCustomerEmail   = "no_customer_email"   // nobody to send to
)

// MarkPaid records that the payment was received: payment → PAID ("Marquer
// comme payé"). Callers then run ApplyStatusRules, which delivers a paid
// digital-only order.
func (o *Order) MarkPaid(now time.Time) ([]Change, error) {
	return o.movePayment("order.MarkPaid", ActionMarkPaid, Paid, now)
}

// MarkUnpaid undoes MarkPaid when the payment did not arrive: PAID →
// AWAITING_PAYMENT ("Marquer comme non payé").
func (o *Order) MarkUnpaid(now time.Time) ([]Change, error) {
	return o.movePayment("order.MarkUnpaid", ActionMarkUnpaid, AwaitingPayment, now)
}

// ChangePaymentStatus moves the payment axis to any status the table allows,
// for the generic "change status" API and storefront updates. A move to the
// current status is a no-op unless the table has that loop
// (PARTIALLY_REFUNDED → PARTIALLY_REFUNDED: a further partial refund).
func (o *Order) ChangePaymentStatus(to PaymentStatus, now time.Time) ([]Change, error) {
	return o.movePayment("order.ChangePaymentStatus", ActionChangePaymentStatus, to, now)
}

// ChangeFulfilmentStatus moves the fulfilment axis to any status the table
// allows, with the hold rule of SetFulfilmentStatus. A move to the current
// status is a no-op.
func (o *Order) ChangeFulfilmentStatus(to FulfilmentStatus, now time.Time) ([]Change, error) {
	return o.moveFulfilment("order.ChangeFulfilmentStatus", ActionChangeFulfilmentStatus, to, now)
}

func (o *Order) movePayment(op, action string, to PaymentStatus, now time.Time) ([]Change, error) {
	if to.IsZero() {
		return nil, E(op, Invalid, "unknown_payment_status", "payment status is required")
	}
	from := o.Payment
	if to == from && !from.CanTransitionTo(to) {
		return nil, nil
	}
	if !from.CanTransitionTo(to) {
		return nil, transitionRefused(op, "payment", from.String(), to.String(), statusNames(PaymentTransitions[from]))
	}
	o.Payment = to
	o.UpdatedAt = now
	return []Change{{At: now, Action: action, Field: FieldPaymentStatus, From: from.String(), To: to.String()}}, nil
}

func (o *Order) moveFulfilment(op, action string, to FulfilmentStatus, now time.Time) ([]Change, error) {
	if to.IsZero() {
		return nil, E(op, Invalid, "unknown_fulfilment_status", "fulfilment status is required")
	}
	from := o.Fulfilment
	if to == from && !from.CanTransitionTo(to) {
		return nil, nil
	}
	if !from.CanTransitionTo(to) {
		return nil, transitionRefused(op, "fulfilment", from.String(), to.String(), statusNames(FulfilmentTransitions[from]))
	}
	if o.OnHold && to.handsOver() {
		return nil, onHold(op, fmt.Sprintf("order is on hold: fulfilment cannot move to %s until it is resumed", to))
	}
	o.Fulfilment = to
	o.UpdatedAt = now
	return []Change{{At: now, Action: action, Field: FieldFulfilmentStatus, From: from.String(), To: to.String()}}, nil
}

// maxTrackingRunes bounds a carrier name and a tracking number.
const maxTrackingRunes = 100

// MarkShipped records a shipment: fulfilment → SHIPPED, and the tracking
// number (if any) appended to o.Tracking. On an order already SHIPPED it only
// adds the tracking number (a second parcel); a number already on the order
// is not added twice. A held order cannot be shipped (Conflict
// "order_on_hold").
func (o *Order) MarkShipped(carrier, number string, now time.Time) ([]Change, error) {
	const op = "order.MarkShipped"
	carrier, number = strings.TrimSpace(carrier), strings.TrimSpace(number)
	for _, f := range []struct{ name, v string }{{"carrier", carrier}, {"tracking number", number}} {
		if !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > maxTrackingRunes {
			return nil, E(op, Invalid, "invalid_tracking", fmt.Sprintf("the %s must be valid UTF-8 of at most %d characters", f.name, maxTrackingRunes))
		}
	}
	if carrier != "" && number == "" {
		return nil, E(op, Invalid, "invalid_tracking", "a carrier needs a tracking number")
	}
	if o.OnHold {
		return nil, onHold(op, "order is on hold: it cannot be shipped until it is resumed")
	}
	var changes []Change
	if o.Fulfilment != Shipped {
		c, err := o.moveFulfilment(op, ActionMarkShipped, Shipped, now)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c...)
	}
	if number != "" && !o.hasActiveTracking(number) {
		o.Tracking = append(o.Tracking, Tracking{Carrier: carrier, Number: number, At: now})
		o.UpdatedAt = now
		changes = append(changes, Change{At: now, Action: ActionMarkShipped, Field: FieldTracking, To: trackingLabel(carrier, number)})
	}
	return changes, nil
}

func (o *Order) hasActiveTracking(number string) bool {
	return slices.ContainsFunc(o.Tracking, func(t Tracking) bool { return !t.Voided && t.Number == number })
}

// ActiveTracking returns the tracking numbers that are not voided.
func (o *Order) ActiveTracking() []Tracking {
	var out []Tracking
	for _, t := range o.Tracking {
		if !t.Voided {
			out = append(out, t)
		}
	}
	return out
}

func trackingLabel(carrier, number string) string {
	if carrier == "" {
		return number
	}
	return carrier + " " + number
}

// voidTracking voids every active tracking number and returns one row each.
func (o *Order) voidTracking(action string, now time.Time) []Change {
	var changes []Change
	for i := range o.Tracking {
		if t := &o.Tracking[i]; !t.Voided {
			t.Voided = true
			changes = append(changes, Change{At: now, Action: action, Field: FieldTracking, From: trackingLabel(t.Carrier, t.Number)})
		}
	}
	return changes
}

// MarkUnshipped undoes MarkShipped: SHIPPED → PROCESSING, and the tracking
// numbers voided ("Marquer comme non expédiée"). An order not yet shipped
// (AWAITING_PROCESSING, PROCESSING) is left as it is; one past SHIPPED
// (out for delivery, delivered, returned...) is a Conflict.
func (o *Order) MarkUnshipped(now time.Time) ([]Change, error) {
	const op = "order.MarkUnshipped"
	switch o.Fulfilment {
	case AwaitingProcessing, Processing:
		return nil, nil
	case Shipped:
	default:
		return nil, transitionRefused(op, "fulfilment", o.Fulfilment.String(), Processing.String(), statusNames(FulfilmentTransitions[o.Fulfilment]))
	}
	changes, err := o.moveFulfilment(op, ActionMarkUnshipped, Processing, now)
	if err != nil {
		return nil, err
	}
	return append(changes, o.voidTracking(ActionMarkUnshipped, now)...), nil
}

// IsCompleted reports whether the order has reached an end: delivered,
// returned or not to be delivered, or its payment refunded or cancelled.
func (o *Order) IsCompleted() bool {
	switch o.Fulfilment {
	case Delivered, Returned, WillNotDeliver:
		return true
	}
	return o.Payment == Refunded || o.Payment == PaymentCancelled
}

// Hold puts the order on hold ("En attente"): until Resume, it cannot be
// shipped and no invoice or packing slip can be made. A completed order
// cannot be held (Conflict "order_completed").
func (o *Order) Hold(now time.Time) ([]Change, error) {
	const op = "order.Hold"
	if o.OnHold {
		return nil, nil
	}
	if o.IsCompleted() {
		e := E(op, Conflict, CodeOrderCompleted, "a completed order cannot be put on hold")
		e.Details = map[string]any{"paymentStatus": o.Payment.String(), "fulfilmentStatus": o.Fulfilment.String()}
		return nil, e
	}
	o.OnHold = true
	o.UpdatedAt = now
	return []Change{{At: now, Action: ActionHold, Field: FieldOnHold, From: "false", To: "true"}}, nil
}

// Resume takes the order off hold ("Reprendre").
func (o *Order) Resume(now time.Time) ([]Change, error) {
	if !o.OnHold {
		return nil, nil
	}
	o.OnHold = false
	o.UpdatedAt = now
	return []Change{{At: now, Action: ActionResume, Field: FieldOnHold, From: "true", To: "false"}}, nil
}

// CanInvoice reports whether an invoice (or a packing slip) may be made for
// the order now: not while it is on hold (Conflict "order_on_hold"), and not
// for a cancelled order (Conflict "order_cancelled"; its invoice, if any, is
// cancelled by a credit note instead).
func (o *Order) CanInvoice() error {
	const op = "order.CanInvoice"
	if o.OnHold {
		return onHold(op, "order is on hold: no invoice until it is resumed")
	}
	if o.Payment == PaymentCancelled {
		return E(op, Conflict, CodeOrderCancelled, "a cancelled order gets no invoice")
	}
	return nil
}

// RestockLine is a quantity of one SKU to put back in stock.
type RestockLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// Cancellation is what a cancellation asks of the rest of the system.
type Cancellation struct {
	// CreditNote is true when the order had been paid (PAID or
	// PARTIALLY_REFUNDED): its invoice must be cancelled by a credit note
	// ("facture d'annulation") and the money returned.
	CreditNote bool `json:"creditNote"`
	// Restock lists the physical lines to put back in stock, one row per SKU
	// in order of first appearance. Lines without a SKU are not tracked in
	// stock and digital lines have none.
	Restock []RestockLine `json:"restock,omitempty"`
}

// Cancel cancels the order ("Annuler la commande"): payment → CANCELLED
// (unless already REFUNDED, which stays), fulfilment → WILL_NOT_DELIVER,
// tracking numbers voided and any hold lifted. Goods already handed over
// (SHIPPED, OUT_FOR_DELIVERY, DELIVERED, RETURNED) cannot be cancelled: the
// refusal is a Conflict "transition_not_allowed" with the fulfilment row;
// mark the order unshipped or returned first.
//
// Stock is returned only when this call is the one that stops the delivery
// (fulfilment was not already WILL_NOT_DELIVER), so that cancelling twice, or
// cancelling an order whose delivery was already called off, never restocks
// twice. A second Cancel changes nothing and returns a zero Cancellation.
func (o *Order) Cancel(now time.Time) ([]Change, Cancellation, error) {
	const op = "order.Cancel"
	payTo := PaymentCancelled
	if o.Payment == Refunded {
		payTo = Refunded
	}
	if o.Payment != payTo && !o.Payment.CanTransitionTo(payTo) {
		return nil, Cancellation{}, transitionRefused(op, "payment", o.Payment.String(), payTo.String(), statusNames(PaymentTransitions[o.Payment]))
	}
	if o.Fulfilment != WillNotDeliver && !o.Fulfilment.CanTransitionTo(WillNotDeliver) {
		return nil, Cancellation{}, transitionRefused(op, "fulfilment", o.Fulfilment.String(), WillNotDeliver.String(), statusNames(FulfilmentTransitions[o.Fulfilment]))
	}

	var out Cancellation
	var changes []Change
	if o.Payment != payTo {
		out.CreditNote = o.Payment == Paid || o.Payment == PartiallyRefunded
		changes = append(changes, Change{At: now, Action: ActionCancel, Field: FieldPaymentStatus, From: o.Payment.String(), To: payTo.String()})
		o.Payment = payTo
	}
	if o.Fulfilment != WillNotDeliver {
		out.Restock = o.RestockLines()
		changes = append(changes, Change{At: now, Action: ActionCancel, Field: FieldFulfilmentStatus, From: o.Fulfilment.String(), To: WillNotDeliver.String()})
		o.Fulfilment = WillNotDeliver
	}
	changes = append(changes, o.voidTracking(ActionCancel, now)...)
	if o.OnHold {
		o.OnHold = false
		changes = append(changes, Change{At: now, Action: ActionCancel, Field: FieldOnHold, From: "true", To: "false"})
	}
	if len(changes) == 0 {
		return nil, Cancellation{}, nil
	}
	o.UpdatedAt = now
	return changes, out, nil
}

// RestockLines returns the order's physical lines with a SKU, summed per SKU
// in order of first appearance.
func (o *Order) RestockLines() []RestockLine {
	return sumPhysical(o.Lines, func(l LineItem) (string, int64, bool) { return l.SKU, l.Quantity, l.Digital })
}

// sumPhysical sums the quantities of lines per SKU, in order of first
// appearance, leaving out digital lines, lines without a SKU and
// non-positive quantities: what stock moves concern.
func sumPhysical[L any](lines []L, of func(L) (sku string, qty int64, digital bool)) []RestockLine {
	var out []RestockLine
	index := map[string]int{}
	for _, l := range lines {
		sku, qty, digital := of(l)
		sku = strings.TrimSpace(sku)
		if digital || sku == "" || qty <= 0 {
			continue
		}
		if i, ok := index[sku]; ok {
			out[i].Quantity += qty
			continue
		}
		index[sku] = len(out)
		out = append(out, RestockLine{SKU: sku, Quantity: qty})
	}
	return out
}

// SetCustomStatus sets the shop's own status label ("Modifier l'état"), one
// of s.CustomStatuses (matched without regard to case, stored as spelled in
// the settings), or clears it with "". An unknown label is an Invalid error
// "unknown_custom_status" whose Details list the allowed labels.
func (o *Order) SetCustomStatus(label string, s Settings, now time.Time) ([]Change, error) {
	const op = "order.SetCustomStatus"
	label = strings.TrimSpace(label)
	if label != "" {
		i := slices.IndexFunc(s.CustomStatuses, func(c string) bool { return strings.EqualFold(c, label) })
		if i < 0 {
			e := E(op, Invalid, "unknown_custom_status", fmt.Sprintf("%q is not one of the shop's statuses", label))
			e.Details = map[string]any{"allowed": slices.Clone(s.CustomStatuses)}
			return nil, e
		}
		label = s.CustomStatuses[i]
	}
	if label == o.CustomStatus {
		return nil, nil
	}
	c := Change{At: now, Action: ActionSetCustomStatus, Field: FieldCustomStatus, From: o.CustomStatus, To: label}
	o.CustomStatus = label
	o.UpdatedAt = now
	return []Change{c}, nil
}

// SetInternalComment replaces the order's one staff-only comment
// ("Commentaires": one per order, edited at will, never shown to the
// customer). The history keeps the first 200 characters of each version.
func (o *Order) SetInternalComment(text string, now time.Time) ([]Change, error) {
	const op = "order.SetInternalComment"
	if !utf8.ValidString(text) {
		return nil, E(op, Invalid, "invalid_utf8", "the comment must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(text); n > maxNoteRunes {
		return nil, E(op, Invalid, "field_too_long", "the comment is longer than "+strconv.Itoa(maxNoteRunes)+" characters")
	}
	if text == o.InternalComment {
		return nil, nil
	}
	c := Change{At: now, Action: ActionSetInternalComment, Field: FieldInternalComment, From: abbreviate(o.InternalComment), To: abbreviate(text)}
	o.InternalComment = text
	o.UpdatedAt = now
	return []Change{c}, nil
}

// PaymentReminderInterval is the least time between two payment reminders
// of one order: a second request within it (a double click, a retried call)
// is a no-op rather than a second e-mail.
const PaymentReminderInterval = time.Hour

// RequestPaymentReminder records a request to remind the customer to pay
// ("Envoyer un rappel de paiement"). It is only for an order awaiting
// payment (Conflict "payment_not_awaited") with a customer e-mail (Conflict
// "no_customer_email"). It changes no status; it sets PaymentReminderAt, and
// its row becomes a PaymentReminderRequested event, which the mailer turns
// into the e-mail. Within PaymentReminderInterval of the previous reminder it
// does nothing.
func (o *Order) RequestPaymentReminder(now time.Time) ([]Change, error) {
	const op = "order.RequestPaymentReminder"
	if o.Payment != AwaitingPayment {
		e := E(op, Conflict, CodePaymentNotAwaited, fmt.Sprintf("the order is %s, not awaiting payment", o.Payment))
		e.Details = map[string]any{"paymentStatus": o.Payment.String()}
		return nil, e
	}
	if strings.TrimSpace(o.Customer.Email) == "" {
		return nil, E(op, Conflict, CodeNoCustomerEmail, "the order has no customer e-mail to remind")
	}
	if !o.PaymentReminderAt.IsZero() && now.Sub(o.PaymentReminderAt) < PaymentReminderInterval {
		return nil, nil
	}
	o.PaymentReminderAt = now
	o.UpdatedAt = now
	return []Change{{At: now, Action: ActionPaymentReminder}}, nil
}
