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
