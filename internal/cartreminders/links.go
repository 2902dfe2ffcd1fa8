package cartreminders

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

// The routes of the e-mails' links. They are public (Authorizer: NONE):
// the token in the link is the authorisation.
const (
	RouteUnsubscribeOneClick = "POST /unsubscribe"
	RouteUnsubscribePage     = "GET /unsubscribe"
	RouteRecover             = "GET /carts/{id}/recover"
)

// The UTM tags of a recovery link.
const (
	utmSource   = "ordersmith"
	utmMedium   = "email"
	utmCampaign = "abandoned_cart"
)

// Router returns the links' routes.
func (h *Handler) Router(opts ...apihttp.Option) *apihttp.Router {
	r := apihttp.NewRouter(opts...)
	r.Handle(RouteUnsubscribeOneClick, h.unsubscribe)
	r.Handle(RouteUnsubscribePage, h.unsubscribe)
	r.Handle(RouteRecover, h.recover)
	return r
}

// Lambda returns the function's entry point: an API Gateway event goes to
// r, anything else (the scheduler's event) starts a run.
func (h *Handler) Lambda(r *apihttp.Router) func(ctx context.Context, raw json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			RouteKey string `json:"routeKey"`
		}
		if json.Unmarshal(raw, &probe) == nil && probe.RouteKey != "" {
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("decode API Gateway event: %w", err)
			}
			return r.Serve(ctx, ev)
		}
		res, err := h.Run(ctx)
		h.log.Info("reminder run", "sent", res.Sent, "skipped", res.Skipped, "waiting", res.Waiting,
			"taken", res.Taken, "failed", res.Failed, "stopped", res.Stopped)
		return res, err
	}
}

// Unsubscribe puts the address of an unsubscribe token on the suppression
// list.
func (h *Handler) Unsubscribe(ctx context.Context, token string) error {
	c, err := h.d.Tokens.Verify(ctx, token, PurposeUnsubscribe, h.cfg.Now())
	if err != nil {
		return err
	}
	if order.CustomerEmail(c.Email) == "" {
		return order.E("cartreminders.Unsubscribe", order.Invalid, CodeInvalidToken, "this link is not valid")
	}
	return h.d.Recovery.Suppress(ctx, c.Email, h.cfg.Now())
}

// Recover counts the click of a recovery token for cart id and returns the
// cart's own recovery URL with the UTM tags.
func (h *Handler) Recover(ctx context.Context, id, token string) (string, error) {
	const op = "cartreminders.Recover"
	now := h.cfg.Now()
	c, err := h.d.Tokens.Verify(ctx, token, PurposeRecover, now)
	if err != nil {
		return "", err
	}
	if c.CartID != id {
		return "", order.E(op, order.Invalid, CodeInvalidToken, "this link is not valid")
	}
	cart, err := h.d.Carts.Get(ctx, id)
	if err != nil {
		return "", err
	}
	target, err := url.Parse(cart.RecoveryURL)
	if err != nil || cart.RecoveryURL == "" || (target.Scheme != "https" && target.Scheme != "http") {
		return "", order.E(op, order.NotFound, "no_recovery_url", "this cart cannot be reopened")
	}
	if err := h.d.Recovery.RecordClick(ctx, id, c.Step, now); err != nil {
		// The customer still gets their cart back; the count is logged.
		h.log.Warn("click not counted", "cartId", id, "step", c.Step, "error", err.Error())
	}
	q := target.Query()
	q.Set("utm_source", utmSource)
	q.Set("utm_medium", utmMedium)
	q.Set("utm_campaign", utmCampaign)
	q.Set("utm_content", fmt.Sprintf("reminder-%d", c.Step))
	target.RawQuery = q.Encode()
	return target.String(), nil
}

func (h *Handler) unsubscribe(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	if err := h.Unsubscribe(ctx, req.Query("token")); err != nil {
		return refusal(err)
	}
	return page(http.StatusOK, "Désinscription confirmée / Unsubscribed",
		"Vous ne recevrez plus de rappels de panier. / You will no longer receive cart reminders."), nil
}

func (h *Handler) recover(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	target, err := h.Recover(ctx, req.PathParam("id"), req.Query("token"))
	if err != nil {
		return refusal(err)
	}
	r := &apihttp.Response{Status: http.StatusFound}
	return r.WithHeader("Location", target).WithHeader("Cache-Control", "no-store"), nil
}

// refusal is the plain page of a link that cannot be followed: a forged or
// expired token, a cart gone. Other errors go to the error edge.
func refusal(err error) (*apihttp.Response, error) {
	switch {
	case order.CodeOf(err) == CodeExpiredToken:
		return page(http.StatusGone, "Lien expiré / Link expired", "Ce lien a expiré. / This link has expired."), nil
	case order.IsKind(err, order.Invalid), order.IsKind(err, order.NotFound):
		return page(http.StatusBadRequest, "Lien non valide / Invalid link", "Ce lien n'est pas valide. / This link is not valid."), nil
	}
	return nil, err
}

// page is a small HTML page; its texts are constants, escaped anyway.
func page(status int, title, text string) *apihttp.Response {
	body := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html.EscapeString(title) +
		"</title></head>\n<body style=\"font-family: Helvetica, Arial, sans-serif; max-width: 600px; margin: 40px auto;\">\n<h1 style=\"font-size: 20px;\">" +
		html.EscapeString(title) + "</h1>\n<p>" + html.EscapeString(text) + "</p>\n</body></html>\n"
	r := &apihttp.Response{Status: status, Body: []byte(body)}
	return r.WithHeader("Content-Type", "text/html; charset=utf-8").WithHeader("Cache-Control", "no-store")
}
