package order_test

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/shopspring/decimal"
)

func line(sku string, qty int64, price, rate string) order.LineItem {
	return order.LineItem{SKU: sku, Name: sku, Quantity: qty, UnitPrice: dec(price), VATRate: dec(rate)}
}

// frenchBasket is the worked example: 2 × 12.50 book at 5.5 %, 1 × 30.00
// t-shirt at 20 %, a 5.50 discount code and 4.90 shipping at 20 %.
func frenchBasket(inclusive bool) *order.Order {
	return &order.Order{
		Source: order.SourceShopify, ExternalID: "1001", Currency: eur, PricesIncludeTax: inclusive,
		Lines:         []order.LineItem{line("BOOK", 2, "12.50", "5.5"), line("TEE", 1, "30.00", "20")},
		Discounts:     []order.Discount{{Code: "BIENVENUE", Amount: dec("5.50")}},
		ShippingLines: []order.ShippingLine{{Title: "Colissimo", Price: dec("4.90"), VATRate: dec("20")}},
	}
}

// wantTotals is a compact expectation: every figure as a decimal string.
type wantTotals struct {
	subtotal, discount, shipping, net, vat, grand string
	lineNet                                       []string
	taxLines                                      [][4]string // rate, base, VAT, gross
}

func checkTotals(t *testing.T, got order.Totals, c order.Currency, want wantTotals) {
	t.Helper()
	for _, f := range []struct {
		name string
		m    order.Money
		want string
	}{
		{"subtotal", got.Subtotal, want.subtotal}, {"discount", got.Discount, want.discount},
		{"shipping", got.Shipping, want.shipping}, {"net", got.Net, want.net},
		{"vat", got.VAT, want.vat}, {"grand", got.Grand, want.grand},
	} {
		if !f.m.Amount.Equal(dec(f.want)) || f.m.Currency != c {
			t.Errorf("%s = %s, want %s %s", f.name, f.m, f.want, c)
		}
	}
	if len(got.LineNet) != len(want.lineNet) {
		t.Fatalf("lineNet has %d entries, want %d", len(got.LineNet), len(want.lineNet))
	}
	for i, w := range want.lineNet {
		if !got.LineNet[i].Amount.Equal(dec(w)) {
			t.Errorf("lineNet[%d] = %s, want %s", i, got.LineNet[i], w)
		}
	}
	if len(got.TaxLines) != len(want.taxLines) {
		t.Fatalf("got %d tax lines %v, want %d", len(got.TaxLines), got.TaxLines, len(want.taxLines))
	}
	for i, w := range want.taxLines {
		tl := got.TaxLines[i]
		if !tl.Rate.Equal(dec(w[0])) || !tl.Base.Amount.Equal(dec(w[1])) || !tl.VAT.Amount.Equal(dec(w[2])) || !tl.Gross.Amount.Equal(dec(w[3])) {
			t.Errorf("tax line %d = %s%%: base %s, VAT %s, gross %s; want %s%%: %s, %s, %s",
				i, tl.Rate, tl.Base, tl.VAT, tl.Gross, w[0], w[1], w[2], w[3])
		}
	}
}

