package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// The route keys of the intake, exactly as template.yaml declares them on
// IntakeFunction.
const (
	RouteWebhook     = "POST /webhooks/{source}"
	RouteManualOrder = "POST /orders"
)

// Service is the intake service the handlers call: *order.Intake.
type Service interface {
	Receive(ctx context.Context, in order.Inbound) (order.IntakeResult, error)
	CreateManual(ctx context.Context, m order.ManualOrder) (order.IntakeResult, error)
}

var _ Service = (*order.Intake)(nil)

// Handler serves the intake routes.
type Handler struct {
	svc  Service
	deps webhook.Deps
}

// New returns the handlers over svc; deps are what webhook.Parse needs
// (the secrets, the Ecwid client, the clock). svc and deps.Secrets are
// required; deps.Ecwid only for Ecwid deliveries.
func New(svc Service, deps webhook.Deps) (*Handler, error) {
	if err := order.RequireDeps("intake.New", order.Need("Service", svc), order.Need("Secrets", deps.Secrets)); err != nil {
		return nil, err
	}
	return &Handler{svc: svc, deps: deps}, nil
}

// Register adds the intake routes to r: the webhooks are signed, not
// authorised by a token; a manual order needs orders:write.
func (h *Handler) Register(r *apihttp.Router) {
	r.Handle(RouteWebhook, h.Webhook)
	r.Handle(RouteManualOrder, h.ManualOrder, apihttp.Scope(apihttp.ScopeOrdersWrite))
}

// Router returns a router with the intake routes; the body limit is the
// webhooks' (1 MiB), so that an oversized body is a 413 before it is read.
func (h *Handler) Router(opts ...apihttp.Option) *apihttp.Router {
	r := apihttp.NewRouter(append([]apihttp.Option{apihttp.WithMaxBodyBytes(webhook.MaxBodyBytes)}, opts...)...)
	h.Register(r)
	return r
}

// Webhook handles POST /webhooks/{source}: 201 for a new order, 200 for
// anything else accepted (an update, a retry, a checkout, a ping), with the
// outcome and the order's id. Storefronts only need a 2xx; the body helps
// whoever reads their delivery logs.
func (h *Handler) Webhook(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	body, err := req.Body()
	if err != nil {
		return nil, err
	}
	source := req.PathParam("source")
	// Verify, not Parse: an Ecwid order is fetched by the intake, once it
	// has claimed the signed event id (see order.Inbound.Fetch).
	d, err := webhook.Verify(ctx, source, req.Event.Headers, body, h.deps)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.Receive(ctx, inboundOf(d, fingerprint(body)))
	if err != nil {
		return nil, err
	}
	log := platform.LoggerFrom(ctx).With("source", source, "topic", d.Topic, "delivery_id", d.DeliveryID,
		"outcome", string(res.Outcome))
	if res.OrderID != "" {
		log = platform.WithOrderID(log, res.OrderID)
	}
	if len(res.Warnings) > 0 {
		log.Warn("webhook accepted with warnings", "warnings", res.Warnings)
	} else {
		log.Info("webhook accepted")
	}
	status := http.StatusOK
	if res.Outcome == order.OutcomeCreated {
		status = http.StatusCreated
	}
	return apihttp.JSON(status, res)
}

// inboundOf maps a verified delivery onto the intake's input: the parser
// has said what it is (an order, a creation, the checkout it converts).
func inboundOf(d *webhook.Delivery, fp string) order.Inbound {
	in := order.Inbound{
		Source: d.Source, Topic: d.Topic, DeliveryID: d.DeliveryID, Fingerprint: fp,
		Order: d.Order, Reported: d.Reported, Cancelled: d.Cancelled, Creation: d.Creation,
		CartExternalID: d.CartExternalID, Cart: d.Cart, CheckoutCompleted: d.CheckoutCompleted,
	}
	if d.Fetch != nil {
		in.Fetch = func(ctx context.Context) (order.Inbound, error) {
			full, err := d.Fetch(ctx)
			if err != nil {
				return order.Inbound{}, err
			}
			return inboundOf(full, fp), nil
		}
	}
	switch d.Kind {
	case webhook.KindOrder:
		in.Kind = order.InboundOrder
	case webhook.KindCart:
		in.Kind = order.InboundCart
	case webhook.KindPing:
		in.Kind = order.InboundPing
	}
	return in
}

// fingerprint identifies a body: hex SHA-256.
func fingerprint(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// ManualOrder handles POST /orders: a phone or e-mail order entered by
// staff. It answers 201 with the order, its ETag and its Location; a retry
// with the same Idempotency-Key answers 200 with the order the first request
// created and the header Idempotent-Replayed: true.
func (h *Handler) ManualOrder(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	claims, err := req.Claims()
	if err != nil {
		return nil, err
	}
	var body manualOrderRequest
	if err := req.DecodeJSONStrict(&body); err != nil {
		return nil, err
	}
	o, err := body.order()
	if err != nil {
		return nil, err
	}
	raw, _ := req.Body() // already read and checked by the decoder
	res, err := h.svc.CreateManual(ctx, order.ManualOrder{
		Order: o, Actor: order.StaffActor(claims.Subject), IdempotencyKey: req.Header("Idempotency-Key"), Fingerprint: fingerprint(raw),
	})
	if err != nil {
		return nil, err
	}
	if res.Order == nil {
		return nil, fmt.Errorf("manual order %s: the intake returned no order", res.OrderID)
	}
	platform.WithOrderID(platform.LoggerFrom(ctx), res.OrderID).Info("manual order accepted", "outcome", string(res.Outcome))
	status := http.StatusCreated
	if res.Outcome == order.OutcomeDuplicate {
		status = http.StatusOK
	}
	resp, err := apihttp.JSON(status, res.Order)
	if err != nil {
		return nil, err
	}
	resp.WithHeader("ETag", apihttp.ETag(res.Order.Version)).WithHeader("Location", "/orders/"+res.Order.ID)
	if res.Outcome == order.OutcomeDuplicate {
		resp.WithHeader("Idempotent-Replayed", "true")
	}
	return resp, nil
}
