package order

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"
)

// TaxLine is the VAT summary of one rate: the base (HT), the VAT and the
// gross (TTC) of every line, shipping charge and taxable charge at that rate.
type TaxLine struct {
	Rate  decimal.Decimal `json:"rate"` // percent, e.g. 5.5
	Base  Money           `json:"base"`
	VAT   Money           `json:"vat"`
	Gross Money           `json:"gross"`
}

// Totals are an order's computed amounts, all rounded to the minor unit.
//
// Rounding rule (the one place it is decided):
//  1. each line amount is unit price × quantity, rounded half away from zero;
//  2. the order discount is rounded, then allocated over the line amounts by
//     largest remainder (Money.Allocate), so no cent is lost or invented;
//  3. each shipping charge and each Charge (tip, duty, fee, handling) is
//     rounded on its own;
//  4. lines, shipping charges and taxable Charges are grouped by VAT rate,
//     and the VAT of each group is computed once on the group's sum and
//     rounded ("par taux"):
//     tax-inclusive: VAT = round(gross × r / (100 + r)), base = gross − VAT;
//     tax-exclusive: VAT = round(base × r / 100), gross = base + VAT;
//  5. the Charges outside the scope of VAT (tips, untaxed duties) are added
//     to the grand total as they are: Grand = Net + VAT + OutsideVAT.
type Totals struct {
	Subtotal Money     `json:"subtotal"` // Σ line amounts, in the prices' tax mode
	Discount Money     `json:"discount"` // Σ discounts actually applied
	Shipping Money     `json:"shipping"` // Σ shipping charges, in the prices' tax mode
	TaxLines []TaxLine `json:"taxLines"` // one per rate, highest rate first
	Net      Money     `json:"net"`      // Σ bases (total HT)
	VAT      Money     `json:"vat"`      // Σ VAT
	Grand    Money     `json:"grand"`    // Σ gross + OutsideVAT (total TTC): what the customer pays
	// Charges is Σ taxable Charges (fees, handling, taxed duties; a
	// negative fee lowers it), in the prices' tax mode: like Shipping, it is
	// inside the tax lines. Zero, and left out of JSON, without such charges.
	Charges Money `json:"charges,omitzero"`
	// OutsideVAT is Σ Charges outside the scope of VAT (tips, untaxed
	// duties): in Grand, in no tax line, not in Net. Zero, and left out of
	// JSON, without such charges.
	OutsideVAT Money `json:"outsideVat,omitzero"`
	// LineNet is each line's amount after its share of the discount, in the
	// prices' tax mode, index-aligned with Order.Lines.
	LineNet []Money `json:"lineNet"`
}

var hundred = decimal.NewFromInt(100)

// ComputeTotals computes the order's totals from its lines, discounts,
// shipping and charges, following the rounding rule documented on Totals. It
// checks the inputs it computes with (currency, quantities, amounts, VAT
// rates, charges) and returns an Invalid error rather than a wrong figure; a
// discount larger than the subtotal is Invalid with code
// "discount_exceeds_subtotal", and negative fees that make the grand total
// negative are Invalid with code "negative_total". An order with no lines
// has zero totals. It does not modify o.
func ComputeTotals(o *Order) (Totals, error) {
	const op = "order.ComputeTotals"
	c := o.Currency
	if c.IsZero() {
		return Totals{}, E(op, Invalid, "unknown_currency", "currency is missing or unknown")
	}
	if err := checkTotalsInput(op, o); err != nil {
		return Totals{}, err
	}
	t := Totals{Subtotal: Zero(c), Discount: Zero(c), Shipping: Zero(c), Net: Zero(c), VAT: Zero(c), Grand: Zero(c),
		Charges: Zero(c), OutsideVAT: Zero(c), TaxLines: []TaxLine{}, LineNet: make([]Money, len(o.Lines))}

	amounts := make([]Money, len(o.Lines))
	weights := make([]decimal.Decimal, len(o.Lines))
	for i, l := range o.Lines {
		amounts[i] = NewMoney(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)), c).Round()
		weights[i] = amounts[i].Amount
		t.Subtotal = t.Subtotal.Add(amounts[i])
	}
	for _, d := range o.Discounts {
		t.Discount = t.Discount.Add(NewMoney(d.Amount, c))
	}
	t.Discount = t.Discount.Round()
	if t.Discount.Cmp(t.Subtotal) > 0 {
		e := E(op, Invalid, "discount_exceeds_subtotal",
			fmt.Sprintf("discounts %s exceed the subtotal %s", t.Discount, t.Subtotal))
		e.Details = map[string]any{"discount": t.Discount.Amount.StringFixed(c.minor), "subtotal": t.Subtotal.Amount.StringFixed(c.minor)}
		return Totals{}, e
	}

	// Sums per rate, in the prices' tax mode. The key is the rate's canonical
	// string so that 20, 20.0 and 20.00 are one rate.
	sums := map[string]Money{}
	add := func(rate decimal.Decimal, amt Money) {
		k := rate.String()
		if cur, ok := sums[k]; ok {
			sums[k] = cur.Add(amt)
		} else {
			sums[k] = amt
		}
	}
	shares := t.Discount.Allocate(weights)
	for i, l := range o.Lines {
		t.LineNet[i] = amounts[i].Sub(shares[i])
		add(l.VATRate, t.LineNet[i])
	}
	for _, s := range o.ShippingLines {
		amt := NewMoney(s.Price, c).Round()
		t.Shipping = t.Shipping.Add(amt)
		add(s.VATRate, amt)
	}
	chargeAmounts(o, &t, add)

	for k, sum := range sums {
		rate := decimal.RequireFromString(k)
		tl := TaxLine{Rate: rate}
		// The quotient below carries 16 decimal places before Round; with a
		// denominator of at most 100 000 (a rate has 3 places) no quotient
		// can sit within 10^-16 of a half minor unit without being one, so
		// rounding twice never differs from rounding the exact value.
		if o.PricesIncludeTax {
			tl.VAT = NewMoney(sum.Amount.Mul(rate).Div(hundred.Add(rate)), c).Round()
			tl.Base = sum.Sub(tl.VAT)
			tl.Gross = sum
		} else {
			tl.VAT = NewMoney(sum.Amount.Mul(rate).Div(hundred), c).Round()
			tl.Base = sum
			tl.Gross = sum.Add(tl.VAT)
		}
		t.TaxLines = append(t.TaxLines, tl)
		t.Net = t.Net.Add(tl.Base)
		t.VAT = t.VAT.Add(tl.VAT)
		t.Grand = t.Grand.Add(tl.Gross)
	}
	sort.Slice(t.TaxLines, func(i, j int) bool { return t.TaxLines[i].Rate.GreaterThan(t.TaxLines[j].Rate) })
	t.Grand = t.Grand.Add(t.OutsideVAT)
	if t.Grand.IsNegative() {
		e := E(op, Invalid, "negative_total", fmt.Sprintf("the charges make the grand total negative (%s)", t.Grand))
		e.Details = map[string]any{"grand": t.Grand.Amount.StringFixed(c.minor)}
		return Totals{}, e
	}
	return t, nil
}