func TestComputeTotals(t *testing.T) {
	tests := []struct {
		name string
		o    *order.Order
		want wantTotals
	}{
		{
			// (a) French B2C, prices TTC.
			// Lines: 2 × 12.50 = 25.00 (5.5 %), 1 × 30.00 = 30.00 (20 %);
			// subtotal 55.00. Discount 5.50 split by 25:30 → 2.50 and 3.00
			// exactly; lines after discount 22.50 and 27.00.
			// 20 %: 27.00 + shipping 4.90 = 31.90 TTC;
			//       VAT = 31.90 × 20/120 = 5.31666… → 5.32; base 26.58.
			// 5.5 %: 22.50 TTC; VAT = 22.50 × 5.5/105.5 = 1.17298… → 1.17;
			//       base 21.33.
			// Net 26.58 + 21.33 = 47.91; VAT 6.49; grand 54.40
			// (= 55.00 − 5.50 + 4.90).
			name: "a: French B2C tax-inclusive", o: frenchBasket(true),
			want: wantTotals{
				subtotal: "55.00", discount: "5.50", shipping: "4.90", net: "47.91", vat: "6.49", grand: "54.40",
				lineNet:  []string{"22.50", "27.00"},
				taxLines: [][4]string{{"20", "26.58", "5.32", "31.90"}, {"5.5", "21.33", "1.17", "22.50"}},
			},
		},
		{
			// (b) The same figures as prices HT (B2B).
			// Lines after discount 22.50 (5.5 %) and 27.00 (20 %) HT.
			// 20 %: base 27.00 + 4.90 = 31.90; VAT = 6.38 exactly; 38.28 TTC.
			// 5.5 %: base 22.50; VAT = 1.2375 → 1.24; 23.74 TTC.
			// Net 54.40; VAT 7.62; grand 62.02.
			name: "b: the same basket tax-exclusive", o: frenchBasket(false),
			want: wantTotals{
				subtotal: "55.00", discount: "5.50", shipping: "4.90", net: "54.40", vat: "7.62", grand: "62.02",
				lineNet:  []string{"22.50", "27.00"},
				taxLines: [][4]string{{"20", "31.90", "6.38", "38.28"}, {"5.5", "22.50", "1.24", "23.74"}},
			},
		},
		{
			// (c) 10 % and 2.1 %, TTC, no discount, no shipping.
			// 3 × 7.90 = 23.70 at 10 %: VAT = 23.70 × 10/110 = 2.15454… →
			// 2.15; base 21.55.
			// 1 × 4.50 at 2.1 %: VAT = 4.50 × 2.1/102.1 = 0.09255… → 0.09;
			// base 4.41.
			// Net 25.96; VAT 2.24; grand 28.20.
			name: "c: 10 % and 2.1 %",
			o: &order.Order{Source: order.SourceManual, Currency: eur, PricesIncludeTax: true,
				Lines: []order.LineItem{line("PRESSE", 1, "4.50", "2.1"), line("REPAS", 3, "7.90", "10")}},
			want: wantTotals{
				subtotal: "28.20", discount: "0", shipping: "0", net: "25.96", vat: "2.24", grand: "28.20",
				lineNet:  []string{"4.50", "23.70"},
				taxLines: [][4]string{{"10", "21.55", "2.15", "23.70"}, {"2.1", "4.41", "0.09", "4.50"}},
			},
		},
		{
			// (d) Yen: no minor unit. TTC at Japan's 10 % and 8 %.
			// 2 × 1980 = 3960 (10 %), 1 × 540 (8 %); subtotal 4500.
			// Discount 500 by 3960:540 → 440 and 60 exactly; lines 3520, 480.
			// 10 %: 3520 + shipping 600 = 4120; VAT = 4120 × 10/110 =
			//       374.54… → 375; base 3745.
			// 8 %: 480; VAT = 480 × 8/108 = 35.55… → 36; base 444.
			// Net 4189; VAT 411; grand 4600 (= 4500 − 500 + 600).
			name: "d: JPY",
			o: &order.Order{Source: order.SourceManual, Currency: jpy, PricesIncludeTax: true,
				Lines:         []order.LineItem{line("SENCHA", 2, "1980", "10"), line("MOCHI", 1, "540", "8")},
				Discounts:     []order.Discount{{Amount: dec("500")}},
				ShippingLines: []order.ShippingLine{{Title: "Yamato", Price: dec("600"), VATRate: dec("10")}}},
			want: wantTotals{
				subtotal: "4500", discount: "500", shipping: "600", net: "4189", vat: "411", grand: "4600",
				lineNet:  []string{"3520", "480"},
				taxLines: [][4]string{{"10", "3745", "375", "4120"}, {"8", "444", "36", "480"}},
			},
		},
		{
			// (e) A discount that does not divide evenly: 1.00 over three
			// 10.00 lines at 20 %, 5.5 % and 10 %, TTC. Shares 33⅓ cents
			// each: floors 33 + 33 + 33 = 99, the cent left goes to the first
			// (a tie goes to the earliest). Lines 9.66, 9.67, 9.67.
			// 20 %: VAT = 9.66 × 20/120 = 1.61; base 8.05.
			// 10 %: VAT = 9.67 × 10/110 = 0.87909… → 0.88; base 8.79.
			// 5.5 %: VAT = 9.67 × 5.5/105.5 = 0.50412… → 0.50; base 9.17.
			// Net 26.01; VAT 2.99; grand 29.00.
			name: "e: discount allocated by largest remainder",
			o: &order.Order{Source: order.SourceManual, Currency: eur, PricesIncludeTax: true,
				Lines:     []order.LineItem{line("A", 1, "10.00", "20"), line("B", 1, "10.00", "5.5"), line("C", 1, "10.00", "10")},
				Discounts: []order.Discount{{Code: "UNEURO", Amount: dec("1.00")}}},
			want: wantTotals{
				subtotal: "30.00", discount: "1.00", shipping: "0", net: "26.01", vat: "2.99", grand: "29.00",
				lineNet:  []string{"9.66", "9.67", "9.67"},
				taxLines: [][4]string{{"20", "8.05", "1.61", "9.66"}, {"10", "8.79", "0.88", "9.67"}, {"5.5", "9.17", "0.50", "9.67"}},
			},
		},
		{
			// (g) A zero-total order: a 100 % discount on one 15.00 line.
			// The tax line is kept, all zero.
			name: "g: zero total by discount",
			o: &order.Order{Source: order.SourceManual, Currency: eur, PricesIncludeTax: true,
				Lines:     []order.LineItem{line("ECHANTILLON", 1, "15.00", "20")},
				Discounts: []order.Discount{{Code: "OFFERT", Amount: dec("15.00")}}},
			want: wantTotals{
				subtotal: "15.00", discount: "15.00", shipping: "0", net: "0", vat: "0", grand: "0",
				lineNet: []string{"0"}, taxLines: [][4]string{{"20", "0", "0", "0"}},
			},
		},
		{
			// (g) A free sample: price 0, no shipping.
			name: "g: zero total by price",
			o: &order.Order{Source: order.SourceManual, Currency: eur,
				Lines: []order.LineItem{line("ECHANTILLON", 3, "0", "20")}},
			want: wantTotals{
				subtotal: "0", discount: "0", shipping: "0", net: "0", vat: "0", grand: "0",
				lineNet: []string{"0"}, taxLines: [][4]string{{"20", "0", "0", "0"}},
			},
		},
		{
			// Rates written differently are one rate: 20, 20.0 and 20.00.
			// 10.00 + 5.00 + 2.50 = 17.50 TTC at 20 %: VAT = 2.91666… → 2.92.
			name: "one rate however written",
			o: &order.Order{Source: order.SourceManual, Currency: eur, PricesIncludeTax: true,
				Lines: []order.LineItem{line("A", 1, "10.00", "20"), line("B", 1, "5", "20.0"), line("C", 1, "2.5", "20.00")}},
			want: wantTotals{
				subtotal: "17.50", discount: "0", shipping: "0", net: "14.58", vat: "2.92", grand: "17.50",
				lineNet: []string{"10", "5", "2.5"}, taxLines: [][4]string{{"20", "14.58", "2.92", "17.50"}},
			},
		},
		{
			// Unit prices are rounded per line: 3 × 0.333 = 0.999 → 1.00 HT at
			// 20 %: VAT 0.20, 1.20 TTC. Shipping 0 at 0 % has its own line.
			name: "line amounts rounded",
			o: &order.Order{Source: order.SourceManual, Currency: eur,
				Lines:         []order.LineItem{line("VIS", 3, "0.333", "20")},
				ShippingLines: []order.ShippingLine{{Title: "Retrait", Price: dec("0"), VATRate: dec("0")}}},
			want: wantTotals{
				subtotal: "1.00", discount: "0", shipping: "0", net: "1.00", vat: "0.20", grand: "1.20",
				lineNet: []string{"1.00"}, taxLines: [][4]string{{"20", "1.00", "0.20", "1.20"}, {"0", "0", "0", "0"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fmt.Sprint(tt.o)
			got, err := order.ComputeTotals(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			checkTotals(t, got, tt.o.Currency, tt.want)
			checkTotalsInvariants(t, tt.o, got)
			if fmt.Sprint(tt.o) != before {
				t.Fatal("ComputeTotals modified the order")
			}
		})
	}
}

func TestComputeTotalsRefuses(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(o *order.Order)
		code   string
	}{
		// (f) 60.00 off a 55.00 subtotal.
		{"f: discount above subtotal", func(o *order.Order) { o.Discounts[0].Amount = dec("60.00") }, "discount_exceeds_subtotal"},
		// Two discounts that only together exceed it: 30 + 25.01 > 55.00.
		{"discounts together above subtotal", func(o *order.Order) {
			o.Discounts = []order.Discount{{Amount: dec("30")}, {Amount: dec("25.01")}}
		}, "discount_exceeds_subtotal"},
		{"negative discount", func(o *order.Order) { o.Discounts[0].Amount = dec("-5") }, "invalid_amount"},
		{"no currency", func(o *order.Order) { o.Currency = order.Currency{} }, "unknown_currency"},
		{"zero quantity", func(o *order.Order) { o.Lines[0].Quantity = 0 }, "invalid_quantity"},
		{"negative price", func(o *order.Order) { o.Lines[1].UnitPrice = dec("-1") }, "invalid_amount"},
		{"huge exponent", func(o *order.Order) { o.Lines[1].UnitPrice = decimal.New(1, -900000000) }, "invalid_amount"},
		{"rate above 100", func(o *order.Order) { o.Lines[0].VATRate = dec("120") }, "invalid_vat_rate"},
		{"negative shipping", func(o *order.Order) { o.ShippingLines[0].Price = dec("-4.90") }, "invalid_amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := frenchBasket(true)
			tt.mutate(o)
			got, err := order.ComputeTotals(o)
			wantErr(t, err, order.Invalid, tt.code)
			if got.Grand.Currency != (order.Currency{}) || got.TaxLines != nil {
				t.Fatalf("got totals %v with the error, want none", got)
			}
		})
	}
	// A discount equal to the subtotal is allowed: a free order.
	o := frenchBasket(true)
	o.Discounts[0].Amount = dec("55.00")
	got, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Grand.Amount.Equal(dec("4.90")) { // shipping is not discounted
		t.Fatalf("grand = %s, want 4.90", got.Grand)
	}
}

// checkTotalsInvariants checks what must hold of any totals, independently
// of the figures: rounded amounts, sums that add up, VAT within half a minor
// unit of its exact value (computed here with big.Rat).
func checkTotalsInvariants(t *testing.T, o *order.Order, got order.Totals) {
	t.Helper()
	c := o.Currency
	rounded := func(name string, m order.Money) {
		if m.Currency != c || !m.Amount.Equal(m.Round().Amount) {
			t.Fatalf("%s = %s is not rounded to %s", name, m, c)
		}
	}
	for _, f := range []struct {
		n string
		m order.Money
	}{{"subtotal", got.Subtotal}, {"discount", got.Discount}, {"shipping", got.Shipping},
		{"net", got.Net}, {"vat", got.VAT}, {"grand", got.Grand}} {
		rounded(f.n, f.m)
	}
	net, vat, gross := order.Zero(c), order.Zero(c), order.Zero(c)
	half := new(big.Rat).SetFrac64(1, 2)
	half.Quo(half, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(c.MinorUnits())), nil)))
	for i, tl := range got.TaxLines {
		rounded("base", tl.Base)
		rounded("vat", tl.VAT)
		rounded("gross", tl.Gross)
		if !tl.Base.Add(tl.VAT).Equal(tl.Gross) {
			t.Fatalf("tax line %d: %s + %s ≠ %s", i, tl.Base, tl.VAT, tl.Gross)
		}
		if tl.VAT.IsNegative() || tl.Base.IsNegative() {
			t.Fatalf("tax line %d is negative: %+v", i, tl)
		}
		if i > 0 && !got.TaxLines[i-1].Rate.GreaterThan(tl.Rate) {
			t.Fatalf("tax lines not in strictly decreasing rate order: %s then %s", got.TaxLines[i-1].Rate, tl.Rate)
		}
		// Exact VAT: gross × r/(100+r) inclusive, base × r/100 exclusive.
		r := tl.Rate.Rat()
		var exact *big.Rat
		if o.PricesIncludeTax {
			exact = new(big.Rat).Quo(new(big.Rat).Mul(tl.Gross.Amount.Rat(), r), new(big.Rat).Add(big.NewRat(100, 1), r))
		} else {
			exact = new(big.Rat).Quo(new(big.Rat).Mul(tl.Base.Amount.Rat(), r), big.NewRat(100, 1))
		}
		diff := new(big.Rat).Sub(tl.VAT.Amount.Rat(), exact)
		if diff.Abs(diff).Cmp(half) > 0 {
			t.Fatalf("tax line %d: VAT %s is more than half a minor unit from %s", i, tl.VAT, exact.FloatString(6))
		}
		net, vat, gross = net.Add(tl.Base), vat.Add(tl.VAT), gross.Add(tl.Gross)
	}
	if !net.Equal(got.Net) || !vat.Equal(got.VAT) || !gross.Equal(got.Grand) {
		t.Fatalf("tax lines sum to %s/%s/%s, totals say %s/%s/%s", net, vat, gross, got.Net, got.VAT, got.Grand)
	}
	if !got.Net.Add(got.VAT).Equal(got.Grand) {
		t.Fatalf("net %s + VAT %s ≠ grand %s", got.Net, got.VAT, got.Grand)
	}
	lines := order.Zero(c)
	for _, m := range got.LineNet {
		rounded("lineNet", m)
		if m.IsNegative() {
			t.Fatalf("a line is negative after discount: %s", m)
		}
		lines = lines.Add(m)
	}
	if !lines.Equal(got.Subtotal.Sub(got.Discount)) {
		t.Fatalf("lines after discount sum to %s, want %s − %s", lines, got.Subtotal, got.Discount)
	}
	payable := got.Subtotal.Sub(got.Discount).Add(got.Shipping)
	if o.PricesIncludeTax && !got.Grand.Equal(payable) {
		t.Fatalf("TTC: grand %s ≠ subtotal − discount + shipping = %s", got.Grand, payable)
	}
	if !o.PricesIncludeTax && !got.Net.Equal(payable) {
		t.Fatalf("HT: net %s ≠ subtotal − discount + shipping = %s", got.Net, payable)
	}
}

