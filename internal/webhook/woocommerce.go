package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// WooCommerce webhook topics we handle.
const (
	WooOrderCreated = "order.created"
	WooOrderUpdated = "order.updated"
)

// wooStatus is where one WooCommerce status lands on our two axes.
type wooStatus struct {
	payment    order.PaymentStatus
	fulfilment order.FulfilmentStatus
	onHold     bool
	cancelled  bool
	cart       bool // not an order yet: a checkout in progress
}

// wooStatuses maps WooCommerce's single status onto our two axes; see
// docs/WEBHOOKS.md for the reasoning. Two rows are refined in wooMapStatus:
// "completed" and "refunded" depend on what was shipped.
//
// "failed" is AWAITING_PAYMENT, not CANCELLED: WooCommerce lets the customer
// pay a failed order again, while our CANCELLED is final.
var wooStatuses = map[string]wooStatus{
	"pending":        {payment: order.AwaitingPayment, fulfilment: order.AwaitingProcessing},
	"processing":     {payment: order.Paid, fulfilment: order.AwaitingProcessing},
	"on-hold":        {payment: order.AwaitingPayment, fulfilment: order.AwaitingProcessing, onHold: true},
	"completed":      {payment: order.Paid, fulfilment: order.Shipped},
	"cancelled":      {payment: order.PaymentCancelled, fulfilment: order.WillNotDeliver, cancelled: true},
	"refunded":       {payment: order.Refunded, fulfilment: order.WillNotDeliver},
	"failed":         {payment: order.AwaitingPayment, fulfilment: order.AwaitingProcessing},
	"checkout-draft": {cart: true},
}

// wooMapStatus maps a status. A completed order whose lines are all digital
// was delivered (there is nothing to ship); a refunded order that had been
// completed before came back (RETURNED), otherwise it never left.
func wooMapStatus(status string, allDigital, wasCompleted bool) (wooStatus, error) {
	s, ok := wooStatuses[status]
	if !ok {
		return s, order.E("webhook.wooMapStatus", order.Invalid, "unknown_status", fmt.Sprintf("unknown WooCommerce status %q", status))
	}
	switch status {
	case "completed":
		if allDigital {
			s.fulfilment = order.Delivered
		}
	case "refunded":
		if wasCompleted {
			s.fulfilment = order.Returned
		}
	}
	return s, nil
}

type wooTax struct {
	ID       flexID            `json:"id"`
	Total    order.JSONDecimal `json:"total"`
	Subtotal order.JSONDecimal `json:"subtotal"`
}

type wooLineItem struct {
	Name        string            `json:"name"`
	SKU         string            `json:"sku"`
	Quantity    *quantity         `json:"quantity"`
	Subtotal    order.JSONDecimal `json:"subtotal"`     // before discounts, without tax
	SubtotalTax order.JSONDecimal `json:"subtotal_tax"` // tax on Subtotal
	Total       order.JSONDecimal `json:"total"`        // after discounts, without tax
	Taxes       []wooTax          `json:"taxes"`
}

type wooShippingLine struct {
	MethodTitle string            `json:"method_title"`
	Total       order.JSONDecimal `json:"total"` // without tax
	TotalTax    order.JSONDecimal `json:"total_tax"`
	Taxes       []wooTax          `json:"taxes"`
}

// wooFeeLine is a fee_lines entry: total and total_tax are without tax and
// its tax, whatever prices_include_tax says; taxes name the rates applied
// (tax_class chose them, tax_status "none" applies none).
type wooFeeLine struct {
	Name      string            `json:"name"`
	TaxClass  string            `json:"tax_class"`
	TaxStatus string            `json:"tax_status"`
	Total     order.JSONDecimal `json:"total"`
	TotalTax  order.JSONDecimal `json:"total_tax"`
	Taxes     []wooTax          `json:"taxes"`
}

type wooCouponLine struct {
	Code        string            `json:"code"`
	Discount    order.JSONDecimal `json:"discount"` // without tax
	DiscountTax order.JSONDecimal `json:"discount_tax"`
}

type wooTaxLine struct {
	RateID      flexID            `json:"rate_id"`
	RatePercent order.JSONDecimal `json:"rate_percent"`
}

type wooAddress struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

