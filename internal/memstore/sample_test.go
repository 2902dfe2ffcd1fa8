package memstore_test

import (
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

func sampleOrder() *order.Order {
	o := &order.Order{
		Source: order.SourceWooCommerce, ExternalID: "wc-77",
		Customer: order.Customer{Name: "Jean Dupont", Email: "jean@example.fr"},
		Lines:    []order.LineItem{{SKU: "BOOK-1", Name: "Livre", Quantity: 1, UnitPrice: decimal.RequireFromString("21.10"), VATRate: decimal.RequireFromString("5.5")}},
		Currency: order.EUR, PricesIncludeTax: true,
		Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
	}
	t, err := order.ComputeTotals(o)
	if err != nil {
		panic(err)
	}
	o.Totals = t
	return o
}
