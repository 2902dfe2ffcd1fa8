package order

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// prepared is an order checked and completed in memory, ready to be stored:
// the rows its creation records besides the creation itself.
type prepared struct {
	o        *Order
	rows     []Change // stamped: cancellation and rule rows
	warnings []string
	// reported is the order as the storefront reported it, normalised,
	// before our cancellation and rules moved its statuses: what an update
	// of a stored order compares with.
	reported *Order
}

// checkStorefrontOrder normalises a delivered order, reconciles its totals
// with the storefront's and applies a cancellation: everything that can
// refuse the delivery, before anything is written or even read.
func checkStorefrontOrder(in Inbound, now time.Time) (*prepared, error) {
	const op = "order.Intake.Receive"
	o := copyInput(in.Order)
	if o.Source != in.Source {
		return nil, E(op, Invalid, "source_mismatch", fmt.Sprintf("a %s delivery carries a %s order", in.Source, o.Source))
	}
	resetOwnFields(o)
	o.CheckoutID = strings.TrimSpace(in.CartExternalID)
	if err := Normalise(o, now); err != nil {
		return nil, err
	}
	if err := Reconcile(o, o.Totals, in.Reported); err != nil {
		return nil, err
	}
	p := &prepared{o: o, reported: copyInput(o)}
	if in.Cancelled {
		rows, _, err := o.Cancel(now)
		switch {
		case err == nil:
			p.rows = append(p.rows, stampStorefront(rows, in.Source)...)
		case IsKind(err, Conflict):
			p.warnings = append(p.warnings, "cancellation not applied: "+errorMessage(err))
		default:
			return nil, err
		}
	}
	return p, nil
}

// completeOrder applies the shop's automatic status rules to a checked order and
// converts its total into the company currency.
func (s *Intake) completeOrder(ctx context.Context, p *prepared, set Settings, now time.Time) error {
	rules, err := ApplyStatusRules(p.o, set, now)
	if err != nil {
		return err
	}
	p.rows = append(p.rows, Stamp(rules, SystemActor(IntakeActorJob), ViaRule)...)
	_, err = s.convert(ctx, p.o, set)
	return err
}

// copyInput copies an order given as input, so that the caller's stays as
// it was. It is not CloneOrder: a JSON round trip would refuse the zero
// statuses of a new order and would silently repair invalid UTF-8, which
// Validate must see and refuse.
func copyInput(in *Order) *Order {
	o := *in
	o.Lines = slices.Clone(in.Lines)
	o.Discounts = slices.Clone(in.Discounts)
	o.ShippingLines = slices.Clone(in.ShippingLines)
	o.Charges = slices.Clone(in.Charges)
	o.Tracking = slices.Clone(in.Tracking)
	return &o
}

// resetOwnFields clears what the intake assigns, whatever the input said.
func resetOwnFields(o *Order) {
	o.ID, o.Number, o.Seq, o.Version = "", "", 0, 0
	o.Totals, o.CompanyTotal = Totals{}, nil
	o.CreatedAt, o.UpdatedAt = time.Time{}, time.Time{}
	o.Tracking, o.CustomStatus, o.InternalComment = nil, "", ""
	o.PaymentReminderAt = time.Time{}
}

