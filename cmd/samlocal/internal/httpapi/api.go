package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// MaxBodyBytes is API Gateway's 10 MB limit on a request body.
const MaxBodyBytes = 10 * 1024 * 1024

// Invoker runs a function synchronously. failed reports a function error
// (the answer is then Lambda's error document); err is kept for failures of
// the local runtime itself.
type Invoker interface {
	Invoke(ctx context.Context, function string, event []byte) (answer []byte, failed bool, err error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, function string, event []byte) ([]byte, bool, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, function string, event []byte) ([]byte, bool, error) {
	return f(ctx, function, event)
}

// API is one AWS::Serverless::HttpApi.
type API struct {
	Name      string // the logical id, for logs
	ID        string // requestContext.apiId
	Stage     string // requestContext.stage; "$default" when empty
	AccountID string
	Routes    []Route
	Now       func() time.Time // time.Now when nil
	Log       *slog.Logger     // slog.Default() when nil
}

func (a *API) stage() string {
	if a.Stage == "" {
		return "$default"
	}
	return a.Stage
}

// Handler serves an API: it is an http.Handler.
type Handler struct {
	api    API
	router *router
	inv    Invoker
}

// NewHandler checks the routes and returns the API's handler.
func NewHandler(api API, inv Invoker) (*Handler, error) {
	if inv == nil {
		return nil, errors.New("httpapi: nil invoker")
	}
	rt, err := newRouter(api.Routes)
	if err != nil {
		return nil, fmt.Errorf("api %s: %w", api.Name, err)
	}
	if api.Now == nil {
		api.Now = time.Now
	}
	if api.Log == nil {
		api.Log = slog.Default()
	}
	return &Handler{api: api, router: rt, inv: inv}, nil
}

// Routes returns the API's route keys with their functions, for display.
func (h *Handler) Routes() []Route {
	out := make([]Route, len(h.router.routes))
	for i, c := range h.router.routes {
		out[i] = c.Route
	}
	return out
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	now := h.api.Now()
	resp := h.serve(r, requestID, now)
	resp.write(w, requestID)
	h.api.Log.Info("http api", "requestId", requestID, "ip", r.RemoteAddr, "routeKey", r.Method+" "+r.URL.Path,
		"status", resp.status, "latency", time.Since(now).Milliseconds())
}

func (h *Handler) serve(r *http.Request, requestID string, now time.Time) *response {
	route, params := h.router.find(r.Method, r.URL.EscapedPath())
	if route == nil {
		return gatewayError(http.StatusNotFound, "Not Found")
	}
	var auth *authorization
	if route.Authorizer != nil {
		a, err := route.Authorizer.authorize(r, route.Scopes)
		switch {
		case errors.Is(err, errForbidden):
			h.api.Log.Info("authorizer refused", "requestId", requestID, "route", route.Key(), "reason", err.Error())
			return gatewayError(http.StatusForbidden, "Forbidden")
		case err != nil:
			h.api.Log.Info("authorizer refused", "requestId", requestID, "route", route.Key(), "reason", err.Error())
			return gatewayError(http.StatusUnauthorized, "Unauthorized")
		}
		auth = a
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return gatewayError(http.StatusBadRequest, "Bad Request")
	}
	if len(body) > MaxBodyBytes {
		return gatewayError(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
	ev := buildEvent(r, body, route, params, &h.api, requestID, now)
	if auth != nil {
		ev.RequestContext.Authorizer = &AuthorizerInfo{JWT: auth}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		h.api.Log.Error("encode event", "requestId", requestID, "err", err)
		return gatewayError(http.StatusInternalServerError, "Internal Server Error")
	}
	answer, failed, err := h.inv.Invoke(r.Context(), route.Function, payload)
	switch {
	case err != nil:
		h.api.Log.Error("invoke", "requestId", requestID, "function", route.Function, "err", err)
		return gatewayError(http.StatusInternalServerError, "Internal Server Error")
	case failed:
		return gatewayError(http.StatusInternalServerError, "Internal Server Error")
	}
	resp, err := mapResponse(answer)
	if err != nil {
		h.api.Log.Error("malformed Lambda response", "requestId", requestID, "function", route.Function, "err", err)
		return gatewayError(http.StatusInternalServerError, "Internal Server Error")
	}
	return resp
}