// checkTotalsInput refuses the inputs that would make ComputeTotals wrong or
// slow: Validate checks the same and more, but totals are also computed on
// orders that have not been through it (edits, fuzzing, other adapters).
func checkTotalsInput(op string, o *Order) error {
	bad := func(code, format string, args ...any) error {
		return E(op, Invalid, code, fmt.Sprintf(format, args...))
	}
	for i, l := range o.Lines {
		if l.Quantity <= 0 || l.Quantity > MaxQuantity {
			return bad("invalid_quantity", "line %d: quantity must be between 1 and %d, got %d", i+1, MaxQuantity, l.Quantity)
		}
		if err := validAmount(l.UnitPrice); err != nil {
			return bad("invalid_amount", "line %d: unit price %v", i+1, err)
		}
		if err := validRate(l.VATRate); err != nil {
			return bad("invalid_vat_rate", "line %d: %v", i+1, err)
		}
	}
	for i, d := range o.Discounts {
		if err := validAmount(d.Amount); err != nil {
			return bad("invalid_amount", "discount %d %v", i+1, err)
		}
	}
	for i, s := range o.ShippingLines {
		if err := validAmount(s.Price); err != nil {
			return bad("invalid_amount", "shipping line %d: price %v", i+1, err)
		}
		if err := validRate(s.VATRate); err != nil {
			return bad("invalid_vat_rate", "shipping line %d: %v", i+1, err)
		}
	}
	for i, ch := range o.Charges {
		if code, why := checkCharge(ch); code != "" {
			return bad(code, "charge %d: %s", i+1, why)
		}
	}
	return nil
}

// ReportedTotals are the totals a storefront sent with its order, to be
// checked against ours. Nil fields were not reported.
type ReportedTotals struct {
	Grand *decimal.Decimal
	VAT   *decimal.Decimal
}

// Reconcile compares reported totals with ours. Storefronts round per line
// or per unit where we round per rate, so a difference of up to one minor
// unit per line (and per shipping charge and per Charge) is tolerated; beyond that the order
// is refused with an Invalid "totals_mismatch" error whose Details carry the
// field ("grand" or "vat"), both figures and the tolerance. The grand total
// is checked first.
func Reconcile(o *Order, ours Totals, reported ReportedTotals) error {
	tolerance := decimal.New(int64(len(o.Lines)+len(o.ShippingLines)+len(o.Charges)), -o.Currency.MinorUnits())
	check := func(field string, theirs *decimal.Decimal, mine Money) error {
		if theirs == nil {
			return nil
		}
		if why := checkAmount(*theirs); why != "" {
			e := E("order.Reconcile", Invalid, "invalid_amount", fmt.Sprintf("the storefront's %s total %s", field, why))
			e.Details = map[string]any{"field": field}
			return e
		}
		if theirs.Sub(mine.Amount).Abs().GreaterThan(tolerance) {
			e := E("order.Reconcile", Invalid, "totals_mismatch",
				fmt.Sprintf("the storefront's %s total %s %s differs from the computed %s by more than %s",
					field, theirs.StringFixed(o.Currency.MinorUnits()), o.Currency, mine, tolerance.StringFixed(o.Currency.MinorUnits())))
			e.Details = map[string]any{"field": field, "reported": theirs.String(),
				"computed": mine.Amount.StringFixed(o.Currency.MinorUnits()), "tolerance": tolerance.StringFixed(o.Currency.MinorUnits())}
			return e
		}
		return nil
	}
	if err := check("grand", reported.Grand, ours.Grand); err != nil {
		return err
	}
	return check("vat", reported.VAT, ours.VAT)
}
