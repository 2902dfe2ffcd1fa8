// Package invoicetest holds the orders and settings the invoice tests of
// several packages share: one per case the invoices must get right.
package invoicetest

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Now is when the test invoices are issued.
var Now = time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)

// Invoicing are the settings of a French SAS charging VAT.
func Invoicing() order.Invoicing {
	return order.Invoicing{Seller: order.Seller{
		LegalName: "Atelier Céleste SAS", LegalForm: "SAS", ShareCapital: "10 000 €", RCS: "RCS Lyon 812 345 678",
		SIREN: "812345678", SIRET: "81234567800015", VATNumber: "FR32812345678",
		Address: order.Address{Line1: "12 rue de l’Épée", PostalCode: "69002", City: "Lyon", Country: "FR"},
	}}
}

// Case is an order to invoice with the settings it is invoiced under.
type Case struct {
	Name      string
	Order     *order.Order
	Invoicing order.Invoicing
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func base(id string) *order.Order {
	return &order.Order{
		ID: id, Number: "1042", Source: order.SourceManual, Currency: order.EUR, PricesIncludeTax: true,
		Customer: order.Customer{Name: "Élodie Martin", Email: "elodie@example.com", Locale: "fr-FR"},
		Billing:  order.Address{Name: "Élodie Martin", Line1: "3 place Bellecour", PostalCode: "69002", City: "Lyon", Country: "FR"},
		Shipping: order.Address{Name: "Élodie Martin", Line1: "3 place Bellecour", PostalCode: "69002", City: "Lyon", Country: "FR"},
		Lines: []order.LineItem{
			{SKU: "MUG-01", Name: "Mug émaillé – bleu", Quantity: 2, UnitPrice: d("18.90"), VATRate: d("20")},
			{SKU: "THE-02", Name: "Thé vert « Sencha »", Quantity: 3, UnitPrice: d("7.35"), VATRate: d("5.5")},
		},
		PaymentMethod: "Carte bancaire", Payment: order.Paid, Fulfilment: order.AwaitingProcessing,
		CreatedAt: Now.Add(-time.Hour), UpdatedAt: Now.Add(-time.Hour), Version: 2,
	}
}

// Cases are the invoices every renderer and the numbering must get right:
// 20 % + 5.5 %, a discount with shipping, a French business buyer, an
// intra-EU reverse charge, a seller under the VAT franchise, a tip.
func Cases() []Case {
	twoRates := base("ord-two-rates")

	discounted := base("ord-discount")
	discounted.Discounts = []order.Discount{{Code: "PRINTEMPS", Amount: d("5.00")}}
	discounted.ShippingLines = []order.ShippingLine{{Title: "Colissimo", Price: d("6.90"), VATRate: d("20")}}
	discounted.Shipping = order.Address{Name: "Paul Martin", Line1: "8 quai Saint-Vincent", PostalCode: "69001", City: "Lyon", Country: "FR"}

	b2b := base("ord-b2b")
	b2b.PricesIncludeTax = false
	b2b.Customer = order.Customer{Name: "Jean Dupont", Email: "achats@boulangerie.example", SIREN: "552100554", VATNumber: "FR69552100554"}
	b2b.Billing = order.Address{Company: "Boulangerie Dupont SARL", Line1: "5 avenue Foch", PostalCode: "75016", City: "Paris", Country: "FR"}
	b2b.Shipping = b2b.Billing
	b2b.Charges = []order.Charge{{Kind: order.ChargeFee, Name: "Emballage cadeau", Amount: d("3.00"), VATRate: d("20"), Taxable: true}}
	b2b.PaymentMethod, b2b.Payment = "Virement", order.AwaitingPayment

	reverse := base("ord-reverse")
	reverse.PricesIncludeTax = false
	reverse.Customer = order.Customer{Name: "Anna Schmidt", Email: "einkauf@kaffee.example", Locale: "en-GB", VATNumber: "DE123456789"}
	reverse.Billing = order.Address{Company: "Kaffeehaus Schmidt GmbH", Line1: "Hauptstraße 1", PostalCode: "10115", City: "Berlin", Country: "DE"}
	reverse.Shipping = reverse.Billing
	for i := range reverse.Lines {
		reverse.Lines[i].VATRate = decimal.Zero
	}

	franchise := base("ord-franchise")
	for i := range franchise.Lines {
		franchise.Lines[i].VATRate = decimal.Zero
	}
	fin := Invoicing()
	fin.Seller = order.Seller{LegalName: "Marie Lefèvre EI", LegalForm: "Entreprise individuelle", SIREN: "901234567",
		SIRET: "90123456700011", VATFranchise: true,
		Address: order.Address{Line1: "4 chemin des Vignes", PostalCode: "84000", City: "Avignon", Country: "FR"}}

	tip := base("ord-tip")
	tip.Customer.Locale = "en-US"
	tip.Charges = []order.Charge{{Kind: order.ChargeTip, Name: "Pourboire", Amount: d("2.50")}}

	cases := []Case{
		{"two rates", twoRates, Invoicing()},
		{"discount and shipping", discounted, Invoicing()},
		{"French business buyer", b2b, Invoicing()},
		{"intra-EU reverse charge", reverse, Invoicing()},
		{"VAT franchise", franchise, fin},
		{"tip", tip, Invoicing()},
	}
	for _, c := range cases {
		t, err := order.ComputeTotals(c.Order)
		if err != nil {
			panic(c.Name + ": " + err.Error())
		}
		c.Order.Totals = t
	}
	return cases
}
