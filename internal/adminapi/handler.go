package adminapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

// The route keys of the admin API, exactly as template.yaml declares them on
// TransitionsFunction.
const (
	RouteListOrders       = "GET /orders"
	RouteGetOrder         = "GET /orders/{id}"
	RouteHistory          = "GET /orders/{id}/history"
	RoutePaymentStatus    = "PUT /orders/{id}/payment-status"
	RouteFulfilmentStatus = "PUT /orders/{id}/fulfilment-status"
	RouteAction           = "POST /orders/{id}/actions/{action}"
	RouteGetStock         = "GET /stock/{sku}"
	RoutePutStock         = "PUT /stock/{sku}"
)

const (
	actionPathParam     = "action"
	maxFilterEmailBytes = 254 // the longest e-mail address
)

// The actions of POST /orders/{id}/actions/{action}.
const (
	ActionMarkPaid            = "mark-paid"
	ActionMarkUnpaid          = "mark-unpaid"
	ActionMarkShipped         = "mark-shipped"
	ActionMarkUnshipped       = "mark-unshipped"
	ActionHold                = "hold"
	ActionResume              = "resume"
	ActionCancel              = "cancel"
	ActionSendPaymentReminder = "send-payment-reminder"
	ActionCustomStatus        = "custom-status"
	ActionComment             = "comment"
)

// Actions lists the action names in the order the API documents them.
var Actions = []string{ActionMarkPaid, ActionMarkUnpaid, ActionMarkShipped, ActionMarkUnshipped, ActionHold,
	ActionResume, ActionCancel, ActionSendPaymentReminder, ActionCustomStatus, ActionComment}

// API is the admin API over a Lifecycle.
type API struct {
	svc *order.Lifecycle
}

// New returns the API over svc, which is required.
func New(svc *order.Lifecycle) (*API, error) {
	if err := order.RequireDeps("adminapi.New", order.Need("Lifecycle", svc)); err != nil {
		return nil, err
	}
	return &API{svc: svc}, nil
}

// Register adds every route of the API to r, each with the scope it needs.
func (a *API) Register(r *apihttp.Router) {
	read, write := apihttp.Scope(apihttp.ScopeOrdersRead), apihttp.Scope(apihttp.ScopeOrdersWrite)
	r.Handle(RouteListOrders, a.listOrders, read)
	r.Handle(RouteGetOrder, a.getOrder, read)
	r.Handle(RouteHistory, a.history, read)
	r.Handle(RoutePaymentStatus, a.putPaymentStatus, write)
	r.Handle(RouteFulfilmentStatus, a.putFulfilmentStatus, write)
	r.Handle(RouteAction, a.action, write)
	r.Handle(RouteGetStock, a.getStock, read)
	r.Handle(RoutePutStock, a.putStock, write)
}

// Router returns a router with the API's routes, for the Lambda's main.
func (a *API) Router(opts ...apihttp.Option) *apihttp.Router {
	r := apihttp.NewRouter(opts...)
	a.Register(r)
	return r
}

// command builds the service command of a write: the staff member from the
// verified token, and the version from If-Match (apihttp.ExpectedVersion;
// an order's first version is 1).
func (a *API) command(ctx context.Context, req *apihttp.Request) (order.Command, error) {
	claims, err := req.Claims()
	if err != nil {
		return order.Command{}, err
	}
	cmd := order.Command{OrderID: req.PathParam("id"), Actor: order.StaffActor(claims.Subject), Via: order.ViaAPI}
	cmd.IfMatch, _, err = apihttp.ExpectedVersion(ctx, req, 1, func(ctx context.Context) (int64, error) {
		cur, err := a.svc.Get(ctx, cmd.OrderID)
		if err != nil {
			return 0, err
		}
		return cur.Version, nil
	})
	if err != nil {
		return order.Command{}, err
	}
	return cmd, nil
}

// written answers a write with the order and its new ETag.
func written(o *order.Order) (*apihttp.Response, error) {
	resp, err := apihttp.JSON(http.StatusOK, newOrderView(o, nil))
	if err != nil {
		return nil, err
	}
	return resp.WithHeader("ETag", apihttp.ETag(o.Version)), nil
}

func (a *API) getOrder(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	v, err := a.svc.View(ctx, req.PathParam("id"))
	if err != nil {
		return nil, err
	}
	if apihttp.IfNoneMatch(req, v.Order.Version) {
		return apihttp.NotModified(v.Order.Version), nil
	}
	resp, err := apihttp.JSON(http.StatusOK, newOrderView(v.Order, v.Stock))
	if err != nil {
		return nil, err
	}
	return resp.WithHeader("ETag", apihttp.ETag(v.Order.Version)), nil
}

