package csvexport

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Column is one column of the file: its name (the header cell) and what it
// holds. Columns are listed in docs/EXPORTS.md.
type Column struct {
	Name string
	// Scope is the granularity whose rows alone have this column; empty for
	// the order's columns, which every row has.
	Scope Granularity
	// Doc says what the column holds, for docs/EXPORTS.md.
	Doc   string
	value func(r row) cell
}

// row is what one row of the file is about: an order, and one of its lines
// or tax lines at the finer granularities.
type row struct {
	o    *order.Order
	line int // index in o.Lines, at PerLine
	tax  order.TaxLine
}

type cellKind int

const (
	textCell cellKind = iota
	amountCell
	rateCell
	intCell
	timeCell
)

// cell is a value before formatting: text is neutralised, amounts, rates,
// integers and times are formatted and never neutralised.
type cell struct {
	kind cellKind
	s    string
	m    order.Money
	d    decimal.Decimal
	n    int64
	t    time.Time
}

func text(s string) cell             { return cell{kind: textCell, s: s} }
func amount(m order.Money) cell      { return cell{kind: amountCell, m: m} }
func rate(d decimal.Decimal) cell    { return cell{kind: rateCell, d: d} }
func integer(n int64) cell           { return cell{kind: intCell, n: n} }
func moment(t time.Time) cell        { return cell{kind: timeCell, t: t} }
func address(a order.Address) string { return strings.TrimSpace(a.Line1 + " " + a.Line2) }
func orderCol(name, doc string, v func(o *order.Order) cell) Column {
	return Column{Name: name, Doc: doc, value: func(r row) cell { return v(r.o) }}
}

// columns is every column, in the default order.
var columns = []Column{
	orderCol("order_id", "the order's id", func(o *order.Order) cell { return text(o.ID) }),
	orderCol("number", "the display number (prefix, sequence, suffix)", func(o *order.Order) cell { return text(o.Number) }),
	orderCol("created_at", "when the order was placed, in the export's time zone and date format", func(o *order.Order) cell { return moment(o.CreatedAt) }),
	orderCol("updated_at", "when the order last changed", func(o *order.Order) cell { return moment(o.UpdatedAt) }),
	orderCol("source", "shopify, woocommerce, ecwid, generic or manual", func(o *order.Order) cell { return text(string(o.Source)) }),
	orderCol("external_id", "the storefront's id of the order", func(o *order.Order) cell { return text(o.ExternalID) }),
	orderCol("payment_status", "AWAITING_PAYMENT, PAID, PARTIALLY_REFUNDED, REFUNDED or CANCELLED", func(o *order.Order) cell { return text(o.Payment.String()) }),
	orderCol("fulfilment_status", "the fulfilment status (docs/STATUSES.md)", func(o *order.Order) cell { return text(o.Fulfilment.String()) }),
	orderCol("customer_name", "the buyer's name", func(o *order.Order) cell { return text(o.Customer.Name) }),
	orderCol("customer_email", "the buyer's e-mail address", func(o *order.Order) cell { return text(o.Customer.Email) }),
	orderCol("customer_phone", "the buyer's phone number", func(o *order.Order) cell { return text(o.Customer.Phone) }),
	orderCol("billing_company", "the billing address's company", func(o *order.Order) cell { return text(o.Billing.Company) }),
	orderCol("billing_address", "the billing address's street lines", func(o *order.Order) cell { return text(address(o.Billing)) }),
	orderCol("billing_postal_code", "the billing postal code", func(o *order.Order) cell { return text(o.Billing.PostalCode) }),
	orderCol("billing_city", "the billing city", func(o *order.Order) cell { return text(o.Billing.City) }),
	orderCol("billing_country", "the billing country (ISO 3166-1 alpha-2)", func(o *order.Order) cell { return text(o.Billing.Country) }),
	orderCol("shipping_name", "the recipient's name", func(o *order.Order) cell { return text(o.Shipping.Name) }),
	orderCol("shipping_address", "the shipping address's street lines", func(o *order.Order) cell { return text(address(o.Shipping)) }),
	orderCol("shipping_postal_code", "the shipping postal code", func(o *order.Order) cell { return text(o.Shipping.PostalCode) }),
	orderCol("shipping_city", "the shipping city", func(o *order.Order) cell { return text(o.Shipping.City) }),
	orderCol("shipping_country", "the shipping country (ISO 3166-1 alpha-2)", func(o *order.Order) cell { return text(o.Shipping.Country) }),
	orderCol("payment_method", "the payment method", func(o *order.Order) cell { return text(o.PaymentMethod) }),
	orderCol("shipping_method", "the shipping method", func(o *order.Order) cell { return text(o.ShippingMethod) }),
	orderCol("discount_codes", "the discount codes, space separated", func(o *order.Order) cell {
		codes := make([]string, 0, len(o.Discounts))
		for _, d := range o.Discounts {
			if d.Code != "" {
				codes = append(codes, d.Code)
			}
		}
		return text(strings.Join(codes, " "))
	}),
	orderCol("currency", "the order's currency (ISO 4217)", func(o *order.Order) cell { return text(o.Currency.Code()) }),
	orderCol("subtotal", "Σ line amounts, in the prices' tax mode", func(o *order.Order) cell { return amount(o.Totals.Subtotal) }),
	orderCol("discount", "Σ discounts applied", func(o *order.Order) cell { return amount(o.Totals.Discount) }),
	orderCol("shipping", "Σ shipping charges, in the prices' tax mode", func(o *order.Order) cell { return amount(o.Totals.Shipping) }),
	orderCol("charges", "Σ taxable charges (fees, handling); a reduction booked as a fee is negative", func(o *order.Order) cell { return amount(o.Totals.Charges) }),
	orderCol("outside_vat", "Σ charges outside the scope of VAT (tips, untaxed duties)", func(o *order.Order) cell { return amount(o.Totals.OutsideVAT) }),
	orderCol("net", "total excluding VAT (HT)", func(o *order.Order) cell { return amount(o.Totals.Net) }),
	orderCol("vat", "total VAT", func(o *order.Order) cell { return amount(o.Totals.VAT) }),
	orderCol("grand", "total including VAT (TTC): what the customer pays", func(o *order.Order) cell { return amount(o.Totals.Grand) }),

	{Name: "line_number", Scope: PerLine, Doc: "the line's position in the order, from 1", value: func(r row) cell { return integer(int64(r.line + 1)) }},
	{Name: "sku", Scope: PerLine, Doc: "the product's SKU", value: func(r row) cell { return text(r.o.Lines[r.line].SKU) }},
	{Name: "product_name", Scope: PerLine, Doc: "the product's name", value: func(r row) cell { return text(r.o.Lines[r.line].Name) }},
	{Name: "quantity", Scope: PerLine, Doc: "the quantity", value: func(r row) cell { return integer(r.o.Lines[r.line].Quantity) }},
	{Name: "unit_price", Scope: PerLine, Doc: "the unit price, in the prices' tax mode", value: func(r row) cell {
		return amount(order.NewMoney(r.o.Lines[r.line].UnitPrice, r.o.Currency))
	}},
	{Name: "line_vat_rate", Scope: PerLine, Doc: "the line's VAT rate, in percent", value: func(r row) cell { return rate(r.o.Lines[r.line].VATRate) }},
	{Name: "line_amount", Scope: PerLine, Doc: "the line's amount after its share of the discount, in the prices' tax mode", value: func(r row) cell {
		if r.line < len(r.o.Totals.LineNet) {
			return amount(r.o.Totals.LineNet[r.line])
		}
		return amount(order.Money{})
	}},

	{Name: "vat_rate", Scope: PerVAT, Doc: "the VAT rate, in percent", value: func(r row) cell { return rate(r.tax.Rate) }},
	{Name: "vat_base", Scope: PerVAT, Doc: "the base (HT) at that rate", value: func(r row) cell { return amount(r.tax.Base) }},
	{Name: "vat_amount", Scope: PerVAT, Doc: "the VAT at that rate", value: func(r row) cell { return amount(r.tax.VAT) }},
	{Name: "vat_gross", Scope: PerVAT, Doc: "the gross (TTC) at that rate", value: func(r row) cell { return amount(r.tax.Gross) }},
}

