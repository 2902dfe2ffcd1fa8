package order

import (
	"strings"
	"time"
)

// Normalise prepares an order received from a storefront or the API for
// storage: it trims the customer's e-mail, validates the order, computes its
// Totals, stamps CreatedAt (when zero) and UpdatedAt with now in UTC, and
// gives a new order its initial statuses (AWAITING_PAYMENT,
// AWAITING_PROCESSING). Statuses already set are kept. On error the order is
// unchanged except for the trimmed e-mail.
func Normalise(o *Order, now time.Time) error {
	o.Customer.Email = strings.TrimSpace(o.Customer.Email)
	if err := o.Validate(); err != nil {
		return err
	}
	t, err := ComputeTotals(o)
	if err != nil {
		return err
	}
	o.Totals = t
	now = now.UTC()
	if o.CreatedAt.IsZero() {
		o.CreatedAt = now
	}
	o.UpdatedAt = now
	if o.Payment.IsZero() {
		o.Payment = AwaitingPayment
	}
	if o.Fulfilment.IsZero() {
		o.Fulfilment = AwaitingProcessing
	}
	return nil
}

// ApplyStatusRules applies the shop's automatic status rules to a normalised
// order, and returns the history rows of what it changed:
//
//   - a zero-total order still AWAITING_PAYMENT gets s.ZeroTotalPayment (a
//     100 % discount or a free sample has nothing to wait for, unless the
//     shop says otherwise); a payment status set by the storefront or the
//     staff is never overridden, so the rule can run on every update;
//   - a paid order whose lines are all digital, still AWAITING_PROCESSING and
//     not on hold, is DELIVERED (there is nothing to ship).
//
// It runs after Normalise on intake and after every payment change. Rule
// rows carry the Action ActionRuleZeroTotal or ActionRuleDigitalDelivered and
// time now; stamp them with SystemActor and ViaRule. An order that has not
// been normalised (no statuses or no totals) is an Internal error.
func ApplyStatusRules(o *Order, s Settings, now time.Time) ([]Change, error) {
	const op = "order.ApplyStatusRules"
	if o.Payment.IsZero() || o.Fulfilment.IsZero() || o.Totals.Grand.Currency.IsZero() {
		return nil, E(op, Internal, "order_not_normalised", "apply the rules to a normalised order")
	}
	var changes []Change
	if o.Totals.Grand.IsZero() && o.Payment == AwaitingPayment && s.ZeroTotalPayment == Paid {
		c, err := o.movePayment(op, ActionRuleZeroTotal, Paid, now)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c...)
	}
	if o.Payment == Paid && o.Fulfilment == AwaitingProcessing && !o.OnHold && o.IsDigitalOnly() {
		c, err := o.moveFulfilment(op, ActionRuleDigitalDelivered, Delivered, now)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c...)
	}
	return changes, nil
}

// IsDigitalOnly reports whether the order has lines and all of them are
// digital: nothing to ship.
func (o *Order) IsDigitalOnly() bool {
	if len(o.Lines) == 0 {
		return false
	}
	for _, l := range o.Lines {
		if !l.Digital {
			return false
		}
	}
	return true
}
