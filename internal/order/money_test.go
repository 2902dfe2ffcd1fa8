package order_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/shopspring/decimal"
)

var (
	eur = order.EUR
	jpy = order.MustCurrency("JPY")
	kwd = order.MustCurrency("KWD")
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func decs(ss ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = dec(s)
	}
	return out
}

// wantErr fails unless err is an *order.Error of the kind and code, with an
// op and a human message, and returns it.
func wantErr(t *testing.T, err error, kind order.Kind, code string) *order.Error {
	t.Helper()
	var e *order.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *order.Error %s %s", err, kind, code)
	}
	if e.Kind != kind || e.Code != code {
		t.Fatalf("got %v (kind %s, code %q), want kind %s, code %q", err, e.Kind, e.Code, kind, code)
	}
	if e.Op == "" || e.Message == "" {
		t.Fatalf("error %#v lacks an op or a message", e)
	}
	return e
}

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		in    string
		code  string
		minor int32
		ok    bool
	}{
		{"EUR", "EUR", 2, true},
		{" eur ", "EUR", 2, true}, // storefronts send lower case and padding
		{"JPY", "JPY", 0, true},
		{"KWD", "KWD", 3, true},
		{"XOF", "XOF", 0, true},
		{"", "", 0, false},
		{"EURO", "", 0, false},
		{"XXX", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := order.ParseCurrency(tt.in)
			if !tt.ok {
				wantErr(t, err, order.Invalid, "unknown_currency")
				if !c.IsZero() {
					t.Fatalf("got %v with the error, want the zero Currency", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Code() != tt.code || c.MinorUnits() != tt.minor || c.String() != tt.code {
				t.Fatalf("got %s/%d, want %s/%d", c.Code(), c.MinorUnits(), tt.code, tt.minor)
			}
		})
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		c    order.Currency
		want string // Amount.String(); "" when refused
	}{
		{"12.50", eur, "12.5"},
		{" 12.50 ", eur, "12.5"},
		{"-3", eur, "-3"},
		{"0.125", eur, "0.125"}, // ParseMoney does not round
		{"1e3", eur, "1000"},
		{"1980", jpy, "1980"},
		{"999999999999.999999999999", eur, "999999999999.999999999999"}, // 12 digits, 12 places: the bounds
		{"12,50", eur, ""},                        // a comma is not a decimal point here
		{"", eur, ""},                             //
		{"abc", eur, ""},                          //
		{"NaN", eur, ""},                          //
		{"1000000000000", eur, ""},                // 10^12: one digit too many
		{"0.0000000000001", eur, ""},              // 13 places
		{"1e-999999999", eur, ""},                 // cheap to parse, a billion digits to print
		{"1e999999999", eur, ""},                  //
		{strings.Repeat("9", 40), eur, ""},        //
		{"-1000000000000", eur, ""},               // the bound holds for negatives too
		{"12.5000000000000000000000", eur, ""},    // trailing zeros still count as places
		{"0.000000000001", kwd, "0.000000000001"}, //
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := order.ParseMoney(tt.in, tt.c)
			if tt.want == "" {
				wantErr(t, err, order.Invalid, "invalid_amount")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Amount.String() != tt.want || m.Currency != tt.c {
				t.Fatalf("got %s %s, want %s %s", m.Amount, m.Currency, tt.want, tt.c)
			}
		})
	}
}

func TestMoneyRound(t *testing.T) {
	// Half away from zero, to the currency's minor unit.
	tests := []struct {
		in   string
		c    order.Currency
		want string
	}{
		{"0.125", eur, "0.13"},   // a half rounds up...
		{"-0.125", eur, "-0.13"}, // ...and away from zero below it
		{"0.124", eur, "0.12"},
		{"0.135", eur, "0.14"}, // not to even: banker's would give 0.14 here and 0.12 above
		{"0.115", eur, "0.12"}, // banker's would give 0.12 too; 0.125 above is the telling case
		{"2.675", eur, "2.68"}, // exact decimal, no float64 surprise (2.67 in float)
		{"-0.005", eur, "-0.01"},
		{"-0.0049", eur, "0"},
		{"12.5", eur, "12.5"},
		{"0.5", jpy, "1"},
		{"-0.5", jpy, "-1"},
		{"1234.4", jpy, "1234"},
		{"1234.5", jpy, "1235"},
		{"1.2345", kwd, "1.235"},
		{"-1.2345", kwd, "-1.235"},
		{"0.0005", kwd, "0.001"},
		{"0.0004", kwd, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.c.Code()+" "+tt.in, func(t *testing.T) {
			got := order.MustMoney(tt.in, tt.c).Round()
			if !got.Amount.Equal(dec(tt.want)) || got.Currency != tt.c {
				t.Fatalf("Round(%s %s) = %s, want %s", tt.in, tt.c, got, tt.want)
			}
		})
	}
}