// Columns returns every column, in the default order.
func Columns() []Column { return slices.Clone(columns) }

// columnsFor returns the named columns for granularity g, or every column g
// has when names is empty. An unknown name, a repeated one or a column of
// another granularity is an Invalid error.
func columnsFor(g Granularity, names []string) ([]Column, error) {
	const op = "csvexport.FromFormat"
	has := func(c Column) bool { return c.Scope == "" || c.Scope == g }
	if len(names) == 0 {
		var out []Column
		for _, c := range columns {
			if has(c) {
				out = append(out, c)
			}
		}
		return out, nil
	}
	out := make([]Column, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		i := slices.IndexFunc(columns, func(c Column) bool { return c.Name == n })
		var why string
		switch {
		case i < 0:
			why = fmt.Sprintf("unknown column %q", n)
		case !has(columns[i]):
			why = fmt.Sprintf("column %q needs granularity %s", n, columns[i].Scope)
		case seen[n]:
			why = fmt.Sprintf("column %q is repeated", n)
		}
		if why != "" {
			e := order.E(op, order.Invalid, "invalid_column", why)
			e.Details = map[string]any{"field": "columns", "column": n}
			return nil, e
		}
		seen[n] = true
		out = append(out, columns[i])
	}
	return out, nil
}

// format renders a cell with the options' decimal separator, date layout and
// time zone; text is neutralised, numbers are not.
func (o Options) format(c cell, cur order.Currency) string {
	switch c.kind {
	case amountCell:
		if c.m.Currency.IsZero() {
			// A zero total decoded from storage carries no currency.
			c.m = order.Zero(cur)
		}
		return o.decimal(c.m.Round().Amount.StringFixed(c.m.Currency.MinorUnits()))
	case rateCell:
		return o.decimal(c.d.String())
	case intCell:
		return strconv.FormatInt(c.n, 10)
	case timeCell:
		if c.t.IsZero() {
			return ""
		}
		return c.t.In(o.Location).Format(o.dateLayout)
	}
	return Neutralise(c.s)
}

func (o Options) decimal(s string) string {
	if o.Decimal == '.' {
		return s
	}
	return strings.Replace(s, ".", string(o.Decimal), 1)
}

// Neutralise makes a text cell safe to open in a spreadsheet, as OWASP
// advises against CSV injection: a cell starting with "=", "+", "-", "@", a
// tab or a carriage return gets a leading single quote, so it is shown as
// text and never evaluated as a formula. It is for text only: amounts are
// formatted numbers and stay numbers.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
