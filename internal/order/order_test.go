package order_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/shopspring/decimal"
)

// validOrder is a complete storefront order that passes Validate.
func validOrder() *order.Order {
	o := frenchBasket(true)
	o.Customer = order.Customer{Name: "Élodie Martin", Email: "elodie.martin@example.fr", Locale: "fr-FR"}
	o.Shipping = order.Address{Name: "Élodie Martin", Line1: "12 rue des Lilas", PostalCode: "69003", City: "Lyon", Country: "FR"}
	o.Billing = o.Shipping
	o.Note = "Merci de sonner deux fois."
	return o
}

func TestValidate(t *testing.T) {
	bad := string([]byte{0xff, 0xfe})
	tests := []struct {
		name   string
		mutate func(o *order.Order)
		code   string // "" when valid
		field  string
	}{
		{"valid", func(o *order.Order) {}, "", ""},
		{"manual order needs no external id", func(o *order.Order) { o.Source, o.ExternalID = order.SourceManual, "" }, "", ""},
		{"no e-mail is allowed (phone order)", func(o *order.Order) { o.Customer.Email = "" }, "", ""},
		{"zero price is allowed", func(o *order.Order) { o.Lines[0].UnitPrice = decimal.Zero }, "", ""},
		{"rate 0 is allowed", func(o *order.Order) { o.Lines[0].VATRate = decimal.Zero }, "", ""},
		{"rate 100 is allowed", func(o *order.Order) { o.Lines[0].VATRate = dec("100") }, "", ""},
		{"a line with only a name", func(o *order.Order) { o.Lines[0].SKU = "" }, "", ""},
		{"unicode e-mail", func(o *order.Order) { o.Customer.Email = "élodie@exemple.fr" }, "", ""},

		{"missing lines", func(o *order.Order) { o.Lines = nil }, "missing_field", "lines"},
		{"too many lines", func(o *order.Order) {
			for len(o.Lines) <= order.MaxLines {
				o.Lines = append(o.Lines, o.Lines[0])
			}
		}, "too_many_lines", "lines"},
		{"too many discounts", func(o *order.Order) {
			o.Discounts = make([]order.Discount, order.MaxAdjustments+1)
		}, "too_many_lines", "discounts"},
		{"line without name or sku", func(o *order.Order) { o.Lines[1].SKU, o.Lines[1].Name = "", "  " }, "missing_field", "lines[1]"},
		{"quantity zero", func(o *order.Order) { o.Lines[0].Quantity = 0 }, "invalid_quantity", "lines[0].quantity"},
		{"quantity negative", func(o *order.Order) { o.Lines[1].Quantity = -2 }, "invalid_quantity", "lines[1].quantity"},
		{"quantity above the limit", func(o *order.Order) { o.Lines[0].Quantity = order.MaxQuantity + 1 }, "invalid_quantity", "lines[0].quantity"},
		{"negative price", func(o *order.Order) { o.Lines[1].UnitPrice = dec("-0.01") }, "invalid_amount", "lines[1].unitPrice"},
		{"price too large", func(o *order.Order) { o.Lines[0].UnitPrice = dec("1000000000000") }, "invalid_amount", "lines[0].unitPrice"},
		{"price with 13 places", func(o *order.Order) { o.Lines[0].UnitPrice = dec("0.0000000000001") }, "invalid_amount", "lines[0].unitPrice"},
		{"negative discount", func(o *order.Order) { o.Discounts[0].Amount = dec("-5.50") }, "invalid_amount", "discounts[0].amount"},
		{"negative shipping", func(o *order.Order) { o.ShippingLines[0].Price = dec("-4.90") }, "invalid_amount", "shippingLines[0].price"},
		{"negative VAT rate", func(o *order.Order) { o.Lines[0].VATRate = dec("-5.5") }, "invalid_vat_rate", "lines[0].vatRate"},
		{"VAT rate above 100", func(o *order.Order) { o.Lines[1].VATRate = dec("100.01") }, "invalid_vat_rate", "lines[1].vatRate"},
		{"VAT rate too precise", func(o *order.Order) { o.Lines[1].VATRate = dec("5.5001") }, "invalid_vat_rate", "lines[1].vatRate"},
		{"bad shipping VAT rate", func(o *order.Order) { o.ShippingLines[0].VATRate = dec("200") }, "invalid_vat_rate", "shippingLines[0].vatRate"},
		{"bad UTF-8 in the customer name", func(o *order.Order) { o.Customer.Name = "Jos" + bad }, "invalid_utf8", "customer.name"},
		{"bad UTF-8 in a line name", func(o *order.Order) { o.Lines[1].Name = bad }, "invalid_utf8", "lines[1].name"},
		{"bad UTF-8 in the shipping city", func(o *order.Order) { o.Shipping.City = bad }, "invalid_utf8", "shippingAddress.city"},
		{"bad UTF-8 in a discount code", func(o *order.Order) { o.Discounts[0].Code = bad }, "invalid_utf8", "discounts[0].code"},
		{"bad UTF-8 in a UTM tag", func(o *order.Order) { o.UTM.Campaign = bad }, "invalid_utf8", "utm.campaign"},
		{"bad UTF-8 in the note", func(o *order.Order) { o.Note = bad }, "invalid_utf8", "note"},
		{"name too long", func(o *order.Order) { o.Customer.Name = strings.Repeat("é", 2001) }, "field_too_long", "customer.name"},
		{"note may be long", func(o *order.Order) { o.Note = strings.Repeat("é", 10000) }, "", ""},
		{"note too long", func(o *order.Order) { o.Note = strings.Repeat("é", 10001) }, "field_too_long", "note"},
		{"bad e-mail", func(o *order.Order) { o.Customer.Email = "elodie.martin" }, "invalid_email", "customer.email"},
		{"e-mail with a display name", func(o *order.Order) { o.Customer.Email = "Élodie <elodie@example.fr>" }, "invalid_email", "customer.email"},
		{"e-mail on a bare host", func(o *order.Order) { o.Customer.Email = "root@localhost" }, "invalid_email", "customer.email"},
		{"missing external id", func(o *order.Order) { o.ExternalID = " " }, "missing_field", "externalId"},
		{"unknown source", func(o *order.Order) { o.Source = "amazon" }, "unknown_source", "source"},
		{"empty source", func(o *order.Order) { o.Source = "" }, "unknown_source", "source"},
		{"unknown currency", func(o *order.Order) { o.Currency = order.Currency{} }, "unknown_currency", "currency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOrder()
			tt.mutate(o)
			before, _ := json.Marshal(o)
			err := o.Validate()
			after, _ := json.Marshal(o)
			if string(before) != string(after) {
				t.Fatal("Validate modified the order")
			}
			if tt.code == "" {
				if err != nil {
					t.Fatalf("valid order refused: %v", err)
				}
				return
			}
			e := wantErr(t, err, order.Invalid, tt.code)
			if d, _ := e.Details.(map[string]any); d["field"] != tt.field {
				t.Fatalf("details = %v, want field %q", e.Details, tt.field)
			}
			if strings.Contains(e.Message, bad) {
				t.Fatal("the message echoes invalid UTF-8")
			}
		})
	}
}

