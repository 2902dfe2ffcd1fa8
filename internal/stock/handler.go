package stock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RefusalScope is the idempotency scope under which refused decrements are
// recorded; the key is the adjustment's token.
const RefusalScope = "stock-refused"

// RefusalRetention is how long a refused decrement stays on record.
const RefusalRetention = 90 * 24 * time.Hour

// DeadlineMargin is the time left before the invocation's deadline under
// which no new message is started.
const DeadlineMargin = 3 * time.Second

// OrderReader reads an order, for events that do not carry its lines.
type OrderReader interface {
	Get(ctx context.Context, id string) (*order.Order, error)
}

// Handler is the stock Lambda's handler.
type Handler struct {
	stock  order.StockStore
	idem   order.IdempotencyStore
	orders OrderReader
	log    *slog.Logger
}

// Deps are the ports a Handler consumes.
type Deps struct {
	Stock       order.StockStore
	Idempotency order.IdempotencyStore
	Orders      OrderReader
	Logger      *slog.Logger // nil is slog.Default()
}

// NewHandler returns the handler. Every port is required.
func NewHandler(d Deps) *Handler {
	if d.Stock == nil || d.Idempotency == nil || d.Orders == nil {
		panic("stock.NewHandler: Stock, Idempotency and Orders are required")
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Handler{stock: d.Stock, idem: d.Idempotency, orders: d.Orders, log: log}
}

// Result is what became of one SKU of an event.
type Result string

// The results of an adjustment.
const (
	Applied   Result = "applied"
	Duplicate Result = "duplicate" // applied by an earlier delivery
	Untracked Result = "untracked" // the shop does not track this SKU
	Refused   Result = "refused"   // not enough stock and no backorders
	Stale     Result = "stale"     // older than a move already applied for the order: moves nothing
	Unmoved   Result = "unmoved"   // the order already held what the move asks (nothing held to give back, or taken already)
)

// Refusal is the record of a refused decrement.
type Refusal struct {
	EventID   string `json:"eventId"`
	OrderID   string `json:"orderId"`
	SKU       string `json:"sku"`
	Requested int64  `json:"requested"`
	OnHand    int64  `json:"onHand"`
}

// Handle is the Lambda handler for SQS batches of outbox events; only the
// messages that failed are reported (ReportBatchItemFailures).
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		// A message not started comes back; a timed-out invocation would
		// fail the whole batch.
		if deadline, ok := ctx.Deadline(); (ok && time.Until(deadline) < DeadlineMargin) || ctx.Err() != nil {
			h.log.Warn("stock adjustment deferred: the invocation is about to time out", "messageId", m.MessageId)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		results, err := h.HandleMessage(ctx, m.Body)
		log := h.log.With("messageId", m.MessageId)
		if err != nil {
			log.Error("stock adjustment failed", "kind", order.KindOf(err).String(), "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		if len(results) > 0 {
			log.Info("stock adjusted", "results", results)
		}
	}
	return resp, nil
}

// HandleMessage applies one event (an order.Event as JSON) and returns what
// became of each SKU it moves; an event that moves no stock returns none.
func (h *Handler) HandleMessage(ctx context.Context, body string) (map[string]Result, error) {
	const op = "stock.HandleMessage"
	var e order.Event
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return nil, order.Wrap(op, order.Invalid, "malformed_event", "the message is not an event", err)
	}
	if e.ID == "" || e.Type == "" {
		return nil, order.E(op, order.Invalid, "malformed_event", "the message has no event id or type")
	}
	if !movesStock(e.Type) {
		return nil, nil
	}
	p, err := order.DecodeLifecyclePayload(e)
	if err != nil {
		return nil, err
	}
	// Events from intake carry no lines; a cancellation's restock lines are
	// in every payload, so only the other moves need the order.
	if !p.HasLines() && e.Type != order.OrderCancelled {
		o, err := h.orders.Get(ctx, e.OrderID)
		if err != nil {
			return nil, fmt.Errorf("read order %s of event %s: %w", e.OrderID, e.ID, err)
		}
		p = order.PayloadOf(o, p.OrderEventData)
	}
	move, lines, ok := order.StockMovesFor(e, p)
	if !ok {
		return nil, nil
	}
	results := make(map[string]Result, len(lines))
	for _, l := range lines {
		r, err := h.adjust(ctx, e, p.Version, move, l)
		if err != nil {
			// The SKUs done so far are guarded by their tokens: the
			// redelivery finishes the rest without repeating them.
			return results, err
		}
		results[l.SKU] = r
	}
	return results, nil
}

func movesStock(t order.EventType) bool {
	switch t {
	case order.OrderPaid, order.OrderCancelled, order.OrderStatusChanged, order.OrderDelivered, order.OrderShipped:
		return true
	}
	return false
}

// Token is the once-only key of the adjustment of sku for event id: the
// SKU is hashed because a SKU may hold any character and the token is part
// of a key.
func Token(eventID, sku string) string {
	sum := sha256.Sum256([]byte(sku))
	return eventID + "-" + hex.EncodeToString(sum[:12])
}

// adjust moves one SKU for the event, through the order's holding of it
// (order.OrderStockMove): out-of-order and refused moves add up right.
func (h *Handler) adjust(ctx context.Context, e order.Event, version int64, move order.StockMove, l order.RestockLine) (Result, error) {
	token := Token(e.ID, l.SKU)
	r, err := h.stock.MoveForOrder(ctx, token, order.OrderStockMove{OrderID: e.OrderID, Version: version, SKU: l.SKU, Move: move, Quantity: l.Quantity})
	switch {
	case err == nil && r.Stale:
		return Stale, nil
	case err == nil && !r.Applied:
		return Duplicate, nil
	case err == nil && r.Moved == 0:
		return Unmoved, nil
	case err == nil:
		return Applied, nil
	case order.IsKind(err, order.NotFound):
		return Untracked, nil
	case order.CodeOf(err) == order.CodeInsufficientStock:
		return Refused, h.recordRefusal(ctx, e, token, l, err)
	}
	return "", fmt.Errorf("%s %d of %s for event %s: %w", move, l.Quantity, l.SKU, e.ID, err)
}

// recordRefusal keeps a refused decrement on record, once, so that staff
// can see which order could not take its stock.
func (h *Handler) recordRefusal(ctx context.Context, e order.Event, token string, l order.RestockLine, cause error) error {
	r := Refusal{EventID: e.ID, OrderID: e.OrderID, SKU: l.SKU, Requested: l.Quantity}
	var oe *order.Error
	if errors.As(cause, &oe) {
		if d, ok := oe.Details.(map[string]any); ok {
			if n, ok := d["onHand"].(int64); ok {
				r.OnHand = n
			}
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode refusal of %s: %w", l.SKU, err)
	}
	rec, err := h.idem.Begin(ctx, RefusalScope, token, "", time.Minute)
	if err != nil {
		return fmt.Errorf("record refusal of %s for event %s: %w", l.SKU, e.ID, err)
	}
	if rec != nil && rec.Status == order.IdempotencyCompleted {
		return nil // recorded by an earlier delivery
	}
	if rec == nil {
		if err := h.idem.Complete(ctx, order.IdempotencyResult{Scope: RefusalScope, Key: token, Response: b, ResourceID: e.OrderID, TTL: RefusalRetention}); err != nil {
			return fmt.Errorf("record refusal of %s for event %s: %w", l.SKU, e.ID, err)
		}
	}
	h.log.Warn("stock decrement refused", "orderId", e.OrderID, "eventId", e.ID, "sku", l.SKU, "requested", l.Quantity, "onHand", r.OnHand)
	return nil
}
