package webhook_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// A delivery in the generic format, signed by the sender, parsed and
// reconciled as the intake service does.
func ExampleParse() {
	secret := []byte("whsec_example")
	now := time.Date(2025, 3, 14, 10, 2, 5, 0, time.UTC)
	body := []byte(`{"eventId":"evt_1","eventType":"order.created","order":{
		"externalId":"EX-1","updatedAt":"2025-03-14T10:01:00Z","currency":"EUR","pricesIncludeTax":true,
		"customer":{"name":"Camille Durand","email":"camille@example.fr"},
		"lines":[{"sku":"THE-100","name":"Thé vert","quantity":2,"unitPrice":"12.90","vatRate":"5.5"}],
		"shippingLines":[{"title":"Colissimo","price":"4.90","vatRate":"20"}],
		"paymentStatus":"PAID","totals":{"grand":"30.70","vat":"2.17"}}}`)
	headers, _ := webhook.SignatureHeaders(order.SourceGeneric, secret, body, now)

	d, err := webhook.Parse(context.Background(), "generic", headers, body, webhook.Deps{
		Secrets: webhook.StaticSecrets{"generic": {secret}},
		Now:     func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(order.KindOf(err), err)
		return
	}
	totals, _ := order.ComputeTotals(d.Order)
	fmt.Println(d.Kind, d.DeliveryID, d.Order.ExternalID, d.Order.Payment, d.Order.Fulfilment)
	fmt.Println(totals.Grand, totals.VAT, order.Reconcile(d.Order, totals, d.Reported) == nil)
	// Output:
	// order evt_1 EX-1 PAID AWAITING_PROCESSING
	// 30.70 EUR 2.17 EUR true
}
