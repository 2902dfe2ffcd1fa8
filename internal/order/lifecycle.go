package order

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Lifecycle is the service behind the admin API: staff read orders and move
// them through payment and fulfilment (seeds 001, 002, 004). Every change
// goes through OrderStore.Update (or UpdateIfVersion when the caller names
// the version it read), so two people clicking at once never corrupt an
// order: the loser is re-applied on the winner's state, where the domain may
// refuse it, or answered PreconditionFailed when it asked for a version.
//
// The side effects (stock, credit notes, e-mails) are events written to the
// outbox in the same transaction as the change; the consumers act on them.
type Lifecycle struct {
	orders   OrderStore
	settings SettingsReader
	stock    StockStore
	now      func() time.Time
}

// SettingsReader is the part of SettingsStore the lifecycle reads: the
// shop's custom status labels.
type SettingsReader interface {
	Get(ctx context.Context) (Settings, int64, error)
}

// LifecycleDeps are the ports a Lifecycle consumes.
type LifecycleDeps struct {
	Orders   OrderStore
	Settings SettingsReader
	Stock    StockStore
	// Now is the clock; nil means time.Now in UTC.
	Now func() time.Time
}

// NewLifecycle returns the service over deps. Orders, Settings and Stock are
// required (RequireDeps).
func NewLifecycle(deps LifecycleDeps) (*Lifecycle, error) {
	if err := RequireDeps("order.NewLifecycle", Need("Orders", deps.Orders), Need("Settings", deps.Settings), Need("Stock", deps.Stock)); err != nil {
		return nil, err
	}
	now := deps.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	return &Lifecycle{orders: deps.Orders, settings: deps.Settings, stock: deps.Stock, now: now}, nil
}

// Command says who asks for a change of which order, through what, and on
// which version.
type Command struct {
	OrderID string
	Actor   Actor
	// Via is the channel, ViaAPI for the admin API.
	Via string
	// IfMatch, when above zero, is the version the caller read (its If-Match
	// header): the change is written only if the order is still at that
	// version, else PreconditionFailed. Zero means "the current version",
	// with lost races re-applied on the winner's state.
	IfMatch int64
}

func (c Command) check(op string) error {
	if err := ValidID(op, "order id", c.OrderID); err != nil {
		return err
	}
	if err := c.Actor.Validate(); err != nil {
		return err
	}
	if c.Via == "" {
		return E(op, Internal, "missing_via", "a change needs the channel it came through")
	}
	if c.IfMatch < 0 {
		return E(op, Invalid, "invalid_version", "the expected version must be positive")
	}
	return nil
}

// CancelOptions are the choices of "Annuler la commande".
type CancelOptions struct {
	// NotifyCustomer sends the "order cancelled" e-mail ("Notifier le
	// client" is a box the staff ticks; unticked, the customer is not told).
	NotifyCustomer bool
	// Restock puts the physical lines of a paid order back in stock.
	Restock bool
}

// NewCancelOptions returns the options of a cancel request; a nil choice
// takes its default. The customer is not told unless the staff ticks the
// box, and the stock is restored unless the staff says otherwise.
func NewCancelOptions(notifyCustomer, restock *bool) CancelOptions {
	opts := CancelOptions{NotifyCustomer: false, Restock: true}
	if notifyCustomer != nil {
		opts.NotifyCustomer = *notifyCustomer
	}
	if restock != nil {
		opts.Restock = *restock
	}
	return opts
}

// mutation changes an order and returns its history rows, unstamped.
type mutation func(o *Order, now time.Time) ([]Change, eventOptions, error)

// eventOptions tune the payload of the events a mutation produces.
type eventOptions struct {
	silent    bool // the customer is not to be e-mailed about this change
	noRestock bool // a cancellation that leaves the stock alone
}

