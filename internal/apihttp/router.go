package apihttp

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// HandlerFunc handles one route: it returns the response, or an error that
// the router turns into the error response (see StatusOf).
type HandlerFunc func(ctx context.Context, req *Request) (*Response, error)

// Router dispatches API Gateway events to handlers by route key. Register
// routes at init, then pass Serve to lambda.Start.
type Router struct {
	routes  map[string]route
	log     *slog.Logger
	maxBody int64
	margin  time.Duration
}

// route is a registered handler and the scope it needs ("" for none).
type route struct {
	h     HandlerFunc
	scope string
}

// DefaultAnswerMargin is the time a Router keeps, before the invocation's
// deadline, to answer: every handler's ctx ends that long before Lambda
// would stop the function, so that a slow dependency ends in a 503 with
// Retry-After (which a storefront or the back office retries) rather than
// in API Gateway's bare 500 for a timed-out function.
const DefaultAnswerMargin = time.Second

// Option configures a Router.
type Option func(*Router)

// WithLogger sets the logger errors are written to; the default is
// slog.Default().
func WithLogger(l *slog.Logger) Option { return func(r *Router) { r.log = l } }

// WithMaxBodyBytes sets the largest accepted request body; the default is
// DefaultMaxBodyBytes.
func WithMaxBodyBytes(n int64) Option { return func(r *Router) { r.maxBody = n } }

// WithAnswerMargin sets how long before the invocation's deadline every
// handler's ctx ends; the default is DefaultAnswerMargin.
func WithAnswerMargin(d time.Duration) Option { return func(r *Router) { r.margin = d } }

// NewRouter returns a Router with no routes.
func NewRouter(opts ...Option) *Router {
	r := &Router{routes: map[string]route{}, log: slog.Default(), maxBody: DefaultMaxBodyBytes, margin: DefaultAnswerMargin}
	for _, o := range opts {
		o(r)
	}
	return r
}

// routeKeyPattern is API Gateway's route key syntax: a method (or ANY) and a
// path, or $default.
var routeKeyPattern = regexp.MustCompile(`^(\$default|(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /\S*)$`)

// RouteOption configures one route at its registration.
type RouteOption func(*route)

// Scope declares the OAuth scope a route needs (ScopeOrdersRead...): the
// router checks it with Request.RequireScope before the handler runs, and
// Routes reports it, for the test that keeps template.yaml's
// AuthorizationScopes in step.
func Scope(scope string) RouteOption { return func(rt *route) { rt.scope = scope } }

// Handle registers h for a route key exactly as template.yaml declares it,
// e.g. "GET /orders/{id}", with its options (Scope). It panics on a
// malformed or duplicate key: both are wiring bugs that must stop the
// function at init.
func (r *Router) Handle(routeKey string, h HandlerFunc, opts ...RouteOption) {
	if !routeKeyPattern.MatchString(routeKey) {
		panic(fmt.Sprintf("apihttp: malformed route key %q, want e.g. \"GET /orders/{id}\"", routeKey))
	}
	if h == nil {
		panic(fmt.Sprintf("apihttp: nil handler for %q", routeKey))
	}
	if _, dup := r.routes[routeKey]; dup {
		panic(fmt.Sprintf("apihttp: route %q registered twice", routeKey))
	}
	rt := route{h: h}
	for _, o := range opts {
		o(&rt)
	}
	r.routes[routeKey] = rt
}

// Routes returns every registered route key with the scope it was declared
// with ("" for a route that needs none).
func (r *Router) Routes() map[string]string {
	out := make(map[string]string, len(r.routes))
	for key, rt := range r.routes {
		out[key] = rt.scope
	}
	return out
}

// Serve is the Lambda handler. It never returns an error: every failure
// becomes an error response here, because an error returned to Lambda would
// reach the client as API Gateway's bare 500.
//
// API Gateway only invokes the function for the routes template.yaml gives
// it, so a route key the router does not know is a wiring mismatch between
// the template and the code; it answers 404 route_not_found (not 405, since
// the key names no resource this function serves).
func (r *Router) Serve(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	req := NewRequest(event, r.maxBody)
	log := platform.WithRequestID(r.log, req.RequestID()).With("route", req.RouteKey())
	ctx = platform.ContextWithLogger(ctx, log)

	resp, err := r.dispatch(ctx, req)
	if err == nil && resp == nil {
		err = fmt.Errorf("handler for %s returned neither a response nor an error", req.RouteKey())
	}
	if err != nil {
		resp = errorResponse(log, err, req.RequestID())
	}
	return resp.event(), nil
}

// dispatch checks the route's scope and runs its handler with ctx ending
// the answer margin before the deadline, turning a panic into an Internal
// error so that the caller still gets the usual error body and the log the
// stack.
func (r *Router) dispatch(ctx context.Context, req *Request) (resp *Response, err error) {
	rt, ok := r.routes[req.RouteKey()]
	if !ok {
		e := order.E("apihttp.Route", order.NotFound, CodeRouteNotFound, fmt.Sprintf("no route for %s", req.RouteKey()))
		e.Details = map[string]any{"route_key": req.RouteKey()}
		return nil, e
	}
	if rt.scope != "" {
		if err := req.RequireScope(rt.scope); err != nil {
			return nil, err
		}
	}
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-r.margin))
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("handler for %s panicked: %v\n%s", req.RouteKey(), p, debug.Stack())
		}
	}()
	return rt.h(ctx, req)
}