func TestValidEmail(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"marie@example.fr", true},
		{"marie.curie+commandes@sub.example.co.uk", true},
		{"élodie@exemple.fr", true},
		{"", false},
		{"marie", false},
		{"marie@", false},
		{"@example.fr", false},
		{"marie@example", false}, // single-label host
		{"marie@example.", false},
		{" marie@example.fr", false}, // Normalise trims; Validate does not guess
		{"Marie <marie@example.fr>", false},
		{"<marie@example.fr>", false},
		{"marie@example.fr, paul@example.fr", false},
		{"marie@@example.fr", false},
		{strings.Repeat("a", 250) + "@example.fr", false},
	}
	for _, tt := range tests {
		if got := order.ValidEmail(tt.in); got != tt.ok {
			t.Errorf("ValidEmail(%q) = %v, want %v", tt.in, got, tt.ok)
		}
	}
}

func TestParseSource(t *testing.T) {
	for _, s := range []order.Source{order.SourceShopify, order.SourceWooCommerce, order.SourceEcwid, order.SourceGeneric, order.SourceManual} {
		if got, err := order.ParseSource(string(s)); err != nil || got != s {
			t.Errorf("ParseSource(%q) = %q, %v", s, got, err)
		}
	}
	_, err := order.ParseSource("Shopify")
	wantErr(t, err, order.Invalid, "unknown_source")
}

func TestOrderJSONRoundTrip(t *testing.T) {
	o := validOrder()
	if err := order.Normalise(o, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := o.MarkShipped("Colissimo", "6A12345678901", t1); err != nil {
		t.Fatal(err)
	}
	c := order.Convert(o.Totals.Grand, order.MustCurrency("USD"), order.DateOf(t0, nil), nil)
	o.CompanyTotal = &c
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var back order.Order
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(b2) {
		t.Fatalf("JSON round trip differs:\n%s\n%s", b, b2)
	}
	if !back.Totals.Grand.Equal(o.Totals.Grand) || back.Payment != o.Payment || back.Fulfilment != o.Fulfilment ||
		!reflect.DeepEqual(back.Tracking, o.Tracking) || !back.CreatedAt.Equal(o.CreatedAt) {
		t.Fatalf("decoded order differs: %+v", back)
	}
}
