package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The storage ports: what the services need from persistence, and nothing
// about how it is done. internal/dynamo implements them over one DynamoDB
// table, internal/memstore in memory for tests, and internal/storetest holds
// the contract suite both must pass.

// OrderStore keeps orders, their history and their outbox events.
type OrderStore interface {
	// Create stores a new order. The store assigns Seq (the next order
	// number, gapless: only a committed order consumes one), Number
	// (FormatNumber(opts.Prefix, Seq, opts.Suffix)) and Version 1; it fills
	// an empty ID with a fresh ULID and a zero CreatedAt with now. The
	// history rows, outbox events, customer counters and the idempotency
	// result of opts are written in the same transaction.
	//
	// An order whose (Source, ExternalID) or ID is already stored writes
	// nothing and returns a Conflict error with code already_exists, for
	// which ExistingID returns the stored order's id. An order that fails
	// Validate is an Invalid error. Too many concurrent creations (the
	// number counter is one item) end in a Transient error, safe to retry.
	Create(ctx context.Context, o *Order, opts CreateOptions) (*Order, error)

	// Accept stores a storefront order before its number (see
	// PendingCreation): one conditional write of the order, with Version 1,
	// no Seq and no Number, its ID StorefrontOrderID(Source, ExternalID),
	// and p kept beside it. An order already stored under that id (accepted
	// or created) writes nothing and returns already_exists, whose
	// AlreadyExists details name the stored order and the delivery that
	// created it. Create also derives the ID of an order with an external
	// id, so the two never store the same storefront order twice.
	Accept(ctx context.Context, o *Order, p PendingCreation) (*Order, error)
	// AssignNumber gives an accepted order its number and writes, in one
	// transaction, what Create writes besides the order: the number's guard,
	// the history rows and outbox events of p.Options(), the customer
	// counters and the SKU index entries. It returns the stored order; an
	// order already numbered is returned as it is, so numbering twice is
	// harmless. Update and UpdateIfVersion number an accepted order before
	// they change it. A number already used (a prefix or suffix change can
	// make one collide) is skipped: the only gap numbering can leave.
	AssignNumber(ctx context.Context, id string) (*Order, error)

	// Get returns the order with this id, or a NotFound error.
	Get(ctx context.Context, id string) (*Order, error)
	// GetByNumber returns the order with this display number (e.g.
	// "CMD-1042"), or a NotFound error.
	GetByNumber(ctx context.Context, number string) (*Order, error)
	// GetByExternal returns the order a storefront knows by this id, or a
	// NotFound error.
	GetByExternal(ctx context.Context, source Source, externalID string) (*Order, error)

	// Update reads the order, applies fn to a copy and writes the result
	// conditionally on the version it read, with Version+1 and, in the same
	// transaction, the Changes as history rows and the Events in the outbox.
	// A lost race re-reads and re-applies fn a bounded number of times, so
	// fn must be pure (no side effects outside the order it is given); when
	// the races keep being lost the error is a Conflict with code
	// version_conflict. An error from fn is returned as is and nothing is
	// written; so is a result that fails Validate or changes an immutable
	// field (ID, Seq, Number, Source, ExternalID, CreatedAt). When fn
	// changes nothing and returns no Change and no Event, nothing is
	// written and the stored order is returned.
	Update(ctx context.Context, id string, fn UpdateFunc) (*Order, error)
	// UpdateIfVersion is Update for an If-Match request: it writes only if
	// the stored version is expectedVersion, and never retries. A mismatch,
	// before or during the write, is a PreconditionFailed error.
	UpdateIfVersion(ctx context.Context, id string, expectedVersion int64, fn UpdateFunc) (*Order, error)

	// List returns one page of orders matching q, newest first.
	List(ctx context.Context, q ListQuery) (Page[Order], error)
	// History returns one page of an order's changes, oldest first.
	History(ctx context.Context, id string, page PageRequest) (Page[Change], error)
}

// UpdateFunc changes an order in place and returns what to record: the
// history rows and the outbox events of the change.
type UpdateFunc func(o *Order) ([]Change, []Event, error)

// CreateOptions are the parts of an order creation that are not the order.
type CreateOptions struct {
	// Prefix and Suffix frame the display number (the shop's numbering
	// settings at the time of creation).
	Prefix, Suffix string
	// Record, when set, returns the history rows and the outbox events of
	// the creation (typically CreatedChange and EventsFor). It is called
	// with the order as it will be stored, ID, Seq, Number and Version set,
	// so the rows and the e-mails can quote the number; a creation that
	// retries calls it again, so it must be pure.
	Record func(o *Order) ([]Change, []Event, error)
	// Idempotency, when set, completes this idempotency key with the new
	// order in the same transaction, so a replay finds the order even if
	// the process dies right after the commit.
	Idempotency *IdempotencyResult
}

// ExistingID returns the id of the stored order (or cart) that made a
// creation fail with already_exists, and whether err is such a failure.
func ExistingID(err error) (string, bool) {
	d, ok := ExistingOf(err)
	return d.ID, ok
}

