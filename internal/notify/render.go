package notify

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Message is what one e-mail is about: its kind, its language and the
// order (or cart) summary it shows.
type Message struct {
	Kind         order.NotificationKind
	Lang         Language
	ShopName     string
	CustomerName string
	Number       string // the order's display number; empty for a cart
	Payment      string // payment status name, for "status changed"
	Fulfilment   string // fulfilment status name, for "status changed"
	Lines        []order.EventLine
	Totals       *order.Totals  // nil for a cart, which only has Grand
	Charges      []order.Charge // tips, duties, fees, handling: one row each under the shipping
	Grand        order.Money
	Tracking     []order.Tracking
	CreditNote   bool   // a paid order was cancelled: say the money comes back
	RecoveryURL  string // an abandoned cart's link back to the checkout
	// DiscountCode is offered in a cart reminder; UnsubscribeURL is its
	// visible unsubscribe link (the List-Unsubscribe header's too).
	DiscountCode   string
	UnsubscribeURL string
}

// Rendered is an e-mail ready to send.
type Rendered struct {
	Subject string
	HTML    string
	Text    string
}

// view is what the layouts read.
type view struct {
	Lang, Subject, Heading, Greeting string
	Intro                            []string
	Outro                            string
	Number, ShopName, RecoveryURL    string
	DiscountCode, UnsubscribeURL     string
	Statuses                         []row
	Tracking                         []order.Tracking
	Lines                            []lineRow
	Totals                           []totalRow
	L                                labels
}

type row struct{ Label, Value string }

type lineRow struct {
	Name, SKU, Amount string
	Quantity          int64
}

// totalRow is one row under the lines; Note qualifies its label (a tip is
// "outside the scope of VAT").
type totalRow struct {
	Label, Amount string
	Strong        bool
	Note          string
}

// Render renders m as HTML and plain text in m.Lang.
func Render(m Message) (Rendered, error) {
	v, err := newView(m)
	if err != nil {
		return Rendered{}, err
	}
	// The HTML layout escapes every value (a customer's name or a
	// product's is data, never markup); see layout.go.
	var html, text strings.Builder
	writeHTML(&html, v)
	writeText(&text, v)
	subject := v.Subject
	if m.ShopName != "" {
		subject = m.ShopName + " - " + subject
	}
	return Rendered{Subject: subject, HTML: html.String(), Text: text.String()}, nil
}

// newView is what the layouts show of m in m.Lang.
func newView(m Message) (view, error) {
	c, ok := catalogues[m.Lang]
	if !ok {
		return view{}, fmt.Errorf("render %s: unknown language %q", m.Kind, m.Lang)
	}
	kt, ok := c.Kinds[m.Kind]
	if !ok {
		return view{}, fmt.Errorf("render: no %s text for %s", m.Lang, m.Kind)
	}
	money := func(x order.Money) string { return formatMoney(x, m.Lang) }
	v := view{
		Lang: string(m.Lang), Subject: withNumber(kt.Subject, m.Number), Heading: withNumber(kt.Heading, m.Number),
		Outro: kt.Outro, Number: m.Number, ShopName: m.ShopName, L: c.Labels,
	}
	// Tracking belongs to the shipping e-mail and the link to the cart
	// reminder; other kinds never show them, whatever the message holds.
	if m.Kind == order.NotifyShipped {
		for _, t := range m.Tracking {
			if !t.Voided {
				v.Tracking = append(v.Tracking, t)
			}
		}
	}
	if m.Kind == order.NotifyAbandonedCart {
		v.RecoveryURL, v.DiscountCode, v.UnsubscribeURL = m.RecoveryURL, m.DiscountCode, m.UnsubscribeURL
	}
	if name := strings.TrimSpace(m.CustomerName); name != "" {
		v.Greeting = fmt.Sprintf(c.Greeting, name)
	}
	for _, p := range kt.Intro {
		if strings.Contains(p, "%s") {
			p = fmt.Sprintf(p, money(m.Grand))
		}
		v.Intro = append(v.Intro, p)
	}
	if m.Kind == order.NotifyCancelled && m.CreditNote {
		v.Intro = append(v.Intro, c.CreditNote)
	}
	if m.Kind == order.NotifyStatusChanged {
		if s, ok := c.Payment[m.Payment]; ok {
			v.Statuses = append(v.Statuses, row{c.Labels.Payment, s})
		}
		if s, ok := c.Fulfil[m.Fulfilment]; ok {
			v.Statuses = append(v.Statuses, row{c.Labels.Fulfilment, s})
		}
	}
	for _, l := range m.Lines {
		v.Lines = append(v.Lines, lineRow{Name: l.Name, SKU: l.SKU, Quantity: l.Quantity, Amount: money(l.Amount)})
	}
	if t := m.Totals; t != nil && len(m.Lines) > 0 {
		v.Totals = append(v.Totals, totalRow{Label: c.Labels.Subtotal, Amount: money(t.Subtotal)})
		if !t.Discount.IsZero() {
			v.Totals = append(v.Totals, totalRow{Label: c.Labels.Discount, Amount: money(t.Discount.Neg())})
		}
		if !t.Shipping.IsZero() {
			v.Totals = append(v.Totals, totalRow{Label: c.Labels.Shipping, Amount: money(t.Shipping)})
		}
		for _, ch := range m.Charges {
			v.Totals = append(v.Totals, chargeRow(ch, t.Grand.Currency, c.Labels, money))
		}
		v.Totals = append(v.Totals, totalRow{Label: c.Labels.Total, Amount: money(t.Grand), Strong: true},
			totalRow{Label: c.Labels.VAT, Amount: money(t.VAT)})
	}
	return v, nil
}

// chargeRow is the row of one charge: its kind's label (a fee's own name),
// its amount in cur, and the note of an amount outside the scope of VAT.
func chargeRow(ch order.Charge, cur order.Currency, l labels, money func(order.Money) string) totalRow {
	r := totalRow{Amount: money(order.NewMoney(ch.Amount, cur))}
	switch ch.Kind {
	case order.ChargeTip:
		r.Label = l.Tip
	case order.ChargeDuty:
		r.Label = l.Duty
	case order.ChargeHandling:
		r.Label = l.Handling
	default:
		r.Label = strings.TrimSpace(ch.Name)
		if r.Label == "" {
			r.Label = l.Fee
		}
	}
	if !ch.Taxable {
		r.Note = l.OutsideVAT
	}
	return r
}

func withNumber(format, number string) string {
	if !strings.Contains(format, "%s") {
		return format
	}
	return fmt.Sprintf(format, number)
}

// symbols are the currency signs customers expect; other currencies show
// their ISO code.
var symbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "CAD": "$ CA"}

// formatMoney writes an amount as customers read it: "1234,50 €" in
// French, "€1234.50" in English. Amounts are decimals rounded to the
// currency's minor unit, never floats.
func formatMoney(m order.Money, lang Language) string {
	c := m.Currency
	if c.IsZero() {
		return m.Amount.String()
	}
	amount := m.Amount.Round(c.MinorUnits()).StringFixed(c.MinorUnits())
	sym, ok := symbols[c.Code()]
	if !ok {
		sym = c.Code()
	}
	if lang == French {
		return strings.Replace(amount, ".", ",", 1) + "\u00a0" + sym
	}
	if ok && utf8.RuneCountInString(sym) == 1 {
		return sym + amount
	}
	return sym + "\u00a0" + amount
}
