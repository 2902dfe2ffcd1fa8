package webhook

import (
	"net/url"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// newCart builds the order.Cart of a checkout in progress. The storefront's
// total is kept as it computed it; when it sent none, the lines' sum stands
// in (a cart total is only shown in the reminder e-mail, never invoiced).
//
// A checkout is a draft the customer is still typing: an e-mail that is not
// yet an address, or a recovery link that is not http(s), is dropped rather
// than refused, since refusing would only make the storefront retry a
// delivery that can never pass. Without an e-mail the cart is simply never
// reminded.
func newCart(src order.Source, externalID string, customer order.Customer, lines []order.LineItem,
	c order.Currency, total order.JSONDecimal, recoveryURL string, updated time.Time) *order.Cart {
	if customer.Email != "" && !order.ValidEmail(customer.Email) {
		customer.Email = ""
	}
	if u, err := url.Parse(recoveryURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		recoveryURL = ""
	}
	t := total.Or(decimal.Zero)
	if !total.Set {
		for _, l := range lines {
			t = t.Add(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)))
		}
	}
	return &order.Cart{
		Source:      src,
		ExternalID:  externalID,
		Customer:    customer,
		Lines:       lines,
		Currency:    c,
		Total:       order.NewMoney(t, c).Round(),
		RecoveryURL: recoveryURL,
		UpdatedAt:   updated,
	}
}

// emptiedCheckout turns a cart delivery whose checkout has no lines left
// (the customer emptied it) into a KindPing: there is nothing to track or
// remind, and an order.Cart cannot be empty. Refusing it instead would only
// make the storefront retry, and a storefront that sees enough failures in a
// row drops its webhook subscription.
func emptiedCheckout(d *Delivery) *Delivery {
	d.Kind, d.Cart, d.CheckoutCompleted = KindPing, nil, false
	return d
}
