package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// CreateManual stores a phone or e-mail order entered by staff: totals are
// computed here, the automatic status rules apply, and the order gets the next number.
// With an idempotency key, a retry returns the order the first request
// created (Outcome duplicate); the same key with another body is a Conflict
// idempotency_key_reused, and while the first request is still running a
// Conflict idempotency_in_progress.
func (s *Intake) CreateManual(ctx context.Context, m ManualOrder) (IntakeResult, error) {
	const op = "order.Intake.CreateManual"
	if m.Order == nil {
		return IntakeResult{}, E(op, Invalid, "missing_order", "no order to create")
	}
	if err := m.Actor.Validate(); err != nil || m.Actor.Kind != ActorStaff {
		return IntakeResult{}, E(op, Unauthenticated, "missing_claims", "a manual order needs an identified staff member")
	}
	key := strings.TrimSpace(m.IdempotencyKey)
	if key != "" {
		if err := CheckIdempotencyKey(op, key); err != nil {
			return IntakeResult{}, err
		}
	}
	now := s.now()
	set, err := s.shopSettings(ctx)
	if err != nil {
		return IntakeResult{}, err
	}
	o := copyInput(m.Order)
	comment := o.InternalComment
	resetOwnFields(o)
	o.InternalComment = comment
	o.Source, o.ExternalID, o.ExternalUpdatedAt = SourceManual, "", time.Time{}
	o.OnHold, o.Fulfilment = false, AwaitingProcessing
	switch o.Payment {
	case PaymentStatus{}:
		o.Payment = AwaitingPayment
	case AwaitingPayment, Paid:
	default:
		e := E(op, Invalid, "invalid_payment_status", fmt.Sprintf("a new order is %s or %s, not %s", AwaitingPayment, Paid, o.Payment))
		e.Details = map[string]any{"field": "paymentStatus"}
		return IntakeResult{}, e
	}
	if err := Normalise(o, now); err != nil {
		return IntakeResult{}, err
	}
	rules, err := ApplyStatusRules(o, set, now)
	if err != nil {
		return IntakeResult{}, err
	}
	rows := Stamp(rules, SystemActor(IntakeActorJob), ViaRule)
	if _, err := s.convert(ctx, o, set); err != nil {
		return IntakeResult{}, err
	}
	o.ID = ulid.Make().String()
	opts := CreateOptions{Prefix: set.Numbering.Prefix, Suffix: set.Numbering.Suffix,
		Record: creationRecorder(m.Actor, ViaAPI, rows)}

	if key == "" {
		created, err := s.deps.Orders.Create(ctx, o, opts)
		if err != nil {
			return IntakeResult{}, err
		}
		return IntakeResult{Outcome: OutcomeCreated, OrderID: created.ID, Number: created.Number, Order: created}, nil
	}
	held, err := s.deps.Idempotency.Begin(ctx, manualScope, key, m.Fingerprint, s.cfg.ClaimLock)
	if err != nil {
		return IntakeResult{}, err
	}
	if held != nil {
		if held.Fingerprint != m.Fingerprint {
			return IntakeResult{}, E(op, Conflict, CodeIdempotencyKeyReused, "this Idempotency-Key was used for another order; use a new key")
		}
		if held.Status != IdempotencyCompleted {
			return IntakeResult{}, E(op, Conflict, CodeIdempotencyInProgress, "an order with this Idempotency-Key is being created; retry in a moment")
		}
		r := replay(held)
		stored, err := s.deps.Orders.Get(ctx, r.OrderID)
		if err != nil {
			return IntakeResult{}, fmt.Errorf("read order %s of idempotency key %s: %w", r.OrderID, key, err)
		}
		r.Order, r.Number = stored, stored.Number
		return r, nil
	}
	opts.Idempotency = &IdempotencyResult{Scope: manualScope, Key: key, Fingerprint: m.Fingerprint,
		Response: encodeReplay(OutcomeCreated, o.ID), TTL: s.cfg.ManualTTL}
	created, err := s.deps.Orders.Create(ctx, o, opts)
	if err != nil {
		s.release(ctx, manualScope, key)
		return IntakeResult{}, err
	}
	return IntakeResult{Outcome: OutcomeCreated, OrderID: created.ID, Number: created.Number, Order: created}, nil
}

// ManualOrder is a phone or e-mail order entered by staff (POST /orders).
type ManualOrder struct {
	// Order holds the content: customer, addresses, lines, discounts,
	// shipping lines, tax mode, currency, methods, note, internal comment,
	// and optionally the payment status (AWAITING_PAYMENT or PAID). Totals
	// are computed here; statuses and ids are the intake's.
	Order *Order
	// Actor is the staff member entering the order.
	Actor Actor
	// IdempotencyKey, when set, makes a retried request return the order the
	// first one created instead of creating a second. It is checked with
	// CheckIdempotencyKey.
	IdempotencyKey string
	// Fingerprint identifies the request body: the same key with another
	// body is refused.
	Fingerprint string
}