func TestMoneyArithmetic(t *testing.T) {
	a, b := order.MustMoney("12.50", eur), order.MustMoney("0.75", eur)
	tests := []struct {
		name string
		got  order.Money
		want string
	}{
		{"add", a.Add(b), "13.25"},
		{"sub", a.Sub(b), "11.75"},
		{"sub below zero", b.Sub(a), "-11.75"},
		{"mul unrounded", a.Mul(dec("0.055")), "0.6875"},
		{"neg", a.Neg(), "-12.5"},
		{"zero", order.Zero(jpy), "0"},
		{"from minor units", order.FromMinorUnits(-1234, eur), "-12.34"},
		{"from minor units, yen", order.FromMinorUnits(1980, jpy), "1980"},
		{"from minor units, dinar", order.FromMinorUnits(1500, kwd), "1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.got.Amount.Equal(dec(tt.want)) {
				t.Fatalf("got %s, want %s", tt.got.Amount, tt.want)
			}
		})
	}
	if a.Cmp(b) != 1 || b.Cmp(a) != -1 || a.Cmp(a) != 0 {
		t.Fatal("Cmp disagrees with the amounts")
	}
	if !a.Equal(order.MustMoney("12.500", eur)) || a.Equal(order.MustMoney("12.50", order.MustCurrency("USD"))) {
		t.Fatal("Equal must compare value and currency")
	}
	if got := order.MustMoney("12.345", eur).Round().MinorUnits(); got != 1235 {
		t.Fatalf("MinorUnits = %d, want 1235", got)
	}
	if got := order.MustMoney("-7", jpy).MinorUnits(); got != -7 {
		t.Fatalf("MinorUnits = %d, want -7", got)
	}
	if got := order.MustMoney("5", eur).String(); got != "5.00 EUR" {
		t.Fatalf("String = %q", got)
	}
	if got := order.MustMoney("1980", jpy).String(); got != "1980 JPY" {
		t.Fatalf("String = %q", got)
	}
}

func TestMoneyCurrencyMismatchPanics(t *testing.T) {
	e, y := order.MustMoney("1", eur), order.MustMoney("1", jpy)
	tests := []struct {
		name string
		f    func()
	}{
		{"add", func() { e.Add(y) }},
		{"sub", func() { e.Sub(y) }},
		{"cmp", func() { e.Cmp(y) }},
		{"add to zero currency", func() { e.Add(order.Money{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), "currency mismatch") {
					t.Fatalf("recovered %v, want a currency mismatch panic", r)
				}
			}()
			tt.f()
		})
	}
}

