package order

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"
)

// Storefront orders are accepted before they are numbered. A storefront
// waits for its webhook's answer (Shopify gives up after 5 s) and retries
// whatever it did not see acknowledged, so the intake answers after one
// conditional write: the order, stored under an id derived from (source,
// external id), which makes that write the guard against a second order.
// The number, and everything the creation writes besides the order (its
// number guard, history, outbox events, customer counters, SKU index
// entries), follows in one transaction: OrderStore.AssignNumber, run by the
// numbering consumer of the table's stream within about a second, or by the
// first update of the order, whichever comes first. Numbers stay unique and
// without gaps; they follow the order in which accepted orders are numbered.

// PendingCreation is what a store keeps with an accepted order until it is
// numbered: what CreateOptions would have said, in a form that can be
// stored.
type PendingCreation struct {
	// Prefix and Suffix frame the display number (the shop's numbering
	// settings when the order was accepted).
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
	// Actor and Via are those of the creation row.
	Actor Actor  `json:"actor"`
	Via   string `json:"via,omitempty"`
	// Rows are the history rows that follow the creation row (the
	// storefront's statuses, the automatic status rules), already stamped.
	Rows []Change `json:"rows,omitempty"`
	// Delivery identifies the delivery that created the order (its
	// idempotency scope and key), so that its retries are recognised. The
	// store keeps it with the order for good.
	Delivery string `json:"delivery,omitempty"`
}

// Options returns the CreateOptions the numbering applies: the history rows
// and events are recorded with the numbered order, as a Create records them.
func (p PendingCreation) Options() CreateOptions {
	return CreateOptions{Prefix: p.Prefix, Suffix: p.Suffix, Record: creationRecorder(p.Actor, p.Via, p.Rows)}
}

// DeliveryKey is the PendingCreation.Delivery of a delivery.
func DeliveryKey(scope, key string) string { return scope + "\x00" + key }

// StorefrontOrderID is the id of the order a storefront knows as externalID:
// a ULID-shaped (26 characters of Crockford base 32) digest of the pair, the
// same on every delivery, so that the order's own key is the one-order-per-
// (source, external id) guard. Its leading characters are not a time.
func StorefrontOrderID(source Source, externalID string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("ordersmith/order\x00%s\x00%s", source, externalID)))
	var id ulid.ULID
	copy(id[:], sum[:16])
	return id.String()
}

// PrepareAccepted is the first step of OrderStore.Accept: PrepareNewOrder
// with the storefront id and no number yet.
func PrepareAccepted(op string, in *Order, now time.Time) (*Order, error) {
	if in == nil || in.Source == "" || in.ExternalID == "" {
		return nil, E(op, Invalid, "missing_external_id", "an accepted order needs its source and external id")
	}
	want := StorefrontOrderID(in.Source, in.ExternalID)
	if in.ID != "" && in.ID != want {
		return nil, E(op, Invalid, "invalid_id", fmt.Sprintf("a storefront order's id is %s, derived from its source and external id", want))
	}
	c := *in
	c.ID = want
	o, err := PrepareNewOrder(op, &c, now)
	if err != nil {
		return nil, err
	}
	o.Seq, o.Number = 0, ""
	return o, nil
}
