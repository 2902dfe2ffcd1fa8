// Package csvexporttest holds what the tests of exports share: a sample
// order that exercises every rendering rule, and a reader of the file as a
// spreadsheet sees it.
package csvexporttest

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Order is a paid Shopify order created at created, totals computed: two
// VAT rates (5.5 and 20 %), a discount, shipping, accents in the names and
// the address, prices tax-inclusive. Set Fee to book a reduction as a
// negative fee; change anything else, then call Recompute.
func Order(t testing.TB, externalID string, created time.Time) *order.Order {
	t.Helper()
	o := &order.Order{
		Source: order.SourceShopify, ExternalID: externalID,
		Customer:         order.Customer{Name: "Zoé Lefèvre", Email: "zoe@example.fr"},
		Billing:          order.Address{Line1: "12 rue de l'Église", PostalCode: "69001", City: "Lyon", Country: "FR"},
		Shipping:         order.Address{Name: "Zoé Lefèvre", Line1: "12 rue de l'Église", City: "Lyon", Country: "FR"},
		Lines:            []order.LineItem{{SKU: "THE-01", Name: "Thé vert «Sencha»", Quantity: 2, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.RequireFromString("5.5")}, {SKU: "TASSE", Name: "Tasse émaillée", Quantity: 1, UnitPrice: decimal.RequireFromString("30"), VATRate: decimal.NewFromInt(20)}},
		Discounts:        []order.Discount{{Code: "BIENVENUE", Amount: decimal.RequireFromString("5")}},
		ShippingLines:    []order.ShippingLine{{Title: "Colissimo", Price: decimal.RequireFromString("4.90"), VATRate: decimal.NewFromInt(20)}},
		PricesIncludeTax: true, Currency: order.EUR, Payment: order.Paid, Fulfilment: order.AwaitingProcessing,
		CreatedAt: created, UpdatedAt: created,
	}
	Recompute(t, o)
	return o
}

// Fee adds a taxable fee of amount (negative for a reduction) at 20 % and
// recomputes the totals.
func Fee(t testing.TB, o *order.Order, amount string) {
	t.Helper()
	o.Charges = append(o.Charges, order.Charge{Kind: order.ChargeFee, Name: "geste commercial", Amount: decimal.RequireFromString(amount), VATRate: decimal.NewFromInt(20), Taxable: true})
	Recompute(t, o)
}

// Recompute sets o's totals from its lines.
func Recompute(t testing.TB, o *order.Order) {
	t.Helper()
	tot, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = tot
}

// Rows parses a file as a spreadsheet does (the BOM skipped, sep between
// cells) and returns its data rows by header.
func Rows(t testing.TB, file []byte, sep rune) []map[string]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(file, []byte("\uFEFF"))))
	r.Comma = sep
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("parse the export: %v", err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := make(map[string]string, len(rec))
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}