func TestMoneyJSONRoundTrip(t *testing.T) {
	tests := []struct {
		m    order.Money
		want string
	}{
		{order.MustMoney("12.5", eur), `{"amount":"12.50","currency":"EUR"}`},
		{order.MustMoney("-0.125", eur), `{"amount":"-0.125","currency":"EUR"}`}, // unrounded: no digit lost
		{order.MustMoney("1980", jpy), `{"amount":"1980","currency":"JPY"}`},
		{order.MustMoney("1.5", kwd), `{"amount":"1.500","currency":"KWD"}`},
		{order.Money{}, `{"amount":"0","currency":""}`}, // the zero Money survives too
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := json.Marshal(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("Marshal = %s, want %s", b, tt.want)
			}
			var back order.Money
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !back.Equal(tt.m) {
				t.Fatalf("round trip gave %v, want %v", back, tt.m)
			}
		})
	}
	var m order.Money
	err := json.Unmarshal([]byte(`{"amount":"1","currency":"XXX"}`), &m)
	wantErr(t, err, order.Invalid, "unknown_currency")
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name    string
		total   order.Money
		weights []decimal.Decimal
		want    []string
	}{
		// 1.00 over 1:2:4 → exact 14.2857, 28.5714, 57.1428 cents; floors
		// 14+28+57 = 99; the cent left goes to the largest remainder, .5714.
		{"uneven", order.MustMoney("1.00", eur), decs("1", "2", "4"), []string{"0.14", "0.29", "0.57"}},
		// 1.00 over 1:1:1 → 33⅓ each; the tie goes to the earliest part.
		{"tie goes first", order.MustMoney("1.00", eur), decs("1", "1", "1"), []string{"0.34", "0.33", "0.33"}},
		// 0.02 over 1:1:1 → ⅔ each, floors 0; two cents to the first two.
		{"fewer cents than parts", order.MustMoney("0.02", eur), decs("5", "5", "5"), []string{"0.01", "0.01", "0"}},
		// 5.50 over the line amounts 25.00:30.00 → 2.50 and 3.00 exactly.
		{"exact", order.MustMoney("5.50", eur), decs("25.00", "30.00"), []string{"2.50", "3.00"}},
		// All weights zero: split evenly, 10.00 / 3 → 3.34, 3.33, 3.33.
		{"zero weights", order.MustMoney("10", eur), decs("0", "0", "0"), []string{"3.34", "3.33", "3.33"}},
		// A zero weight among others gets nothing.
		{"one zero weight", order.MustMoney("10", eur), decs("0", "1", "1"), []string{"0", "5", "5"}},
		// Negative totals mirror positive ones: -1.00 over 1:2:4.
		{"negative", order.MustMoney("-1.00", eur), decs("1", "2", "4"), []string{"-0.14", "-0.29", "-0.57"}},
		{"negative tie", order.MustMoney("-1.00", eur), decs("1", "1", "1"), []string{"-0.34", "-0.33", "-0.33"}},
		// The total is rounded first: 0.125 → 0.13, then 0.07 + 0.06.
		{"rounded first", order.MustMoney("0.125", eur), decs("1", "1"), []string{"0.07", "0.06"}},
		// Yen have no minor unit: 1000 over 1:1:1 → 334, 333, 333.
		{"yen", order.MustMoney("1000", jpy), decs("1", "1", "1"), []string{"334", "333", "333"}},
		// Dinars have three: 1.000 over 1:2 → 333⅓ and 666⅔ fils; floors 333
		// + 666 = 999, the fils left goes to the larger remainder (⅔).
		{"dinar", order.MustMoney("1", kwd), decs("1", "2"), []string{"0.333", "0.667"}},
		// Decimal weights with different scales keep their ratio: 0.5:1.25
		// is 2:5 → 0.70 × 2/7 = 0.20, × 5/7 = 0.50.
		{"decimal weights", order.MustMoney("0.70", eur), decs("0.5", "1.25"), []string{"0.2", "0.5"}},
		// Weights whose shares sit a hair under a whole cent: 2.99999... must
		// not be pushed up to 3 (no cent invented). 0.03 over
		// 1:99999999999999999999 → 0.000...03 and 2.99999... cents.
		{"tiny weight", order.MustMoney("0.03", eur), decs("1", "99999999999999999999"), []string{"0", "0.03"}},
		{"zero total", order.Zero(eur), decs("1", "2"), []string{"0", "0"}},
		{"single part", order.MustMoney("9.99", eur), decs("3"), []string{"9.99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.total.Allocate(tt.weights)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d parts, want %d", len(got), len(tt.want))
			}
			sum := order.Zero(tt.total.Currency)
			for i, p := range got {
				if !p.Amount.Equal(dec(tt.want[i])) || p.Currency != tt.total.Currency {
					t.Fatalf("part %d = %s, want %s (all: %v)", i, p, tt.want[i], got)
				}
				sum = sum.Add(p)
			}
			if !sum.Equal(tt.total.Round()) {
				t.Fatalf("parts sum to %s, want %s", sum, tt.total.Round())
			}
		})
	}
	if got := order.MustMoney("1", eur).Allocate(nil); got != nil {
		t.Fatalf("no weights gave %v, want nil", got)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("a negative weight did not panic")
			}
		}()
		order.MustMoney("1", eur).Allocate(decs("1", "-1"))
	}()
}

