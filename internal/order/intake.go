package order

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// The intake: orders arriving from storefront webhooks and from staff (phone
// and e-mail orders), turned into stored orders exactly once.
//
// Every delivery is checked in full before anything is written (a refused
// delivery writes nothing), then claimed under its delivery id (an
// idempotency record: a retry of a delivery already handled costs one
// request and is answered from the record), then written in one
// transaction: the order, its number, its history, its outbox events, its
// customer's counters and the idempotency result. One order per (source,
// external id) is the store's unique external-id item, which holds whatever
// the idempotency records say: two deliveries racing for the same order
// cannot both create it. docs/INTAKE.md tells the whole story.

// InboundKind says what a storefront delivery carries.
type InboundKind int

// The kinds of delivery. The zero InboundKind is invalid.
const (
	InboundOrder InboundKind = iota + 1 // an order to create or update
	InboundCart                         // a checkout in progress, tracked for abandoned-cart recovery
	InboundPing                         // a reachability test: acknowledged, nothing written
)

// String returns "order", "cart" or "ping".
func (k InboundKind) String() string {
	switch k {
	case InboundOrder:
		return "order"
	case InboundCart:
		return "cart"
	case InboundPing:
		return "ping"
	}
	return fmt.Sprintf("inbound(%d)", int(k))
}

// Inbound is one verified storefront delivery as the intake receives it (the
// HTTP edge maps internal/webhook's Delivery onto it).
type Inbound struct {
	Source Source
	Kind   InboundKind
	// Topic is the storefront's event name, for the logs.
	Topic string
	// DeliveryID identifies the delivery: a retry carries the same one. It
	// is the idempotency key, in the scope of the source.
	DeliveryID string
	// Fingerprint identifies the payload (a hash of the body); it is stored
	// with the idempotency record for inspection.
	Fingerprint string
	// Order is the storefront's order (for InboundOrder): content, statuses,
	// ExternalID and ExternalUpdatedAt; what we own (ID, number, totals,
	// timestamps) is ignored and assigned here.
	Order *Order
	// Reported are the storefront's own totals, reconciled against ours.
	Reported ReportedTotals
	// Cancelled is true when the storefront says the order is cancelled.
	Cancelled bool
	// CartExternalID is the storefront's checkout id of the cart this order
	// completes, when the storefront says so; the cart is then marked
	// recovered.
	CartExternalID string
	// Cart is the checkout (for InboundCart).
	Cart *Cart
	// Creation is true for the storefront's "order created" topic
	// (Shopify orders/create, WooCommerce, Ecwid and generic order.created),
	// as the storefront's parser says: such a delivery is accepted before it
	// is claimed (see receiveOrder).
	Creation bool
	// CheckoutCompleted is true for a checkout that already became an
	// order: an untracked one is not worth tracking.
	CheckoutCompleted bool
	// Fetch, when set, reads the delivery's content from the storefront
	// (Ecwid's events only name an order) and returns the complete Inbound,
	// without Fetch. Order, Cart and what goes with them are then empty
	// until it is called; the intake calls it only once it has claimed
	// DeliveryID, so that a retry or a replayed signature costs no call to
	// the storefront (see receiveFetched).
	Fetch func(ctx context.Context) (Inbound, error)
}

// Outcome says what the intake did with a delivery or request.
type Outcome string

// The outcomes.
const (
	OutcomeCreated     Outcome = "created"      // a new order was stored
	OutcomeUpdated     Outcome = "updated"      // a newer storefront state was applied
	OutcomeUnchanged   Outcome = "unchanged"    // the delivery carried the state already stored
	OutcomeStale       Outcome = "stale"        // the delivery is older than the stored state: ignored
	OutcomeDuplicate   Outcome = "duplicate"    // a retry of a delivery or request already handled
	OutcomeCartTracked Outcome = "cart_tracked" // a checkout is now tracked
	OutcomeCartUpdated Outcome = "cart_updated" // a tracked checkout got newer content
	OutcomeIgnored     Outcome = "ignored"      // nothing to do (a ping, a completed checkout never tracked)
)

