package exports

import (
	"context"
	"net/http"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

// The route keys, exactly as template.yaml declares them on ExportsFunction.
const (
	RouteStart = "POST /exports"
	RouteGet   = "GET /exports/{id}"
	RouteList  = "GET /exports"
)

// Service is what the routes call: *order.Exports.
type Service interface {
	Start(ctx context.Context, r order.ExportRequest) (*order.Export, error)
	View(ctx context.Context, id string) (order.ExportView, error)
	List(ctx context.Context, page order.PageRequest) (order.Page[order.Export], error)
}

var _ Service = (*order.Exports)(nil)

// API serves the export routes.
type API struct{ svc Service }

// NewAPI returns the API over svc, which is required.
func NewAPI(svc Service) (*API, error) {
	if err := order.RequireDeps("exports.NewAPI", order.Need("Service", svc)); err != nil {
		return nil, err
	}
	return &API{svc: svc}, nil
}

// Router returns a router with the routes, each behind finance:read.
func (a *API) Router(opts ...apihttp.Option) *apihttp.Router {
	r := apihttp.NewRouter(opts...)
	finance := apihttp.Scope(apihttp.ScopeFinanceRead)
	r.Handle(RouteStart, a.start, finance)
	r.Handle(RouteGet, a.get, finance)
	r.Handle(RouteList, a.list, finance)
	return r
}

// start queues an export: 202 with its id, where to follow it.
func (a *API) start(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	var body order.ExportRequest
	if err := req.DecodeJSONStrict(&body); err != nil {
		return nil, err
	}
	c, err := req.Claims()
	if err != nil {
		return nil, err
	}
	body.RequestedBy = c.Subject
	e, err := a.svc.Start(ctx, body)
	if err != nil {
		return nil, err
	}
	resp, err := apihttp.JSON(http.StatusAccepted, e)
	if err != nil {
		return nil, err
	}
	return resp.WithHeader("Location", "/exports/"+e.ID), nil
}

func (a *API) get(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	v, err := a.svc.View(ctx, req.PathParam("id"))
	if err != nil {
		return nil, err
	}
	return apihttp.JSON(http.StatusOK, v)
}

func (a *API) list(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	page, err := apihttp.ParsePage(req)
	if err != nil {
		return nil, err
	}
	p, err := a.svc.List(ctx, order.PageRequest{Limit: page.Limit, Cursor: page.Cursor})
	if err != nil {
		return nil, err
	}
	return apihttp.JSON(http.StatusOK, apihttp.List[order.Export]{Items: p.Items, NextCursor: p.Next})
}
