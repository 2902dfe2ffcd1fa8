package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/order"
)

func eur(s string) order.Money { return order.MustMoney(s, order.EUR) }

func sampleMessage(kind order.NotificationKind, lang notify.Language) notify.Message {
	totals := order.Totals{Subtotal: eur("45.00"), Discount: eur("5.00"), Shipping: eur("4.90"), VAT: eur("7.48"), Grand: eur("44.90")}
	return notify.Message{
		Kind: kind, Lang: lang, ShopName: "Café des Arts", CustomerName: "Zoé <script>alert(1)</script>",
		Number: "CDA-1042", Payment: "PAID", Fulfilment: "PROCESSING",
		Lines: []order.EventLine{
			{SKU: "MUG-1", Name: "Mug « Montmartre »", Quantity: 2, UnitPrice: decimal.RequireFromString("12.50"), Amount: eur("25.00")},
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: 1, UnitPrice: decimal.RequireFromString("20.00"), Amount: eur("20.00")},
		},
		Totals: &totals, Grand: eur("44.90"),
		Tracking:   []order.Tracking{{Carrier: "Colissimo", Number: "6A12345678901", At: time.Now()}},
		CreditNote: true, RecoveryURL: "https://shop.example/cart/recover?c=1",
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		kind    order.NotificationKind
		lang    notify.Language
		subject string   // substring of the subject
		html    []string // substrings of the HTML part
		text    []string // substrings of the text part
		notText []string
	}{
		{order.NotifyOrderConfirmed, notify.French, "Confirmation de votre commande n° CDA-1042",
			[]string{`lang="fr"`, "Mug « Montmartre »", "44,90\u00a0€", "Total TTC"}, []string{"Mug « Montmartre » (MUG-1) x 2 : 25,00\u00a0€", "Remise : -5,00\u00a0€", "Livraison : 4,90\u00a0€"}, []string{"Suivi"}},
		{order.NotifyOrderConfirmed, notify.English, "Your order #CDA-1042 is confirmed",
			[]string{`lang="en"`, "€44.90"}, []string{"T-shirt M (TEE-M) x 1: €20.00", "Total: €44.90"}, nil},
		{order.NotifyStatusChanged, notify.French, "mise à jour",
			[]string{"Payé", "En cours de traitement"}, []string{"Paiement : Payé", "Traitement : En cours de traitement"}, nil},
		{order.NotifyStatusChanged, notify.English, "has been updated",
			[]string{"Paid", "Processing"}, []string{"Payment: Paid"}, nil},
		{order.NotifyShipped, notify.French, "a été expédiée",
			[]string{"Colissimo", "6A12345678901"}, []string{"Suivi du colis", "- Colissimo : 6A12345678901"}, nil},
		{order.NotifyShipped, notify.English, "has shipped",
			[]string{"6A12345678901"}, []string{"Parcel tracking", "- Colissimo: 6A12345678901"}, nil},
		{order.NotifyDelivered, notify.French, "a été livrée", []string{"est arrivée"}, []string{"livrée"}, []string{"6A12345678901"}},
		{order.NotifyDelivered, notify.English, "has been delivered", []string{"has arrived"}, []string{"delivered"}, nil},
		{order.NotifyCancelled, notify.French, "a été annulée", []string{"remboursé"}, []string{"Le montant que vous avez payé vous sera remboursé."}, nil},
		{order.NotifyCancelled, notify.English, "has been cancelled", []string{"refunded"}, []string{"The amount you paid will be refunded."}, nil},
		{order.NotifyPaymentReminder, notify.French, "Rappel : paiement en attente pour la commande n° CDA-1042",
			[]string{"44,90\u00a0€"}, []string{"d'un montant de 44,90\u00a0€"}, nil},
		{order.NotifyPaymentReminder, notify.English, "Reminder: payment pending for order #CDA-1042",
			[]string{"€44.90"}, []string{"payment of €44.90"}, nil},
		{order.NotifyAbandonedCart, notify.French, "Vous avez oublié quelque chose", []string{`href="https://shop.example/cart/recover?c=1"`}, []string{"Reprendre ma commande : https://shop.example/cart/recover?c=1"}, nil},
		{order.NotifyAbandonedCart, notify.English, "Did you forget something", []string{"Complete my order"}, []string{"Complete my order: https://"}, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+string(tt.lang), func(t *testing.T) {
			m := sampleMessage(tt.kind, tt.lang)
			if tt.kind == order.NotifyAbandonedCart {
				m.Number, m.Lines, m.Totals = "", nil, nil
			}
			r, err := notify.Render(m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Subject, tt.subject) || !strings.HasPrefix(r.Subject, "Café des Arts - ") {
				t.Errorf("subject = %q, want it to contain %q", r.Subject, tt.subject)
			}
			for _, s := range tt.html {
				if !strings.Contains(r.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, r.HTML)
				}
			}
			for _, s := range tt.text {
				if !strings.Contains(r.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, r.Text)
				}
			}
			for _, s := range tt.notText {
				if strings.Contains(r.Text, s) {
					t.Errorf("text has %q:\n%s", s, r.Text)
				}
			}
			// The customer's name is data: escaped in HTML, verbatim in text.
			if strings.Contains(r.HTML, "<script>") || !strings.Contains(r.HTML, "&lt;script&gt;") {
				t.Errorf("the name is not escaped in HTML")
			}
			if !strings.Contains(r.Text, "Zoé <script>alert(1)</script>") {
				t.Errorf("the text part lost the greeting")
			}
		})
	}
}

