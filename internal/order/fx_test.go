package order_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestDate(t *testing.T) {
	d, err := order.ParseDate("2024-02-29")
	if err != nil || d.String() != "2024-02-29" || d != order.MustDate(2024, time.February, 29) {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	for _, bad := range []string{"2023-02-29", "2024-13-01", "2024-1-5", "01/02/2024", "", "2024-02-29T00:00:00Z"} {
		_, err := order.ParseDate(bad)
		wantErr(t, err, order.Invalid, "invalid_date")
	}
	_, err = order.NewDate(2023, time.February, 29)
	wantErr(t, err, order.Invalid, "invalid_date")
	_, err = order.NewDate(0, time.January, 1)
	wantErr(t, err, order.Invalid, "invalid_date")

	a, b := order.MustDate(2024, 12, 31), order.MustDate(2025, 1, 1)
	if !a.Before(b) || !b.After(a) || a.Compare(a) != 0 || a.After(b) || b.Before(a) {
		t.Fatal("date order is wrong")
	}
	if order.MustDate(2025, 2, 1).Compare(order.MustDate(2025, 1, 31)) != 1 || order.MustDate(2025, 1, 2).Compare(order.MustDate(2025, 1, 3)) != -1 {
		t.Fatal("month and day order is wrong")
	}
	// 23:30 UTC on 31 December is already New Year's Day in Paris.
	late := time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC)
	if got := order.DateOf(late, nil); got != a {
		t.Fatalf("DateOf UTC = %v", got)
	}
	if got := order.DateOf(late, time.FixedZone("CET", 3600)); got != b {
		t.Fatalf("DateOf CET = %v", got)
	}

	js, err := json.Marshal(struct{ D, Z order.Date }{D: a})
	if err != nil || string(js) != `{"D":"2024-12-31","Z":""}` {
		t.Fatalf("Marshal = %s, %v", js, err)
	}
	var back struct{ D, Z order.Date }
	if err := json.Unmarshal(js, &back); err != nil || back.D != a || !back.Z.IsZero() {
		t.Fatalf("Unmarshal = %+v, %v", back, err)
	}
	wantErr(t, json.Unmarshal([]byte(`"2024-02-30"`), &back.D), order.Invalid, "invalid_date")
}

func TestConvert(t *testing.T) {
	usd, gbp := order.MustCurrency("USD"), order.MustCurrency("GBP")
	rates := []order.ExchangeRate{
		{Currency: usd, Date: order.MustDate(2024, 3, 1), Rate: dec("0.9231")},
		{Currency: usd, Date: order.MustDate(2024, 3, 4), Rate: dec("0.9215")},
		{Currency: usd, Date: order.MustDate(2024, 3, 8), Rate: dec("0.9150")}, // after the orders below: never used for them
		{Currency: gbp, Date: order.MustDate(2024, 3, 4), Rate: dec("1.1692")},
		{Currency: jpy, Date: order.MustDate(2024, 3, 4), Rate: dec("0.006143")},
		{Currency: usd, Date: order.MustDate(2024, 3, 5), Rate: dec("-1")}, // invalid: ignored
	}
	on := order.MustDate(2024, 3, 5)
	tests := []struct {
		name     string
		total    order.Money
		company  order.Currency
		on       order.Date
		rates    []order.ExchangeRate
		want     string // "" for Missing
		rate     string
		rateDate string
	}{
		// 100.00 USD × 0.9215 = 92.15 EUR, the rate of 4 March: 5 March has
		// none (its only rate is invalid) and 8 March is later.
		{"latest earlier rate", order.MustMoney("100.00", usd), eur, on, rates, "92.15", "0.9215", "2024-03-04"},
		// On the day itself: 54.40 × 0.9231 = 50.21664 → 50.22.
		{"rate of the day", order.MustMoney("54.40", usd), eur, order.MustDate(2024, 3, 1), rates, "50.22", "0.9231", "2024-03-01"},
		// 12.34 × 0.9215 = 11.371310 → 11.37.
		{"rounded once", order.MustMoney("12.34", usd), eur, on, rates, "11.37", "0.9215", "2024-03-04"},
		// A refund rounds away from zero too: -0.05 × 0.9215 = -0.046075 →
		// -0.05.
		{"negative", order.MustMoney("-0.05", usd), eur, on, rates, "-0.05", "0.9215", "2024-03-04"},
		// 4600 JPY × 0.006143 = 28.2578 → 28.26 EUR.
		{"yen to euros", order.MustMoney("4600", jpy), eur, on, rates, "28.26", "0.006143", "2024-03-04"},
		// 10.00 GBP × 1.1692 = 11.692 → 11.69.
		{"pounds", order.MustMoney("10", gbp), eur, on, rates, "11.69", "1.1692", "2024-03-04"},
		{"same currency: exactly 1", order.MustMoney("54.40", eur), eur, on, nil, "54.40", "1", ""},
		{"no rate before the date", order.MustMoney("100", usd), eur, order.MustDate(2024, 2, 29), rates, "", "", ""},
		{"currency without rates", order.MustMoney("100", order.MustCurrency("CHF")), eur, on, rates, "", "", ""},
		{"no rates at all", order.MustMoney("100", usd), eur, on, nil, "", "", ""},
		{"no date", order.MustMoney("100", usd), eur, order.Date{}, rates, "", "", ""},
		{"total never computed", order.Money{}, eur, on, rates, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := order.Convert(tt.total, tt.company, tt.on, tt.rates)
			if tt.want == "" {
				if !got.Missing || !got.Total.IsZero() || got.Total.Currency != tt.company || !got.Rate.IsZero() || got.RateDate != "" {
					t.Fatalf("got %+v, want Missing with a zero total in %s", got, tt.company)
				}
				return
			}
			if got.Missing || !got.Total.Equal(order.MustMoney(tt.want, tt.company)) || !got.Rate.Equal(dec(tt.rate)) || got.RateDate != tt.rateDate {
				t.Fatalf("got %s at %s of %q, want %s %s at %s of %q", got.Total, got.Rate, got.RateDate, tt.want, tt.company, tt.rate, tt.rateDate)
			}
		})
	}
	// Of two rates for the same day, the later in the list wins.
	twice := []order.ExchangeRate{
		{Currency: usd, Date: on, Rate: dec("0.5")},
		{Currency: usd, Date: on, Rate: dec("0.9")},
	}
	if got := order.Convert(order.MustMoney("10", usd), eur, on, twice); !got.Total.Equal(order.MustMoney("9", eur)) {
		t.Fatalf("duplicate day gave %s", got.Total)
	}
}

