package order_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

func tip(amount string) order.Charge {
	return order.Charge{Kind: order.ChargeTip, Name: "Tip", Amount: dec(amount)}
}

func fee(kind order.ChargeKind, name, amount, rate string) order.Charge {
	return order.Charge{Kind: kind, Name: name, Amount: dec(amount), VATRate: dec(rate), Taxable: true}
}

// TestComputeTotalsCharges works each kind of charge through the french
// basket (see frenchBasket: 20 % group 27.00 + shipping 4.90, 5.5 % group
// 22.50, after the discount).
func TestComputeTotalsCharges(t *testing.T) {
	tests := []struct {
		name       string
		inclusive  bool
		charges    []order.Charge
		want       wantTotals
		charged    string // Totals.Charges
		outsideVAT string // Totals.OutsideVAT
	}{
		{
			// A tip is outside the scope of VAT: the tax lines are those of
			// the basket alone, and the grand total is 54.40 + 5.00.
			name: "tip", inclusive: true, charges: []order.Charge{tip("5.00")},
			want: wantTotals{subtotal: "55.00", discount: "5.50", shipping: "4.90", net: "47.91", vat: "6.49", grand: "59.40",
				lineNet:  []string{"22.50", "27.00"},
				taxLines: [][4]string{{"20", "26.58", "5.32", "31.90"}, {"5.5", "21.33", "1.17", "22.50"}}},
			charged: "0", outsideVAT: "5.00",
		},
		{
			// A fee joins its rate's group: 31.90 + 3.00 = 34.90 TTC at 20 %,
			// VAT round(34.90 × 20 / 120 = 5.8166…) = 5.82.
			name: "taxable fee, prices TTC", inclusive: true, charges: []order.Charge{fee(order.ChargeFee, "Gift wrapping", "3.00", "20")},
			want: wantTotals{subtotal: "55.00", discount: "5.50", shipping: "4.90", net: "50.41", vat: "6.99", grand: "57.40",
				lineNet:  []string{"22.50", "27.00"},
				taxLines: [][4]string{{"20", "29.08", "5.82", "34.90"}, {"5.5", "21.33", "1.17", "22.50"}}},
			charged: "3.00", outsideVAT: "0",
		},
		{
			// A negative fee is a reduction at its own rate: 31.90 − 2.00 =
			// 29.90 TTC at 20 %, VAT round(4.9833…) = 4.98.
			name: "negative fee", inclusive: true, charges: []order.Charge{fee(order.ChargeFee, "Loyalty", "-2.00", "20")},
			want: wantTotals{subtotal: "55.00", discount: "5.50", shipping: "4.90", net: "46.25", vat: "6.15", grand: "52.40",
				lineNet:  []string{"22.50", "27.00"},
				taxLines: [][4]string{{"20", "24.92", "4.98", "29.90"}, {"5.5", "21.33", "1.17", "22.50"}}},
			charged: "-2.00", outsideVAT: "0",
		},
		{
			// Prices HT. 20 %: 27.00 + 4.90 + handling 2.50 + taxed duty
			// 10.00 = 44.40, VAT 8.88; 5.5 %: 22.50, VAT round(1.2375) =
			// 1.24. Untaxed duty 7.00 is added to the grand total as is:
			// 53.28 + 23.74 + 7.00 = 84.02.
			name: "handling and duties, prices HT", inclusive: false, charges: []order.Charge{
				fee(order.ChargeHandling, "Handling", "2.50", "20"),
				fee(order.ChargeDuty, "Duties (taxed)", "10.00", "20"),
				{Kind: order.ChargeDuty, Name: "Duties", Amount: dec("7.00")},
			},
			want: wantTotals{subtotal: "55.00", discount: "5.50", shipping: "4.90", net: "66.90", vat: "10.12", grand: "84.02",
				lineNet:  []string{"22.50", "27.00"},
				taxLines: [][4]string{{"20", "44.40", "8.88", "53.28"}, {"5.5", "22.50", "1.24", "23.74"}}},
			charged: "12.50", outsideVAT: "7.00",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := frenchBasket(tt.inclusive)
			o.Charges = tt.charges
			got, err := order.ComputeTotals(o)
			if err != nil {
				t.Fatal(err)
			}
			checkTotals(t, got, eur, tt.want)
			if !got.Charges.Amount.Equal(dec(tt.charged)) || !got.OutsideVAT.Amount.Equal(dec(tt.outsideVAT)) {
				t.Errorf("charges %s, outside VAT %s; want %s and %s", got.Charges, got.OutsideVAT, tt.charged, tt.outsideVAT)
			}
			if sum := got.Net.Add(got.VAT).Add(got.OutsideVAT); !sum.Equal(got.Grand) {
				t.Errorf("net + VAT + outside VAT = %s, grand %s", sum, got.Grand)
			}
		})
	}
}