func TestReconcile(t *testing.T) {
	o := frenchBasket(true) // grand 54.40, VAT 6.49; 2 lines + 1 shipping → tolerance 0.03
	ours, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	p := func(s string) *decimal.Decimal { d := dec(s); return &d }
	tests := []struct {
		name     string
		reported order.ReportedTotals
		field    string // "" when accepted
		details  map[string]any
	}{
		{"nothing reported", order.ReportedTotals{}, "", nil},
		{"exact", order.ReportedTotals{Grand: p("54.40"), VAT: p("6.49")}, "", nil},
		// A storefront rounding VAT per line: 5.5 % on 22.50 and 20 % on
		// 27.00 and 4.90 separately gives 1.17 + 4.50 + 0.82 = 6.49, but
		// other splits are a cent or two away.
		{"within tolerance", order.ReportedTotals{Grand: p("54.42"), VAT: p("6.47")}, "", nil},
		{"at the tolerance", order.ReportedTotals{Grand: p("54.37")}, "", nil},
		{"grand beyond tolerance", order.ReportedTotals{Grand: p("54.44"), VAT: p("6.49")}, "grand",
			map[string]any{"field": "grand", "reported": "54.44", "computed": "54.40", "tolerance": "0.03"}},
		{"vat beyond tolerance", order.ReportedTotals{Grand: p("54.40"), VAT: p("6.60")}, "vat",
			map[string]any{"field": "vat", "reported": "6.6", "computed": "6.49", "tolerance": "0.03"}},
		{"vat only, beyond", order.ReportedTotals{VAT: p("6.45")}, "vat",
			map[string]any{"field": "vat", "reported": "6.45", "computed": "6.49", "tolerance": "0.03"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := order.Reconcile(o, ours, tt.reported)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e := wantErr(t, err, order.Invalid, "totals_mismatch")
			if fmt.Sprint(e.Details) != fmt.Sprint(tt.details) {
				t.Fatalf("details = %v, want %v", e.Details, tt.details)
			}
		})
	}
	tiny := decimal.New(1, -99999999) // cheap to hold, a hundred million digits to compare
	err = order.Reconcile(o, ours, order.ReportedTotals{Grand: &tiny})
	wantErr(t, err, order.Invalid, "invalid_amount")
}

