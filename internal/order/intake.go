package order

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
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
	// (Shopify orders/create, WooCommerce, Ecwid and generic order.created):
	// such a delivery is accepted before it is claimed (see receiveOrder).
	Creation bool
	// CheckoutCompleted is true for a checkout that already became an
	// order: an untracked one is not worth tracking.
	CheckoutCompleted bool
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
	// first one created instead of creating a second.
	IdempotencyKey string
	// Fingerprint identifies the request body: the same key with another
	// body is refused.
	Fingerprint string
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

// completeOrder applies the shop's seed rules to a checked order and
// converts its total into the company currency.
func (s *Intake) completeOrder(ctx context.Context, p *prepared, set Settings, now time.Time) error {
	rules, err := ApplySeedRules(p.o, set, now)
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
	rules, err := ApplySeedRules(cur, set, now)
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
	PricesIncludeTax bool
	Currency         Currency
	PaymentMethod    string
	ShippingMethod   string
	UTM              UTM
	Note             string
}

func contentOf(o *Order) storefrontContent {
	return storefrontContent{o.Customer, o.Billing, o.Shipping, o.Lines, o.Discounts, o.ShippingLines,
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
	cur.Lines, cur.Discounts, cur.ShippingLines = c.Lines, c.Discounts, c.ShippingLines
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

// CreateManual stores a phone or e-mail order entered by staff: totals are
// computed here, the seed rules apply, and the order gets the next number.
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
	rules, err := ApplySeedRules(o, set, now)
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

	key := strings.TrimSpace(m.IdempotencyKey)
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
		c.UpdatedAt = in.UpdatedAt
		return nil, nil
	})
	if err != nil {
		return IntakeResult{}, err
	}
	return IntakeResult{Outcome: outcome, CartID: id}, nil
}

// shopSettings returns the shop's settings, cached for CacheMaxAge. A shop
// that never saved any runs on DefaultSettings.
func (s *Intake) shopSettings(ctx context.Context) (Settings, error) {
	now := s.now()
	s.mu.Lock()
	if c := s.settings; c != nil && s.cfg.CacheMaxAge > 0 && now.Sub(c.at) < s.cfg.CacheMaxAge {
		s.mu.Unlock()
		return c.s, nil
	}
	s.mu.Unlock()
	set, version, err := s.deps.Settings.Get(ctx)
	if err != nil {
		return Settings{}, fmt.Errorf("read shop settings: %w", err)
	}
	if version == 0 {
		next := set.Numbering.Next
		set = DefaultSettings("", "")
		set.Numbering.Next = next
	}
	s.mu.Lock()
	s.settings = &cachedSettings{s: set, at: now}
	s.mu.Unlock()
	return set, nil
}

// convert sets o.CompanyTotal: the grand total in the company currency at
// the rate of the order's day, else the latest rate before it, else marked
// missing. An order in the company currency needs no rate.
func (s *Intake) convert(ctx context.Context, o *Order, set Settings) (Conversion, error) {
	company := set.CompanyCurrency
	if company.IsZero() {
		company = EUR
	}
	if o.Currency == company {
		return ConvertOrder(o, company, nil), nil
	}
	day := DateOf(o.CreatedAt, time.UTC)
	rate, err := s.rateOn(ctx, o.Currency, day)
	if err != nil {
		return Conversion{}, err
	}
	var rates []ExchangeRate
	if rate != nil {
		rates = []ExchangeRate{*rate}
	}
	return ConvertOrder(o, company, rates), nil
}

// rateOn reads the rate of currency on day (or the latest before it),
// cached for CacheMaxAge; nil when there is none.
func (s *Intake) rateOn(ctx context.Context, c Currency, day Date) (*ExchangeRate, error) {
	now := s.now()
	k := rateKey{c.Code(), day}
	s.mu.Lock()
	if r, ok := s.rates[k]; ok && s.cfg.CacheMaxAge > 0 && now.Before(r.until) {
		s.mu.Unlock()
		return r.rate, nil
	}
	s.mu.Unlock()
	r, err := s.deps.Rates.RateOn(ctx, c, day)
	var found *ExchangeRate
	switch {
	case err == nil:
		found = &r
	case IsKind(err, NotFound):
	default:
		return nil, fmt.Errorf("read the %s exchange rate of %s: %w", c, day, err)
	}
	s.mu.Lock()
	if len(s.rates) > 1000 {
		clear(s.rates) // a bound, not a policy: an instance sees a handful of currencies a day
	}
	s.rates[k] = cachedRate{rate: found, until: now.Add(s.cfg.CacheMaxAge)}
	s.mu.Unlock()
	return found, nil
}