// apply runs m on the order in one conditional write, with the automatic
// rules after a payment, and the history rows and enriched events of both.
// fn is pure with respect to the order it is given, as Update needs: a lost
// race runs it again on the winner's state.
func (l *Lifecycle) apply(ctx context.Context, op string, cmd Command, m mutation) (*Order, error) {
	if err := cmd.check(op); err != nil {
		return nil, err
	}
	fn := func(o *Order) ([]Change, []Event, error) {
		now := l.now().UTC()
		changes, opts, err := m(o, now)
		if err != nil {
			return nil, nil, err
		}
		if len(changes) == 0 {
			return nil, nil, nil
		}
		changes = Stamp(changes, cmd.Actor, cmd.Via)
		if becamePaid(changes) {
			// A paid digital-only order has nothing to ship: the rules
			// deliver it. The zero-total rule is for intake only (zero
			// Settings keep it off): it would undo a staff "mark unpaid".
			rules, err := ApplyStatusRules(o, Settings{}, now)
			if err != nil {
				return nil, nil, fmt.Errorf("apply rules to order %s: %w", o.ID, err)
			}
			changes = append(changes, Stamp(rules, SystemActor("rules"), ViaRule)...)
		}
		events, err := EventsFor(o, changes)
		if err != nil {
			return nil, nil, fmt.Errorf("events of order %s: %w", o.ID, err)
		}
		events, err = enrichEvents(o, events, opts)
		if err != nil {
			return nil, nil, err
		}
		return changes, events, nil
	}
	if cmd.IfMatch > 0 {
		o, err := l.orders.UpdateIfVersion(ctx, cmd.OrderID, cmd.IfMatch, fn)
		if err != nil {
			return nil, fmt.Errorf("update order %s at version %d: %w", cmd.OrderID, cmd.IfMatch, err)
		}
		return o, nil
	}
	o, err := l.orders.Update(ctx, cmd.OrderID, fn)
	if err != nil {
		return nil, fmt.Errorf("update order %s: %w", cmd.OrderID, err)
	}
	return o, nil
}

func becamePaid(changes []Change) bool {
	for _, c := range changes {
		if c.Field == FieldPaymentStatus && c.To == Paid.String() {
			return true
		}
	}
	return false
}

// Get returns the order with this id.
func (l *Lifecycle) Get(ctx context.Context, id string) (*Order, error) {
	if err := ValidID("order.Lifecycle.Get", "order id", id); err != nil {
		return nil, err
	}
	o, err := l.orders.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get order %s: %w", id, err)
	}
	return o, nil
}

// OrderView is an order with the stock of its lines: what the order page
// shows, the coloured circle beside each product included.
type OrderView struct {
	Order *Order
	// Stock holds the stock item of every line SKU the shop tracks; a SKU
	// without an item is not tracked and has no circle.
	Stock map[string]StockItem
}

// View returns the order and the stock items of its SKUs.
func (l *Lifecycle) View(ctx context.Context, id string) (OrderView, error) {
	o, err := l.Get(ctx, id)
	if err != nil {
		return OrderView{}, err
	}
	stock := map[string]StockItem{}
	for _, line := range o.Lines {
		sku := strings.TrimSpace(line.SKU)
		if sku == "" || line.Digital {
			continue
		}
		if _, seen := stock[sku]; seen {
			continue
		}
		si, err := l.stock.Get(ctx, sku)
		if IsKind(err, NotFound) {
			continue
		}
		if err != nil {
			return OrderView{}, fmt.Errorf("stock of %s for order %s: %w", sku, id, err)
		}
		stock[sku] = si
	}
	return OrderView{Order: o, Stock: stock}, nil
}

// List returns one page of orders matching q.
func (l *Lifecycle) List(ctx context.Context, q ListQuery) (Page[Order], error) {
	if _, err := q.Validate(); err != nil {
		return Page[Order]{}, err
	}
	p, err := l.orders.List(ctx, q)
	if err != nil {
		return Page[Order]{}, fmt.Errorf("list orders: %w", err)
	}
	return p, nil
}

// History returns one page of the order's history, oldest first. An order
// that does not exist is NotFound rather than an empty history.
func (l *Lifecycle) History(ctx context.Context, id string, page PageRequest) (Page[Change], error) {
	if _, err := page.EffectiveLimit(); err != nil {
		return Page[Change]{}, err
	}
	if _, err := l.Get(ctx, id); err != nil {
		return Page[Change]{}, err
	}
	p, err := l.orders.History(ctx, id, page)
	if err != nil {
		return Page[Change]{}, fmt.Errorf("history of order %s: %w", id, err)
	}
	return p, nil
}