func FuzzComputeTotals(f *testing.F) {
	// The worked examples, as seeds.
	f.Add("12.50", int64(2), "5.5", "30.00", int64(1), "20", "5.50", "4.90", "20", true, "EUR")
	f.Add("12.50", int64(2), "5.5", "30.00", int64(1), "20", "5.50", "4.90", "20", false, "EUR")
	f.Add("4.50", int64(1), "2.1", "7.90", int64(3), "10", "0", "0", "0", true, "EUR")
	f.Add("1980", int64(2), "10", "540", int64(1), "8", "500", "600", "10", true, "JPY")
	f.Add("10.00", int64(1), "20", "10.00", int64(1), "5.5", "1.00", "0", "20", true, "EUR")
	f.Add("15.00", int64(1), "20", "0", int64(1), "20", "15.00", "0", "0", true, "EUR")
	f.Add("1.2345", int64(7), "15", "0.001", int64(999), "0", "0.005", "2.5", "15", false, "KWD")
	f.Fuzz(func(t *testing.T, p1 string, q1 int64, r1, p2 string, q2 int64, r2, disc, ship, shipRate string, incl bool, code string) {
		c, err := order.ParseCurrency(code)
		if err != nil {
			return
		}
		var ds [6]decimal.Decimal
		for i, s := range []string{p1, r1, p2, r2, disc, ship} {
			if ds[i], err = decimal.NewFromString(s); err != nil {
				return
			}
		}
		sr, err := decimal.NewFromString(shipRate)
		if err != nil {
			return
		}
		o := &order.Order{
			Source: order.SourceManual, Currency: c, PricesIncludeTax: incl,
			Lines: []order.LineItem{
				{SKU: "A", Quantity: q1, UnitPrice: ds[0], VATRate: ds[1]},
				{SKU: "B", Quantity: q2, UnitPrice: ds[2], VATRate: ds[3]},
			},
			Discounts:     []order.Discount{{Amount: ds[4]}},
			ShippingLines: []order.ShippingLine{{Title: "S", Price: ds[5], VATRate: sr}},
		}
		got, err := order.ComputeTotals(o)
		if err != nil {
			if order.KindOf(err) != order.Invalid {
				t.Fatalf("error of kind %s: %v", order.KindOf(err), err)
			}
			// What ComputeTotals refuses, Validate refuses too, except a
			// discount above the subtotal, which needs the totals to see.
			if order.CodeOf(err) != "discount_exceeds_subtotal" && o.Validate() == nil {
				t.Fatalf("ComputeTotals refused (%v) an order Validate accepts", err)
			}
			return
		}
		checkTotalsInvariants(t, o, got)
	})
}