func TestConvertOrder(t *testing.T) {
	o := validOrder()
	o.Currency = order.MustCurrency("USD")
	if err := order.Normalise(o, time.Date(2024, 3, 4, 22, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	rates := []order.ExchangeRate{{Currency: o.Currency, Date: order.MustDate(2024, 3, 4), Rate: dec("0.9215")}}
	c := order.ConvertOrder(o, eur, rates)
	// 54.40 USD × 0.9215 = 50.1296 → 50.13 EUR.
	if o.CompanyTotal == nil || *o.CompanyTotal != c || !c.Total.Equal(order.MustMoney("50.13", eur)) || c.RateDate != "2024-03-04" {
		t.Fatalf("conversion %+v", c)
	}
}

func TestExchangeRateValidate(t *testing.T) {
	usd := order.MustCurrency("USD")
	tests := []struct {
		name string
		r    order.ExchangeRate
		ok   bool
	}{
		{"valid", order.ExchangeRate{Currency: usd, Date: order.MustDate(2024, 3, 4), Rate: dec("0.9215")}, true},
		{"no currency", order.ExchangeRate{Date: order.MustDate(2024, 3, 4), Rate: dec("1")}, false},
		{"no date", order.ExchangeRate{Currency: usd, Rate: dec("1")}, false},
		{"zero", order.ExchangeRate{Currency: usd, Date: order.MustDate(2024, 3, 4), Rate: dec("0")}, false},
		{"negative", order.ExchangeRate{Currency: usd, Date: order.MustDate(2024, 3, 4), Rate: dec("-0.9")}, false},
		{"absurd", order.ExchangeRate{Currency: usd, Date: order.MustDate(2024, 3, 4), Rate: dec("1e12")}, false},
		{"too precise", order.ExchangeRate{Currency: usd, Date: order.MustDate(2024, 3, 4), Rate: dec("1e-17")}, false},
	}
	for _, tt := range tests {
		err := tt.r.Validate()
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		wantErr(t, err, order.Invalid, "invalid_exchange_rate")
	}
}

func ExampleConvert() {
	usd := order.MustCurrency("USD")
	rates := []order.ExchangeRate{
		{Currency: usd, Date: order.MustDate(2024, 3, 1), Rate: dec("0.9231")},
		{Currency: usd, Date: order.MustDate(2024, 3, 4), Rate: dec("0.9215")},
	}
	// An order of 5 March: no rate that day, so the rate of 4 March.
	c := order.Convert(order.MustMoney("100.00", usd), order.EUR, order.MustDate(2024, 3, 5), rates)
	fmt.Println(c.Total, "at", c.Rate, "of", c.RateDate)
	// A day before any rate: missing, never 1.
	c = order.Convert(order.MustMoney("100.00", usd), order.EUR, order.MustDate(2024, 2, 1), rates)
	fmt.Println(c.Missing, c.Total)
	// Output:
	// 92.15 EUR at 0.9215 of 2024-03-04
	// true 0.00 EUR
}
