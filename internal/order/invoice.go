package order

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// DocumentKind says what a financial document is.
type DocumentKind string

// The document kinds.
const (
	InvoiceDocument    DocumentKind = "invoice"     // EN 16931 type code 380
	CreditNoteDocument DocumentKind = "credit_note" // EN 16931 type code 381
)

// TypeCode is the document's EN 16931 type code (BT-3).
func (k DocumentKind) TypeCode() string {
	if k == CreditNoteDocument {
		return "381"
	}
	return "380"
}

// Nature is the nature of the operation an invoice bills (a mention the
// French e-invoicing reform adds).
type Nature string

// The natures of an operation.
const (
	NatureGoods    Nature = "goods"
	NatureServices Nature = "services"
	NatureMixed    Nature = "mixed"
)

// VATRegime says how VAT applies to the whole document.
type VATRegime string

// The VAT regimes of a document.
const (
	VATStandard      VATRegime = "standard"       // VAT charged per rate
	VATFranchise     VATRegime = "franchise"      // the seller charges none (art. 293 B du CGI)
	VATReverseCharge VATRegime = "reverse_charge" // intra-EU B2B: the buyer accounts for it ("Autoliquidation")
)

// Party is the seller or the buyer of a document.
type Party struct {
	Name         string  `json:"name"`
	Address      Address `json:"address"`
	SIREN        string  `json:"siren,omitempty"`
	SIRET        string  `json:"siret,omitempty"`
	VATNumber    string  `json:"vatNumber,omitempty"`
	LegalForm    string  `json:"legalForm,omitempty"`
	ShareCapital string  `json:"shareCapital,omitempty"`
	RCS          string  `json:"rcs,omitempty"`
}

// DocumentLine is one invoiced line: amounts excluding VAT.
type DocumentLine struct {
	SKU         string          `json:"sku,omitempty"`
	Description string          `json:"description"`
	Quantity    int64           `json:"quantity"`
	UnitPrice   Money           `json:"unitPrice"` // excl. VAT, rounded to the minor unit
	VATRate     decimal.Decimal `json:"vatRate"`
	Net         Money           `json:"net"` // excl. VAT, before the order discount
}

// AdjustmentKind says what a document adjustment is.
type AdjustmentKind string

// The adjustments of a document besides its lines.
const (
	AdjustDiscount AdjustmentKind = "discount" // an allowance: Net is subtracted
	AdjustShipping AdjustmentKind = "shipping"
	AdjustFee      AdjustmentKind = "fee"
	AdjustHandling AdjustmentKind = "handling"
	AdjustDuty     AdjustmentKind = "duty"
	AdjustTip      AdjustmentKind = "tip"
)

// Adjustment is a discount, shipping or charge of a document. A discount is
// one per VAT rate, its Net positive and subtracted. An adjustment
// OutsideVAT (a tip, untaxed duties) is in no VAT group and is added to the
// total as it is.
type Adjustment struct {
	Kind       AdjustmentKind  `json:"kind"`
	Label      string          `json:"label,omitempty"`
	VATRate    decimal.Decimal `json:"vatRate"`
	Net        Money           `json:"net"` // excl. VAT (the amount itself when OutsideVAT)
	OutsideVAT bool            `json:"outsideVat,omitempty"`
}

// Document is an issued invoice or credit note, structured first: the PDF
// is rendered from it, and so can an EN 16931 / Factur-X XML be. docs/INVOICES.md
// maps each field to its business term. Once issued it never changes.
type Document struct {
	Kind   DocumentKind `json:"kind"`
	Series string       `json:"series"` // the prefix: "F", "AV"
	Year   int          `json:"year"`
	Seq    int64        `json:"seq"`
	Number string       `json:"number"` // "F2026-00001"
	// Reason is what the document is for, unique per order and kind:
	// "sale" for an order's invoice.
	Reason      string    `json:"reason"`
	IssueDate   Date      `json:"issueDate"`
	SaleDate    Date      `json:"saleDate"`
	DueDate     Date      `json:"dueDate,omitzero"` // business buyers only
	OrderID     string    `json:"orderId"`
	OrderNumber string    `json:"orderNumber"`
	Currency    Currency  `json:"currency"`
	Language    string    `json:"language"` // "fr" or "en"
	IssuedAt    time.Time `json:"issuedAt"`

	Seller   Party    `json:"seller"`
	Buyer    Party    `json:"buyer"`
	Delivery *Address `json:"delivery,omitempty"` // when it differs from the billing address
	B2B      bool     `json:"b2b,omitempty"`
	Nature   Nature   `json:"nature"`

	Lines       []DocumentLine `json:"lines"`
	Adjustments []Adjustment   `json:"adjustments,omitempty"`
	// VATBreakdown is the order's tax lines, as its totals computed them.
	VATBreakdown []TaxLine `json:"vatBreakdown"`
	Net          Money     `json:"net"`
	VAT          Money     `json:"vat"`
	OutsideVAT   Money     `json:"outsideVat,omitzero"`
	Grand        Money     `json:"grand"`

	PaymentMethod string        `json:"paymentMethod,omitempty"`
	PaymentStatus PaymentStatus `json:"paymentStatus"`
	Regime        VATRegime     `json:"vatRegime"`
	VATOnDebits   bool          `json:"vatOnDebits,omitempty"`
	// LatePenaltyRate is printed on business invoices; zero means the
	// legal default (ECB rate + 10 points).
	LatePenaltyRate   decimal.Decimal `json:"latePenaltyRate,omitzero"`
	RecoveryIndemnity Money           `json:"recoveryIndemnity,omitzero"` // 40 EUR, business buyers only
	PaymentTermDays   int             `json:"paymentTermDays,omitempty"`
	PDFKey            string          `json:"pdfKey,omitempty"`
	PDFSHA256         string          `json:"pdfSha256,omitempty"`
	PrevHash          string          `json:"prevHash,omitempty"`  // ChainHash of the previous document of the series
	ChainHash         string          `json:"chainHash,omitempty"` // see ChainHash
}

