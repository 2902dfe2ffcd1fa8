package webhook

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Shopify webhook topics we handle.
const (
	ShopifyOrdersCreate    = "orders/create"
	ShopifyOrdersUpdated   = "orders/updated"
	ShopifyOrdersPaid      = "orders/paid"
	ShopifyOrdersCancelled = "orders/cancelled"
	ShopifyCheckoutsCreate = "checkouts/create"
	ShopifyCheckoutsUpdate = "checkouts/update"
)

// shopifyPayment maps financial_status onto our payment axis. Money that is
// authorised or partly paid is not ours yet, hence AWAITING_PAYMENT; voided
// and expired authorisations will never be captured, hence CANCELLED. An
// absent status (null) means nothing was paid.
var shopifyPayment = map[string]order.PaymentStatus{
	"":                   order.AwaitingPayment,
	"pending":            order.AwaitingPayment,
	"authorized":         order.AwaitingPayment,
	"partially_paid":     order.AwaitingPayment,
	"paid":               order.Paid,
	"partially_refunded": order.PartiallyRefunded,
	"refunded":           order.Refunded,
	"voided":             order.PaymentCancelled,
	"expired":            order.PaymentCancelled,
}

// shopifyFulfilment maps fulfillment_status onto our fulfilment axis.
// Shopify's "fulfilled" means a fulfilment was created, i.e. the parcel left:
// delivery is not reported by this field, hence SHIPPED.
var shopifyFulfilment = map[string]order.FulfilmentStatus{
	"":            order.AwaitingProcessing,
	"unfulfilled": order.AwaitingProcessing,
	"partial":     order.Processing,
	"fulfilled":   order.Shipped,
	"restocked":   order.WillNotDeliver,
}

// shopifyStatuses maps Shopify's two fields and the cancellation flag. A
// cancelled order that was never paid is CANCELLED on the payment axis, and
// one that never left the warehouse will not be delivered; money already
// taken stays as reported until Shopify reports the refund.
func shopifyStatuses(financial, fulfillment string, cancelled bool) (order.PaymentStatus, order.FulfilmentStatus, error) {
	const op = "webhook.shopifyStatuses"
	p, ok := shopifyPayment[financial]
	if !ok {
		return p, order.FulfilmentStatus{}, order.E(op, order.Invalid, "unknown_status", fmt.Sprintf("unknown Shopify financial_status %q", financial))
	}
	f, ok := shopifyFulfilment[fulfillment]
	if !ok {
		return p, f, order.E(op, order.Invalid, "unknown_status", fmt.Sprintf("unknown Shopify fulfillment_status %q", fulfillment))
	}
	if cancelled {
		if p == order.AwaitingPayment {
			p = order.PaymentCancelled
		}
		if f == order.AwaitingProcessing {
			f = order.WillNotDeliver
		}
	}
	return p, f, nil
}

type shopifyTaxLine struct {
	Price order.JSONDecimal `json:"price"`
	Rate  order.JSONDecimal `json:"rate"` // a fraction: 0.2 is 20 %
	Title string            `json:"title"`
}

type shopifyDiscountAllocation struct {
	Amount order.JSONDecimal `json:"amount"`
}

// shopifyMoneyBag is a MoneyBag: an amount in the shop's currency and in
// the customer's (presentment) currency. Orders are read in the shop's.
type shopifyMoneyBag struct {
	ShopMoney *struct {
		Amount order.JSONDecimal `json:"amount"`
	} `json:"shop_money"`
}

// amount returns the shop-currency amount, or false when absent.
func (b *shopifyMoneyBag) amount() (decimal.Decimal, bool) {
	if b == nil || b.ShopMoney == nil || !b.ShopMoney.Amount.Set {
		return decimal.Zero, false
	}
	return b.ShopMoney.Amount.Decimal, true
}

// shopifyDuty is one duty of a line item (line_items[].duties[]): its amount
// as shop_money (or price_set.shop_money) and the taxes charged on it.
type shopifyDuty struct {
	HarmonizedSystemCode string `json:"harmonized_system_code"`
	Money                *struct {
		Amount order.JSONDecimal `json:"amount"`
	} `json:"shop_money"`
	PriceSet *shopifyMoneyBag `json:"price_set"`
	TaxLines []shopifyTaxLine `json:"tax_lines"`
}

