package order

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// The quarantine: authentic storefront deliveries that could not be
// processed, kept so that nothing a shop sent is lost and its feed is never
// cut. A storefront that keeps getting 4xx answers stops sending (Shopify
// deletes the subscription, WooCommerce disables the webhook, Ecwid blocks
// the app's webhooks), so a delivery whose signature verified but whose
// content we refuse is kept here and answered as delivered; staff see why,
// fix what refused it (a setting, a rate, the code, the order at the
// storefront), and replay it through the same path. docs/WEBHOOKS.md tells
// which answers each storefront counts as delivered.

// QuarantineState is where a kept delivery stands.
type QuarantineState string

// The states of a kept delivery.
const (
	// QuarantineHeld: the delivery could not be processed; it waits for
	// a replay.
	QuarantineHeld QuarantineState = "QUARANTINED"
	// QuarantineReplayed: a replay went through; OrderID (or CartID) names
	// what it produced.
	QuarantineReplayed QuarantineState = "REPLAYED"
)

// ParseQuarantineState reads a state as written by String.
func ParseQuarantineState(s string) (QuarantineState, error) {
	switch st := QuarantineState(strings.ToUpper(strings.TrimSpace(s))); st {
	case QuarantineHeld, QuarantineReplayed:
		return st, nil
	}
	return "", E("order.ParseQuarantineState", Invalid, "invalid_state",
		fmt.Sprintf("a quarantine state is %s or %s, not %q", QuarantineHeld, QuarantineReplayed, s))
}

// String returns the state's name.
func (s QuarantineState) String() string { return string(s) }

// RawDelivery is a storefront delivery as it arrived: what the parser needs
// to read it again.
type RawDelivery struct {
	// Source is the {source} of the webhook route.
	Source Source
	// Headers are the request headers, lower-cased names.
	Headers map[string]string
	// Body is the raw body, exactly as signed.
	Body []byte
	// ReceivedAt is when the delivery first arrived: a replay checks the
	// signature's time window against it, not against the time of the
	// replay.
	ReceivedAt time.Time
}

// Processed is what a DeliveryProcessor tells of one attempt, whether it
// failed or not.
type Processed struct {
	Result IntakeResult
	// DeliveryID and Topic are the delivery's id and event name, when the
	// parser got that far.
	DeliveryID, Topic string
	// Authentic is true once the delivery's signature verified. Only an
	// authentic delivery is ever quarantined: anyone can send a bad one.
	Authentic bool
}

// DeliveryProcessor parses one raw delivery and hands it to the intake:
// the webhook edge's parse + Intake.Receive, used both for a delivery as it
// arrives and for a replay.
type DeliveryProcessor interface {
	Process(ctx context.Context, d RawDelivery) (Processed, error)
}

// QuarantineReason says why a delivery could not be processed: the code and
// message of the refusal.
type QuarantineReason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// reasonOf returns the reason of a refusal.
func reasonOf(err error) QuarantineReason {
	var e *Error
	if errors.As(err, &e) {
		return QuarantineReason{Code: e.Code, Message: errorMessage(e)}
	}
	return QuarantineReason{Code: "internal", Message: "the delivery could not be processed"}
}

// QuarantinedDelivery is one kept delivery.
type QuarantinedDelivery struct {
	// ID is QuarantineID(Source, key): the same delivery sent again is
	// the same item.
	ID     string `json:"id"`
	Source Source `json:"source"`
	// DeliveryID is the storefront's delivery id, when the parser read it.
	DeliveryID string `json:"deliveryId,omitempty"`
	// Headers are the request headers the parser reads (QuarantineHeaders:
	// no credentials).
	Headers map[string]string `json:"-"`
	// Body is the raw body. QuarantineStore.List leaves it empty.
	Body   []byte           `json:"-"`
	State  QuarantineState  `json:"state"`
	Reason QuarantineReason `json:"reason"`
	// ReceivedAt is the first arrival; LastAttemptAt the latest arrival or
	// replay; Attempts counts both.
	ReceivedAt    time.Time `json:"receivedAt"`
	LastAttemptAt time.Time `json:"lastAttemptAt"`
	Attempts      int64     `json:"attempts"`
	// OrderID or CartID is what a successful replay produced; ReplayedAt
	// when.
	OrderID    string    `json:"orderId,omitempty"`
	CartID     string    `json:"cartId,omitempty"`
	ReplayedAt time.Time `json:"replayedAt,omitzero"`
	// Version counts the item's writes; Update is conditional on it.
	Version int64 `json:"version"`
}

// QuarantineHold is one arrival of a delivery to keep.
type QuarantineHold struct {
	ID         string
	Source     Source
	DeliveryID string
	Headers    map[string]string
	Body       []byte
	Reason     QuarantineReason
	At         time.Time
}

