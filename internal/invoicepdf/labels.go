package invoicepdf

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// labels are a language's words on a document.
type labels struct {
	invoice, creditNote                                        string
	seller, buyer, delivery                                    string
	issued, saleDate, orderNo, dueDate, nature                 string
	goods, services, mixed                                     string
	description, qty, unitPrice, vat, lineTotal                string
	discount, shipping, fee, handling, duty, tip, outsideVAT   string
	vatRate, base, vatAmount, vatBreakdown                     string
	totalNet, totalVAT, totalGrand, currency                   string
	payment, status, paid, awaiting, refunded, partial, cancel string
	siren, siret, vatNumber, capital                           string
	franchise, reverseCharge, onDebits, noDiscountEarly        string
	penalties, penaltiesDefault, indemnity, pageWord           string
}

var french = labels{
	invoice: "Facture", creditNote: "Avoir",
	seller: "Vendeur", buyer: "Facturé à", delivery: "Livré à",
	issued: "Date d’émission", saleDate: "Date de la vente", orderNo: "Commande n°", dueDate: "Date d’échéance", nature: "Nature de l’opération",
	goods: "Livraison de biens", services: "Prestation de services", mixed: "Livraison de biens et prestation de services",
	description: "Désignation", qty: "Qté", unitPrice: "PU HT", vat: "TVA", lineTotal: "Total HT",
	discount: "Remise", shipping: "Livraison", fee: "Frais", handling: "Frais de manutention", duty: "Droits de douane", tip: "Pourboire", outsideVAT: "hors champ de TVA",
	vatRate: "Taux", base: "Base HT", vatAmount: "Montant TVA", vatBreakdown: "Récapitulatif de la TVA",
	totalNet: "Total HT", totalVAT: "Total TVA", totalGrand: "Total TTC", currency: "Montants en",
	payment: "Moyen de paiement", status: "Statut", paid: "Payée", awaiting: "En attente de paiement", refunded: "Remboursée", partial: "Partiellement remboursée", cancel: "Annulée",
	siren: "SIREN", siret: "SIRET", vatNumber: "N° TVA intracommunautaire", capital: "au capital de",
	franchise: "TVA non applicable, art. 293 B du CGI", reverseCharge: "Autoliquidation", onDebits: "Option pour le paiement de la taxe d’après les débits",
	noDiscountEarly: "Pas d’escompte pour paiement anticipé.",
	penalties:       "Pénalités de retard : %s %% l’an", penaltiesDefault: "Pénalités de retard : taux directeur de la BCE majoré de 10 points",
	indemnity: "Indemnité forfaitaire pour frais de recouvrement : %s", pageWord: "page",
}

var english = labels{
	invoice: "Invoice", creditNote: "Credit note",
	seller: "Seller", buyer: "Bill to", delivery: "Ship to",
	issued: "Issue date", saleDate: "Date of sale", orderNo: "Order no.", dueDate: "Due date", nature: "Nature of the operation",
	goods: "Supply of goods", services: "Supply of services", mixed: "Supply of goods and services",
	description: "Description", qty: "Qty", unitPrice: "Unit price excl. VAT", vat: "VAT", lineTotal: "Total excl. VAT",
	discount: "Discount", shipping: "Shipping", fee: "Fee", handling: "Handling fee", duty: "Duties", tip: "Tip", outsideVAT: "outside the scope of VAT",
	vatRate: "Rate", base: "Base excl. VAT", vatAmount: "VAT amount", vatBreakdown: "VAT breakdown",
	totalNet: "Total excl. VAT", totalVAT: "Total VAT", totalGrand: "Total incl. VAT", currency: "Amounts in",
	payment: "Payment method", status: "Status", paid: "Paid", awaiting: "Awaiting payment", refunded: "Refunded", partial: "Partially refunded", cancel: "Cancelled",
	siren: "SIREN", siret: "SIRET", vatNumber: "VAT number", capital: "with a share capital of",
	// The legal mentions keep their French wording, which the law requires;
	// the English follows.
	franchise: "TVA non applicable, art. 293 B du CGI (VAT not applicable)", reverseCharge: "Autoliquidation (reverse charge)",
	onDebits:        "Option pour le paiement de la taxe d’après les débits (VAT paid on invoicing)",
	noDiscountEarly: "No discount for early payment.",
	penalties:       "Late-payment penalties: %s %% a year", penaltiesDefault: "Late-payment penalties: the ECB rate plus 10 points",
	indemnity: "Fixed indemnity for recovery costs: %s", pageWord: "page",
}

func labelsFor(lang string) labels {
	if lang == "en" {
		return english
	}
	return french
}

// FormatMoney prints an amount as a document in lang does: "1 234,56 €"
// in French, "€1,234.56" in English; other currencies by their code.
func FormatMoney(lang string, m order.Money) string {
	s := m.Amount.StringFixed(m.Currency.MinorUnits())
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	sep, dec := ",", "."
	if lang != "en" {
		sep, dec = " ", ","
	}
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	num := b.String()
	if frac != "" {
		num += dec + frac
	}
	sign := ""
	if neg {
		sign = "-"
	}
	code := m.Currency.Code()
	switch {
	case code == "EUR" && lang == "en":
		return sign + "€" + num
	case code == "EUR":
		return sign + num + " €"
	case lang == "en":
		return sign + code + " " + num
	}
	return sign + num + " " + code
}

// FormatRate prints a VAT rate: "5,5 %" in French, "5.5%" in English.
func FormatRate(lang string, r decimal.Decimal) string {
	if lang == "en" {
		return r.String() + "%"
	}
	return strings.ReplaceAll(r.String(), ".", ",") + " %"
}

func (l labels) paymentStatus(p order.PaymentStatus) string {
	switch p {
	case order.Paid:
		return l.paid
	case order.AwaitingPayment:
		return l.awaiting
	case order.Refunded:
		return l.refunded
	case order.PartiallyRefunded:
		return l.partial
	case order.PaymentCancelled:
		return l.cancel
	}
	return p.String()
}

func (l labels) natureOf(n order.Nature) string {
	switch n {
	case order.NatureServices:
		return l.services
	case order.NatureMixed:
		return l.mixed
	}
	return l.goods
}

func (l labels) adjustment(lang string, a order.Adjustment) string {
	name := map[order.AdjustmentKind]string{order.AdjustDiscount: l.discount, order.AdjustShipping: l.shipping,
		order.AdjustFee: l.fee, order.AdjustHandling: l.handling, order.AdjustDuty: l.duty, order.AdjustTip: l.tip}[a.Kind]
	if a.Label != "" && a.Label != name {
		name += " – " + a.Label
	}
	if a.OutsideVAT {
		name += fmt.Sprintf(" (%s)", l.outsideVAT)
	}
	return name
}
