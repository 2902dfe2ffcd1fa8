package order

import (
	"context"
	"fmt"
	"time"
)

// InvoiceDue reports whether an order's invoice is due now under trigger:
// at creation, always; at payment, once the order has been paid (a refund
// later does not take the invoice back); by hand, never on its own. CanInvoice
// still decides whether it may be made now (not on hold, not cancelled).
func InvoiceDue(trigger InvoiceTrigger, o *Order) bool {
	switch trigger {
	case InvoiceAtCreation:
		return true
	case InvoiceAtPayment, "":
		return o.Payment == Paid || o.Payment == PartiallyRefunded || o.Payment == Refunded
	}
	return false
}

// OrderGetter reads one order.
type OrderGetter interface {
	Get(ctx context.Context, id string) (*Order, error)
}

// InvoiceService issues and lists an order's documents: the rules of when,
// over the Invoicer that numbers and stores them.
type InvoiceService struct {
	invoicer *Invoicer
	orders   OrderGetter
	settings SettingsReader
	docs     DocumentStore
	now      func() time.Time
}

// InvoiceServiceDeps are the ports of an InvoiceService.
type InvoiceServiceDeps struct {
	Invoicer  *Invoicer
	Orders    OrderGetter
	Settings  SettingsReader
	Documents DocumentStore
	Now       func() time.Time // nil is time.Now in UTC
}

// NewInvoiceService returns the service; every port but Now is required.
func NewInvoiceService(d InvoiceServiceDeps) (*InvoiceService, error) {
	if err := RequireDeps("order.NewInvoiceService", Need("Invoicer", d.Invoicer), Need("Orders", d.Orders),
		Need("Settings", d.Settings), Need("Documents", d.Documents)); err != nil {
		return nil, err
	}
	now := d.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	return &InvoiceService{invoicer: d.Invoicer, orders: d.Orders, settings: d.Settings, docs: d.Documents, now: now}, nil
}

// InvoiceOutcome is what an order event did to its invoice.
type InvoiceOutcome string

// The outcomes of an order event.
const (
	InvoiceIssued   InvoiceOutcome = "issued"
	InvoiceExisting InvoiceOutcome = "existing" // issued before
	InvoiceNotDue   InvoiceOutcome = "not_due"  // the trigger says not yet (or only by hand)
	InvoiceHeld     InvoiceOutcome = "held"     // on hold: it follows when the order resumes
	InvoiceNone     InvoiceOutcome = "none"     // cancelled: no invoice
)

// OnEvent issues the invoice of the event's order when the settings say it
// is due and the order may be invoiced. It reads the order (at least at the
// version an event carrying a reference names) and the settings, so that a
// redelivered or late event decides on the current state.
func (s *InvoiceService) OnEvent(ctx context.Context, e Event) (Document, InvoiceOutcome, error) {
	switch e.Type {
	case OrderCreated, OrderUpdated, OrderPaid, OrderStatusChanged:
	default:
		return Document{}, InvoiceNotDue, nil
	}
	o, err := s.orders.Get(ctx, e.OrderID)
	if err != nil {
		return Document{}, "", fmt.Errorf("read order %s of event %s: %w", e.OrderID, e.ID, err)
	}
	if err := e.CheckRef(o); err != nil {
		return Document{}, "", err
	}
	set, _, err := ReadSettings(ctx, s.settings, DefaultSettings("", ""))
	if err != nil {
		return Document{}, "", err
	}
	if !InvoiceDue(set.Invoicing.EffectiveTrigger(), o) {
		return Document{}, InvoiceNotDue, nil
	}
	switch err := o.CanInvoice(); {
	case CodeOf(err) == CodeOrderOnHold:
		return Document{}, InvoiceHeld, nil
	case CodeOf(err) == CodeOrderCancelled:
		return Document{}, InvoiceNone, nil
	case err != nil:
		return Document{}, "", err
	}
	d, created, err := s.invoicer.IssueInvoice(ctx, o, set.Invoicing, s.now())
	if err != nil || !created {
		return d, InvoiceExisting, err
	}
	return d, InvoiceIssued, nil
}

// IssueByHand issues the invoice of an order whatever the trigger, or
// returns the one it has (created false). An order on hold or cancelled is
// a Conflict.
func (s *InvoiceService) IssueByHand(ctx context.Context, orderID string) (Document, bool, error) {
	o, err := s.orders.Get(ctx, orderID)
	if err != nil {
		return Document{}, false, err
	}
	set, _, err := ReadSettings(ctx, s.settings, DefaultSettings("", ""))
	if err != nil {
		return Document{}, false, err
	}
	return s.invoicer.IssueInvoice(ctx, o, set.Invoicing, s.now())
}

// Documents lists the documents of an order that exists (NotFound if not).
func (s *InvoiceService) Documents(ctx context.Context, orderID string) ([]Document, error) {
	if _, err := s.orders.Get(ctx, orderID); err != nil {
		return nil, err
	}
	return s.docs.OrderDocuments(ctx, orderID)
}
