package order

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// ChargeKind says what an order-level charge is, and so how VAT treats it.
type ChargeKind string

// The kinds of charge storefronts send besides the lines and shipping.
const (
	// ChargeTip is a gratuity the customer added: outside the scope of VAT
	// (no consideration for a supply), so never Taxable.
	ChargeTip ChargeKind = "tip"
	// ChargeDuty is import duties collected at checkout: outside the scope
	// of VAT unless the storefront charged a tax on them (Taxable).
	ChargeDuty ChargeKind = "duty"
	// ChargeFee is a fee (a payment surcharge, gift wrapping): taxed at its
	// own rate. A negative fee is a reduction, with its own rate too.
	ChargeFee ChargeKind = "fee"
	// ChargeHandling is a handling fee (Ecwid's handlingFee): taxed at its
	// own rate.
	ChargeHandling ChargeKind = "handling"
)

// Charge is an order-level amount besides the lines, the discounts and the
// shipping lines: a tip, duties, a fee or a handling fee. Totals, e-mails,
// invoices and exports show each one with its Kind and Name.
//
// A Taxable charge is within the scope of VAT: Amount is in the prices' tax
// mode (as a line's price is) and joins the per-rate VAT computation at
// VATRate, like a shipping charge. A charge that is not Taxable (a tip,
// untaxed duties) is outside the scope of VAT: its VATRate is zero, it is in
// no tax line, and Amount is added to the grand total as it is.
type Charge struct {
	Kind    ChargeKind      `json:"kind"`
	Name    string          `json:"name,omitempty"`
	Amount  decimal.Decimal `json:"amount"`
	VATRate decimal.Decimal `json:"vatRate"`
	Taxable bool            `json:"taxable,omitempty"`
}

// checkCharge reports why c is not a valid charge, as a code and a message,
// or two empty strings.
func checkCharge(c Charge) (code, why string) {
	switch c.Kind {
	case ChargeTip, ChargeDuty, ChargeFee, ChargeHandling:
	default:
		return "invalid_charge", fmt.Sprintf("unknown kind %q", c.Kind)
	}
	if s := checkAmount(c.Amount); s != "" {
		return "invalid_amount", "amount " + s
	}
	if c.Amount.IsNegative() && c.Kind != ChargeFee {
		// Only a fee can take money off (a reduction some shops book as a
		// negative fee); a negative tip or duty is a mistake.
		return "invalid_amount", fmt.Sprintf("a %s must not be negative", c.Kind)
	}
	if err := validRate(c.VATRate); err != nil {
		return "invalid_vat_rate", err.Error()
	}
	if c.Kind == ChargeTip && c.Taxable {
		return "invalid_charge", "a tip is outside the scope of VAT"
	}
	if !c.Taxable && !c.VATRate.IsZero() {
		return "invalid_charge", "a charge outside the scope of VAT has no VAT rate"
	}
	return "", ""
}

// chargeAmounts adds the rounded amount of every charge of o to the totals:
// a taxable one to t.Charges and, through add, to its rate's group; any
// other to t.OutsideVAT.
func chargeAmounts(o *Order, t *Totals, add func(rate decimal.Decimal, amt Money)) {
	for _, ch := range o.Charges {
		amt := NewMoney(ch.Amount, o.Currency).Round()
		if ch.Taxable {
			t.Charges = t.Charges.Add(amt)
			add(ch.VATRate, amt)
			continue
		}
		t.OutsideVAT = t.OutsideVAT.Add(amt)
	}
}