// QuarantineStore keeps quarantined deliveries.
type QuarantineStore interface {
	// Hold keeps one arrival. A new ID is stored QUARANTINED with
	// Attempts 1, ReceivedAt and LastAttemptAt h.At, Version 1. An ID
	// already stored (the storefront sent the delivery again) keeps its
	// body, headers and ReceivedAt and gets, in one atomic write, Attempts
	// + 1, LastAttemptAt h.At, h.Reason and state QUARANTINED, Version + 1.
	// It returns the stored item. A body the store cannot keep is a
	// TooLarge error.
	Hold(ctx context.Context, h QuarantineHold) (*QuarantinedDelivery, error)
	// Get returns the item, body and headers included, or a NotFound error.
	Get(ctx context.Context, id string) (*QuarantinedDelivery, error)
	// List returns one page of the items in state, newest ReceivedAt
	// first, without their Body and Headers.
	List(ctx context.Context, state QuarantineState, page PageRequest) (Page[QuarantinedDelivery], error)
	// Update writes d (state, reason, attempts, replay outcome) if the
	// stored version is d.Version, and returns it with Version + 1. Body,
	// headers, source and ReceivedAt are never changed. A mismatch is a
	// PreconditionFailed error; an unknown ID a NotFound error.
	Update(ctx context.Context, d *QuarantinedDelivery) (*QuarantinedDelivery, error)
}

// QuarantineID is the id of the item a delivery is kept in: a ULID-shaped
// digest of its source and key (the delivery id, or a hash of the body
// when the parser could not read one), so that a storefront's retry of a
// delivery lands on the same item.
func QuarantineID(source Source, key string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("ordersmith/quarantine\x00%s\x00%s", source, key)))
	var id ulid.ULID
	copy(id[:], sum[:16])
	return id.String()
}

// quarantineKey is what identifies a delivery within its source: its id,
// else its body.
func quarantineKey(deliveryID string, body []byte) string {
	if strings.TrimSpace(deliveryID) != "" {
		return "delivery:" + deliveryID
	}
	sum := sha256.Sum256(body)
	return "body:" + hex.EncodeToString(sum[:])
}

// Quarantinable reports whether a refusal of an authentic delivery is one
// to keep: a refusal no retry of the same delivery can change (Invalid,
// TooLarge, and Conflict other than a race or a claim held elsewhere, which
// the storefront's retry resolves). Transient and internal failures are
// answered with a 5xx so that the storefront retries: nothing is lost.
func Quarantinable(err error) bool {
	switch KindOf(err) {
	case Invalid, TooLarge:
		return true
	case Conflict:
		switch CodeOf(err) {
		case CodeIdempotencyInProgress, CodeVersionConflict:
			return false
		}
		return true
	}
	return false
}

// droppedHeaders are never kept: credentials, and what API Gateway and
// proxies add, which the parser never reads.
var droppedHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true, "x-api-key": true,
	"host": true, "content-length": true, "forwarded": true, "via": true, "x-amz-date": true, "x-amz-security-token": true,
}

// Limits on the headers kept with a delivery.
const (
	MaxQuarantineHeaders     = 64
	MaxQuarantineHeaderBytes = 8 << 10
)

// QuarantineHeaders returns the headers kept with a delivery: names
// lower-cased; no credentials (Authorization, cookies, API keys), no proxy
// or API Gateway headers (x-forwarded-*, x-amzn-*); at most
// MaxQuarantineHeaders, values cut at MaxQuarantineHeaderBytes.
func QuarantineHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		name := strings.ToLower(strings.TrimSpace(k))
		if name == "" || droppedHeaders[name] || strings.HasPrefix(name, "x-forwarded-") || strings.HasPrefix(name, "x-amzn-") {
			continue
		}
		if len(out) == MaxQuarantineHeaders {
			break
		}
		if len(v) > MaxQuarantineHeaderBytes {
			v = v[:MaxQuarantineHeaderBytes]
		}
		out[name] = v
	}
	return out
}