// amount returns the duty's shop-currency amount, or false when absent.
func (d shopifyDuty) amount() (decimal.Decimal, bool) {
	if d.Money != nil && d.Money.Amount.Set {
		return d.Money.Amount.Decimal, true
	}
	return d.PriceSet.amount()
}

type shopifyLineItem struct {
	SKU                 string                      `json:"sku"`
	Title               string                      `json:"title"`
	Name                string                      `json:"name"`
	Quantity            *quantity                   `json:"quantity"`
	Price               order.JSONDecimal           `json:"price"`
	RequiresShipping    *bool                       `json:"requires_shipping"`
	TaxLines            []shopifyTaxLine            `json:"tax_lines"`
	DiscountAllocations []shopifyDiscountAllocation `json:"discount_allocations"`
	Duties              []shopifyDuty               `json:"duties"`
}

type shopifyShippingLine struct {
	Title               string                      `json:"title"`
	Price               order.JSONDecimal           `json:"price"`
	DiscountedPrice     order.JSONDecimal           `json:"discounted_price"`
	TaxLines            []shopifyTaxLine            `json:"tax_lines"`
	DiscountAllocations []shopifyDiscountAllocation `json:"discount_allocations"`
}

type shopifyDiscountCode struct {
	Code   string            `json:"code"`
	Amount order.JSONDecimal `json:"amount"`
	Type   string            `json:"type"` // fixed_amount, percentage, shipping
}

type shopifyAddress struct {
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Name         string `json:"name"`
	Company      string `json:"company"`
	Address1     string `json:"address1"`
	Address2     string `json:"address2"`
	City         string `json:"city"`
	Zip          string `json:"zip"`
	Province     string `json:"province"`
	ProvinceCode string `json:"province_code"`
	CountryCode  string `json:"country_code"`
	Phone        string `json:"phone"`
}

type shopifyCustomer struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone"`
}

// shopifyOrder is the subset of Shopify's order (and checkout) webhook
// payload we read.
type shopifyOrder struct {
	ID                  flexID                `json:"id"`
	Token               string                `json:"token"`          // checkouts: the checkout token
	CheckoutToken       string                `json:"checkout_token"` // orders: the checkout they came from
	Email               string                `json:"email"`
	ContactEmail        string                `json:"contact_email"`
	Phone               string                `json:"phone"`
	Currency            string                `json:"currency"`
	TaxesIncluded       bool                  `json:"taxes_included"`
	TotalPrice          order.JSONDecimal     `json:"total_price"`
	TotalTax            order.JSONDecimal     `json:"total_tax"`
	TotalDiscounts      order.JSONDecimal     `json:"total_discounts"`
	TotalTipReceived    order.JSONDecimal     `json:"total_tip_received"`
	OriginalDuties      *shopifyMoneyBag      `json:"original_total_duties_set"`
	CurrentDuties       *shopifyMoneyBag      `json:"current_total_duties_set"`
	TotalDuties         order.JSONDecimal     `json:"total_duties"`
	FinancialStatus     string                `json:"financial_status"`
	FulfillmentStatus   string                `json:"fulfillment_status"`
	CancelledAt         string                `json:"cancelled_at"`
	CompletedAt         string                `json:"completed_at"`
	UpdatedAt           string                `json:"updated_at"`
	Note                string                `json:"note"`
	LandingSite         string                `json:"landing_site"`
	ReferringSite       string                `json:"referring_site"`
	CustomerLocale      string                `json:"customer_locale"`
	AbandonedURL        string                `json:"abandoned_checkout_url"`
	Customer            *shopifyCustomer      `json:"customer"`
	BillingAddress      *shopifyAddress       `json:"billing_address"`
	ShippingAddress     *shopifyAddress       `json:"shipping_address"`
	LineItems           []shopifyLineItem     `json:"line_items"`
	ShippingLines       []shopifyShippingLine `json:"shipping_lines"`
	DiscountCodes       []shopifyDiscountCode `json:"discount_codes"`
	PaymentGatewayNames []string              `json:"payment_gateway_names"`
}