// IntakeResult is the outcome of one delivery or manual order.
type IntakeResult struct {
	Outcome Outcome `json:"outcome"`
	OrderID string  `json:"orderId,omitempty"`
	Number  string  `json:"number,omitempty"`
	CartID  string  `json:"cartId,omitempty"`
	// Warnings list what was left undone without failing the delivery
	// (a status move the transition tables refuse, a cart that could not
	// be marked recovered). The edge logs them; they are not shown to the
	// sender, since they may quote internal errors.
	Warnings []string `json:"-"`
	// Order is the stored order, when the intake has it at hand (always
	// for a manual order).
	Order *Order `json:"-"`
}

// IntakeDeps are the ports the intake consumes.
type IntakeDeps struct {
	Orders      OrderStore
	Idempotency IdempotencyStore
	Settings    SettingsStore
	Rates       RateStore
	// Carts is optional: without it, checkouts are acknowledged and not
	// tracked.
	Carts CartStore
}

// IntakeConfig tunes the intake; zero fields take the defaults below.
type IntakeConfig struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// CacheMaxAge is how long the shop settings and exchange rates read by
	// one warm instance are reused. Caching them keeps a new order at two
	// requests (claim, transaction); a settings change reaches every
	// instance within this time. Negative disables the cache.
	CacheMaxAge time.Duration
	// DeliveryTTL is how long a storefront delivery's idempotency record is
	// kept: longer than the longest retry schedule (Ecwid: 24 hours).
	DeliveryTTL time.Duration
	// ManualTTL is how long a manual order's idempotency key is kept.
	ManualTTL time.Duration
	// ClaimLock is how long an in-progress claim holds before another
	// attempt may take it over (a process that died mid-way).
	ClaimLock time.Duration
}

// Intake defaults.
const (
	DefaultIntakeCacheMaxAge = 30 * time.Second
	DefaultDeliveryTTL       = 72 * time.Hour
	DefaultManualTTL         = 24 * time.Hour
	DefaultClaimLock         = 30 * time.Second
)

// Idempotency scopes of the intake.
const (
	manualScope        = "manual"
	webhookScopePrefix = "webhook:"
)

// IntakeActorJob names the system actor of the rules the intake applies.
const IntakeActorJob = "intake"

// Codes of the errors the intake returns itself.
const (
	CodeIdempotencyInProgress = "idempotency_in_progress" // the same key is being handled right now
	CodeIdempotencyKeyReused  = "idempotency_key_reused"  // the same key came with another body
)

// Intake is the order intake service. Build one per process and share it:
// it caches settings and rates. It is safe for concurrent use.
type Intake struct {
	deps IntakeDeps
	cfg  IntakeConfig

	mu       sync.Mutex
	settings *cachedSettings
	rates    map[rateKey]cachedRate
}

type cachedSettings struct {
	s  Settings
	at time.Time
}

type rateKey struct {
	currency string
	date     Date
}

type cachedRate struct {
	rate  *ExchangeRate // nil: no rate on or before the date
	until time.Time
}

