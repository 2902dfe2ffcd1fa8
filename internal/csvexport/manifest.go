package csvexport

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Manifest describes an export file: how it was selected and laid out, what
// it holds and its SHA-256, so that finance can check the file it received
// and balance it without opening it.
type Manifest struct {
	GeneratedAt      time.Time        `json:"generatedAt"`
	Filters          any              `json:"filters"`
	Profile          string           `json:"profile"`
	Granularity      Granularity      `json:"granularity"`
	Columns          []string         `json:"columns"`
	Separator        string           `json:"separator"`
	DecimalSeparator string           `json:"decimalSeparator"`
	DateFormat       string           `json:"dateFormat"`
	BOM              bool             `json:"bom"`
	TimeZone         string           `json:"timeZone"`
	Rows             int64            `json:"rows"`
	Orders           int64            `json:"orders"`
	Bytes            int64            `json:"bytes"`
	SHA256           string           `json:"sha256"`
	Totals           []CurrencyTotals `json:"totals"`
}

// CurrencyTotals sums the exported orders of one currency: whatever the
// granularity, each order counts once, with its computed totals.
type CurrencyTotals struct {
	Currency string       `json:"currency"`
	Orders   int64        `json:"orders"`
	Subtotal order.Money  `json:"subtotal"`
	Discount order.Money  `json:"discount"`
	Shipping order.Money  `json:"shipping"`
	Net      order.Money  `json:"net"`
	VAT      order.Money  `json:"vat"`
	Grand    order.Money  `json:"grand"`
	Rates    []RateTotals `json:"rates"`
}

// RateTotals sums the tax lines of one VAT rate.
type RateTotals struct {
	Rate  decimal.Decimal `json:"rate"`
	Base  order.Money     `json:"base"`
	VAT   order.Money     `json:"vat"`
	Gross order.Money     `json:"gross"`
}

type currencyTotals struct {
	t     CurrencyTotals
	rates map[string]*RateTotals
}

// add counts o in the totals of its currency.
func (w *Writer) add(o *order.Order) {
	w.orders++
	c := o.Currency
	ct, ok := w.totals[c.Code()]
	if !ok {
		z := order.Zero(c)
		ct = &currencyTotals{t: CurrencyTotals{Currency: c.Code(), Subtotal: z, Discount: z, Shipping: z, Net: z, VAT: z, Grand: z},
			rates: map[string]*RateTotals{}}
		w.totals[c.Code()] = ct
	}
	t := &ct.t
	t.Orders++
	tot := o.Totals
	t.Subtotal = t.Subtotal.Add(orZero(tot.Subtotal, c))
	t.Discount = t.Discount.Add(orZero(tot.Discount, c))
	t.Shipping = t.Shipping.Add(orZero(tot.Shipping, c))
	t.Net = t.Net.Add(orZero(tot.Net, c))
	t.VAT = t.VAT.Add(orZero(tot.VAT, c))
	t.Grand = t.Grand.Add(orZero(tot.Grand, c))
	for _, tl := range tot.TaxLines {
		k := tl.Rate.String()
		r, ok := ct.rates[k]
		if !ok {
			r = &RateTotals{Rate: tl.Rate, Base: order.Zero(c), VAT: order.Zero(c), Gross: order.Zero(c)}
			ct.rates[k] = r
		}
		r.Base = r.Base.Add(tl.Base)
		r.VAT = r.VAT.Add(tl.VAT)
		r.Gross = r.Gross.Add(tl.Gross)
	}
}

// orZero reads a zero Money (no currency) as zero in c.
func orZero(m order.Money, c order.Currency) order.Money {
	if m.Currency.IsZero() {
		return order.Zero(c)
	}
	return m
}

func (ct *currencyTotals) out() CurrencyTotals {
	t := ct.t
	t.Rates = make([]RateTotals, 0, len(ct.rates))
	for _, r := range ct.rates {
		t.Rates = append(t.Rates, *r)
	}
	sort.Slice(t.Rates, func(i, j int) bool { return t.Rates[i].Rate.GreaterThan(t.Rates[j].Rate) })
	return t
}