type wooMeta struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// wooOrder is the subset of a WooCommerce REST order (the webhook payload)
// we read. Line, shipping and coupon amounts are always without tax in
// WooCommerce, whatever prices_include_tax says.
type wooOrder struct {
	ID                 flexID            `json:"id"`
	Status             string            `json:"status"`
	Currency           string            `json:"currency"`
	PricesIncludeTax   bool              `json:"prices_include_tax"`
	DateModifiedGMT    string            `json:"date_modified_gmt"`
	DateCompletedGMT   string            `json:"date_completed_gmt"`
	Total              order.JSONDecimal `json:"total"`
	TotalTax           order.JSONDecimal `json:"total_tax"`
	CustomerNote       string            `json:"customer_note"`
	Billing            wooAddress        `json:"billing"`
	Shipping           wooAddress        `json:"shipping"`
	PaymentMethodTitle string            `json:"payment_method_title"`
	LineItems          []wooLineItem     `json:"line_items"`
	TaxLines           []wooTaxLine      `json:"tax_lines"`
	ShippingLines      []wooShippingLine `json:"shipping_lines"`
	FeeLines           []wooFeeLine      `json:"fee_lines"`
	CouponLines        []wooCouponLine   `json:"coupon_lines"`
	MetaData           []wooMeta         `json:"meta_data"`
}

// wooPing is the body of the activation ping WooCommerce sends, unsigned,
// when a webhook is saved.
var wooPing = regexp.MustCompile(`^webhook_id=([0-9]{1,20})$`)

func parseWooCommerce(ctx context.Context, h map[string]string, body []byte, deps Deps) (*Delivery, error) {
	const op = "webhook.parseWooCommerce"
	if ct := strings.ToLower(header(h, "content-type")); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		if m := wooPing.FindSubmatch(body); m != nil {
			return &Delivery{Source: order.SourceWooCommerce, Kind: KindPing, Topic: "ping", DeliveryID: "ping:" + string(m[1])}, nil
		}
	}
	if err := verifyBase64MAC(ctx, op, deps, order.SourceWooCommerce, "X-WC-Webhook-Signature", header(h, "x-wc-webhook-signature"), body); err != nil {
		return nil, err
	}
	topic := header(h, "x-wc-webhook-topic")
	switch topic {
	case WooOrderCreated, WooOrderUpdated:
	case "":
		return nil, missing(op, "the X-WC-Webhook-Topic header")
	default:
		return nil, unknownTopic(op, order.SourceWooCommerce, topic)
	}
	var wo wooOrder
	if err := decodeJSON(op, body, &wo); err != nil {
		return nil, err
	}
	if wo.ID == "" {
		return nil, missing(op, "id")
	}
	if wo.DateModifiedGMT == "" {
		return nil, missing(op, "date_modified_gmt")
	}
	updated, err := parseWooTime(op, "date_modified_gmt", wo.DateModifiedGMT)
	if err != nil {
		return nil, err
	}
	c, err := currency(op, "currency", wo.Currency)
	if err != nil {
		return nil, err
	}
	rates := wooRates(wo.TaxLines)
	// WooCommerce's line items do not say whether a product is virtual; an
	// order with nothing to ship and no shipping address has only digital
	// products (or services).
	allDigital := len(wo.ShippingLines) == 0 && strings.TrimSpace(wo.Shipping.Address1) == ""
	st, err := wooMapStatus(wo.Status, allDigital, wo.DateCompletedGMT != "")
	if err != nil {
		return nil, err
	}
	// A checkout draft has not chosen its shipping yet: the absence of
	// shipping says nothing about its products.
	lines, err := wooLines(op, wo, rates, allDigital && !st.cart)
	if err != nil {
		return nil, err
	}
	discounts := wooDiscounts(wo)
	charges := wooFees(wo, rates)
	var shipping []order.ShippingLine
	var titles []string
	for _, s := range wo.ShippingLines {
		price := s.Total.Or(decimal.Zero)
		if wo.PricesIncludeTax {
			price = price.Add(s.TotalTax.Or(decimal.Zero))
		}
		shipping = append(shipping, order.ShippingLine{Title: strings.TrimSpace(s.MethodTitle), Price: price,
			VATRate: wooRate(s.Taxes, decimal.Zero, s.Total.Or(decimal.Zero), rates)})
		if t := strings.TrimSpace(s.MethodTitle); t != "" {
			titles = append(titles, t)
		}
	}
	customer := order.Customer{
		Name:  fullName(wo.Billing.FirstName, wo.Billing.LastName),
		Email: strings.TrimSpace(wo.Billing.Email),
		Phone: strings.TrimSpace(wo.Billing.Phone),
	}
	utm := wooUTM(wo.MetaData)
	d := &Delivery{
		Source:  order.SourceWooCommerce,
		Topic:   topic,
		EventID: string(wo.ID) + "@" + wo.DateModifiedGMT,
	}
	d.DeliveryID = firstNonEmpty(header(h, "x-wc-webhook-delivery-id"), d.EventID)
	if st.cart {
		d.Kind = KindCart
		if len(lines) == 0 {
			return emptiedCheckout(d), nil
		}
		d.Cart = newCart(order.SourceWooCommerce, string(wo.ID), customer, lines, c, wo.Total, "", updated)
		return d, nil
	}
	if len(lines) == 0 {
		return nil, missing(op, "line_items")
	}
	d.Kind = KindOrder
	d.Creation = topic == WooOrderCreated
	d.Cancelled = st.cancelled
	d.Order = &order.Order{
		Source:            order.SourceWooCommerce,
		ExternalID:        string(wo.ID),
		Customer:          customer,
		Billing:           wooAddressOf(wo.Billing),
		Shipping:          wooAddressOf(wo.Shipping),
		Lines:             lines,
		Discounts:         discounts,
		ShippingLines:     shipping,
		Charges:           charges,
		PricesIncludeTax:  wo.PricesIncludeTax,
		Currency:          c,
		PaymentMethod:     strings.TrimSpace(wo.PaymentMethodTitle),
		ShippingMethod:    strings.Join(titles, ", "),
		UTM:               utm,
		Note:              strings.TrimSpace(wo.CustomerNote),
		OnHold:            st.onHold,
		Payment:           st.payment,
		Fulfilment:        st.fulfilment,
		ExternalUpdatedAt: updated,
	}
	d.Reported = order.ReportedTotals{Grand: wo.Total.Ptr(), VAT: wo.TotalTax.Ptr()}
	d.CartExternalID = string(wo.ID)
	return d, nil
}