func ExampleComputeTotals() {
	// 2 × 12.50 € of books at 5.5 %, a 30.00 € t-shirt at 20 %, a 5.50 €
	// discount code and 4.90 € of shipping at 20 %, prices including VAT.
	o := &order.Order{
		Source: order.SourceManual, Currency: order.EUR, PricesIncludeTax: true,
		Lines: []order.LineItem{
			{SKU: "BOOK", Quantity: 2, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.RequireFromString("5.5")},
			{SKU: "TEE", Quantity: 1, UnitPrice: decimal.RequireFromString("30.00"), VATRate: decimal.NewFromInt(20)},
		},
		Discounts:     []order.Discount{{Code: "BIENVENUE", Amount: decimal.RequireFromString("5.50")}},
		ShippingLines: []order.ShippingLine{{Title: "Colissimo", Price: decimal.RequireFromString("4.90"), VATRate: decimal.NewFromInt(20)}},
	}
	t, err := order.ComputeTotals(o)
	if err != nil {
		panic(err)
	}
	for _, tl := range t.TaxLines {
		fmt.Printf("%5s %%  base %s  VAT %s  total %s\n", tl.Rate, tl.Base, tl.VAT, tl.Gross)
	}
	fmt.Println("to pay", t.Grand)
	// Output:
	//    20 %  base 26.58 EUR  VAT 5.32 EUR  total 31.90 EUR
	//   5.5 %  base 21.33 EUR  VAT 1.17 EUR  total 22.50 EUR
	// to pay 54.40 EUR
}

func BenchmarkComputeTotals(b *testing.B) {
	// A large basket: 100 lines over three rates, a discount and shipping.
	o := &order.Order{Source: order.SourceManual, Currency: eur, PricesIncludeTax: true,
		Discounts:     []order.Discount{{Amount: dec("17.31")}},
		ShippingLines: []order.ShippingLine{{Title: "S", Price: dec("9.90"), VATRate: dec("20")}}}
	rates := []string{"20", "10", "5.5"}
	for i := 0; i < 100; i++ {
		o.Lines = append(o.Lines, line(fmt.Sprint("SKU", i), int64(1+i%4), fmt.Sprintf("%d.%02d", 3+i%40, i%100), rates[i%3]))
	}
	for b.Loop() {
		if _, err := order.ComputeTotals(o); err != nil {
			b.Fatal(err)
		}
	}
}
