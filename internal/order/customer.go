package order

import (
	"strings"

	"github.com/shopspring/decimal"
)

// A customer's summary (CustomerSummary) counts the orders that stand: an
// order cancelled, or whose payment was refunded in full, adds nothing to
// the orders count or the total spent, since the money went back (a partial
// refund keeps the order at its grand total: refunded amounts are not
// recorded). First and last order times count every order placed. The
// stores keep the summary in step with every change of an order, in the
// change's own write.

// CustomerShare is what an order adds to its customer's summary.
type CustomerShare struct {
	// Email is the customer's key: the order's e-mail, trimmed and lower
	// case; empty for an order without one (no summary).
	Email string
	// Orders is 1, or 0 for an order that does not stand.
	Orders int64
	// Spent is the grand total, or zero in the order's currency.
	Spent Money
}

// CustomerEmail is the key of a customer summary: e-mail addresses are
// compared without case (the local part is case-sensitive in theory, never
// in practice at the shops' providers) and without surrounding blanks.
func CustomerEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Stands reports whether the order counts in its customer's summary: it is
// neither cancelled nor refunded in full.
func (o *Order) Stands() bool { return o.Payment != PaymentCancelled && o.Payment != Refunded }

// CustomerShare returns what the order adds to its customer's summary.
func (o *Order) CustomerShare() CustomerShare {
	s := CustomerShare{Email: CustomerEmail(o.Customer.Email), Spent: NewMoney(decimal.Zero, o.Currency)}
	if o.Stands() {
		s.Orders, s.Spent = 1, NewMoney(o.Totals.Grand.Amount, o.Currency)
	}
	return s
}

// CustomerMoves returns the changes a change of an order from cur to next
// makes to customer summaries, as shares to add (negative to take away):
// none when its share is unchanged; one when the customer and currency
// stay; else the removal of the old share and the addition of the new (an
// edit that changes the e-mail moves the order to another customer). Shares
// without e-mail are left out.
func CustomerMoves(cur, next *Order) []CustomerShare {
	a, b := cur.CustomerShare(), next.CustomerShare()
	if a.Email == b.Email && a.Orders == b.Orders && a.Spent.Currency == b.Spent.Currency && a.Spent.Amount.Equal(b.Spent.Amount) {
		return nil
	}
	if a.Email == b.Email && a.Spent.Currency == b.Spent.Currency {
		if a.Email == "" {
			return nil
		}
		return []CustomerShare{{Email: b.Email, Orders: b.Orders - a.Orders, Spent: b.Spent.Sub(a.Spent)}}
	}
	var out []CustomerShare
	if a.Email != "" && (a.Orders != 0 || !a.Spent.IsZero()) {
		out = append(out, CustomerShare{Email: a.Email, Orders: -a.Orders, Spent: a.Spent.Neg()})
	}
	if b.Email != "" {
		out = append(out, b)
	}
	return out
}