// QuarantineDeps are the ports of the quarantine service.
type QuarantineDeps struct {
	Store     QuarantineStore
	Processor DeliveryProcessor
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Quarantine is the service that takes storefront deliveries in, keeps
// those that cannot be processed, and replays them. It is safe for
// concurrent use.
type Quarantine struct {
	store   QuarantineStore
	process DeliveryProcessor
	now     func() time.Time
}

// NewQuarantine returns the service; Store and Processor are required.
func NewQuarantine(deps QuarantineDeps) (*Quarantine, error) {
	if err := RequireDeps("order.NewQuarantine", Need("Store", deps.Store), Need("Processor", deps.Processor)); err != nil {
		return nil, err
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &Quarantine{store: deps.Store, process: deps.Processor, now: func() time.Time { return now().UTC() }}, nil
}

// OutcomeQuarantined is the outcome of a delivery kept in the quarantine.
const OutcomeQuarantined Outcome = "quarantined"

// DeliveryOutcome is what became of one delivery.
type DeliveryOutcome struct {
	// Result is the intake's, when the delivery was processed.
	Result IntakeResult
	// DeliveryID and Topic are the storefront's delivery id and event
	// name, when the parser read them.
	DeliveryID, Topic string
	// Quarantined is the item the delivery is kept in, when it could not
	// be processed; Cause is why (for the log, never for the sender).
	Quarantined *QuarantinedDelivery
	Cause       error
}

// Deliver processes one delivery as it arrives. An authentic delivery that
// cannot be processed (Quarantinable) is kept and reported as Quarantined,
// without an error: the storefront is to be told it was delivered. Any
// other failure is returned as it is: a bad signature or an unreadable
// unsigned body stays a refusal, a transient failure stays one the
// storefront retries, and so does a failure to keep the delivery.
func (s *Quarantine) Deliver(ctx context.Context, d RawDelivery) (DeliveryOutcome, error) {
	const op = "order.Quarantine.Deliver"
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = s.now()
	}
	p, err := s.process.Process(ctx, d)
	if err == nil {
		return DeliveryOutcome{Result: p.Result, DeliveryID: p.DeliveryID, Topic: p.Topic}, nil
	}
	if !p.Authentic || !Quarantinable(err) {
		return DeliveryOutcome{DeliveryID: p.DeliveryID}, err
	}
	held, herr := s.store.Hold(ctx, QuarantineHold{
		ID: QuarantineID(d.Source, quarantineKey(p.DeliveryID, d.Body)), Source: d.Source, DeliveryID: p.DeliveryID,
		Headers: QuarantineHeaders(d.Headers), Body: d.Body, Reason: reasonOf(err), At: d.ReceivedAt,
	})
	switch {
	case herr == nil:
		return DeliveryOutcome{DeliveryID: p.DeliveryID, Topic: p.Topic, Quarantined: held, Cause: err}, nil
	case IsKind(herr, Transient):
		// Keeping it failed for now: the storefront's retry will try again.
		return DeliveryOutcome{DeliveryID: p.DeliveryID}, Wrap(op, Transient, "quarantine_unavailable",
			"the delivery could not be processed nor kept for now, retry", errors.Join(herr, err))
	}
	// It cannot be kept at all (too large for the store): the refusal
	// stands, with why it was not kept for the log.
	return DeliveryOutcome{DeliveryID: p.DeliveryID}, errors.Join(err, fmt.Errorf("keep the delivery in quarantine: %w", herr))
}

// Get returns one kept delivery, body and headers included.
func (s *Quarantine) Get(ctx context.Context, id string) (*QuarantinedDelivery, error) {
	if err := ValidID("order.Quarantine.Get", "the quarantine id", id); err != nil {
		return nil, err
	}
	return s.store.Get(ctx, id)
}

// List returns one page of the kept deliveries in state (QUARANTINED when
// empty), newest first.
func (s *Quarantine) List(ctx context.Context, state QuarantineState, page PageRequest) (Page[QuarantinedDelivery], error) {
	if state == "" {
		state = QuarantineHeld
	}
	if _, err := ParseQuarantineState(string(state)); err != nil {
		return Page[QuarantinedDelivery]{}, err
	}
	if _, err := page.EffectiveLimit(); err != nil {
		return Page[QuarantinedDelivery]{}, err
	}
	return s.store.List(ctx, state, page)
}

// ReplayOutcome says what a replay did.
type ReplayOutcome string

// The outcomes of a replay.
const (
	// ReplayDone: the delivery went through; the item is REPLAYED.
	ReplayDone ReplayOutcome = "replayed"
	// ReplayStillQuarantined: it was refused again; the item keeps the
	// new reason.
	ReplayStillQuarantined ReplayOutcome = "still_quarantined"
	// ReplayAlreadyDone: the item had been replayed before; nothing was
	// done.
	ReplayAlreadyDone ReplayOutcome = "already_replayed"
)

// Replayed is the outcome of one replay.
type Replayed struct {
	Outcome  ReplayOutcome       `json:"outcome"`
	Delivery QuarantinedDelivery `json:"delivery"`
	// Result is the intake's, when the replay went through.
	Result *IntakeResult `json:"result,omitempty"`
}

// Replay runs a kept delivery through the parser and the intake again,
// with its stored body and headers and the time it first arrived. Success
// marks it REPLAYED with what it produced; a refusal keeps it QUARANTINED
// with the new reason (both count an attempt). A transient or internal
// failure changes nothing and is returned, to be retried.
func (s *Quarantine) Replay(ctx context.Context, id string) (Replayed, error) {
	d, err := s.Get(ctx, id)
	if err != nil {
		return Replayed{}, err
	}
	return s.replay(ctx, d)
}

func (s *Quarantine) replay(ctx context.Context, d *QuarantinedDelivery) (Replayed, error) {
	const op = "order.Quarantine.Replay"
	if d.State == QuarantineReplayed {
		return Replayed{Outcome: ReplayAlreadyDone, Delivery: *d}, nil
	}
	p, perr := s.process.Process(ctx, RawDelivery{Source: d.Source, Headers: d.Headers, Body: d.Body, ReceivedAt: d.ReceivedAt})
	if perr != nil {
		switch KindOf(perr) {
		case Transient, Internal:
			return Replayed{}, perr
		}
	}
	next := *d
	next.Attempts++
	next.LastAttemptAt = s.now()
	if p.DeliveryID != "" {
		next.DeliveryID = p.DeliveryID
	}
	out := Replayed{Outcome: ReplayStillQuarantined}
	if perr != nil {
		// Whatever refuses it now (a secret rotated since counts: the
		// delivery was authentic when it arrived) is the reason to show.
		next.Reason = reasonOf(perr)
	} else {
		next.State, next.ReplayedAt = QuarantineReplayed, next.LastAttemptAt
		next.OrderID, next.CartID = p.Result.OrderID, p.Result.CartID
		res := p.Result
		out = Replayed{Outcome: ReplayDone, Result: &res}
	}
	stored, err := s.store.Update(ctx, &next)
	if err != nil {
		if IsKind(err, PreconditionFailed) {
			// Another replay of the same item got there first: report
			// where it stands now.
			cur, gerr := s.store.Get(ctx, d.ID)
			if gerr != nil {
				return Replayed{}, gerr
			}
			return Replayed{Outcome: outcomeOfState(cur.State), Delivery: *cur}, nil
		}
		return Replayed{}, fmt.Errorf("%s: record the replay of %s: %w", op, d.ID, err)
	}
	out.Delivery = *stored
	return out, nil
}

func outcomeOfState(s QuarantineState) ReplayOutcome {
	if s == QuarantineReplayed {
		return ReplayAlreadyDone
	}
	return ReplayStillQuarantined
}

// ReplaySummary counts what a replay of every kept delivery did.
type ReplaySummary struct {
	Replayed         int `json:"replayed"`
	StillQuarantined int `json:"stillQuarantined"`
	// Failed counts the replays that failed for a transient or internal
	// reason: the items are unchanged, a later replay will try again.
	Failed int `json:"failed"`
	// Next is set when the replay stopped before the end, to leave the
	// request time to answer: POST it back as the cursor to go on.
	Next string `json:"next,omitempty"`
}

// ReplayAllReserve is the time a replay of every delivery keeps before its
// context's deadline: it stops between pages rather than be cut off.
const ReplayAllReserve = 2 * time.Second

// replayAllPage is the page size of ReplayAll: small, so that it stops
// close to its deadline.
const replayAllPage = 10

// ReplayAll replays every QUARANTINED delivery, page by page from cursor
// (empty: the first), and counts the outcomes. It stops between pages when
// ctx's deadline is less than ReplayAllReserve away, and says where to go
// on.
func (s *Quarantine) ReplayAll(ctx context.Context, cursor string) (ReplaySummary, error) {
	var sum ReplaySummary
	for {
		page, err := s.store.List(ctx, QuarantineHeld, PageRequest{Limit: replayAllPage, Cursor: cursor})
		if err != nil {
			return sum, err
		}
		for i := range page.Items {
			d, err := s.store.Get(ctx, page.Items[i].ID)
			if err != nil {
				if IsKind(err, NotFound) {
					continue
				}
				sum.Failed++
				continue
			}
			r, err := s.replay(ctx, d)
			switch {
			case err != nil:
				sum.Failed++
			case r.Outcome == ReplayDone:
				sum.Replayed++
			case r.Outcome == ReplayStillQuarantined:
				sum.StillQuarantined++
			}
		}
		if page.Next == "" {
			return sum, nil
		}
		cursor = page.Next
		if dl, ok := ctx.Deadline(); (ok && time.Until(dl) < ReplayAllReserve) || ctx.Err() != nil {
			sum.Next = cursor
			return sum, nil
		}
	}
}
