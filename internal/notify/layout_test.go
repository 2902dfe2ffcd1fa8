package notify

import (
	"bytes"
	htmltemplate "html/template"
	"math/rand/v2"
	"strings"
	"testing"
	texttemplate "text/template"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// The templates the layouts were written from: the reference for every
// byte writeHTML and writeText produce, html/template's escaping included.
var (
	htmlReference = htmltemplate.Must(htmltemplate.ParseFiles("testdata/email.html.tmpl"))
	textReference = texttemplate.Must(texttemplate.ParseFiles("testdata/email.txt.tmpl"))
)

// tricky are values a customer, a product or a shop can carry: markup,
// quotes, entities, '+', NUL, non-ASCII, Unicode non-characters, invalid
// UTF-8 and URLs with every kind of scheme and escape.
var tricky = []string{
	"", "Café des Arts", `<script>alert("x")</script>`, "Tom & Jerry's", "a+b", "nul\x00byte", "\ufdd0\uffff",
	"bad\xffutf8", "日本語", "  spaced  ", "line\nbreak",
	"https://shop.example.com/cart?id=1&t=a b", "http://x/%41%zz%4", "javascript:alert(1)", "JavaScript:x",
	"mailto:a@b.c", "data:text/html,<b>", "/relative/path?q=é", "no-scheme:/x", "foo/bar:baz", "%", "x%2",
	`"'<>` + "`", "ftp://example.com/file",
}

func pick(r *rand.Rand) string { return tricky[r.IntN(len(tricky))] }

func randomView(r *rand.Rand) view {
	v := view{
		Lang: pick(r), Subject: pick(r), Heading: pick(r), Greeting: pick(r), Outro: pick(r),
		Number: pick(r), ShopName: pick(r), RecoveryURL: pick(r), DiscountCode: pick(r), UnsubscribeURL: pick(r),
		L: labels{Sep: pick(r), Summary: pick(r), Item: pick(r), Quantity: pick(r), Amount: pick(r), Tracking: pick(r),
			Resume: pick(r), Subtotal: pick(r), Discount: pick(r), Shipping: pick(r), VAT: pick(r), Total: pick(r),
			Payment: pick(r), Fulfilment: pick(r), Tip: pick(r), Duty: pick(r), Fee: pick(r), Handling: pick(r), OutsideVAT: pick(r),
			Code: pick(r), Unsubscribe: pick(r)},
	}
	for range r.IntN(3) {
		v.Intro = append(v.Intro, pick(r))
	}
	for range r.IntN(3) {
		v.Statuses = append(v.Statuses, row{pick(r), pick(r)})
	}
	for range r.IntN(3) {
		v.Tracking = append(v.Tracking, order.Tracking{Carrier: pick(r), Number: pick(r)})
	}
	for range r.IntN(3) {
		v.Lines = append(v.Lines, lineRow{Name: pick(r), SKU: pick(r), Amount: pick(r), Quantity: r.Int64N(2000) - 1000})
	}
	for range r.IntN(4) {
		v.Totals = append(v.Totals, totalRow{Label: pick(r), Amount: pick(r), Strong: r.IntN(2) == 0, Note: pick(r)})
	}
	return v
}

func checkLayouts(t *testing.T, v view) {
	t.Helper()
	var wantHTML, wantText bytes.Buffer
	if err := htmlReference.Execute(&wantHTML, v); err != nil {
		t.Fatalf("reference HTML: %v", err)
	}
	if err := textReference.Execute(&wantText, v); err != nil {
		t.Fatalf("reference text: %v", err)
	}
	var gotHTML, gotText strings.Builder
	writeHTML(&gotHTML, v)
	writeText(&gotText, v)
	if gotHTML.String() != wantHTML.String() {
		t.Fatalf("HTML of %+v:\n got: %q\nwant: %q", v, gotHTML.String(), wantHTML.String())
	}
	if gotText.String() != wantText.String() {
		t.Fatalf("text of %+v:\n got: %q\nwant: %q", v, gotText.String(), wantText.String())
	}
}

func TestLayoutsMatchTemplates(t *testing.T) {
	checkLayouts(t, view{}) // every section empty
	for _, s := range tricky {
		checkLayouts(t, view{Lang: s, Subject: s, Heading: s, Greeting: s, Intro: []string{s, s}, Outro: s, Number: s,
			ShopName: s, RecoveryURL: s, Statuses: []row{{s, s}}, Tracking: []order.Tracking{{Carrier: s, Number: s}},
			Lines: []lineRow{{Name: s, SKU: s, Amount: s, Quantity: 3}}, Totals: []totalRow{{s, s, true, ""}, {s, s, false, ""}, {s, s, false, s}},
			L: labels{Sep: s, Summary: s, Item: s, Quantity: s, Amount: s, Tracking: s, Resume: s}})
	}
	r := rand.New(rand.NewPCG(9, 9))
	for range 3000 {
		checkLayouts(t, randomView(r))
	}
}

// Every kind of e-mail in every language, built by newView as Render
// builds it, goes through the same comparison.
func TestRenderedViewsMatchTemplates(t *testing.T) {
	for _, lang := range []Language{French, English} {
		for kind := range catalogues[lang].Kinds {
			m := Message{Kind: kind, Lang: lang, ShopName: "Café <Arts>", CustomerName: "Zoé & Léa", Number: "#1042",
				Payment: "paid", Fulfilment: "fulfilled", RecoveryURL: "https://shop.example.com/cart?t=a b&x=é",
				Lines:  []order.EventLine{{Name: "Mug \"Tour\"", SKU: "MUG+1", Quantity: 2, Amount: order.MustMoney("24.50", order.EUR)}},
				Totals: &order.Totals{Subtotal: order.MustMoney("24.50", order.EUR), Discount: order.MustMoney("2", order.EUR), Shipping: order.MustMoney("4.90", order.EUR), Grand: order.MustMoney("27.40", order.EUR), VAT: order.MustMoney("4.57", order.EUR)},
				Grand:  order.MustMoney("27.40", order.EUR),
				Charges: []order.Charge{{Kind: order.ChargeTip, Amount: decimal.RequireFromString("3")},
					{Kind: order.ChargeDuty, Amount: decimal.RequireFromString("1.20")},
					{Kind: order.ChargeFee, Name: "Emballage <cadeau> & ruban", Amount: decimal.RequireFromString("-2"), VATRate: decimal.RequireFromString("20"), Taxable: true},
					{Kind: order.ChargeHandling, Amount: decimal.RequireFromString("0.50"), VATRate: decimal.RequireFromString("20"), Taxable: true}},
				Tracking: []order.Tracking{{Carrier: "Colissimo", Number: "6A123"}, {Number: "VOID", Voided: true}}, CreditNote: true}
			v, err := newView(m)
			if err != nil {
				t.Fatalf("newView %s %s: %v", lang, kind, err)
			}
			checkLayouts(t, v)
		}
	}
}
