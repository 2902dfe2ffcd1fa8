package order

import (
	"context"
	"fmt"
)

// receiveFetched is Receive for a delivery that only names its content
// (Inbound.Fetch): an Ecwid event names an order, read from Ecwid's API.
// The delivery id, which the storefront signs, is claimed first: a retry,
// or a captured signature replayed, is answered from the delivery's record
// without a call to the storefront. The content is fetched under the claim
// and received as any other delivery (whose own claim of the same id finds
// this one and leaves the record to it); the claim is then completed with
// the outcome, or released after a failure so that the storefront's retry
// runs again. A claim held by a concurrent attempt does not stop this one,
// as elsewhere in the intake: the order's own condition lets one write.
func (s *Intake) receiveFetched(ctx context.Context, in Inbound) (IntakeResult, error) {
	const op = "order.Intake.Receive"
	if in.DeliveryID == "" {
		return IntakeResult{}, E(op, Invalid, "missing_field", "the delivery has no delivery id")
	}
	scope := webhookScopePrefix + string(in.Source)
	done, res, held, err := s.claim(ctx, scope, in)
	if err != nil || done {
		return res, err
	}
	res, err = s.fetchAndReceive(ctx, in)
	if err != nil {
		if held {
			s.release(ctx, scope, in.DeliveryID)
		}
		return IntakeResult{}, err
	}
	if held {
		r := IdempotencyResult{Scope: scope, Key: in.DeliveryID, Fingerprint: in.Fingerprint,
			Response: encodeReplay(res.Outcome, res.OrderID), ResourceID: res.OrderID, TTL: s.cfg.DeliveryTTL}
		if res.CartID != "" {
			r.Response, r.ResourceID = encodeCartReplay(res.Outcome, res.CartID), res.CartID
		}
		if w := s.complete(ctx, r); w != "" {
			res.Warnings = append(res.Warnings, w)
		}
	}
	return res, nil
}

// fetchAndReceive reads a fetched delivery's content and receives it. The
// content must be that of the delivery claimed: same source and id.
func (s *Intake) fetchAndReceive(ctx context.Context, in Inbound) (IntakeResult, error) {
	const op = "order.Intake.Receive"
	full, err := in.Fetch(ctx)
	if err != nil {
		return IntakeResult{}, err
	}
	if full.Fetch != nil || full.Source != in.Source || full.DeliveryID != in.DeliveryID {
		return IntakeResult{}, E(op, Internal, "fetch_mismatch",
			fmt.Sprintf("the fetched content of %s delivery %q is not that delivery's", in.Source, in.DeliveryID))
	}
	if full.Fingerprint == "" {
		full.Fingerprint = in.Fingerprint
	}
	return s.Receive(ctx, full)
}