// parseWooTime parses WooCommerce's *_gmt times, which carry no zone
// ("2025-03-14T09:12:44") and are UTC.
func parseWooTime(op, field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC)
	if err != nil {
		var err2 error
		if t, err2 = time.Parse(time.RFC3339, s); err2 != nil {
			return time.Time{}, order.Wrap(op, order.Invalid, "invalid_date", fmt.Sprintf("%s %.40q is not a date-time", field, s), err)
		}
	}
	return t.UTC(), nil
}

// wooRates indexes the order's tax rates (percentages) by rate id.
func wooRates(taxLines []wooTaxLine) map[flexID]decimal.Decimal {
	rates := make(map[flexID]decimal.Decimal, len(taxLines))
	for _, t := range taxLines {
		if t.RatePercent.Set {
			rates[t.RateID] = t.RatePercent.Decimal
		}
	}
	return rates
}

// wooRate is the VAT rate of a line: the sum of the rates of the taxes that
// apply to it (WooCommerce lists every rate of the order on each line, with
// an empty total where it does not apply). Older stores send no
// rate_percent; the rate is then derived from the tax and its base, to one
// decimal, which recovers 20, 10 and 5.5 on any line over a few euros but
// not a rate like 8.875: docs/WEBHOOKS.md says so.
func wooRate(taxes []wooTax, subtotal, total decimal.Decimal, rates map[flexID]decimal.Decimal) decimal.Decimal {
	hundred := decimal.NewFromInt(100)
	r := decimal.Zero
	for _, t := range taxes {
		if !t.Total.Set && !t.Subtotal.Set {
			continue
		}
		if p, ok := rates[t.ID]; ok {
			r = r.Add(p)
			continue
		}
		switch {
		case t.Subtotal.Set && !subtotal.IsZero():
			r = r.Add(t.Subtotal.Decimal.Mul(hundred).DivRound(subtotal, 1))
		case t.Total.Set && !total.IsZero():
			r = r.Add(t.Total.Decimal.Mul(hundred).DivRound(total, 1))
		}
	}
	return r
}