func parseShopify(ctx context.Context, h map[string]string, body []byte, deps Deps) (*Delivery, error) {
	const op = "webhook.parseShopify"
	if err := verifyBase64MAC(ctx, op, deps, order.SourceShopify, "X-Shopify-Hmac-Sha256", header(h, "x-shopify-hmac-sha256"), body); err != nil {
		return nil, err
	}
	topic := header(h, "x-shopify-topic")
	if topic == "" {
		return nil, missing(op, "the X-Shopify-Topic header")
	}
	var kind Kind
	switch topic {
	case ShopifyOrdersCreate, ShopifyOrdersUpdated, ShopifyOrdersPaid, ShopifyOrdersCancelled:
		kind = KindOrder
	case ShopifyCheckoutsCreate, ShopifyCheckoutsUpdate:
		kind = KindCart
	default:
		return nil, unknownTopic(op, order.SourceShopify, topic)
	}
	var so shopifyOrder
	if err := decodeJSON(op, body, &so); err != nil {
		return nil, err
	}
	d := &Delivery{Source: order.SourceShopify, Kind: kind, Topic: topic, EventID: header(h, "x-shopify-event-id"),
		Creation: topic == ShopifyOrdersCreate}

	c, err := currency(op, "currency", so.Currency)
	if err != nil {
		return nil, err
	}
	updated, err := parseShopifyTime(op, "updated_at", so.UpdatedAt)
	if err != nil {
		return nil, err
	}
	lines, err := shopifyLines(op, so.LineItems)
	if err != nil {
		return nil, err
	}
	shipping, err := shopifyShipping(so.ShippingLines)
	if err != nil {
		return nil, err
	}
	discounts := shopifyDiscounts(so)
	customer := shopifyCustomerOf(so)
	utm := shopifyUTM(so.LandingSite, so.ReferringSite)

	if kind == KindCart {
		id := firstNonEmpty(so.Token, string(so.ID))
		if id == "" {
			return nil, missing(op, "token")
		}
		d.DeliveryID = firstNonEmpty(header(h, "x-shopify-webhook-id"), "checkout:"+id+"@"+so.UpdatedAt)
		if len(lines) == 0 {
			return emptiedCheckout(d), nil
		}
		d.Cart = newCart(order.SourceShopify, id, customer, lines, c, so.TotalPrice, strings.TrimSpace(so.AbandonedURL), updated)
		d.CheckoutCompleted = so.CompletedAt != ""
		return d, nil
	}

	if so.ID == "" {
		return nil, missing(op, "id")
	}
	if len(lines) == 0 {
		return nil, missing(op, "line_items")
	}
	// Cancelled from the signed body only: X-Shopify-Topic is not signed,
	// and an orders/cancelled delivery carries cancelled_at anyway.
	d.Cancelled = so.CancelledAt != ""
	pay, ful, err := shopifyStatuses(so.FinancialStatus, so.FulfillmentStatus, d.Cancelled)
	if err != nil {
		return nil, err
	}
	d.DeliveryID = firstNonEmpty(header(h, "x-shopify-webhook-id"), topic+":"+string(so.ID)+"@"+so.UpdatedAt)
	var titles []string
	for _, s := range so.ShippingLines {
		if t := strings.TrimSpace(s.Title); t != "" {
			titles = append(titles, t)
		}
	}
	d.Order = &order.Order{
		Source:            order.SourceShopify,
		ExternalID:        string(so.ID),
		Customer:          customer,
		Billing:           shopifyAddressOf(so.BillingAddress),
		Shipping:          shopifyAddressOf(so.ShippingAddress),
		Lines:             lines,
		Discounts:         discounts,
		ShippingLines:     shipping,
		Charges:           shopifyCharges(so),
		PricesIncludeTax:  so.TaxesIncluded,
		Currency:          c,
		PaymentMethod:     strings.Join(so.PaymentGatewayNames, ", "),
		ShippingMethod:    strings.Join(titles, ", "),
		UTM:               utm,
		Note:              strings.TrimSpace(so.Note),
		Payment:           pay,
		Fulfilment:        ful,
		ExternalUpdatedAt: updated,
	}
	d.Reported = order.ReportedTotals{Grand: so.TotalPrice.Ptr(), VAT: so.TotalTax.Ptr()}
	d.CartExternalID = strings.TrimSpace(so.CheckoutToken)
	return d, nil
}