// TestComputeTotalsChargeRounding: each charge is rounded on its own, half
// away from zero, before it joins its group or the grand total.
func TestComputeTotalsChargeRounding(t *testing.T) {
	o := &order.Order{Source: order.SourceManual, Currency: eur, PricesIncludeTax: true,
		Lines: []order.LineItem{line("A", 1, "10.00", "20")},
		Charges: []order.Charge{
			tip("1.005"), // 1.01
			fee(order.ChargeFee, "Surcharge", "0.125", "20"),  // 0.13
			fee(order.ChargeFee, "Reduction", "-0.125", "20"), // -0.13, not -0.12
		},
	}
	got, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	// 20 %: 10.00 + 0.13 − 0.13 = 10.00 TTC, VAT round(1.666…) = 1.67.
	checkTotals(t, got, eur, wantTotals{subtotal: "10.00", discount: "0", shipping: "0", net: "8.33", vat: "1.67", grand: "11.01",
		lineNet: []string{"10.00"}, taxLines: [][4]string{{"20", "8.33", "1.67", "10.00"}}})
	if !got.Charges.Amount.IsZero() || !got.OutsideVAT.Amount.Equal(dec("1.01")) {
		t.Fatalf("charges %s, outside VAT %s; want 0.00 and 1.01", got.Charges, got.OutsideVAT)
	}
}

func TestComputeTotalsRefusesCharges(t *testing.T) {
	tests := []struct {
		name   string
		charge order.Charge
		code   string
	}{
		{"taxable tip", order.Charge{Kind: order.ChargeTip, Amount: dec("2"), VATRate: dec("20"), Taxable: true}, "invalid_charge"},
		{"negative tip", tip("-2"), "invalid_amount"},
		{"negative duty", order.Charge{Kind: order.ChargeDuty, Amount: dec("-2")}, "invalid_amount"},
		{"negative handling", fee(order.ChargeHandling, "H", "-2", "20"), "invalid_amount"},
		{"rate outside the scope of VAT", order.Charge{Kind: order.ChargeDuty, Amount: dec("2"), VATRate: dec("20")}, "invalid_charge"},
		{"unknown kind", order.Charge{Kind: "gift", Amount: dec("2")}, "invalid_charge"},
		{"rate above 100", fee(order.ChargeFee, "F", "2", "120"), "invalid_vat_rate"},
		{"too many digits", fee(order.ChargeFee, "F", "1e13", "20"), "invalid_amount"},
		// 31.90 − 100 at 20 % and 22.50 at 5.5 %: −45.60 in all.
		{"negative total", fee(order.ChargeFee, "F", "-100", "20"), "negative_total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := frenchBasket(true)
			o.Charges = []order.Charge{tt.charge}
			_, err := order.ComputeTotals(o)
			wantErr(t, err, order.Invalid, tt.code)
			if tt.code == "negative_total" {
				return // only the totals can see it
			}
			e := wantErr(t, o.Validate(), order.Invalid, tt.code)
			if d, _ := e.Details.(map[string]any); d["field"] != "charges[0]" {
				t.Fatalf("details %v, want the field charges[0]", e.Details)
			}
		})
	}
}

func TestReconcileCharges(t *testing.T) {
	o := frenchBasket(true)
	o.Charges = []order.Charge{tip("5.00")} // grand 59.40; 2 lines + 1 shipping + 1 charge → tolerance 0.04
	ours, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	p := func(s string) *string { return &s }
	for _, tt := range []struct {
		grand *string
		ok    bool
	}{{p("59.40"), true}, {p("59.44"), true}, {p("59.45"), false}, {p("54.40"), false}} {
		d := dec(*tt.grand)
		err := order.Reconcile(o, ours, order.ReportedTotals{Grand: &d})
		if tt.ok && err != nil {
			t.Errorf("grand %s: %v", *tt.grand, err)
		}
		if !tt.ok {
			wantErr(t, err, order.Invalid, "totals_mismatch")
		}
	}
}

// TestTotalsJSONWithoutCharges: an order without charges encodes its totals
// as before, so stored orders and documents keep their shape.
func TestTotalsJSONWithoutCharges(t *testing.T) {
	got, err := order.ComputeTotals(frenchBasket(true))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, `"charges"`) || strings.Contains(s, `"outsideVat"`) {
		t.Fatalf("totals without charges encode them: %s", s)
	}
	o := frenchBasket(true)
	o.Charges = []order.Charge{tip("5.00")}
	withTip, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err = json.Marshal(withTip)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"outsideVat":{"amount":"5.00","currency":"EUR"}`) || strings.Contains(s, `"charges"`) {
		t.Fatalf("totals with a tip: %s", s)
	}
}