// NewIntake returns the intake over deps. Orders, Idempotency, Settings and
// Rates are required.
func NewIntake(deps IntakeDeps, cfg IntakeConfig) (*Intake, error) {
	if deps.Orders == nil || deps.Idempotency == nil || deps.Settings == nil || deps.Rates == nil {
		return nil, errors.New("new intake: the order, idempotency, settings and rate stores are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheMaxAge == 0 {
		cfg.CacheMaxAge = DefaultIntakeCacheMaxAge
	}
	if cfg.DeliveryTTL <= 0 {
		cfg.DeliveryTTL = DefaultDeliveryTTL
	}
	if cfg.ManualTTL <= 0 {
		cfg.ManualTTL = DefaultManualTTL
	}
	if cfg.ClaimLock <= 0 {
		cfg.ClaimLock = DefaultClaimLock
	}
	return &Intake{deps: deps, cfg: cfg, rates: map[rateKey]cachedRate{}}, nil
}

func (s *Intake) now() time.Time { return s.cfg.Now().UTC() }

// Receive handles one verified storefront delivery: it creates the order,
// applies a newer state of an order already stored, tracks a checkout, or
// recognises a retry. Bad input is an Invalid error and writes nothing.
func (s *Intake) Receive(ctx context.Context, in Inbound) (IntakeResult, error) {
	const op = "order.Intake.Receive"
	if _, err := ParseSource(string(in.Source)); err != nil || in.Source == SourceManual {
		return IntakeResult{}, E(op, Invalid, "unknown_source", fmt.Sprintf("no storefront intake for source %q", in.Source))
	}
	if in.Fetch != nil {
		return s.receiveFetched(ctx, in)
	}
	switch in.Kind {
	case InboundPing:
		return IntakeResult{Outcome: OutcomeIgnored}, nil
	case InboundOrder:
		if in.Order == nil {
			return IntakeResult{}, E(op, Invalid, "missing_order", "the delivery carries no order")
		}
	case InboundCart:
		if in.Cart == nil {
			return IntakeResult{}, E(op, Invalid, "missing_cart", "the delivery carries no checkout")
		}
	default:
		return IntakeResult{}, E(op, Internal, "unknown_delivery_kind", fmt.Sprintf("unknown delivery kind %s", in.Kind))
	}
	if strings.TrimSpace(in.DeliveryID) == "" {
		return IntakeResult{}, E(op, Invalid, "missing_field", "the delivery has no delivery id")
	}
	if in.Kind == InboundCart {
		return s.receiveCart(ctx, in)
	}
	return s.receiveOrder(ctx, in)
}

// replayRecord is what an idempotency record keeps of the first outcome.
type replayRecord struct {
	Outcome Outcome `json:"outcome"`
	OrderID string  `json:"orderId,omitempty"`
	CartID  string  `json:"cartId,omitempty"`
}

func encodeReplay(o Outcome, orderID string) []byte {
	b, _ := json.Marshal(replayRecord{Outcome: o, OrderID: orderID}) // a struct of strings always encodes
	return b
}

func encodeCartReplay(o Outcome, cartID string) []byte {
	b, _ := json.Marshal(replayRecord{Outcome: o, CartID: cartID})
	return b
}

// replay answers a retry from a completed idempotency record, without
// another request.
func replay(r *IdempotencyRecord) IntakeResult {
	var rec replayRecord
	_ = json.Unmarshal(r.Response, &rec) // a record written by another version still names its resource below
	if rec.OrderID == "" && rec.CartID == "" {
		rec.OrderID = r.ResourceID
	}
	return IntakeResult{Outcome: OutcomeDuplicate, OrderID: rec.OrderID, CartID: rec.CartID}
}

// releaseTimeout bounds the release of a claim after a failure: it runs
// after ctx has ended, within the time the edge keeps to answer.
const releaseTimeout = 500 * time.Millisecond

// release drops a claim after a failure, so that the storefront's retry is
// not answered from a record of nothing. It runs even when ctx has ended
// (the usual reason for the failure), within a short bound of its own; if
// it fails too, the claim simply expires after ClaimLock.
func (s *Intake) release(ctx context.Context, scope, key string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	_ = s.deps.Idempotency.Release(rctx, scope, key)
}

// complete stores the outcome of an update or a cart delivery under its
// claim. The change itself is committed: a failure here only costs the next
// retry a few more requests, so it is returned as a warning.
func (s *Intake) complete(ctx context.Context, r IdempotencyResult) string {
	if err := s.deps.Idempotency.Complete(ctx, r); err != nil {
		return "idempotency record not completed: " + err.Error()
	}
	return ""
}

// receiveCart is Receive for a checkout: it is tracked (created, or updated
// when the delivery is newer) for abandoned-cart recovery. A recovered cart
// is left as it is.
