package order

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
)

// The helpers below give every OrderStore implementation the same
// semantics for what it owns: defaults and checks of a new order, and the
// apply step of an update.

// CloneOrder returns a deep copy of o through its JSON encoding, which is the
// stored form: a copy is exactly what a later read returns.
func CloneOrder(o *Order) (*Order, error) { return cloneStored("order", o.ID, o) }

// CloneCart returns a deep copy of c through its JSON encoding, the stored
// form, as CloneOrder does for orders.
func CloneCart(c *Cart) (*Cart, error) { return cloneStored("cart", c.ID, c) }

func cloneStored[T any](what, id string, v *T) (*T, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("copy %s %s: %w", what, id, err)
	}
	var c T
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("copy %s %s: %w", what, id, err)
	}
	return &c, nil
}

// PrepareNewCart is the first step of CartStore.Create: it returns a copy of
// in with a ULID for an empty ID and now for a zero UpdatedAt, after checking
// it (a valid id, Validate).
func PrepareNewCart(op string, in *Cart, now time.Time) (*Cart, error) {
	if in == nil {
		return nil, E(op, Invalid, "missing_cart", "no cart to create")
	}
	c, err := CloneCart(in)
	if err != nil {
		return nil, Wrap(op, Invalid, "invalid_cart", "the cart cannot be encoded", err)
	}
	if c.ID == "" {
		c.ID = ulid.Make().String()
	}
	if err := ValidID(op, "cart id", c.ID); err != nil {
		return nil, err
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = now
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// MaxIDRunes bounds the ids that stores put in keys.
const MaxIDRunes = 128

// ValidID checks an id that a store puts in a key: 1 to MaxIDRunes runes of
// valid UTF-8, without "#" (the key separator).
func ValidID(op, what, id string) error {
	if id == "" || strings.Contains(id, "#") || !utf8.ValidString(id) || utf8.RuneCountInString(id) > MaxIDRunes {
		return E(op, Invalid, "invalid_id", fmt.Sprintf("%s must be 1 to %d characters of valid UTF-8 without '#'", what, MaxIDRunes))
	}
	return nil
}

// PrepareNewOrder is the first step of OrderStore.Create: it returns a copy
// of in with, for an empty ID, the storefront id of an order with an
// external id (StorefrontOrderID: the id Accept would give it, so that
// either way a storefront order has one record) or else a ULID; now for a
// zero CreatedAt, CreatedAt for a zero UpdatedAt, times in UTC and Version
// 1, after checking it (both statuses set, Validate). Seq and Number are the
// store's to assign.
func PrepareNewOrder(op string, in *Order, now time.Time) (*Order, error) {
	if in == nil {
		return nil, E(op, Invalid, "missing_order", "no order to create")
	}
	if in.Payment.IsZero() || in.Fulfilment.IsZero() {
		return nil, E(op, Invalid, "missing_status", "a new order needs a payment and a fulfilment status")
	}
	o, err := CloneOrder(in)
	if err != nil {
		return nil, Wrap(op, Invalid, "invalid_order", "the order cannot be encoded", err)
	}
	switch {
	case o.ID != "":
	case o.ExternalID != "":
		o.ID = StorefrontOrderID(o.Source, o.ExternalID)
	default:
		o.ID = ulid.Make().String()
	}
	if err := ValidID(op, "order id", o.ID); err != nil {
		return nil, err
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = now
	}
	o.CreatedAt = o.CreatedAt.UTC()
	if o.UpdatedAt.IsZero() {
		o.UpdatedAt = o.CreatedAt
	}
	o.UpdatedAt = o.UpdatedAt.UTC()
	o.Version = 1
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// RecordCreation calls opts.Record, if set, on a copy of the numbered order
// (Record must not change what is stored) and dates undated rows at the
// creation time.
func RecordCreation(o *Order, opts CreateOptions) ([]Change, []Event, error) {
	if opts.Record == nil {
		return nil, nil, nil
	}
	c, err := CloneOrder(o)
	if err != nil {
		return nil, nil, err
	}
	changes, events, err := opts.Record(c)
	if err != nil {
		return nil, nil, err
	}
	for i := range changes {
		if changes[i].At.IsZero() {
			changes[i].At = o.CreatedAt
		}
	}
	if err := checkEventSizes(events); err != nil {
		return nil, nil, err
	}
	return changes, events, nil
}

// checkEventSizes refuses events over MaxEventBytes before any is written.
func checkEventSizes(events []Event) error {
	for _, e := range events {
		if err := e.CheckSize(); err != nil {
			return err
		}
	}
	return nil
}

// ApplyUpdate is the apply step of OrderStore.Update: it runs fn on a copy
// of cur and checks the result (no immutable field changed, Validate). It
// reports whether anything is to be written: false when fn changed nothing
// and returned no Change and no Event. The result has Version cur.Version+1,
// UpdatedAt now unless fn moved it, and undated changes dated at UpdatedAt.
func ApplyUpdate(op string, cur *Order, fn UpdateFunc, now time.Time) (*Order, []Change, []Event, bool, error) {
	next, err := CloneOrder(cur)
	if err != nil {
		return nil, nil, nil, false, Wrap(op, Internal, "invalid_order", "the stored order cannot be copied", err)
	}
	// fn sees the version it writes, so that its events carry it.
	next.Version = cur.Version + 1
	changes, events, err := fn(next)
	if err != nil {
		return nil, nil, nil, false, err
	}
	if err := checkImmutable(op, cur, next); err != nil {
		return nil, nil, nil, false, err
	}
	if err := checkEventSizes(events); err != nil {
		return nil, nil, nil, false, err
	}
	next.Version = cur.Version // the version is the store's, whatever fn did
	before, err := json.Marshal(cur)
	if err != nil {
		return nil, nil, nil, false, Wrap(op, Internal, "invalid_order", "the stored order cannot be encoded", err)
	}
	after, err := json.Marshal(next)
	if err != nil {
		return nil, nil, nil, false, Wrap(op, Invalid, "invalid_order", "the updated order cannot be encoded", err)
	}
	if bytes.Equal(before, after) && len(changes) == 0 && len(events) == 0 {
		return nil, nil, nil, false, nil
	}
	if err := next.Validate(); err != nil {
		return nil, nil, nil, false, err
	}
	if next.UpdatedAt.Equal(cur.UpdatedAt) {
		next.UpdatedAt = now
	}
	next.UpdatedAt = next.UpdatedAt.UTC()
	next.Version = cur.Version + 1
	for i := range changes {
		if changes[i].At.IsZero() {
			changes[i].At = next.UpdatedAt
		}
	}
	return next, changes, events, true, nil
}

// checkImmutable refuses an update that changes what identifies an order.
func checkImmutable(op string, cur, next *Order) error {
	field := ""
	switch {
	case next.ID != cur.ID:
		field = "id"
	case next.Seq != cur.Seq:
		field = "seq"
	case next.Number != cur.Number:
		field = "number"
	case next.Source != cur.Source:
		field = "source"
	case next.ExternalID != cur.ExternalID:
		field = "externalId"
	case !next.CreatedAt.Equal(cur.CreatedAt):
		field = "createdAt"
	default:
		return nil
	}
	e := E(op, Invalid, "immutable_field", fmt.Sprintf("the order's %s cannot change", field))
	e.Details = map[string]any{"field": field}
	return e
}

// VersionMismatch is the PreconditionFailed error of an If-Match on an
// order that is at another version.
func VersionMismatch(op, id string, expected, actual int64) error {
	e := E(op, PreconditionFailed, CodeVersionConflict, fmt.Sprintf("order %s is at version %d, not %d", id, actual, expected))
	e.Details = map[string]any{"expectedVersion": expected, "version": actual}
	return e
}

// CheckSKU refuses a SKU that a store cannot key.
func CheckSKU(op, sku string) error {
	if sku == "" || len(sku) > 512 || !utf8.ValidString(sku) {
		return E(op, Invalid, "invalid_sku", "a SKU must be 1 to 512 bytes of valid UTF-8")
	}
	return nil
}

// CheckStockItem applies the rules a stored stock item follows: a threshold
// that is not negative, and stock below zero only for a backordered item.
func CheckStockItem(op string, si StockItem) error {
	if err := CheckSKU(op, si.SKU); err != nil {
		return err
	}
	if si.LowThreshold < 0 {
		return E(op, Invalid, "invalid_threshold", "the low-stock threshold must not be negative")
	}
	if si.OnHand < 0 && !si.AllowBackorder {
		return E(op, Invalid, "invalid_quantity", "only an item that allows backorders can be below zero")
	}
	if si.OnHand > MaxQuantity*1000 || si.OnHand < -MaxQuantity*1000 {
		return E(op, Invalid, "invalid_quantity", "the stock level is out of range")
	}
	return nil
}

// MergeStockAdjustments checks adjustments and adds up those of the same
// SKU, sorted by SKU; SKUs whose deltas cancel out are dropped. Every
// StockStore refuses the same input with it.
func MergeStockAdjustments(op string, adj []StockAdjustment) ([]StockAdjustment, error) {
	sum := map[string]int64{}
	for _, a := range adj {
		if err := CheckSKU(op, a.SKU); err != nil {
			return nil, err
		}
		if a.Delta == 0 || a.Delta > MaxQuantity || a.Delta < -MaxQuantity {
			return nil, E(op, Invalid, "invalid_quantity",
				fmt.Sprintf("an adjustment of %s must be between -%d and %d, and not zero", a.SKU, MaxQuantity, MaxQuantity))
		}
		sum[a.SKU] += a.Delta
	}
	if len(sum) == 0 || len(sum) > MaxStockAdjustments {
		return nil, E(op, Invalid, "invalid_adjustments", fmt.Sprintf("an adjustment changes 1 to %d SKUs", MaxStockAdjustments))
	}
	out := make([]StockAdjustment, 0, len(sum))
	for sku, d := range sum {
		if d != 0 {
			out = append(out, StockAdjustment{SKU: sku, Delta: d})
		}
	}
	if len(out) == 0 {
		return nil, E(op, Invalid, "invalid_adjustments", "the adjustments cancel out")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out, nil
}