// ExistingOf returns the details of an already_exists failure, and whether
// err is one.
func ExistingOf(err error) (AlreadyExists, bool) {
	var e *Error
	if !errors.As(err, &e) || e.Kind != Conflict || e.Code != CodeAlreadyExists {
		return AlreadyExists{}, false
	}
	d, ok := e.Details.(AlreadyExists)
	return d, ok
}

// AlreadyExists is the Details of an already_exists error.
type AlreadyExists struct {
	ID string `json:"id"`
	// Delivery is the PendingCreation.Delivery of the delivery that
	// created the order, when it was accepted (Accept always reports it).
	Delivery string `json:"-"`
}

// AlreadyExistsError returns the Conflict a store reports when a creation
// duplicates what it stored as id.
func AlreadyExistsError(op, what, id string) error {
	e := E(op, Conflict, CodeAlreadyExists, fmt.Sprintf("the %s already exists as %s", what, id))
	e.Details = AlreadyExists{ID: id}
	return e
}

// AlreadyExistsWith is AlreadyExistsError with all of the details.
func AlreadyExistsWith(op, what string, d AlreadyExists) error {
	e := E(op, Conflict, CodeAlreadyExists, fmt.Sprintf("the %s already exists as %s", what, d.ID))
	e.Details = d
	return e
}

// Page is one page of a listing.
type Page[T any] struct {
	Items []T `json:"items"`
	// Next is the opaque cursor of the following page; empty on the last one.
	Next string `json:"next,omitempty"`
}

// PageRequest asks for one page: at most Limit items (0 means
// DefaultPageLimit) after Cursor (empty for the first page).
type PageRequest struct {
	Limit  int
	Cursor string
}

// Limits of a page.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// EffectiveLimit validates the limit and applies the default.
func (p PageRequest) EffectiveLimit() (int, error) {
	switch {
	case p.Limit == 0:
		return DefaultPageLimit, nil
	case p.Limit < 0 || p.Limit > MaxPageLimit:
		return 0, E("order.PageRequest", Invalid, "invalid_limit",
			fmt.Sprintf("limit must be between 1 and %d, got %d", MaxPageLimit, p.Limit))
	}
	return p.Limit, nil
}

// ListQuery selects orders. At most one of Payment, Fulfilment, Email and
// SKU may be set; with none, orders are listed by creation time. From
// (inclusive) and To (exclusive) bound the creation time in every case.
type ListQuery struct {
	From, To   time.Time
	Payment    PaymentStatus
	Fulfilment FulfilmentStatus
	Email      string
	SKU        string
	PageRequest
}

// Validate checks that the query is one the stores can answer and returns
// its effective page limit.
func (q ListQuery) Validate() (int, error) {
	const op = "order.ListQuery"
	n := 0
	for _, set := range []bool{!q.Payment.IsZero(), !q.Fulfilment.IsZero(), strings.TrimSpace(q.Email) != "", q.SKU != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return 0, E(op, Invalid, "conflicting_filters", "filter by one of payment status, fulfilment status, e-mail or SKU")
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return 0, E(op, Invalid, "invalid_range", "from must be before to")
	}
	return q.PageRequest.EffectiveLimit()
}

// IdempotencyStatus is the state of an idempotency record.
type IdempotencyStatus string

// The states of an idempotency record.
const (
	IdempotencyInProgress IdempotencyStatus = "INPROGRESS"
	IdempotencyCompleted  IdempotencyStatus = "COMPLETED"
)

// IdempotencyRecord is what a store remembers of a request made with an
// idempotency key.
type IdempotencyRecord struct {
	Scope, Key string
	Status     IdempotencyStatus
	// Fingerprint identifies the request's payload, so that the same key
	// sent with another payload can be refused.
	Fingerprint string
	// Response and ResourceID are the outcome of a completed request.
	Response   []byte
	ResourceID string
	ExpiresAt  time.Time
}

// IdempotencyResult completes an idempotency record.
type IdempotencyResult struct {
	Scope, Key  string
	Fingerprint string
	Response    []byte
	ResourceID  string        // filled by OrderStore.Create with the new order's id
	TTL         time.Duration // how long the completed record is kept
}

// IdempotencyStore records requests made with an idempotency key, so that a
// retry replays the first outcome instead of acting twice. Expiry is checked
// in code: the table's TTL deletion can lag by up to 48 hours.
type IdempotencyStore interface {
	// Begin claims (scope, key) as in progress for lock, with the request's
	// fingerprint. It returns nil when the claim was made (the caller goes
	// on), or the unexpired record that holds the key (in progress
	// elsewhere, or completed with a response to replay). An expired record
	// is taken over as if absent.
	Begin(ctx context.Context, scope, key, fingerprint string, lock time.Duration) (*IdempotencyRecord, error)
	// Complete stores the outcome of a claimed key, kept for r.TTL. A key
	// that is not in progress is a Conflict error.
	Complete(ctx context.Context, r IdempotencyResult) error
	// Release drops an in-progress claim, after a failure worth retrying.
	// A completed record is kept.
	Release(ctx context.Context, scope, key string) error
}

