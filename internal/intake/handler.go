package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

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

// ScopeWrite is the scope a manual order needs, in the spelling of the
// local and OIDC issuers; Cognito's "orders/write" is accepted too.
const ScopeWrite = "orders:write"

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
// (the secrets, the Ecwid client, the clock).
func New(svc Service, deps webhook.Deps) *Handler {
	return &Handler{svc: svc, deps: deps}
}

// Register adds the intake routes to r.
func (h *Handler) Register(r *apihttp.Router) {
	r.Handle(RouteWebhook, h.Webhook)
	r.Handle(RouteManualOrder, h.ManualOrder)
}

// Router returns a router with the intake routes; the body limit is the
// webhooks' (1 MiB), so that an oversized body is a 413 before it is read.
func (h *Handler) Router(opts ...apihttp.Option) *apihttp.Router {
	r := apihttp.NewRouter(append([]apihttp.Option{apihttp.WithMaxBodyBytes(webhook.MaxBodyBytes)}, opts...)...)
	h.Register(r)
	return r
}

// AnswerMargin is the time kept, before the invocation's deadline, to
// answer: the work of a request stops that long before Lambda would kill
// it, so that a slow dependency ends in a 503 with Retry-After, which a
// storefront retries, rather than in API Gateway's bare 500.
const AnswerMargin = time.Second

// withAnswerMargin bounds ctx to AnswerMargin before its deadline.
func withAnswerMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, dl.Add(-AnswerMargin))
	}
	return context.WithCancel(ctx)
}

// Webhook handles POST /webhooks/{source}: 201 for a new order, 200 for
// anything else accepted (an update, a retry, a checkout, a ping), with the
// outcome and the order's id. Storefronts only need a 2xx; the body helps
// whoever reads their delivery logs.
func (h *Handler) Webhook(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	ctx, cancel := withAnswerMargin(ctx)
	defer cancel()
	body, err := req.Body()
	if err != nil {
		return nil, err
	}
	source := req.PathParam("source")
	d, err := webhook.Parse(ctx, source, req.Event.Headers, body, h.deps)
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

// cartSharesOrderID lists the sources whose checkout becomes the order
// itself, under the same id: WooCommerce's checkout-draft and Ecwid's
// unfinished order. An order from them completes the cart of its own id.
var cartSharesOrderID = map[order.Source]bool{order.SourceWooCommerce: true, order.SourceEcwid: true}

// creationTopics is each source's "order created" topic.
var creationTopics = map[order.Source]string{
	order.SourceShopify:     webhook.ShopifyOrdersCreate,
	order.SourceWooCommerce: webhook.WooOrderCreated,
	order.SourceEcwid:       webhook.EcwidOrderCreated,
	order.SourceGeneric:     webhook.GenericOrderCreated,
}

// inboundOf maps a verified delivery onto the intake's input.
func inboundOf(d *webhook.Delivery, fp string) order.Inbound {
	in := order.Inbound{
		Source: d.Source, Topic: d.Topic, DeliveryID: d.DeliveryID, Fingerprint: fp,
		Order: d.Order, Reported: d.Reported, Cancelled: d.Cancelled,
		Cart: d.Cart, CheckoutCompleted: d.CheckoutCompleted,
	}
	switch d.Kind {
	case webhook.KindOrder:
		in.Kind = order.InboundOrder
		in.Creation = creationTopics[d.Source] == d.Topic
		// The checkout the order completes: named by the order (Shopify's
		// checkout_token), or the order's own id where the checkout
		// becomes the order.
		in.CartExternalID = d.CartExternalID
		if in.CartExternalID == "" && d.Order != nil && cartSharesOrderID[d.Source] {
			in.CartExternalID = d.Order.ExternalID
		}
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

// maxIdempotencyKey bounds the Idempotency-Key header, as the stores do.
const maxIdempotencyKey = 255

// ManualOrder handles POST /orders: a phone or e-mail order entered by
// staff. It answers 201 with the order, its ETag and its Location; a retry
// with the same Idempotency-Key answers 200 with the order the first request
// created and the header Idempotent-Replayed: true.
func (h *Handler) ManualOrder(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	ctx, cancel := withAnswerMargin(ctx)
	defer cancel()
	claims, err := requireWrite(req)
	if err != nil {
		return nil, err
	}
	key := strings.TrimSpace(req.Header("Idempotency-Key"))
	if !utf8.ValidString(key) || utf8.RuneCountInString(key) > maxIdempotencyKey {
		return nil, order.E("intake.ManualOrder", order.Invalid, "invalid_idempotency_key",
			fmt.Sprintf("Idempotency-Key must be at most %d characters of valid UTF-8", maxIdempotencyKey))
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
		Order: o, Actor: order.StaffActor(claims.Subject), IdempotencyKey: key, Fingerprint: fingerprint(raw),
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

// requireWrite checks that the verified token grants orders:write in
// either spelling ("orders:write" from local and OIDC issuers,
// "orders/write" from Cognito), as the route's AuthorizationScopes do: API
// Gateway checks them already, and this second lock still holds if the
// route is ever deployed without them.
func requireWrite(req *apihttp.Request) (apihttp.Claims, error) {
	c, err := req.Claims()
	if err != nil {
		return apihttp.Claims{}, err
	}
	alt := strings.Replace(ScopeWrite, ":", "/", 1)
	if !c.HasScope(ScopeWrite) && !c.HasScope(alt) {
		e := order.E("intake.RequireScope", order.Forbidden, "missing_scope", fmt.Sprintf("this action needs the %q scope", ScopeWrite))
		e.Details = map[string]any{"required_scope": ScopeWrite, "accepted": []string{ScopeWrite, alt}}
		return apihttp.Claims{}, e
	}
	return c, nil
}
