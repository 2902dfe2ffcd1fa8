package notify

import (
	"strings"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Language is the language of an e-mail.
type Language string

// The languages the e-mails are written in.
const (
	French  Language = "fr"
	English Language = "en"
)

// LanguageFor chooses the language of a customer's locale (BCP 47, e.g.
// "fr-FR", "fr_CA", "en-GB"): French for any French locale, English for any
// other known one, and fallback when the locale is empty.
func LanguageFor(locale string, fallback Language) Language {
	l := strings.ToLower(strings.TrimSpace(locale))
	switch {
	case l == "":
		return fallback
	case l == "fr" || strings.HasPrefix(l, "fr-") || strings.HasPrefix(l, "fr_"):
		return French
	}
	return English
}

// labels are the fixed words of the layout.
type labels struct {
	Sep, Summary, Item, Quantity, Amount, Tracking, Resume        string
	Subtotal, Discount, Shipping, VAT, Total, Payment, Fulfilment string
	// The charges' rows: a fee without a name is Fee; OutsideVAT notes
	// the amounts outside the scope of VAT (tips, untaxed duties).
	Tip, Duty, Fee, Handling, OutsideVAT string
	// Code introduces a cart reminder's discount code; Unsubscribe is its
	// unsubscribe link.
	Code, Unsubscribe string
}

// kindText is what one kind of e-mail says: the subject and heading take
// the order number (%s), the intro paragraphs the order total (%s) where
// they quote it.
type kindText struct {
	Subject, Heading string
	Intro            []string
	Outro            string
}

// catalogue is everything an e-mail says in one language.
type catalogue struct {
	Labels   labels
	Greeting string // takes the customer's name
	Kinds    map[order.NotificationKind]kindText
	Payment  map[string]string // status name → wording
	Fulfil   map[string]string
	// CreditNote is added to a cancellation of a paid order.
	CreditNote string
}

var catalogues = map[Language]catalogue{
	French: {
		Labels: labels{Sep: " : ", Summary: "Récapitulatif de la commande", Item: "Article", Quantity: "Quantité", Amount: "Montant",
			Tracking: "Suivi du colis", Resume: "Reprendre ma commande", Subtotal: "Sous-total", Discount: "Remise",
			Shipping: "Livraison", VAT: "dont TVA", Total: "Total TTC", Payment: "Paiement", Fulfilment: "Traitement",
			Tip: "Pourboire", Duty: "Droits de douane", Fee: "Frais", Handling: "Frais de traitement", OutsideVAT: "hors champ de TVA",
			Code: "Votre code de réduction", Unsubscribe: "Ne plus recevoir ces rappels"},
		Greeting: "Bonjour %s,",
		Kinds: map[order.NotificationKind]kindText{
			order.NotifyOrderConfirmed: {"Confirmation de votre commande n° %s", "Merci pour votre commande n° %s",
				[]string{"Nous avons bien reçu votre commande d'un montant de %s. Nous vous tiendrons informé(e) de chaque étape."}, ""},
			order.NotifyStatusChanged: {"Votre commande n° %s a été mise à jour", "Du nouveau pour votre commande n° %s",
				[]string{"Le statut de votre commande a changé."}, ""},
			order.NotifyShipped: {"Votre commande n° %s a été expédiée", "Votre commande n° %s est en route",
				[]string{"Bonne nouvelle : votre commande a été confiée au transporteur."}, "Le suivi peut mettre quelques heures à s'activer."},
			order.NotifyDelivered: {"Votre commande n° %s a été livrée", "Votre commande n° %s est arrivée",
				[]string{"Votre commande vous a été livrée. Merci de votre confiance !"}, ""},
			order.NotifyCancelled: {"Votre commande n° %s a été annulée", "Commande n° %s annulée",
				[]string{"Votre commande a été annulée et ne sera pas expédiée."}, "Pour toute question, répondez simplement à cet e-mail."},
			order.NotifyPaymentReminder: {"Rappel : paiement en attente pour la commande n° %s", "Votre commande n° %s attend son paiement",
				[]string{"Nous n'avons pas encore reçu le paiement de votre commande d'un montant de %s.", "Merci de procéder au règlement pour que nous puissions la préparer."}, ""},
			order.NotifyAbandonedCart: {"Vous avez oublié quelque chose ?", "Votre panier vous attend",
				[]string{"Les articles de votre panier (%s) vous attendent encore."}, ""},
		},
		Payment: map[string]string{"AWAITING_PAYMENT": "En attente de paiement", "PAID": "Payé", "CANCELLED": "Annulé",
			"REFUNDED": "Remboursé", "PARTIALLY_REFUNDED": "Partiellement remboursé"},
		Fulfil: map[string]string{"AWAITING_PROCESSING": "En attente de traitement", "PROCESSING": "En cours de traitement",
			"READY_FOR_PICKUP": "Prêt pour le retrait", "SHIPPED": "Expédié", "OUT_FOR_DELIVERY": "Livraison en cours",
			"DELIVERED": "Livré", "WILL_NOT_DELIVER": "Livraison annulée", "RETURNED": "Retourné"},
		CreditNote: "Le montant que vous avez payé vous sera remboursé.",
	},
	English: {
		Labels: labels{Sep: ": ", Summary: "Order summary", Item: "Item", Quantity: "Quantity", Amount: "Amount",
			Tracking: "Parcel tracking", Resume: "Complete my order", Subtotal: "Subtotal", Discount: "Discount",
			Shipping: "Shipping", VAT: "incl. VAT", Total: "Total", Payment: "Payment", Fulfilment: "Fulfilment",
			Tip: "Tip", Duty: "Duties", Fee: "Fee", Handling: "Handling fee", OutsideVAT: "outside the scope of VAT",
			Code: "Your discount code", Unsubscribe: "Stop these reminders"},
		Greeting: "Hello %s,",
		Kinds: map[order.NotificationKind]kindText{
			order.NotifyOrderConfirmed: {"Your order #%s is confirmed", "Thank you for your order #%s",
				[]string{"We have received your order of %s. We will keep you posted at every step."}, ""},
			order.NotifyStatusChanged: {"Your order #%s has been updated", "News about your order #%s",
				[]string{"The status of your order has changed."}, ""},
			order.NotifyShipped: {"Your order #%s has shipped", "Your order #%s is on its way",
				[]string{"Good news: your order has been handed to the carrier."}, "Tracking may take a few hours to show."},
			order.NotifyDelivered: {"Your order #%s has been delivered", "Your order #%s has arrived",
				[]string{"Your order has been delivered. Thank you for shopping with us!"}, ""},
			order.NotifyCancelled: {"Your order #%s has been cancelled", "Order #%s cancelled",
				[]string{"Your order has been cancelled and will not be shipped."}, "If you have any question, just reply to this e-mail."},
			order.NotifyPaymentReminder: {"Reminder: payment pending for order #%s", "Your order #%s is waiting for payment",
				[]string{"We have not received the payment of %s for your order yet.", "Please complete the payment so that we can prepare it."}, ""},
			order.NotifyAbandonedCart: {"Did you forget something?", "Your cart is waiting",
				[]string{"The items in your cart (%s) are still waiting for you."}, ""},
		},
		Payment: map[string]string{"AWAITING_PAYMENT": "Awaiting payment", "PAID": "Paid", "CANCELLED": "Cancelled",
			"REFUNDED": "Refunded", "PARTIALLY_REFUNDED": "Partially refunded"},
		Fulfil: map[string]string{"AWAITING_PROCESSING": "Awaiting processing", "PROCESSING": "Processing",
			"READY_FOR_PICKUP": "Ready for pickup", "SHIPPED": "Shipped", "OUT_FOR_DELIVERY": "Out for delivery",
			"DELIVERED": "Delivered", "WILL_NOT_DELIVER": "Will not be delivered", "RETURNED": "Returned"},
		CreditNote: "The amount you paid will be refunded.",
	},
}
