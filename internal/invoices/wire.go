package invoices

import (
	"github.com/ordersmith/ordersmith/internal/order"
)

// ServiceDeps are the stores and adapters both invoice functions wire.
type ServiceDeps struct {
	Orders    order.OrderGetter
	Settings  order.SettingsReader
	Documents order.DocumentStore
	Files     order.DocumentFiles
	Renderer  order.DocumentRenderer
}

// NewService builds the invoice service both functions call: the Invoicer
// over the documents, the renderer and the files, and the rules over it.
func NewService(d ServiceDeps) (*order.InvoiceService, error) {
	iv, err := order.NewInvoicer(order.InvoicerDeps{Documents: d.Documents, Renderer: d.Renderer, Files: d.Files})
	if err != nil {
		return nil, err
	}
	return order.NewInvoiceService(order.InvoiceServiceDeps{Invoicer: iv, Orders: d.Orders, Settings: d.Settings, Documents: d.Documents})
}