// receiveOrder is Receive for an order delivery.
//
// A delivery of a creation topic (Creation) is most often a new order: it
// is accepted at once, the order's own conditional write being both the
// whole creation and the duplicate check, so a new order costs one request
// and a retry of it one request too (the failed condition returns the
// stored order and the delivery that created it). Other topics are claimed
// first, so that a retry of an update already applied costs that one
// request; a new order arriving that way costs the claim and the
// acceptance, whose record then answers the retries (the claim is left to
// expire). An order that exists already gets the delivery as an update,
// under a claim.
func (s *Intake) receiveOrder(ctx context.Context, in Inbound) (IntakeResult, error) {
	now := s.now()
	p, err := checkStorefrontOrder(in, now)
	if err != nil {
		return IntakeResult{}, err
	}
	// Everything is checked: from here on, writes.
	scope := webhookScopePrefix + string(in.Source)
	delivery := DeliveryKey(scope, in.DeliveryID)
	owned := false
	if !in.Creation {
		done, res, held, err := s.claim(ctx, scope, in)
		if err != nil || done {
			return res, err
		}
		owned = held
	}
	fail := func(err error) (IntakeResult, error) {
		if owned {
			s.release(ctx, scope, in.DeliveryID)
		}
		return IntakeResult{}, err
	}
	set, err := s.shopSettings(ctx)
	if err == nil {
		err = s.completeOrder(ctx, p, set, now)
	}
	if err != nil {
		return fail(err)
	}
	accepted, err := s.deps.Orders.Accept(ctx, p.o, PendingCreation{
		Prefix: set.Numbering.Prefix, Suffix: set.Numbering.Suffix,
		Actor: StorefrontActor(in.Source), Via: ViaWebhook(in.Source), Rows: p.rows, Delivery: delivery,
	})
	if err == nil {
		// Number is empty until the order is numbered (a store that
		// numbers at once returns it numbered).
		// The cart it completes is marked recovered with the numbering
		// (RecoverCart), off the storefront's clock.
		return IntakeResult{Outcome: OutcomeCreated, OrderID: accepted.ID, Number: accepted.Number, Order: accepted, Warnings: p.warnings}, nil
	}
	existing, dup := ExistingOf(err)
	if !dup || existing.ID == "" {
		return fail(err)
	}
	if existing.Delivery == delivery {
		// A retry of the delivery that created the order.
		return IntakeResult{Outcome: OutcomeDuplicate, OrderID: existing.ID}, nil
	}
	if in.Creation {
		// Created by another delivery: this one is an update, claimed as
		// any other.
		done, res, held, err := s.claim(ctx, scope, in)
		if err != nil || done {
			return res, err
		}
		owned = held
	}
	res, err := s.applyUpdate(ctx, existing.ID, in, p, set, now)
	if err != nil {
		return fail(err)
	}
	if owned {
		if w := s.complete(ctx, IdempotencyResult{Scope: scope, Key: in.DeliveryID, Fingerprint: in.Fingerprint,
			Response: encodeReplay(res.Outcome, existing.ID), ResourceID: existing.ID, TTL: s.cfg.DeliveryTTL}); w != "" {
			res.Warnings = append(res.Warnings, w)
		}
	}
	return res, nil
}

// claim claims a delivery under its id. done is true when the delivery was
// handled already (res is then the replay); held is true when this attempt
// owns the claim. A claim held by a concurrent attempt of the same delivery
// does not stop this one: both go on, the order's own condition lets one
// write, and only the claimer completes the record, so that the two never
// fight over it.
func (s *Intake) claim(ctx context.Context, scope string, in Inbound) (done bool, res IntakeResult, held bool, err error) {
	rec, err := s.deps.Idempotency.Begin(ctx, scope, in.DeliveryID, in.Fingerprint, s.cfg.ClaimLock)
	if err != nil {
		return true, IntakeResult{}, false, err
	}
	if rec != nil && rec.Status == IdempotencyCompleted {
		return true, replay(rec), false, nil
	}
	return false, IntakeResult{}, rec == nil, nil
}

// creationRecorder returns the CreateOptions.Record of a new order: the
// creation row, then the given rows (already stamped), and the events of all
// of them. It is pure, as Record must be.
func creationRecorder(a Actor, via string, rows []Change) func(o *Order) ([]Change, []Event, error) {
	return func(o *Order) ([]Change, []Event, error) {
		changes := make([]Change, 0, len(rows)+1)
		changes = append(changes, CreatedChange(o, a, via))
		changes = append(changes, rows...)
		events, err := EventsFor(o, changes)
		if err != nil {
			return nil, nil, err
		}
		return changes, events, nil
	}
}

