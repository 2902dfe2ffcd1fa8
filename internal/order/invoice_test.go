package order_test

import (
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/order/invoicetest"
)

func TestNewInvoiceAddsUpToTheOrderTotals(t *testing.T) {
	for _, c := range invoicetest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			d, err := order.NewInvoice(c.Order, c.Invoicing, invoicetest.Now)
			if err != nil {
				t.Fatal(err)
			}
			tot := c.Order.Totals
			if !d.Net.Equal(tot.Net) || !d.VAT.Equal(tot.VAT) || !d.Grand.Equal(tot.Grand) || len(d.VATBreakdown) != len(tot.TaxLines) {
				t.Fatalf("document totals %v/%v/%v, order %v/%v/%v", d.Net, d.VAT, d.Grand, tot.Net, tot.VAT, tot.Grand)
			}
			// Every rate's items, excluding VAT, add up to the rate's base.
			for _, tl := range tot.TaxLines {
				sum := order.Zero(c.Order.Currency)
				for _, l := range d.Lines {
					if l.VATRate.Equal(tl.Rate) {
						sum = sum.Add(l.Net)
					}
				}
				for _, a := range d.Adjustments {
					if a.OutsideVAT || !a.VATRate.Equal(tl.Rate) {
						continue
					}
					if a.Kind == order.AdjustDiscount {
						sum = sum.Sub(a.Net)
					} else {
						sum = sum.Add(a.Net)
					}
				}
				if !sum.Equal(tl.Base) {
					t.Errorf("rate %s: items add up to %v, base %v", tl.Rate, sum, tl.Base)
				}
			}
		})
	}
}

func TestNewInvoiceMentions(t *testing.T) {
	byName := map[string]invoicetest.Case{}
	for _, c := range invoicetest.Cases() {
		byName[c.Name] = c
	}
	issue := func(name string) order.Document {
		c := byName[name]
		d, err := order.NewInvoice(c.Order, c.Invoicing, invoicetest.Now)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := issue("French business buyer"); !d.B2B || d.DueDate.String() != "2026-04-13" || !d.RecoveryIndemnity.Equal(order.MustMoney("40", order.EUR)) || d.Regime != order.VATStandard {
		t.Errorf("business buyer: b2b %v due %v indemnity %v regime %v", d.B2B, d.DueDate, d.RecoveryIndemnity, d.Regime)
	}
	if d := issue("intra-EU reverse charge"); d.Regime != order.VATReverseCharge || d.Language != "en" {
		t.Errorf("reverse charge: regime %v language %v", d.Regime, d.Language)
	}
	if d := issue("VAT franchise"); d.Regime != order.VATFranchise || d.B2B {
		t.Errorf("franchise: regime %v b2b %v", d.Regime, d.B2B)
	}
	if d := issue("discount and shipping"); d.Delivery == nil || d.Delivery.Name != "Paul Martin" {
		t.Errorf("delivery address %+v, want Paul Martin's", d.Delivery)
	}
	if d := issue("two rates"); d.Delivery != nil || d.Nature != order.NatureGoods || d.Language != "fr" {
		t.Errorf("two rates: delivery %+v nature %v language %v", d.Delivery, d.Nature, d.Language)
	}
}

func TestNewInvoiceRefuses(t *testing.T) {
	c := invoicetest.Cases()[0]
	held := *c.Order
	held.OnHold = true
	if _, err := order.NewInvoice(&held, c.Invoicing, invoicetest.Now); order.CodeOf(err) != order.CodeOrderOnHold {
		t.Errorf("held order: %v, want order_on_hold", err)
	}
	franchise := c.Invoicing
	franchise.Seller.VATFranchise = true
	if _, err := order.NewInvoice(c.Order, franchise, invoicetest.Now); order.CodeOf(err) != "vat_not_due" {
		t.Errorf("VAT under the franchise: %v, want vat_not_due", err)
	}
	if _, err := order.NewInvoice(c.Order, order.Invoicing{}, invoicetest.Now); order.CodeOf(err) != "seller_missing" {
		t.Errorf("no seller: %v, want seller_missing", err)
	}
}