func (a *API) listOrders(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	const op = "adminapi.ListOrders"
	page, err := apihttp.ParsePage(req)
	if err != nil {
		return nil, err
	}
	q := order.ListQuery{PageRequest: order.PageRequest{Limit: page.Limit, Cursor: page.Cursor}}
	if s := req.Query("paymentStatus"); s != "" {
		if q.Payment, err = order.ParsePaymentStatus(s); err != nil {
			return nil, err
		}
	}
	if s := req.Query("fulfilmentStatus"); s != "" {
		if q.Fulfilment, err = order.ParseFulfilmentStatus(s); err != nil {
			return nil, err
		}
	}
	if s := strings.TrimSpace(req.Query("email")); s != "" {
		if len(s) > maxFilterEmailBytes {
			return nil, order.E(op, order.Invalid, "invalid_email", "the e-mail filter is too long")
		}
		q.Email = s
	}
	if s := req.Query("sku"); s != "" {
		if err := order.CheckSKU(op, s); err != nil {
			return nil, err
		}
		q.SKU = s
	}
	if q.From, err = parseTimeParam(op, "from", req.Query("from")); err != nil {
		return nil, err
	}
	if q.To, err = parseTimeParam(op, "to", req.Query("to")); err != nil {
		return nil, err
	}
	p, err := a.svc.List(ctx, q)
	if err != nil {
		return nil, err
	}
	items := make([]orderView, 0, len(p.Items))
	for i := range p.Items {
		items = append(items, newOrderView(&p.Items[i], nil))
	}
	return apihttp.JSON(http.StatusOK, apihttp.List[orderView]{Items: items, NextCursor: p.Next})
}

// parseTimeParam reads an RFC 3339 time or a YYYY-MM-DD date (midnight
// UTC); "" is the zero time (no bound).
func parseTimeParam(op, name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	e := order.E(op, order.Invalid, "invalid_time", fmt.Sprintf("%s must be an RFC 3339 time or a YYYY-MM-DD date", name))
	e.Details = map[string]any{"field": name}
	return time.Time{}, e
}

func (a *API) history(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	page, err := apihttp.ParsePage(req)
	if err != nil {
		return nil, err
	}
	p, err := a.svc.History(ctx, req.PathParam("id"), order.PageRequest{Limit: page.Limit, Cursor: page.Cursor})
	if err != nil {
		return nil, err
	}
	return apihttp.JSON(http.StatusOK, apihttp.List[order.Change]{Items: p.Items, NextCursor: p.Next})
}

