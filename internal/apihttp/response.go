package apihttp

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// ContentTypeJSON is the content type of every JSON response.
const ContentTypeJSON = "application/json; charset=utf-8"

// Response is what a handler answers: a status, headers and a body.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
	binary  bool // the body goes base64-encoded, as API Gateway requires for non-text bodies
}

// JSON returns a response with v encoded as JSON. Its error (v cannot be
// encoded) is a bug, so a handler can return both results as they come:
//
//	return apihttp.JSON(http.StatusOK, view)
func JSON(status int, v any) (*Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T response: %w", v, err)
	}
	return &Response{Status: status, Headers: map[string]string{"Content-Type": ContentTypeJSON}, Body: b}, nil
}

// NoContent returns a 204 response.
func NoContent() *Response { return &Response{Status: http.StatusNoContent} }

// Binary returns a response whose body is sent as is, whatever its bytes
// (a PDF invoice, a CSV export), with the given content type.
func Binary(status int, contentType string, body []byte) *Response {
	return &Response{Status: status, Headers: map[string]string{"Content-Type": contentType}, Body: body, binary: true}
}

// WithHeader sets a response header and returns r, for chaining:
//
//	resp.WithHeader("ETag", apihttp.ETag(o.Version))
func (r *Response) WithHeader(name, value string) *Response {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	r.Headers[name] = value
	return r
}

// event converts r to the Lambda response API Gateway expects.
func (r *Response) event() events.APIGatewayV2HTTPResponse {
	out := events.APIGatewayV2HTTPResponse{StatusCode: r.Status, Headers: r.Headers}
	if r.binary {
		out.Body = base64.StdEncoding.EncodeToString(r.Body)
		out.IsBase64Encoded = true
	} else {
		out.Body = string(r.Body)
	}
	return out
}