// SaleReason is the Reason of an order's invoice.
const SaleReason = "sale"

// recoveryIndemnity is the fixed indemnity for recovery costs a late
// business payer owes (art. D441-5 of the Code de commerce).
var recoveryIndemnity = decimal.NewFromInt(40)

// euCountries are the EU member states, for the reverse charge.
var euCountries = map[string]bool{"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DE": true, "DK": true,
	"EE": true, "ES": true, "FI": true, "FR": true, "GR": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true,
	"LU": true, "LV": true, "MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SE": true, "SI": true, "SK": true}

// DocumentLanguage is the language of the customer's documents: English
// when their locale says so, French otherwise.
func DocumentLanguage(locale string) string {
	if strings.HasPrefix(strings.ToLower(locale), "en") {
		return "en"
	}
	return "fr"
}

// SeriesNumber formats a document number: prefix, year, sequence on five
// digits at least ("F2026-00001").
func SeriesNumber(prefix string, year int, seq int64) string {
	return fmt.Sprintf("%s%04d-%05d", prefix, year, seq)
}

// NewInvoice builds the invoice of o as the settings say, issued at now
// (the issue date is now's calendar day in UTC), without its number: Issue
// numbers it. Amounts are the order's totals (ComputeTotals), never
// recomputed another way; the per-item amounts excluding VAT of a
// tax-inclusive order are derived so that each rate's items add up to the
// rate's base. It refuses (Conflict) an order that may not be invoiced
// (CanInvoice), and (Invalid) VAT on an order of a seller under the franchise
// or on a reverse-charge sale.
func NewInvoice(o *Order, in Invoicing, now time.Time) (Document, error) {
	const op = "order.NewInvoice"
	if err := o.CanInvoice(); err != nil {
		return Document{}, err
	}
	t, err := ComputeTotals(o)
	if err != nil {
		return Document{}, err
	}
	c := o.Currency
	s := in.Seller
	if strings.TrimSpace(s.LegalName) == "" {
		return Document{}, E(op, Invalid, "seller_missing", "the invoicing settings name no seller")
	}
	d := Document{
		Kind: InvoiceDocument, Series: in.Prefix(InvoiceDocument), Year: now.UTC().Year(), Reason: SaleReason,
		IssueDate: dateOf(now), SaleDate: dateOf(o.CreatedAt), OrderID: o.ID, OrderNumber: o.Number,
		Currency: c, Language: DocumentLanguage(o.Customer.Locale), IssuedAt: now.UTC(),
		Seller: Party{Name: s.LegalName, Address: s.Address, SIREN: s.SIREN, SIRET: s.SIRET, VATNumber: s.VATNumber,
			LegalForm: s.LegalForm, ShareCapital: s.ShareCapital, RCS: s.RCS},
		Buyer:        buyerOf(o),
		VATBreakdown: t.TaxLines, Net: t.Net, VAT: t.VAT, OutsideVAT: t.OutsideVAT, Grand: t.Grand,
		PaymentMethod: o.PaymentMethod, PaymentStatus: o.Payment, Regime: VATStandard, VATOnDebits: s.VATOnDebits,
	}
	if o.Fulfilment == Delivered || o.Fulfilment == Shipped {
		d.SaleDate = dateOf(o.UpdatedAt)
	}
	d.B2B = d.Buyer.SIREN != "" || d.Buyer.VATNumber != ""
	if d.B2B {
		d.PaymentTermDays = in.TermDays()
		due := now.UTC().AddDate(0, 0, d.PaymentTermDays)
		d.DueDate = dateOf(due)
		d.LatePenaltyRate = in.LatePenaltyRate
		d.RecoveryIndemnity = NewMoney(recoveryIndemnity, EUR)
	}
	if !sameAddress(o.Shipping, o.Billing) && o.Shipping.Line1 != "" {
		a := o.Shipping
		d.Delivery = &a
	}
	switch {
	case s.VATFranchise:
		d.Regime = VATFranchise
	case d.Buyer.VATNumber != "" && euCountries[countryOf(o.Billing)] && countryOf(o.Billing) != countryOf(s.Address):
		d.Regime = VATReverseCharge
	}
	if d.Regime != VATStandard && !t.VAT.IsZero() {
		return Document{}, E(op, Invalid, "vat_not_due",
			fmt.Sprintf("order %s charges %s of VAT, which a %s invoice cannot carry", o.ID, t.VAT, d.Regime))
	}
	d.Lines, d.Adjustments = documentItems(o, t)
	d.Nature = natureOf(o)
	return d, nil
}