func wooLines(op string, wo wooOrder, rates map[flexID]decimal.Decimal, allDigital bool) ([]order.LineItem, error) {
	if len(wo.LineItems) > order.MaxLines {
		return nil, order.E(op, order.Invalid, "too_many_lines", fmt.Sprintf("an order has at most %d lines", order.MaxLines))
	}
	lines := make([]order.LineItem, 0, len(wo.LineItems))
	for i, it := range wo.LineItems {
		if it.Quantity == nil {
			return nil, missing(op, fmt.Sprintf("line_items[%d].quantity", i))
		}
		if err := checkQuantity(op, i, *it.Quantity); err != nil {
			return nil, err
		}
		if !it.Subtotal.Set {
			return nil, missing(op, fmt.Sprintf("line_items[%d].subtotal", i))
		}
		// The line's amount before discounts, in the shop's tax mode: the
		// customer saw tax-inclusive prices when prices_include_tax is set.
		amt := it.Subtotal.Decimal
		if wo.PricesIncludeTax {
			amt = amt.Add(it.SubtotalTax.Or(decimal.Zero))
		}
		// WooCommerce sends line amounts, not unit prices. Twelve places
		// (the domain's limit) keep unit × quantity within a millionth of a
		// cent of the line amount, so the line rounds back to it exactly.
		q := decimal.NewFromInt(int64(*it.Quantity))
		lines = append(lines, order.LineItem{
			SKU:       strings.TrimSpace(it.SKU),
			Name:      strings.TrimSpace(it.Name),
			Quantity:  int64(*it.Quantity),
			UnitPrice: amt.DivRound(q, order.MaxAmountScale),
			VATRate:   wooRate(it.Taxes, it.Subtotal.Decimal, it.Total.Or(decimal.Zero), rates),
			Digital:   allDigital,
		})
	}
	return lines, nil
}

// wooFees maps fee lines (a payment surcharge, gift wrapping) onto fee
// charges at the rates of their taxes, in the shop's tax mode like the
// lines. A negative fee, which is how some plugins grant a reduction, is a
// negative charge at its own rate: its tax is taken off that rate's VAT.
func wooFees(wo wooOrder, rates map[flexID]decimal.Decimal) []order.Charge {
	var out []order.Charge
	for _, f := range wo.FeeLines {
		total := f.Total.Or(decimal.Zero)
		amt := total
		if wo.PricesIncludeTax {
			amt = amt.Add(f.TotalTax.Or(decimal.Zero))
		}
		if amt.IsZero() {
			continue
		}
		out = append(out, order.Charge{Kind: order.ChargeFee, Name: firstNonEmpty(f.Name, "Fee"), Amount: amt,
			VATRate: wooRate(f.Taxes, decimal.Zero, total, rates), Taxable: true})
	}
	return out
}

// wooDiscounts maps coupon lines; their amounts are without tax, so the tax
// is added back for a tax-inclusive shop.
func wooDiscounts(wo wooOrder) []order.Discount {
	var out []order.Discount
	for _, cl := range wo.CouponLines {
		amt := cl.Discount.Or(decimal.Zero)
		if wo.PricesIncludeTax {
			amt = amt.Add(cl.DiscountTax.Or(decimal.Zero))
		}
		if amt.IsZero() {
			continue
		}
		out = append(out, order.Discount{Code: strings.TrimSpace(cl.Code), Amount: amt})
	}
	return out
}

func wooAddressOf(a wooAddress) order.Address {
	return order.Address{
		Name:       fullName(a.FirstName, a.LastName),
		Company:    strings.TrimSpace(a.Company),
		Line1:      strings.TrimSpace(a.Address1),
		Line2:      strings.TrimSpace(a.Address2),
		PostalCode: strings.TrimSpace(a.Postcode),
		City:       strings.TrimSpace(a.City),
		Region:     strings.TrimSpace(a.State),
		Country:    strings.ToUpper(strings.TrimSpace(a.Country)),
		Phone:      strings.TrimSpace(a.Phone),
	}
}

// wooUTM reads WooCommerce's order attribution meta data (WooCommerce 8.5+).
func wooUTM(meta []wooMeta) order.UTM {
	get := func(key string) string {
		for _, m := range meta {
			if m.Key == key {
				var s string
				if json.Unmarshal(m.Value, &s) == nil {
					return strings.TrimSpace(s)
				}
			}
		}
		return ""
	}
	const p = "_wc_order_attribution_"
	u := cleanUTM(order.UTM{
		Source:   get(p + "utm_source"),
		Medium:   get(p + "utm_medium"),
		Campaign: get(p + "utm_campaign"),
		Term:     get(p + "utm_term"),
		Content:  get(p + "utm_content"),
	})
	if u.Source == "" {
		if host := hint(referrerHost(get(p + "referrer"))); host != "" {
			u.Source, u.Medium = host, "referral"
		}
	}
	return u
}
