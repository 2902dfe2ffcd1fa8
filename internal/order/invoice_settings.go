package order

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// InvoiceTrigger says when an order's invoice is issued.
type InvoiceTrigger string

// When invoices are issued. The empty trigger is InvoiceAtPayment.
const (
	InvoiceAtCreation InvoiceTrigger = "at_creation" // as soon as the order exists
	InvoiceAtPayment  InvoiceTrigger = "at_payment"  // when the order is paid (the default)
	InvoiceManual     InvoiceTrigger = "manual"      // only by hand (POST /orders/{id}/invoices)
)

// Seller is the shop as its invoices name it: the mentions the EU VAT
// Directive (art. 226) and the French CGI (art. 242 nonies A) require.
type Seller struct {
	LegalName    string  `json:"legalName"`
	Address      Address `json:"address"`
	SIREN        string  `json:"siren,omitempty"`
	SIRET        string  `json:"siret,omitempty"`
	VATNumber    string  `json:"vatNumber,omitempty"`
	LegalForm    string  `json:"legalForm,omitempty"`    // "SAS", "SARL"
	ShareCapital string  `json:"shareCapital,omitempty"` // as printed: "10 000 €"
	RCS          string  `json:"rcs,omitempty"`          // "RCS Paris 123 456 789"
	// VATFranchise: the seller is under the franchise en base (art. 293 B
	// du CGI): no VAT is charged and every invoice says so.
	VATFranchise bool `json:"vatFranchise,omitempty"`
	// VATOnDebits: the seller opted to pay VAT on services when invoiced
	// ("option pour le paiement de la taxe d'après les débits").
	VATOnDebits bool `json:"vatOnDebits,omitempty"`
}

// Invoicing is how the shop issues its invoices and credit notes.
type Invoicing struct {
	Trigger          InvoiceTrigger `json:"trigger,omitempty"`
	InvoicePrefix    string         `json:"invoicePrefix,omitempty"`    // default "F"
	CreditNotePrefix string         `json:"creditNotePrefix,omitempty"` // default "AV"
	Seller           Seller         `json:"seller"`
	// PaymentTermDays is the time a business buyer has to pay (default 30,
	// at most 60 under art. L441-10 of the Code de commerce).
	PaymentTermDays int `json:"paymentTermDays,omitempty"`
	// LatePenaltyRate is the yearly late-payment penalty rate in percent
	// printed on business invoices; zero prints the legal default (the ECB
	// rate plus 10 points).
	LatePenaltyRate decimal.Decimal `json:"latePenaltyRate,omitzero"`
}

// Defaults of Invoicing.
const (
	DefaultInvoicePrefix    = "F"
	DefaultCreditNotePrefix = "AV"
	DefaultPaymentTermDays  = 30
	maxPaymentTermDays      = 60
)

// EffectiveTrigger is the trigger the shop runs on.
func (in Invoicing) EffectiveTrigger() InvoiceTrigger {
	if in.Trigger == "" {
		return InvoiceAtPayment
	}
	return in.Trigger
}

// Prefix is the series prefix of documents of kind k.
func (in Invoicing) Prefix(k DocumentKind) string {
	if k == CreditNoteDocument {
		return cmpOr(in.CreditNotePrefix, DefaultCreditNotePrefix)
	}
	return cmpOr(in.InvoicePrefix, DefaultInvoicePrefix)
}

// TermDays is the business payment term in days.
func (in Invoicing) TermDays() int {
	if in.PaymentTermDays <= 0 {
		return DefaultPaymentTermDays
	}
	return in.PaymentTermDays
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Validate checks the invoicing settings; the Invalid error's Details name
// the field.
func (in Invoicing) Validate() error {
	bad := func(field, format string, args ...any) error {
		e := E("order.Invoicing.Validate", Invalid, "invalid_invoicing", fmt.Sprintf(format, args...))
		e.Details = map[string]any{"field": "invoicing." + field}
		return e
	}
	switch in.Trigger {
	case "", InvoiceAtCreation, InvoiceAtPayment, InvoiceManual:
	default:
		return bad("trigger", "unknown invoice trigger %q", in.Trigger)
	}
	for field, p := range map[string]string{"invoicePrefix": in.InvoicePrefix, "creditNotePrefix": in.CreditNotePrefix} {
		if !validAffix(p) || strings.Contains(p, "-") {
			return bad(field, "%s must be at most %d letters, digits, '.' or '_'", field, maxAffixRunes)
		}
	}
	if in.InvoicePrefix != "" && in.InvoicePrefix == in.CreditNotePrefix {
		return bad("creditNotePrefix", "invoices and credit notes need their own series")
	}
	if in.PaymentTermDays < 0 || in.PaymentTermDays > maxPaymentTermDays {
		return bad("paymentTermDays", "the payment term is between 0 and %d days", maxPaymentTermDays)
	}
	if in.LatePenaltyRate.IsNegative() || in.LatePenaltyRate.GreaterThan(hundred) {
		return bad("latePenaltyRate", "the late-payment penalty rate is between 0 and 100 %%")
	}
	return nil
}