// applyUpdate applies a delivery to the stored order id, if the delivery is
// newer than what is stored.
func (s *Intake) applyUpdate(ctx context.Context, id string, in Inbound, p *prepared, set Settings, now time.Time) (IntakeResult, error) {
	var (
		outcome  Outcome
		warnings []string
	)
	stored, err := s.deps.Orders.Update(ctx, id, func(cur *Order) ([]Change, []Event, error) {
		// The store may call this more than once (a lost race): start over.
		var changes []Change
		var err error
		outcome, changes, warnings, err = applyStorefrontState(cur, p.reported, in.Cancelled, set, now)
		if err != nil || len(changes) == 0 {
			return nil, nil, err
		}
		events, err := EventsFor(cur, changes)
		if err != nil {
			return nil, nil, err
		}
		return changes, events, nil
	})
	if err != nil {
		return IntakeResult{}, err
	}
	return IntakeResult{Outcome: outcome, OrderID: stored.ID, Number: stored.Number, Order: stored,
		Warnings: append(p.warnings, warnings...)}, nil
}

// Storefront updates never move a status back to where every order starts:
// a storefront reports AWAITING_PAYMENT or AWAITING_PROCESSING when it has
// nothing to say (it did not see the bank transfer staff recorded, or the
// parcel staff shipped), not to undo what happened.
func isInitialPayment(p PaymentStatus) bool       { return p == AwaitingPayment }
func isInitialFulfilment(f FulfilmentStatus) bool { return f == AwaitingProcessing }

// sourceReportsHold reports whether the source has an "on hold" status of
// its own (WooCommerce's on-hold: awaiting a payment confirmation). Only
// such a source may lift a hold; elsewhere a hold is staff's to lift.
func sourceReportsHold(src Source) bool { return src == SourceWooCommerce }

// stampStorefront stamps rows with the source's storefront actor and channel.
func stampStorefront(rows []Change, s Source) []Change {
	return Stamp(rows, StorefrontActor(s), ViaWebhook(s))
}

// errorMessage returns the human message of a domain error, or its text.
func errorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

// applyStorefrontState applies the storefront's newer state in to the stored
// order cur, in place, and returns what it did and the history rows. A
// delivery that is not newer than the stored state (ExternalUpdatedAt)
// changes nothing. A status move the transition tables refuse is left out
// and reported as a warning: the storefront's retries could never make it
// pass, and the rest of the update is still worth keeping.
func applyStorefrontState(cur, in *Order, cancelled bool, set Settings, now time.Time) (Outcome, []Change, []string, error) {
	switch {
	case in.ExternalUpdatedAt.Before(cur.ExternalUpdatedAt):
		return OutcomeStale, nil, nil, nil
	case in.ExternalUpdatedAt.Equal(cur.ExternalUpdatedAt):
		return OutcomeUnchanged, nil, nil, nil
	}
	src := cur.Source
	var (
		rows     []Change
		warnings []string
	)
	refused := func(what string, err error) error {
		if IsKind(err, Conflict) {
			warnings = append(warnings, what+" not applied: "+errorMessage(err))
			return nil
		}
		return err
	}

	if contentChanged(cur, in) {
		copyContent(cur, in)
		rows = append(rows, stampStorefront([]Change{{At: now, Action: ActionUpdate}}, src)...)
	}
	cur.ExternalUpdatedAt = in.ExternalUpdatedAt
	cur.UpdatedAt = now

	if cancelled {
		c, _, err := cur.Cancel(now)
		if err := refused("cancellation", err); err != nil {
			return "", nil, nil, err
		}
		rows = append(rows, stampStorefront(c, src)...)
	} else {
		if cur.OnHold && !in.OnHold && sourceReportsHold(src) {
			c, err := cur.Resume(now)
			if err != nil {
				return "", nil, nil, err
			}
			rows = append(rows, stampStorefront(c, src)...)
		}
		if in.Payment != cur.Payment && !isInitialPayment(in.Payment) {
			c, err := cur.ChangePaymentStatus(in.Payment, now)
			if err := refused("payment status "+in.Payment.String(), err); err != nil {
				return "", nil, nil, err
			}
			rows = append(rows, stampStorefront(c, src)...)
		}
		if in.Fulfilment != cur.Fulfilment && !isInitialFulfilment(in.Fulfilment) {
			c, err := cur.ChangeFulfilmentStatus(in.Fulfilment, now)
			if err := refused("fulfilment status "+in.Fulfilment.String(), err); err != nil {
				return "", nil, nil, err
			}
			rows = append(rows, stampStorefront(c, src)...)
		}
		if in.OnHold && !cur.OnHold {
			c, err := cur.Hold(now)
			if err := refused("hold", err); err != nil {
				return "", nil, nil, err
			}
			rows = append(rows, stampStorefront(c, src)...)
		}
	}
	rules, err := ApplyStatusRules(cur, set, now)
	if err != nil {
		return "", nil, nil, err
	}
	rows = append(rows, Stamp(rules, SystemActor(IntakeActorJob), ViaRule)...)
	if len(rows) == 0 {
		// Newer, but saying nothing new: the newer time is still stored,
		// so that an older delivery arriving late is recognised as stale.
		return OutcomeUnchanged, nil, warnings, nil
	}
	return OutcomeUpdated, rows, warnings, nil
}