// statusBody is the body of the two status routes.
type statusBody struct {
	Status         string `json:"status"`
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"trackingNumber,omitempty"`
}

func (a *API) putPaymentStatus(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	var body struct {
		Status string `json:"status"`
	}
	if err := req.DecodeJSONStrict(&body); err != nil {
		return nil, err
	}
	to, err := order.ParsePaymentStatus(body.Status)
	if err != nil {
		return nil, err
	}
	cmd, err := a.command(ctx, req)
	if err != nil {
		return nil, err
	}
	o, err := a.svc.ChangePaymentStatus(ctx, cmd, to)
	if err != nil {
		return nil, err
	}
	return written(o)
}

func (a *API) putFulfilmentStatus(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	var body statusBody
	if err := req.DecodeJSONStrict(&body); err != nil {
		return nil, err
	}
	to, err := order.ParseFulfilmentStatus(body.Status)
	if err != nil {
		return nil, err
	}
	cmd, err := a.command(ctx, req)
	if err != nil {
		return nil, err
	}
	o, err := a.svc.ChangeFulfilmentStatus(ctx, cmd, to, body.Carrier, body.TrackingNumber)
	if err != nil {
		return nil, err
	}
	return written(o)
}

// actionBody holds every field an action reads; decodeAction refuses the
// fields the named action does not take.
type actionBody struct {
	Carrier        string  `json:"carrier"`
	TrackingNumber string  `json:"trackingNumber"`
	NotifyCustomer *bool   `json:"notifyCustomer"`
	Restock        *bool   `json:"restock"`
	Label          *string `json:"label"`
	Text           *string `json:"text"`
}

// actionFields are the body fields each action accepts.
var actionFields = map[string][]string{
	ActionMarkShipped:  {"carrier", "trackingNumber"},
	ActionCancel:       {"notifyCustomer", "restock"},
	ActionCustomStatus: {"label"},
	ActionComment:      {"text"},
}

func (a *API) action(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	const op = "adminapi.Action"
	name := req.PathParam(actionPathParam)
	if !slices.Contains(Actions, name) {
		e := order.E(op, order.NotFound, "unknown_action", fmt.Sprintf("there is no action %q", name))
		e.Details = map[string]any{"allowed": Actions}
		return nil, e
	}
	body, err := decodeAction(op, req, name)
	if err != nil {
		return nil, err
	}
	cmd, err := a.command(ctx, req)
	if err != nil {
		return nil, err
	}
	var o *order.Order
	switch name {
	case ActionMarkPaid:
		o, err = a.svc.MarkPaid(ctx, cmd)
	case ActionMarkUnpaid:
		o, err = a.svc.MarkUnpaid(ctx, cmd)
	case ActionMarkShipped:
		o, err = a.svc.MarkShipped(ctx, cmd, body.Carrier, body.TrackingNumber)
	case ActionMarkUnshipped:
		o, err = a.svc.MarkUnshipped(ctx, cmd)
	case ActionHold:
		o, err = a.svc.Hold(ctx, cmd)
	case ActionResume:
		o, err = a.svc.Resume(ctx, cmd)
	case ActionCancel:
		o, err = a.svc.Cancel(ctx, cmd, order.NewCancelOptions(body.NotifyCustomer, body.Restock))
	case ActionSendPaymentReminder:
		o, err = a.svc.SendPaymentReminder(ctx, cmd)
	case ActionCustomStatus:
		o, err = a.svc.SetCustomStatus(ctx, cmd, *body.Label)
	case ActionComment:
		o, err = a.svc.SetComment(ctx, cmd, *body.Text)
	}
	if err != nil {
		return nil, err
	}
	return written(o)
}

// decodeAction reads the optional body of an action: none, or a JSON
// object with only the fields that action takes. custom-status needs
// "label" ("" clears it) and comment needs "text".
func decodeAction(op string, req *apihttp.Request, name string) (actionBody, error) {
	var body actionBody
	raw, err := req.Body()
	if err != nil {
		return body, err
	}
	if strings.TrimSpace(string(raw)) != "" {
		var fields map[string]any
		if err := req.DecodeJSONStrict(&fields); err != nil {
			return body, err
		}
		for f := range fields {
			if !slices.Contains(actionFields[name], f) {
				e := order.E(op, order.Invalid, "unknown_field", fmt.Sprintf("the %s action takes no field %q", name, f))
				e.Details = map[string]any{"field": f, "accepted": append([]string{}, actionFields[name]...)}
				return body, e
			}
		}
		if err := req.DecodeJSONStrict(&body); err != nil {
			return body, err
		}
	}
	switch {
	case name == ActionCustomStatus && body.Label == nil:
		return body, missing(op, "label", "the custom-status action needs a label (\"\" clears it)")
	case name == ActionComment && body.Text == nil:
		return body, missing(op, "text", "the comment action needs a text")
	}
	return body, nil
}

func missing(op, field, msg string) error {
	e := order.E(op, order.Invalid, "missing_field", msg)
	e.Details = map[string]any{"field": field}
	return e
}

func (a *API) getStock(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	si, err := a.svc.Stock(ctx, req.PathParam("sku"))
	if err != nil {
		return nil, err
	}
	return stockWritten(si)
}

// stockWritten answers with a stock item and its ETag (its version), which
// a later count sends back in If-Match.
func stockWritten(si order.StockItem) (*apihttp.Response, error) {
	resp, err := apihttp.JSON(http.StatusOK, newStockView(si))
	if err != nil {
		return nil, err
	}
	return resp.WithHeader("ETag", apihttp.ETag(si.Version)), nil
}

func (a *API) putStock(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	var body struct {
		OnHand         *int64 `json:"onHand"`
		LowThreshold   *int64 `json:"lowThreshold"`
		AllowBackorder bool   `json:"allowBackorder"`
	}
	if err := req.DecodeJSONStrict(&body); err != nil {
		return nil, err
	}
	if body.OnHand == nil {
		return nil, missing("adminapi.PutStock", "onHand", "a stock count needs onHand")
	}
	count := order.StockCount{SKU: req.PathParam("sku"), OnHand: *body.OnHand, LowThreshold: body.LowThreshold, AllowBackorder: body.AllowBackorder}
	// A stock item is at version 0 until its first count.
	v, ok, err := apihttp.ExpectedVersion(ctx, req, 0, func(ctx context.Context) (int64, error) {
		cur, err := a.svc.Stock(ctx, count.SKU)
		if err != nil {
			return 0, err
		}
		return cur.Version, nil
	})
	if err != nil {
		return nil, err
	}
	if ok {
		count.IfMatch = &v
	}
	si, err := a.svc.PutStock(ctx, count)
	if err != nil {
		return nil, err
	}
	return stockWritten(si)
}