func parseShopifyTime(op, field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, missing(op, field)
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, order.Wrap(op, order.Invalid, "invalid_date", fmt.Sprintf("%s %.40q is not an RFC 3339 time", field, s), err)
	}
	return t.UTC(), nil
}

// shopifyRate sums a line's tax rates (several apply in, say, Canada; one in
// France) and turns the fraction into a percentage.
func shopifyRate(taxes []shopifyTaxLine) decimal.Decimal {
	r := decimal.Zero
	for _, t := range taxes {
		r = r.Add(t.Rate.Or(decimal.Zero))
	}
	return percentFromFraction(r)
}

func shopifyLines(op string, items []shopifyLineItem) ([]order.LineItem, error) {
	if len(items) > order.MaxLines {
		return nil, order.E(op, order.Invalid, "too_many_lines", fmt.Sprintf("an order has at most %d lines", order.MaxLines))
	}
	lines := make([]order.LineItem, 0, len(items))
	for i, it := range items {
		if it.Quantity == nil {
			return nil, missing(op, fmt.Sprintf("line_items[%d].quantity", i))
		}
		if err := checkQuantity(op, i, *it.Quantity); err != nil {
			return nil, err
		}
		if !it.Price.Set {
			return nil, missing(op, fmt.Sprintf("line_items[%d].price", i))
		}
		lines = append(lines, order.LineItem{
			SKU:       strings.TrimSpace(it.SKU),
			Name:      firstNonEmpty(it.Name, it.Title),
			Quantity:  int64(*it.Quantity),
			UnitPrice: it.Price.Decimal,
			VATRate:   shopifyRate(it.TaxLines),
			Digital:   it.RequiresShipping != nil && !*it.RequiresShipping,
		})
	}
	return lines, nil
}

// shopifyShipping keeps each shipping line at its price after shipping
// discounts (discounted_price, or price minus its allocations), so that a
// free-shipping code lowers shipping and not the products.
func shopifyShipping(in []shopifyShippingLine) ([]order.ShippingLine, error) {
	out := make([]order.ShippingLine, 0, len(in))
	for i, s := range in {
		if !s.Price.Set && !s.DiscountedPrice.Set {
			return nil, missing("webhook.shopifyShipping", fmt.Sprintf("shipping_lines[%d].price", i))
		}
		price := s.DiscountedPrice.Or(decimal.Zero)
		if !s.DiscountedPrice.Set {
			price = s.Price.Decimal
			for _, a := range s.DiscountAllocations {
				price = price.Sub(a.Amount.Or(decimal.Zero))
			}
		}
		out = append(out, order.ShippingLine{Title: strings.TrimSpace(s.Title), Price: price, VATRate: shopifyRate(s.TaxLines)})
	}
	return out, nil
}

// shopifyDiscounts returns the order-level discounts on products. What was
// taken off the products is the sum of the lines' discount allocations (or
// total_discounts in payloads without allocations); it is split into one
// Discount per code, and whatever no code explains (an automatic discount)
// becomes an unnamed Discount. Shipping codes are left out: they are in the
// shipping lines' discounted price.
func shopifyDiscounts(so shopifyOrder) []order.Discount {
	applied := decimal.Zero
	haveAllocations := false
	for _, it := range so.LineItems {
		if it.DiscountAllocations != nil {
			haveAllocations = true
		}
		for _, a := range it.DiscountAllocations {
			applied = applied.Add(a.Amount.Or(decimal.Zero))
		}
	}
	if !haveAllocations {
		applied = so.TotalDiscounts.Or(decimal.Zero)
	}
	if !applied.IsPositive() {
		return nil
	}
	var codes []order.Discount
	var names []string
	sum := decimal.Zero
	for _, dc := range so.DiscountCodes {
		if dc.Type == "shipping" {
			continue
		}
		amt := dc.Amount.Or(decimal.Zero)
		codes = append(codes, order.Discount{Code: strings.TrimSpace(dc.Code), Amount: amt})
		names = append(names, strings.TrimSpace(dc.Code))
		sum = sum.Add(amt)
	}
	switch {
	case sum.Equal(applied):
		return codes
	case sum.LessThan(applied):
		return append(codes, order.Discount{Amount: applied.Sub(sum)})
	default:
		// The codes claim more than the lines received (a code capped by
		// Shopify): what the lines received is what the customer saved.
		return []order.Discount{{Code: strings.Join(names, ","), Amount: applied}}
	}
}