// storefrontContent is what a storefront owns of an order: everything but
// the statuses and what staff and the backend add.
type storefrontContent struct {
	Customer         Customer
	Billing          Address
	Shipping         Address
	Lines            []LineItem
	Discounts        []Discount
	ShippingLines    []ShippingLine
	Charges          []Charge
	PricesIncludeTax bool
	Currency         Currency
	PaymentMethod    string
	ShippingMethod   string
	UTM              UTM
	Note             string
}

func contentOf(o *Order) storefrontContent {
	return storefrontContent{o.Customer, o.Billing, o.Shipping, o.Lines, o.Discounts, o.ShippingLines, o.Charges,
		o.PricesIncludeTax, o.Currency, o.PaymentMethod, o.ShippingMethod, o.UTM, o.Note}
}

// contentChanged compares through the JSON encoding, which is the stored
// form: 12.5 and 12.50 are the same price once stored.
func contentChanged(cur, in *Order) bool {
	a, errA := json.Marshal(contentOf(cur))
	b, errB := json.Marshal(contentOf(in))
	return errA != nil || errB != nil || string(a) != string(b)
}

// copyContent replaces the storefront's content of cur with in's, with in's
// totals (computed by Normalise) and the company total repriced at the rate
// the order was converted with: the rate of the order's day does not change
// because the order did.
func copyContent(cur, in *Order) {
	c := contentOf(in)
	cur.Customer, cur.Billing, cur.Shipping = c.Customer, c.Billing, c.Shipping
	cur.Lines, cur.Discounts, cur.ShippingLines, cur.Charges = c.Lines, c.Discounts, c.ShippingLines, c.Charges
	cur.PricesIncludeTax, cur.Currency = c.PricesIncludeTax, c.Currency
	cur.PaymentMethod, cur.ShippingMethod, cur.UTM, cur.Note = c.PaymentMethod, c.ShippingMethod, c.UTM, c.Note
	cur.Totals = in.Totals
	if cur.CompanyTotal == nil {
		return
	}
	prev := *cur.CompanyTotal
	company := prev.Total.Currency
	var rates []ExchangeRate
	if d, err := ParseDate(prev.RateDate); err == nil && !prev.Missing {
		rates = []ExchangeRate{{Currency: cur.Currency, Date: d, Rate: prev.Rate}}
	}
	conv := Convert(cur.Totals.Grand, company, DateOf(cur.CreatedAt, time.UTC), rates)
	cur.CompanyTotal = &conv
}