// CustomerSummary is what the store accumulates about a customer as orders
// are created: counts and totals per currency, and first and last order
// times.
type CustomerSummary struct {
	Email        string    `json:"email"`
	OrdersCount  int64     `json:"ordersCount"`
	TotalSpent   []Money   `json:"totalSpent"` // one per currency, sorted by code
	FirstOrderAt time.Time `json:"firstOrderAt"`
	LastOrderAt  time.Time `json:"lastOrderAt"`
}

// CustomerStore reads customer summaries (written by OrderStore.Create).
type CustomerStore interface {
	// Get returns the summary for an e-mail (case-insensitive), or a
	// NotFound error.
	Get(ctx context.Context, email string) (*CustomerSummary, error)
}

// SettingsStore keeps the shop's settings and the order-number counter.
type SettingsStore interface {
	// Get returns the settings and their version, with Numbering.Next read
	// from the order-number counter (the number the next order gets).
	// Version 0 means none were ever saved: the Settings are then zero but
	// for Numbering.Next, and EffectiveSettings says what the shop runs on.
	Get(ctx context.Context) (Settings, int64, error)
	// Put saves s if the stored version is still expectedVersion (0 when
	// none were saved) and returns the new version; otherwise it is a
	// PreconditionFailed error. Settings that fail Validate are Invalid.
	// Numbering.Next is not saved by Put: RaiseNextNumber moves the counter.
	Put(ctx context.Context, s Settings, expectedVersion int64) (int64, error)
	// RaiseNextNumber makes next the number of the next order. It can only
	// raise: a next below the counter's next number (orders may have been
	// numbered meanwhile) is a Conflict with code next_number_too_low; the
	// current next number is a no-op.
	RaiseNextNumber(ctx context.Context, next int64) error
}

// RateStore keeps exchange rates, one per currency and day.
type RateStore interface {
	// Put stores (or corrects) the rate of r.Currency on r.Date.
	Put(ctx context.Context, r ExchangeRate) error
	// RateOn returns the rate of currency published on date, else the latest
	// published before it (never one after), or a NotFound error.
	RateOn(ctx context.Context, currency Currency, date Date) (ExchangeRate, error)
}

// StockAdjustment changes the stock of one SKU by Delta units (negative
// takes units, positive puts them back).
type StockAdjustment struct {
	SKU   string `json:"sku"`
	Delta int64  `json:"delta"`
}

// MaxStockAdjustments bounds the SKUs one Adjust changes (one transaction).
const MaxStockAdjustments = 90

// StockStore keeps stock levels.
type StockStore interface {
	// Get returns the stock item of sku, or a NotFound error.
	Get(ctx context.Context, sku string) (StockItem, error)
	// Put creates or replaces a stock item (a stock count, a new threshold)
	// only if the stored item's version is item.Version (0: no item yet),
	// and stores it with Version+1. A mismatch writes nothing and is a
	// Conflict with code version_conflict: a count never silently overwrites
	// an adjustment made since it was read.
	Put(ctx context.Context, item StockItem) error
	// Adjust applies all the adjustments or none, each raising the item's
	// version by one. A SKU without a stock
	// item is NotFound; taking an item below zero is a Conflict with code
	// insufficient_stock (Details: sku, onHand, requested) unless it allows
	// backorders. token makes the adjustment happen once: an Adjust with a
	// token already applied changes nothing and reports applied false
	// (retried events must not take the stock twice).
	Adjust(ctx context.Context, token string, adj []StockAdjustment) (applied bool, err error)
	// MoveForOrder moves one SKU's stock for an order event, keeping what
	// the order holds of it (see OrderStockMove): the stock and the holding
	// change together or not at all. A take below zero is refused as
	// Adjust's is (the holding stays); a SKU without a stock item is
	// NotFound for a take. token makes the move happen once, as in Adjust.
	MoveForOrder(ctx context.Context, token string, m OrderStockMove) (OrderStockResult, error)
}

// CartUpdateFunc changes a cart in place and returns the outbox events of
// the change.
type CartUpdateFunc func(c *Cart) ([]Event, error)

// CartStore keeps abandoned checkouts.
type CartStore interface {
	// Create stores a new cart (an empty ID gets a ULID) with its events. A
	// cart whose (Source, ExternalID) is already stored writes nothing and
	// returns a Conflict already_exists whose ExistingID is the stored cart.
	Create(ctx context.Context, c *Cart, events []Event) (*Cart, error)
	// Get returns the cart with this id, or a NotFound error.
	Get(ctx context.Context, id string) (*Cart, error)
	// GetByExternal returns the cart a storefront knows by this checkout id,
	// or a NotFound error.
	GetByExternal(ctx context.Context, source Source, externalID string) (*Cart, error)
	// Update applies fn as OrderStore.Update does (conditional write, lost
	// races retried, so fn must be pure; an error from fn is returned and
	// nothing is written), with the events in the same transaction: two
	// schedulers marking the same reminder cannot both send it.
	Update(ctx context.Context, id string, fn CartUpdateFunc) (*Cart, error)
	// Due returns one page of the carts whose NextReminderAt is at or before
	// now, the most overdue first.
	Due(ctx context.Context, now time.Time, page PageRequest) (Page[Cart], error)
}