// checkAllocation verifies an allocation against exact arithmetic done here
// with big.Rat, independently of the code under test: the parts sum to the
// rounded total, each part is its exact share rounded down or up by one
// minor unit, and the parts rounded up have remainders no smaller than the
// parts rounded down (earlier parts winning ties).
func checkAllocation(t *testing.T, total order.Money, weights []decimal.Decimal, parts []order.Money) {
	t.Helper()
	if len(parts) != len(weights) {
		t.Fatalf("got %d parts for %d weights", len(parts), len(weights))
	}
	if len(weights) == 0 {
		return
	}
	units := total.Round().Amount.Shift(total.Currency.MinorUnits()).BigInt()
	neg := units.Sign() < 0
	units.Abs(units)
	sumW := new(big.Rat)
	ws := make([]*big.Rat, len(weights))
	for i, w := range weights {
		ws[i] = w.Rat()
		sumW.Add(sumW, ws[i])
	}
	if sumW.Sign() == 0 {
		for i := range ws {
			ws[i] = big.NewRat(1, 1)
		}
		sumW.SetInt64(int64(len(ws)))
	}
	sum := new(big.Int)
	floors := make([]*big.Int, len(ws))
	rems := make([]*big.Rat, len(ws))
	bumped := make([]bool, len(ws))
	for i, p := range parts {
		if p.Currency != total.Currency {
			t.Fatalf("part %d in %s, total in %s", i, p.Currency, total.Currency)
		}
		got := p.Amount.Shift(total.Currency.MinorUnits())
		if !got.Equal(got.Truncate(0)) {
			t.Fatalf("part %d = %s is not a whole number of minor units", i, p)
		}
		gi := got.BigInt()
		if neg {
			gi.Neg(gi)
		}
		sum.Add(sum, gi)
		exact := new(big.Rat).Quo(new(big.Rat).Mul(new(big.Rat).SetInt(units), ws[i]), sumW)
		floors[i] = new(big.Int).Quo(exact.Num(), exact.Denom())
		rems[i] = new(big.Rat).Sub(exact, new(big.Rat).SetInt(floors[i]))
		switch diff := new(big.Int).Sub(gi, floors[i]); diff.Int64() {
		case 0:
		case 1:
			bumped[i] = true
		default:
			t.Fatalf("part %d = %s units, exact share %s: off by %s", i, gi, exact.FloatString(6), diff)
		}
	}
	if sum.Cmp(units) != 0 {
		t.Fatalf("parts sum to %s minor units, want %s (parts %v)", sum, units, parts)
	}
	for i := range ws {
		for j := range ws {
			if bumped[i] && !bumped[j] {
				c := rems[i].Cmp(rems[j])
				if c < 0 || (c == 0 && j < i) {
					t.Fatalf("part %d (remainder %s) got a unit before part %d (remainder %s)", i, rems[i].FloatString(6), j, rems[j].FloatString(6))
				}
			}
		}
	}
}

func TestAllocateProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240601, 42))
	currencies := []order.Currency{eur, jpy, kwd}
	for i := 0; i < 1000; i++ {
		c := currencies[rng.IntN(len(currencies))]
		total := decimal.New(rng.Int64N(2_000_000_000)-1_000_000_000, -int32(rng.IntN(5)))
		n := 1 + rng.IntN(12)
		weights := make([]decimal.Decimal, n)
		for j := range weights {
			switch rng.IntN(4) {
			case 0:
				weights[j] = decimal.Zero
			case 1:
				weights[j] = decimal.NewFromInt(1) // ties
			default:
				weights[j] = decimal.New(rng.Int64N(1_000_000), -int32(rng.IntN(4)))
			}
		}
		m := order.NewMoney(total, c)
		checkAllocation(t, m, weights, m.Allocate(weights))
	}
}

func FuzzAllocate(f *testing.F) {
	f.Add(int64(100), uint32(1), uint32(2), uint32(4), uint8(3), uint8(2), "EUR")
	f.Add(int64(-100), uint32(1), uint32(1), uint32(1), uint8(3), uint8(2), "EUR")
	f.Add(int64(2), uint32(5), uint32(5), uint32(5), uint8(3), uint8(2), "EUR")
	f.Add(int64(1000), uint32(0), uint32(0), uint32(0), uint8(3), uint8(0), "JPY")
	f.Add(int64(1), uint32(1), uint32(2), uint32(0), uint8(2), uint8(3), "KWD")
	f.Add(int64(-9223372036854775808), uint32(4294967295), uint32(1), uint32(7), uint8(3), uint8(1), "EUR")
	f.Fuzz(func(t *testing.T, units int64, w0, w1, w2 uint32, n, scale uint8, code string) {
		c, err := order.ParseCurrency(code)
		if err != nil {
			return
		}
		ws := []uint32{w0, w1, w2, w0 ^ w1, w1 ^ w2}
		weights := make([]decimal.Decimal, int(n)%len(ws)+1)
		for i := range weights {
			weights[i] = decimal.New(int64(ws[i]), -int32(scale%8))
		}
		m := order.NewMoney(decimal.New(units, -int32(scale%6)), c)
		checkAllocation(t, m, weights, m.Allocate(weights))
	})
}

func ExampleMoney_Allocate() {
	// A 1.00 € discount over three lines of 1.00, 2.00 and 4.00 €: the exact
	// shares are 0.142857, 0.285714 and 0.571428; rounding each down leaves
	// one cent, which goes to the largest remainder (the second line).
	discount := order.MustMoney("1.00", order.EUR)
	parts := discount.Allocate([]decimal.Decimal{
		decimal.RequireFromString("1.00"),
		decimal.RequireFromString("2.00"),
		decimal.RequireFromString("4.00"),
	})
	fmt.Println(parts)
	// Output: [0.14 EUR 0.29 EUR 0.57 EUR]
}
