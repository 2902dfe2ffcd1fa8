package invoicepdf_test

import (
	"os"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order/invoicetest"
)

// TestWriteSamples writes each test invoice to $INVOICE_SAMPLES (a
// directory), to look at with `pdftoppm -png -r 80`; either way each
// one-page invoice stays under 60 KB.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("INVOICE_SAMPLES")
	for i, c := range invoicetest.Cases() {
		d := issue(t, c)
		_, pdf := pdfText(t, d)
		if len(pdf) > 60<<10 {
			t.Errorf("%s: %d bytes, over 60 KB", c.Name, len(pdf))
		}
		if dir != "" {
			if err := os.WriteFile(dir+"/"+string(rune('a'+i))+".pdf", pdf, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}
