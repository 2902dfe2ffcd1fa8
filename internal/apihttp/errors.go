package apihttp

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/ordersmith/ordersmith/internal/order"
)

// statusByKind is the one mapping from error kinds to HTTP statuses.
var statusByKind = map[order.Kind]int{
	order.Internal:           http.StatusInternalServerError,
	order.Invalid:            http.StatusBadRequest,
	order.Unauthenticated:    http.StatusUnauthorized,
	order.Forbidden:          http.StatusForbidden,
	order.NotFound:           http.StatusNotFound,
	order.Conflict:           http.StatusConflict,
	order.PreconditionFailed: http.StatusPreconditionFailed,
	order.TooLarge:           http.StatusRequestEntityTooLarge,
	order.Transient:          http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status for an error kind; an unknown kind is 500.
func StatusOf(k order.Kind) int {
	if s, ok := statusByKind[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Codes of the errors the edge reports itself.
const (
	CodeInternal      = "internal_error"      // any 500; the cause is only in the log
	CodeUnavailable   = "service_unavailable" // a Transient error that has no code of its own
	CodeRouteNotFound = "route_not_found"     // a route key the router does not know
	CodeMissingScope  = "missing_scope"       // a verified token without the route's scope
)

const (
	messageInternal    = "something went wrong on our side; quote the request id if you report it"
	messageUnavailable = "a service we depend on is unavailable; retry in a moment"
	// retryAfterTransient is in seconds: long enough for a throttled table
	// to recover, short enough for a storefront's webhook retry.
	retryAfterTransient = "2"
)

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Details   any    `json:"details,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// errorResponse turns err into the response the caller sees and logs it:
// this is the only place either happens.
func errorResponse(log *slog.Logger, err error, requestID string) *Response {
	detail := errorDetail{Code: CodeInternal, Message: messageInternal, RequestID: requestID}
	kind := order.Internal
	var e *order.Error
	if errors.As(err, &e) {
		kind = e.Kind
	}
	status := StatusOf(kind)
	switch {
	case status == http.StatusInternalServerError:
		// The cause may hold table names, keys or customer data: it goes to
		// the log, never to the caller.
		log.Error("request failed", "kind", kind.String(), "error", err.Error())
	case kind == order.Transient:
		detail.Code, detail.Message = CodeUnavailable, messageUnavailable
		if e.Code != "" {
			detail.Code = e.Code
		}
		if e.Message != "" {
			detail.Message = e.Message
		}
		log.Warn("request failed, dependency unavailable", "code", detail.Code, "error", err.Error())
	default:
		detail.Code, detail.Message, detail.Details = e.Code, e.Message, e.Details
		if detail.Code == "" {
			detail.Code = kind.String()
		}
		if detail.Message == "" {
			detail.Message = http.StatusText(status)
		}
		log.Info("request refused", "status", status, "code", detail.Code, "error", err.Error())
	}
	// The body is a fixed shape of strings and the details the domain chose;
	// should the details fail to encode, drop them rather than the answer.
	resp, encErr := JSON(status, errorBody{Error: detail})
	if encErr != nil {
		log.Error("encode error details", "error", encErr.Error())
		detail.Details = nil
		resp, _ = JSON(status, errorBody{Error: detail})
	}
	if kind == order.Transient {
		resp.WithHeader("Retry-After", retryAfterTransient)
	}
	return resp
}
