package stock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/order"
)

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
	orders OrderReader
	log    *slog.Logger
}

// Deps are the ports a Handler consumes.
type Deps struct {
	Stock  order.StockStore
	Orders OrderReader
	Logger *slog.Logger // nil is slog.Default()
}

// NewHandler returns the handler. Every port is required.
func NewHandler(d Deps) (*Handler, error) {
	if err := order.RequireDeps("stock.NewHandler", order.Need("Stock", d.Stock), order.Need("Orders", d.Orders)); err != nil {
		return nil, err
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Handler{stock: d.Stock, orders: d.Orders, log: log}, nil
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

// Handle is the Lambda handler for SQS batches of outbox events; only the
// messages that failed are reported (ReportBatchItemFailures).
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	c := consumer.Config{Name: "stock adjustment", Margin: DeadlineMargin, Log: h.log}
	return consumer.HandleSQS(ctx, c, ev, func(ctx context.Context, m events.SQSMessage) (consumer.Outcome, error) {
		e, results, err := h.handle(ctx, m.Body)
		out := consumer.EventOutcome(e)
		if len(results) > 0 {
			out.Done, out.Attrs = "stock adjusted", []any{"results", results}
		}
		return out, err
	}), nil
}

// HandleMessage applies one event (an order.Event as JSON) and returns what
// became of each SKU it moves; an event that moves no stock returns none.
func (h *Handler) HandleMessage(ctx context.Context, body string) (map[string]Result, error) {
	_, results, err := h.handle(ctx, body)
	return results, err
}

// handle is HandleMessage, with the event as far as it was read.
func (h *Handler) handle(ctx context.Context, body string) (order.Event, map[string]Result, error) {
	e, err := consumer.DecodeEvent("stock.HandleMessage", body)
	if err != nil || !e.Type.MayMoveStock() {
		return e, nil, err
	}
	p, err := order.DecodeLifecyclePayload(e)
	if err != nil {
		return e, nil, err
	}
	// Events from intake, and events of orders too large to carry their
	// lines (e.Ref), carry no lines; a cancellation's restock lines are in
	// every payload, the staff's choice applied, so only the other moves
	// need the order.
	if !p.HasLines() && e.Type != order.OrderCancelled {
		o, err := h.orders.Get(ctx, e.OrderID)
		if err != nil {
			return e, nil, fmt.Errorf("read order %s of event %s: %w", e.OrderID, e.ID, err)
		}
		if err := e.CheckRef(o); err != nil {
			return e, nil, err
		}
		p = p.Reread(o)
	}
	move, lines, ok := order.StockMovesFor(e, p)
	if !ok {
		return e, nil, nil
	}
	results := make(map[string]Result, len(lines))
	for _, l := range lines {
		r, err := h.adjust(ctx, e, p.Version, move, l)
		if err != nil {
			// The SKUs done so far are guarded by their tokens: the
			// redelivery finishes the rest without repeating them.
			return e, results, err
		}
		results[l.SKU] = r
	}
	return e, results, nil
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
		h.log.WarnContext(ctx, "stock decrement refused", consumer.LogKeyOrderID, e.OrderID, consumer.LogKeyEventID, e.ID,
			"sku", l.SKU, "requested", l.Quantity, "onHand", onHand(err))
		return Refused, nil
	}
	return "", fmt.Errorf("%s %d of %s for event %s: %w", move, l.Quantity, l.SKU, e.ID, err)
}

// onHand is the stock level a refused decrement found, when the store said.
func onHand(refusal error) any {
	var oe *order.Error
	if errors.As(refusal, &oe) {
		if d, ok := oe.Details.(map[string]any); ok {
			return d["onHand"]
		}
	}
	return nil
}