// ChangePaymentStatus moves the payment axis to any status the table allows
// ("change payment status"). Moving to PAID is MarkPaid.
func (l *Lifecycle) ChangePaymentStatus(ctx context.Context, cmd Command, to PaymentStatus) (*Order, error) {
	const op = "order.Lifecycle.ChangePaymentStatus"
	if to.IsZero() {
		return nil, E(op, Invalid, "unknown_payment_status", "payment status is required")
	}
	if to == Paid {
		return l.MarkPaid(ctx, cmd)
	}
	return l.apply(ctx, op, cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.ChangePaymentStatus(to, now)
		return c, eventOptions{}, err
	})
}

// ChangeFulfilmentStatus moves the fulfilment axis to any status the table
// allows ("change fulfilment status"). SHIPPED takes an optional carrier and
// tracking number and is MarkShipped; any other target refuses them.
func (l *Lifecycle) ChangeFulfilmentStatus(ctx context.Context, cmd Command, to FulfilmentStatus, carrier, trackingNumber string) (*Order, error) {
	const op = "order.Lifecycle.ChangeFulfilmentStatus"
	if to.IsZero() {
		return nil, E(op, Invalid, "unknown_fulfilment_status", "fulfilment status is required")
	}
	if to == Shipped {
		return l.MarkShipped(ctx, cmd, carrier, trackingNumber)
	}
	if strings.TrimSpace(carrier) != "" || strings.TrimSpace(trackingNumber) != "" {
		e := E(op, Invalid, "tracking_needs_shipped", "a carrier and a tracking number go with the SHIPPED status only")
		e.Details = map[string]any{"status": to.String()}
		return nil, e
	}
	return l.apply(ctx, op, cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.ChangeFulfilmentStatus(to, now)
		return c, eventOptions{}, err
	})
}

// MarkPaid records the payment ("Marquer comme payé"); a paid order whose
// lines are all digital is then delivered by the rules.
func (l *Lifecycle) MarkPaid(ctx context.Context, cmd Command) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.MarkPaid", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.MarkPaid(now)
		return c, eventOptions{}, err
	})
}

// MarkUnpaid undoes MarkPaid ("Marquer comme non payé").
func (l *Lifecycle) MarkUnpaid(ctx context.Context, cmd Command) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.MarkUnpaid", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.MarkUnpaid(now)
		return c, eventOptions{}, err
	})
}

// MarkShipped records a shipment, with an optional carrier and tracking
// number ("Marquer comme expédiée"). A held order cannot be shipped.
func (l *Lifecycle) MarkShipped(ctx context.Context, cmd Command, carrier, trackingNumber string) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.MarkShipped", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.MarkShipped(carrier, trackingNumber, now)
		return c, eventOptions{}, err
	})
}

// MarkUnshipped undoes MarkShipped and voids the tracking numbers
// ("Marquer comme non expédiée").
func (l *Lifecycle) MarkUnshipped(ctx context.Context, cmd Command) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.MarkUnshipped", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.MarkUnshipped(now)
		return c, eventOptions{}, err
	})
}

// Hold puts the order on hold ("En attente"); a completed order cannot be
// held, and a held one gets no invoice and no shipment.
func (l *Lifecycle) Hold(ctx context.Context, cmd Command) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.Hold", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.Hold(now)
		return c, eventOptions{}, err
	})
}

// Resume takes the order off hold ("Reprendre").
func (l *Lifecycle) Resume(ctx context.Context, cmd Command) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.Resume", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.Resume(now)
		return c, eventOptions{}, err
	})
}

// Cancel cancels the order ("Annuler la commande"): payment CANCELLED,
// fulfilment WILL_NOT_DELIVER, shipment voided; its OrderCancelled event
// carries the lines to restock (unless opts.Restock is false) and, for a
// paid order, a CreditNoteRequested event follows. The customer is e-mailed
// only if opts.NotifyCustomer.
func (l *Lifecycle) Cancel(ctx context.Context, cmd Command, opts CancelOptions) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.Cancel", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, _, err := o.Cancel(now)
		return c, eventOptions{silent: !opts.NotifyCustomer, noRestock: !opts.Restock}, err
	})
}

