package invoicepdf_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/invoicepdf"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/order/invoicetest"
)

// pdfText renders d and returns the text pdftotext extracts from it.
func pdfText(t *testing.T, d order.Document) (string, []byte) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: run `make poppler` (poppler-utils)")
	}
	var buf bytes.Buffer
	if err := (invoicepdf.Renderer{}).Render(&buf, d); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), buf.Bytes()
}

func issue(t *testing.T, c invoicetest.Case) order.Document {
	t.Helper()
	d, err := order.NewInvoice(c.Order, c.Invoicing, invoicetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	d.Seq, d.Number = 7, order.SeriesNumber(d.Series, d.Year, 7)
	return d
}

// TestInvoiceTextCarriesEveryMention reads each test invoice back with
// pdftotext: the mandatory mentions are there, and the amounts are the
// order's totals.
func TestInvoiceTextCarriesEveryMention(t *testing.T) {
	// Mentions every invoice carries, and those of each case, by language.
	for _, c := range invoicetest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			d := issue(t, c)
			text, _ := pdfText(t, d)
			lang := d.Language
			s := c.Invoicing.Seller
			want := []string{"F2026-00007", s.LegalName, s.Address.Line1, s.Address.City, s.SIREN, s.SIRET,
				d.Buyer.Name, c.Order.Billing.Line1, c.Order.Number, "EUR",
				invoicepdf.FormatMoney(lang, c.Order.Totals.Net), invoicepdf.FormatMoney(lang, c.Order.Totals.VAT),
				invoicepdf.FormatMoney(lang, c.Order.Totals.Grand), c.Order.PaymentMethod}
			if s.VATNumber != "" {
				want = append(want, s.VATNumber)
			}
			if s.LegalForm != "" && s.ShareCapital != "" {
				want = append(want, s.ShareCapital, s.RCS)
			}
			for _, tl := range c.Order.Totals.TaxLines {
				want = append(want, invoicepdf.FormatRate(lang, tl.Rate), invoicepdf.FormatMoney(lang, tl.Base), invoicepdf.FormatMoney(lang, tl.VAT))
			}
			for _, l := range d.Lines {
				want = append(want, l.Description, invoicepdf.FormatMoney(lang, l.UnitPrice), invoicepdf.FormatMoney(lang, l.Net))
			}
			if lang == "fr" {
				want = append(want, "Facture", "Date d’émission", "Date de la vente", "Total HT", "Total TTC", "Livraison de biens", "14/03/2026")
			} else {
				want = append(want, "Invoice", "Issue date", "Date of sale", "Total excl. VAT", "Total incl. VAT", "Supply of goods", "2026-03-14")
			}
			switch c.Name {
			case "discount and shipping":
				want = append(want, "Remise – PRINTEMPS", "Colissimo", "Paul Martin", "LIVRÉ À")
				for _, a := range d.Adjustments {
					if a.Kind == order.AdjustDiscount {
						want = append(want, invoicepdf.FormatMoney(lang, a.Net.Neg()))
					}
				}
			case "French business buyer":
				want = append(want, "552100554", "FR69552100554", "Date d’échéance", "13/04/2026", "Pénalités de retard",
					"Indemnité forfaitaire pour frais de recouvrement : 40,00 €", "Emballage cadeau")
			case "intra-EU reverse charge":
				want = append(want, "Autoliquidation", "DE123456789", "Kaffeehaus Schmidt GmbH", "Due date", "€40.00")
			case "VAT franchise":
				want = append(want, "TVA non applicable, art. 293 B du CGI")
			case "tip":
				want = append(want, "Tip", "Pourboire", "outside the scope of VAT", invoicepdf.FormatMoney(lang, c.Order.Totals.OutsideVAT))
			}
			// pdftotext keeps or drops the space before "%" as the glyphs'
			// spacing suggests.
			norm := func(s string) string { return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), " %", "%") }
			flat := norm(text)
			for _, w := range want {
				if !strings.Contains(flat, norm(w)) {
					t.Errorf("the PDF text lacks %q:\n%s", w, text)
				}
			}
			for _, absent := range []string{"Autoliquidation", "art. 293 B"} {
				if d.Regime == order.VATStandard && strings.Contains(flat, absent) {
					t.Errorf("a standard invoice says %q", absent)
				}
			}
		})
	}
}

// TestRenderIsDeterministic: a document renders to the same bytes, so the
// SHA-256 recorded at issue proves the stored PDF.
func TestRenderIsDeterministic(t *testing.T) {
	d := issue(t, invoicetest.Cases()[1])
	var a, b bytes.Buffer
	if err := (invoicepdf.Renderer{}).Render(&a, d); err != nil {
		t.Fatal(err)
	}
	if err := (invoicepdf.Renderer{}).Render(&b, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renders of one document differ")
	}
}

func TestFormatMoney(t *testing.T) {
	for _, tt := range []struct {
		lang, amount, want string
	}{
		{"fr", "1234.5", "1 234,50 €"}, {"en", "1234.5", "€1,234.50"}, {"fr", "-5", "-5,00 €"}, {"fr", "999", "999,00 €"},
		{"en", "1234567.891", "€1,234,567.89"},
	} {
		m := order.MustMoney(tt.amount, order.EUR).Round()
		if got := invoicepdf.FormatMoney(tt.lang, m); got != tt.want {
			t.Errorf("FormatMoney(%s, %s) = %q, want %q", tt.lang, tt.amount, got, tt.want)
		}
	}
}

// TestLongInvoiceBreaksPages renders 80 lines, one with a long name: every
// line and the totals are on the pages, the table header repeats on each.
func TestLongInvoiceBreaksPages(t *testing.T) {
	c := invoicetest.Cases()[0]
	o := *c.Order
	o.Lines = nil
	for i := range 80 {
		name := fmt.Sprintf("Article n°%02d", i)
		if i == 3 {
			name += " – une désignation assez longue pour tenir sur plusieurs lignes du tableau, avec ses accents et l’apostrophe"
		}
		o.Lines = append(o.Lines, order.LineItem{SKU: fmt.Sprintf("SKU-%02d", i), Name: name, Quantity: 1, UnitPrice: decimal.NewFromInt(12), VATRate: decimal.NewFromInt(20)})
	}
	tot, err := order.ComputeTotals(&o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = tot
	d := issue(t, invoicetest.Case{Name: "long", Order: &o, Invoicing: c.Invoicing})
	text, _ := pdfText(t, d)
	for i := range 80 {
		if !strings.Contains(text, fmt.Sprintf("Article n°%02d", i)) {
			t.Errorf("line %d is missing", i)
		}
	}
	if pages := strings.Count(text, "\f"); pages < 3 {
		t.Errorf("%d pages, want at least 3", pages)
	}
	if n := strings.Count(text, "Désignation"); n < 3 {
		t.Errorf("the table header appears %d times, want once a page", n)
	}
	if !strings.Contains(text, "Facture "+d.Number+" – page 3") {
		t.Errorf("the third page does not name its invoice")
	}
	if !strings.Contains(text, invoicepdf.FormatMoney("fr", tot.Grand)) {
		t.Errorf("the grand total %s is missing", tot.Grand)
	}
}
