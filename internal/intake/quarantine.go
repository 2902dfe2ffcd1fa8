package intake

import (
	"context"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// The quarantine routes, exactly as template.yaml declares them on
// IntakeFunction: staff with orders:write list the deliveries kept because
// they could not be processed, see one, and replay one or all.
const (
	RouteQuarantineList      = "GET /quarantine"
	RouteQuarantineGet       = "GET /quarantine/{id}"
	RouteQuarantineReplay    = "POST /quarantine/{id}/replay"
	RouteQuarantineReplayAll = "POST /quarantine/replay"
)

// QuarantineService is the quarantine service the handlers call:
// *order.Quarantine.
type QuarantineService interface {
	Deliver(ctx context.Context, d order.RawDelivery) (order.DeliveryOutcome, error)
	Get(ctx context.Context, id string) (*order.QuarantinedDelivery, error)
	List(ctx context.Context, state order.QuarantineState, page order.PageRequest) (order.Page[order.QuarantinedDelivery], error)
	Replay(ctx context.Context, id string) (order.Replayed, error)
	ReplayAll(ctx context.Context, cursor string) (order.ReplaySummary, error)
}

var _ QuarantineService = (*order.Quarantine)(nil)

// Processor is the order.DeliveryProcessor of the intake: webhook.Verify,
// then the intake service, the one path a delivery takes whether it has
// just arrived or is replayed from the quarantine.
type Processor struct {
	svc  Service
	deps webhook.Deps
}

var _ order.DeliveryProcessor = (*Processor)(nil)

// NewProcessor returns the processor over svc and Parse's deps.
func NewProcessor(svc Service, deps webhook.Deps) (*Processor, error) {
	if err := order.RequireDeps("intake.NewProcessor", order.Need("Service", svc), order.Need("Secrets", deps.Secrets)); err != nil {
		return nil, err
	}
	return &Processor{svc: svc, deps: deps}, nil
}

// Process implements order.DeliveryProcessor. The signature's time window
// is checked against the delivery's first arrival, so that a replay hours
// later reads the delivery as it was read then.
func (p *Processor) Process(ctx context.Context, raw order.RawDelivery) (order.Processed, error) {
	ctx, v := webhook.WithVerification(ctx)
	deps := p.deps
	if at := raw.ReceivedAt; !at.IsZero() {
		deps.Now = func() time.Time { return at }
	}
	// Verify, not Parse: an Ecwid order is fetched by the intake once it has
	// claimed the signed event id (order.Inbound.Fetch).
	d, err := webhook.Verify(ctx, string(raw.Source), raw.Headers, raw.Body, deps)
	if err != nil {
		return order.Processed{Authentic: v.Verified()}, err
	}
	res, err := p.svc.Receive(ctx, inboundOf(d, fingerprint(raw.Body)))
	return order.Processed{Result: res, DeliveryID: d.DeliveryID, Topic: d.Topic, Authentic: true}, err
}

// quarantinedAnswer is the body of a delivery kept in the quarantine.
type quarantinedAnswer struct {
	Outcome      order.Outcome `json:"outcome"`
	Code         string        `json:"code"`
	QuarantineID string        `json:"quarantineId"`
}

// quarantineItem is a kept delivery as staff see it; the body is shown as
// text when it is UTF-8 (storefronts send JSON), else left out.
type quarantineItem struct {
	order.QuarantinedDelivery
	Headers map[string]string `json:"headers,omitempty"`
	Body    *string           `json:"body,omitempty"`
}

func itemOf(d *order.QuarantinedDelivery) quarantineItem {
	it := quarantineItem{QuarantinedDelivery: *d, Headers: d.Headers}
	if d.Body != nil && utf8.Valid(d.Body) {
		s := string(d.Body)
		it.Body = &s
	}
	return it
}

// ListQuarantine handles GET /quarantine?state=QUARANTINED|REPLAYED&limit=&cursor=:
// one page of kept deliveries, newest first, without their bodies.
func (h *Handler) ListQuarantine(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	page, err := apihttp.ParsePage(req)
	if err != nil {
		return nil, err
	}
	var state order.QuarantineState
	if s := req.Query("state"); s != "" {
		if state, err = order.ParseQuarantineState(s); err != nil {
			return nil, err
		}
	}
	p, err := h.quarantine.List(ctx, state, order.PageRequest{Limit: page.Limit, Cursor: page.Cursor})
	if err != nil {
		return nil, err
	}
	return apihttp.JSON(http.StatusOK, apihttp.List[order.QuarantinedDelivery]{Items: p.Items, NextCursor: p.Next})
}

// GetQuarantined handles GET /quarantine/{id}: one kept delivery, why it
// was kept, its headers and body.
func (h *Handler) GetQuarantined(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	d, err := h.quarantine.Get(ctx, req.PathParam("id"))
	if err != nil {
		return nil, err
	}
	return apihttp.JSON(http.StatusOK, itemOf(d))
}

// ReplayQuarantined handles POST /quarantine/{id}/replay: 200 with the
// outcome (replayed, still_quarantined, already_replayed), the item, and
// the intake's result when it went through.
func (h *Handler) ReplayQuarantined(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	r, err := h.quarantine.Replay(ctx, req.PathParam("id"))
	if err != nil {
		return nil, err
	}
	h.logReplay(ctx, r)
	return apihttp.JSON(http.StatusOK, r)
}

// ReplayAllQuarantined handles POST /quarantine/replay[?cursor=]: every
// QUARANTINED delivery replayed, with the counts; "next" when it stopped
// before the end to answer in time.
func (h *Handler) ReplayAllQuarantined(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	page, err := apihttp.ParsePage(req)
	if err != nil {
		return nil, err
	}
	sum, err := h.quarantine.ReplayAll(ctx, page.Cursor)
	if err != nil {
		return nil, err
	}
	platform.LoggerFrom(ctx).Info("quarantine replayed", "replayed", sum.Replayed, "still_quarantined", sum.StillQuarantined,
		"failed", sum.Failed, "more", sum.Next != "")
	return apihttp.JSON(http.StatusOK, sum)
}

func (h *Handler) logReplay(ctx context.Context, r order.Replayed) {
	platform.LoggerFrom(ctx).Info("quarantined delivery replayed", "quarantine_id", r.Delivery.ID, "source", string(r.Delivery.Source),
		"outcome", string(r.Outcome), "code", r.Delivery.Reason.Code, "order_id", r.Delivery.OrderID)
}