// shopifyCharges returns the tip (total_tip_received), outside the scope of
// VAT, and the duties collected at checkout. Duties are read per line
// (line_items[].duties), each taxed at the sum of its tax_lines' rates when
// Shopify charged a tax on it (its amount then tax-inclusive in a
// taxes_included shop, as the lines are) and outside VAT otherwise; an order
// without line duties takes its order-level total: original_total_duties_set
// (what total_price, which we reconcile with, was made of), else
// current_total_duties_set, else total_duties.
func shopifyCharges(so shopifyOrder) []order.Charge {
	var out []order.Charge
	if tip := so.TotalTipReceived.Or(decimal.Zero); !tip.IsZero() {
		out = append(out, order.Charge{Kind: order.ChargeTip, Name: "Tip", Amount: tip})
	}
	lineDuties := false
	for _, it := range so.LineItems {
		for _, du := range it.Duties {
			amt, ok := du.amount()
			if !ok {
				continue
			}
			lineDuties = true
			c := order.Charge{Kind: order.ChargeDuty, Name: "Duties", Amount: amt}
			if hs := strings.TrimSpace(du.HarmonizedSystemCode); hs != "" {
				c.Name = "Duties (HS " + hs + ")"
			}
			if rate := shopifyRate(du.TaxLines); rate.IsPositive() {
				c.Taxable, c.VATRate = true, rate
				if so.TaxesIncluded {
					for _, t := range du.TaxLines {
						c.Amount = c.Amount.Add(t.Price.Or(decimal.Zero))
					}
				}
			}
			if !c.Amount.IsZero() {
				out = append(out, c)
			}
		}
	}
	if lineDuties {
		return out
	}
	total, ok := so.OriginalDuties.amount()
	if !ok {
		total, ok = so.CurrentDuties.amount()
	}
	if !ok {
		total = so.TotalDuties.Or(decimal.Zero)
	}
	if !total.IsZero() {
		out = append(out, order.Charge{Kind: order.ChargeDuty, Name: "Duties", Amount: total})
	}
	return out
}

func shopifyCustomerOf(so shopifyOrder) order.Customer {
	var cust shopifyCustomer
	if so.Customer != nil {
		cust = *so.Customer
	}
	var bill shopifyAddress
	if so.BillingAddress != nil {
		bill = *so.BillingAddress
	}
	return order.Customer{
		Name:   firstNonEmpty(fullName(cust.FirstName, cust.LastName), bill.Name, fullName(bill.FirstName, bill.LastName)),
		Email:  firstNonEmpty(so.Email, so.ContactEmail, cust.Email),
		Phone:  firstNonEmpty(so.Phone, cust.Phone, bill.Phone),
		Locale: strings.TrimSpace(so.CustomerLocale),
	}
}

func shopifyAddressOf(a *shopifyAddress) order.Address {
	if a == nil {
		return order.Address{}
	}
	return order.Address{
		Name:       firstNonEmpty(a.Name, fullName(a.FirstName, a.LastName)),
		Company:    strings.TrimSpace(a.Company),
		Line1:      strings.TrimSpace(a.Address1),
		Line2:      strings.TrimSpace(a.Address2),
		PostalCode: strings.TrimSpace(a.Zip),
		City:       strings.TrimSpace(a.City),
		Region:     firstNonEmpty(a.ProvinceCode, a.Province),
		Country:    strings.ToUpper(strings.TrimSpace(a.CountryCode)),
		Phone:      strings.TrimSpace(a.Phone),
	}
}

// shopifyUTM reads the utm_* tags of the landing page; without a
// utm_source, a referring site names the source with medium "referral",
// as analytics tools do.
func shopifyUTM(landing, referring string) order.UTM {
	u := cleanUTM(utmFromURL(landing))
	if u.Source == "" {
		if host := hint(referrerHost(referring)); host != "" {
			u.Source, u.Medium = host, "referral"
		}
	}
	return u
}