func TestRenderRefusesUnknownLanguage(t *testing.T) {
	if _, err := notify.Render(sampleMessage(order.NotifyShipped, "de")); err == nil {
		t.Fatal("rendered in an unknown language")
	}
}

func TestLanguageFor(t *testing.T) {
	tests := []struct {
		locale string
		want   notify.Language
	}{
		{"fr-FR", notify.French}, {"fr", notify.French}, {"FR_ca", notify.French}, {"en-GB", notify.English},
		{"de-DE", notify.English}, {"", notify.French}, {"fry", notify.English},
	}
	for _, tt := range tests {
		if got := notify.LanguageFor(tt.locale, notify.French); got != tt.want {
			t.Errorf("LanguageFor(%q) = %s, want %s", tt.locale, got, tt.want)
		}
	}
}

// chargedMessage is the confirmation of an order, computed by
// order.ComputeTotals, with a tip (outside the scope of VAT) and a negative
// fee (a reduction at 20 %) besides its lines and shipping.
func chargedMessage(t *testing.T, lang notify.Language) notify.Message {
	t.Helper()
	d := decimal.RequireFromString
	o := &order.Order{
		Currency: order.EUR, PricesIncludeTax: true,
		Lines:         []order.LineItem{{SKU: "MUG-1", Name: "Mug", Quantity: 2, UnitPrice: d("12.50"), VATRate: d("20")}},
		ShippingLines: []order.ShippingLine{{Title: "Colissimo", Price: d("4.90"), VATRate: d("20")}},
		Charges: []order.Charge{
			{Kind: order.ChargeTip, Amount: d("3")},
			{Kind: order.ChargeFee, Name: "Remise fidélité", Amount: d("-2"), VATRate: d("20"), Taxable: true},
		},
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	lines := []order.EventLine{{SKU: "MUG-1", Name: "Mug", Quantity: 2, UnitPrice: d("12.50"), Amount: totals.LineNet[0]}}
	return notify.Message{Kind: order.NotifyOrderConfirmed, Lang: lang, ShopName: "Café des Arts", Number: "CDA-7",
		Lines: lines, Totals: &totals, Charges: o.Charges, Grand: totals.Grand}
}

// TestRenderCharges: a tip and a negative fee are rows of the summary,
// between the shipping and the total, in the e-mail's language; the tip
// says it is outside the scope of VAT, and the total includes both.
func TestRenderCharges(t *testing.T) {
	tests := []struct {
		lang       notify.Language
		totalsText string   // the whole block under the lines, in the text part
		html       []string // rows of the HTML part
	}{
		{notify.French,
			"Sous-total : 25,00\u00a0€\n" +
				"Livraison : 4,90\u00a0€\n" +
				"Pourboire (hors champ de TVA) : 3,00\u00a0€\n" +
				"Remise fidélité : -2,00\u00a0€\n" +
				"Total TTC : 30,90\u00a0€\n" +
				"dont TVA : 4,65\u00a0€\n",
			[]string{
				`<td colspan="2" align="right" style="padding: 2px 8px;">Pourboire <span style="color: #888;">(hors champ de TVA)</span></td><td align="right">3,00` + "\u00a0€</td>",
				`<td colspan="2" align="right" style="padding: 2px 8px;">Remise fidélité</td><td align="right">-2,00` + "\u00a0€</td>",
				`<strong>Total TTC</strong></td><td align="right"><strong>30,90` + "\u00a0€</strong>",
			}},
		{notify.English,
			"Subtotal: €25.00\n" +
				"Shipping: €4.90\n" +
				"Tip (outside the scope of VAT): €3.00\n" +
				"Remise fidélité: €-2.00\n" +
				"Total: €30.90\n" +
				"incl. VAT: €4.65\n",
			[]string{
				`<td colspan="2" align="right" style="padding: 2px 8px;">Tip <span style="color: #888;">(outside the scope of VAT)</span></td><td align="right">€3.00</td>`,
				`<td colspan="2" align="right" style="padding: 2px 8px;">Remise fidélité</td><td align="right">€-2.00</td>`,
				`<strong>Total</strong></td><td align="right"><strong>€30.90</strong>`,
			}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			r, err := notify.Render(chargedMessage(t, tt.lang))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Text, "x 2"+map[notify.Language]string{notify.French: " : 25,00\u00a0€\n", notify.English: ": €25.00\n"}[tt.lang]+tt.totalsText+"\n") {
				t.Errorf("text lacks the totals\n%s\nin:\n%s", tt.totalsText, r.Text)
			}
			for _, s := range tt.html {
				if !strings.Contains(r.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, r.HTML)
				}
			}
		})
	}
}