// SendPaymentReminder asks for the payment-reminder e-mail ("Envoyer un
// rappel de paiement"); a second request within PaymentReminderInterval
// changes nothing.
func (l *Lifecycle) SendPaymentReminder(ctx context.Context, cmd Command) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.SendPaymentReminder", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.RequestPaymentReminder(now)
		return c, eventOptions{}, err
	})
}

// SetCustomStatus sets one of the shop's own status labels on the order, or
// clears it with "" ("Modifier l'état").
func (l *Lifecycle) SetCustomStatus(ctx context.Context, cmd Command, label string) (*Order, error) {
	const op = "order.Lifecycle.SetCustomStatus"
	if err := cmd.check(op); err != nil {
		return nil, err
	}
	// Read before the write: the labels are the shop's, and fn must not read.
	s, _, err := l.settings.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("read settings for order %s: %w", cmd.OrderID, err)
	}
	return l.apply(ctx, op, cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.SetCustomStatus(label, s, now)
		return c, eventOptions{}, err
	})
}

// SetComment replaces the order's staff-only comment ("Commentaires").
func (l *Lifecycle) SetComment(ctx context.Context, cmd Command, text string) (*Order, error) {
	return l.apply(ctx, "order.Lifecycle.SetComment", cmd, func(o *Order, now time.Time) ([]Change, eventOptions, error) {
		c, err := o.SetInternalComment(text, now)
		return c, eventOptions{}, err
	})
}

// Stock returns the stock item of sku.
func (l *Lifecycle) Stock(ctx context.Context, sku string) (StockItem, error) {
	if err := CheckSKU("order.Lifecycle.Stock", sku); err != nil {
		return StockItem{}, err
	}
	si, err := l.stock.Get(ctx, sku)
	if err != nil {
		return StockItem{}, fmt.Errorf("get stock of %s: %w", sku, err)
	}
	return si, nil
}

// StockCount is a stock count for one SKU, as staff enter it.
type StockCount struct {
	SKU    string
	OnHand int64
	// LowThreshold is the level at or below which the stock shows as low;
	// nil takes the shop's default (Settings.LowStockDefault).
	LowThreshold   *int64
	AllowBackorder bool
	// IfMatch, when set, is the version the count was based on (the ETag
	// the client read): a stock changed since is a PreconditionFailed error.
	// Without it the count is based on the version read here, and a change
	// between that read and the write is a Conflict: never a lost update.
	IfMatch *int64
}

// PutStock records a stock count for a SKU: from then on the shop tracks
// its stock, and paid orders take from it. The count replaces the level
// (it is what staff counted on the shelf).
func (l *Lifecycle) PutStock(ctx context.Context, c StockCount) (StockItem, error) {
	const op = "order.Lifecycle.PutStock"
	if err := CheckSKU(op, c.SKU); err != nil {
		return StockItem{}, err
	}
	si := StockItem{SKU: c.SKU, OnHand: c.OnHand, AllowBackorder: c.AllowBackorder}
	if c.LowThreshold != nil {
		si.LowThreshold = *c.LowThreshold
	} else {
		s, _, err := ReadSettings(ctx, l.settings, DefaultSettings("", ""))
		if err != nil {
			return StockItem{}, fmt.Errorf("read settings for stock of %s: %w", c.SKU, err)
		}
		si.LowThreshold = s.LowStockDefault
	}
	if err := CheckStockItem(op, si); err != nil {
		return StockItem{}, err
	}
	if c.IfMatch != nil {
		si.Version = *c.IfMatch
	} else {
		cur, err := l.stock.Get(ctx, c.SKU)
		switch {
		case err == nil:
			si.Version = cur.Version
		case !IsKind(err, NotFound):
			return StockItem{}, fmt.Errorf("read stock of %s: %w", c.SKU, err)
		}
	}
	if err := l.stock.Put(ctx, si); err != nil {
		if c.IfMatch != nil && CodeOf(err) == CodeVersionConflict {
			e := E(op, PreconditionFailed, "version_mismatch",
				fmt.Sprintf("the stock of %s is no longer at version %d", c.SKU, *c.IfMatch))
			e.Err = err
			return StockItem{}, e
		}
		return StockItem{}, fmt.Errorf("save stock of %s: %w", si.SKU, err)
	}
	si.Version++
	return si, nil
}
