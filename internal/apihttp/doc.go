// Package apihttp is the HTTP edge of the Lambda functions behind the API
// Gateway HTTP API (payload format 2.0).
//
// A Router dispatches on the route key API Gateway has already matched
// ("POST /webhooks/{source}", "GET /orders/{id}") to a HandlerFunc. A handler
// reads its input through Request (path and query parameters, lower-cased
// headers, the body decoded from base64 and size-limited, strict JSON
// decoding, the JWT claims), calls one service method and returns a Response
// built with JSON, or an error.
//
// Errors are turned into HTTP in one place, the router: the order.Kind of an
// *order.Error picks the status (see StatusOf) and its Code, Message and
// Details form the body {"error":{"code","message","details","request_id"}}.
// Any other error is a 500 whose body says nothing of the cause; the cause
// is logged there, once, with the request id the body quotes.
//
// A route declares the OAuth scope it needs where it is registered
// (r.Handle(key, h, Scope(ScopeOrdersWrite))): the router checks it, in
// either spelling ("orders:write" or Cognito's "orders/write"), before the
// handler runs, and Routes lists the routes with their scopes for the test
// that keeps template.yaml in step (apihttptest.CheckTemplateRoutes). The
// router also ends every handler's ctx DefaultAnswerMargin before the
// invocation's deadline (WithAnswerMargin), so a slow dependency ends in a
// 503 rather than in a Lambda timeout.
//
// ETag, IfMatch and IfNoneMatch carry an order's version through HTTP
// conditional requests, and ExpectedVersion is how a write route reads
// If-Match; ParsePage and List do the same for paged lists. Amounts in a
// body decode with order.JSONDecimal.
package apihttp
