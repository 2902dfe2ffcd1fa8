// Package httpapi emulates an API Gateway HTTP API in front of local Lambda
// functions: it matches requests to the template's routes as API Gateway
// does (most specific route first, greedy {proxy+}, ANY, $default), builds
// the payload format 2.0 event, runs the route's JWT authorizer, invokes the
// function and maps its answer back to an HTTP response, with API Gateway's
// own error documents ({"message":"Not Found"}, "Unauthorized", "Forbidden",
// "Internal Server Error").
package httpapi