func dateOf(t time.Time) Date {
	u := t.UTC()
	return Date{u.Year(), u.Month(), u.Day()}
}

func countryOf(a Address) string { return strings.ToUpper(strings.TrimSpace(a.Country)) }

func sameAddress(a, b Address) bool {
	a.Phone, b.Phone = "", ""
	return a == b
}

func buyerOf(o *Order) Party {
	name := o.Billing.Company
	if name == "" {
		name = cmpOr(o.Billing.Name, o.Customer.Name)
	}
	return Party{Name: name, Address: o.Billing, SIREN: o.Customer.SIREN, VATNumber: o.Customer.VATNumber}
}

// natureOf says whether the order sells goods, services (digital lines) or
// both.
func natureOf(o *Order) Nature {
	var goods, services bool
	for _, l := range o.Lines {
		if l.Digital {
			services = true
		} else {
			goods = true
		}
	}
	switch {
	case goods && services:
		return NatureMixed
	case services:
		return NatureServices
	}
	return NatureGoods
}

// documentItems lists the lines and adjustments of o excluding VAT. For a
// tax-exclusive order they are the order's own amounts. For a
// tax-inclusive one each is its gross amount less VAT at its rate, and the
// rounding difference with the rate's base (from the totals) goes to the
// largest item of the rate, so that every rate's items add up to its base.
func documentItems(o *Order, t Totals) ([]DocumentLine, []Adjustment) {
	c := o.Currency
	type item struct {
		net  *Money
		sign int
	}
	byRate := map[string][]item{}
	lines := make([]DocumentLine, len(o.Lines))
	discounts := map[string]*Adjustment{}
	var rateOrder []string
	exclude := func(m Money, rate decimal.Decimal) Money {
		if !o.PricesIncludeTax {
			return m
		}
		return NewMoney(m.Amount.Mul(hundred).Div(hundred.Add(rate)), c).Round()
	}
	for i, l := range o.Lines {
		gross := NewMoney(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)), c).Round()
		unit := NewMoney(l.UnitPrice, c)
		if o.PricesIncludeTax {
			unit = exclude(unit, l.VATRate)
		}
		lines[i] = DocumentLine{SKU: l.SKU, Description: cmpOr(l.Name, l.SKU), Quantity: l.Quantity, UnitPrice: unit,
			VATRate: l.VATRate, Net: exclude(gross, l.VATRate)}
		k := l.VATRate.String()
		byRate[k] = append(byRate[k], item{&lines[i].Net, 1})
		if share := gross.Sub(t.LineNet[i]); !share.IsZero() {
			if discounts[k] == nil {
				discounts[k] = &Adjustment{Kind: AdjustDiscount, VATRate: l.VATRate, Net: Zero(c)}
				rateOrder = append(rateOrder, k)
			}
			discounts[k].Net = discounts[k].Net.Add(share)
		}
	}
	var codes []string
	for _, d := range o.Discounts {
		if d.Code != "" {
			codes = append(codes, d.Code)
		}
	}
	var adj []Adjustment
	for _, k := range rateOrder {
		d := discounts[k]
		d.Net = exclude(d.Net, d.VATRate)
		d.Label = strings.Join(codes, ", ")
		adj = append(adj, *d)
	}
	for _, s := range o.ShippingLines {
		adj = append(adj, Adjustment{Kind: AdjustShipping, Label: s.Title, VATRate: s.VATRate,
			Net: exclude(NewMoney(s.Price, c).Round(), s.VATRate)})
	}
	for _, ch := range o.Charges {
		a := Adjustment{Kind: AdjustmentKind(ch.Kind), Label: ch.Name, VATRate: ch.VATRate, Net: NewMoney(ch.Amount, c).Round()}
		if ch.Taxable {
			a.Net = exclude(a.Net, ch.VATRate)
		} else {
			a.OutsideVAT = true
		}
		adj = append(adj, a)
	}
	for i := range adj {
		if !adj[i].OutsideVAT {
			sign := 1
			if adj[i].Kind == AdjustDiscount {
				sign = -1
			}
			k := adj[i].VATRate.String()
			byRate[k] = append(byRate[k], item{&adj[i].Net, sign})
		}
	}
	if o.PricesIncludeTax {
		for _, tl := range t.TaxLines {
			items := byRate[tl.Rate.String()]
			sum, largest := Zero(c), -1
			for j, it := range items {
				if it.sign > 0 {
					sum = sum.Add(*it.net)
					if largest < 0 || it.net.Amount.Abs().GreaterThan(items[largest].net.Amount.Abs()) {
						largest = j
					}
				} else {
					sum = sum.Sub(*it.net)
				}
			}
			if largest >= 0 {
				*items[largest].net = items[largest].net.Add(tl.Base.Sub(sum))
			}
		}
	}
	return lines, adj
}
