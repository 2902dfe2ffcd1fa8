package order

import (
	"context"
	"slices"
	"strings"
	"time"
)

func (s *Intake) receiveCart(ctx context.Context, in Inbound) (IntakeResult, error) {
	const op = "order.Intake.Receive"
	c := *in.Cart
	c.ID, c.Source = "", in.Source
	c.AbandonedAt, c.RemindersSent, c.NextReminderAt = time.Time{}, 0, nil
	c.RecoveredOrderID, c.RecoveredAt = "", time.Time{}
	if strings.TrimSpace(c.ExternalID) == "" {
		return IntakeResult{}, E(op, Invalid, "missing_field", "the checkout has no id")
	}
	if err := ValidID(op, "checkout id", c.ExternalID); err != nil {
		return IntakeResult{}, err
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = s.now()
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	if err := c.Validate(); err != nil {
		return IntakeResult{}, err
	}
	// Into the reminder index as of its last activity: the reminder
	// function schedules its steps by the shop's settings.
	c.ScheduleRecovery()
	if s.deps.Carts == nil {
		return IntakeResult{Outcome: OutcomeIgnored}, nil
	}

	scope := webhookScopePrefix + string(in.Source)
	held, err := s.deps.Idempotency.Begin(ctx, scope, in.DeliveryID, in.Fingerprint, s.cfg.ClaimLock)
	if err != nil {
		return IntakeResult{}, err
	}
	if held != nil && held.Status == IdempotencyCompleted {
		return replay(held), nil
	}
	owned := held == nil
	res, err := s.upsertCart(ctx, &c, in.CheckoutCompleted)
	if err != nil {
		if owned {
			s.release(ctx, scope, in.DeliveryID)
		}
		return IntakeResult{}, err
	}
	if owned {
		if w := s.complete(ctx, IdempotencyResult{Scope: scope, Key: in.DeliveryID, Fingerprint: in.Fingerprint,
			Response: encodeCartReplay(res.Outcome, res.CartID), ResourceID: res.CartID, TTL: s.cfg.DeliveryTTL}); w != "" {
			res.Warnings = append(res.Warnings, w)
		}
	}
	return res, nil
}

// upsertCart creates the cart, or brings the tracked one up to date.
func (s *Intake) upsertCart(ctx context.Context, c *Cart, completed bool) (IntakeResult, error) {
	cur, err := s.deps.Carts.GetByExternal(ctx, c.Source, c.ExternalID)
	switch {
	case IsKind(err, NotFound):
		if completed {
			return IntakeResult{Outcome: OutcomeIgnored}, nil
		}
		created, err := s.deps.Carts.Create(ctx, c, nil)
		if err == nil {
			return IntakeResult{Outcome: OutcomeCartTracked, CartID: created.ID}, nil
		}
		id, dup := ExistingID(err)
		if !dup || id == "" {
			return IntakeResult{}, err
		}
		// A concurrent delivery tracked it first: update that one.
		return s.updateCart(ctx, id, c)
	case err != nil:
		return IntakeResult{}, err
	}
	return s.updateCart(ctx, cur.ID, c)
}

func (s *Intake) updateCart(ctx context.Context, id string, in *Cart) (IntakeResult, error) {
	outcome := OutcomeCartUpdated
	_, err := s.deps.Carts.Update(ctx, id, func(c *Cart) ([]Event, error) {
		outcome = OutcomeCartUpdated
		switch {
		case c.RecoveredOrderID != "":
			outcome = OutcomeUnchanged
			return nil, nil
		case in.UpdatedAt.Before(c.UpdatedAt):
			outcome = OutcomeStale
			return nil, nil
		case in.UpdatedAt.Equal(c.UpdatedAt):
			outcome = OutcomeUnchanged
			return nil, nil
		}
		c.Customer, c.Lines, c.Currency, c.Total = in.Customer, slices.Clone(in.Lines), in.Currency, in.Total
		if in.RecoveryURL != "" {
			c.RecoveryURL = in.RecoveryURL
		}
		if in.MarketingConsent != nil {
			c.MarketingConsent = in.MarketingConsent
		}
		if in.TimeZone != "" {
			c.TimeZone = in.TimeZone
		}
		c.UpdatedAt = in.UpdatedAt
		c.ScheduleRecovery() // the steps count from the new last activity
		return nil, nil
	})
	if err != nil {
		return IntakeResult{}, err
	}
	return IntakeResult{Outcome: outcome, CartID: id}, nil
}

// shopSettings returns the shop's settings, cached for CacheMaxAge. A shop
// that never saved any runs on DefaultSettings.