// TestRenderChargeLabels: every kind of charge has its label, and only the
// amounts outside the scope of VAT carry the note.
func TestRenderChargeLabels(t *testing.T) {
	d := decimal.RequireFromString
	charges := []order.Charge{
		{Kind: order.ChargeDuty, Amount: d("7.10")},
		{Kind: order.ChargeDuty, Amount: d("1.50"), VATRate: d("20"), Taxable: true},
		{Kind: order.ChargeHandling, Name: "handlingFee", Amount: d("1.99"), VATRate: d("20"), Taxable: true},
		{Kind: order.ChargeFee, Amount: d("0.30"), VATRate: d("20"), Taxable: true},
	}
	want := map[notify.Language][]string{
		notify.French: {"Droits de douane (hors champ de TVA) : 7,10\u00a0€\n", "Droits de douane : 1,50\u00a0€\n",
			"Frais de traitement : 1,99\u00a0€\n", "Frais : 0,30\u00a0€\n"},
		notify.English: {"Duties (outside the scope of VAT): €7.10\n", "Duties: €1.50\n", "Handling fee: €1.99\n", "Fee: €0.30\n"},
	}
	for lang, rows := range want {
		m := sampleMessage(order.NotifyOrderConfirmed, lang)
		m.Charges = charges
		r, err := notify.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(r.Text, "(hors champ de TVA)") + strings.Count(r.Text, "(outside the scope of VAT)"); got != 1 {
			t.Errorf("%s: %d notes outside the scope of VAT, want 1:\n%s", lang, got, r.Text)
		}
		for _, row := range rows {
			if !strings.Contains(r.Text, row) {
				t.Errorf("%s: text lacks %q:\n%s", lang, row, r.Text)
			}
		}
	}
}
