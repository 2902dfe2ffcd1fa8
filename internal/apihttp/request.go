package apihttp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/order"
)

// DefaultMaxBodyBytes is the largest request body a Router accepts unless
// told otherwise (WithMaxBodyBytes). Orders and webhooks are far smaller; the
// limit keeps a hostile body from costing memory and JSON decoding time.
const DefaultMaxBodyBytes = 1 << 20

// Request is an API Gateway HTTP API (payload 2.0) request with the helpers a
// handler needs. Event keeps everything the helpers do not cover.
type Request struct {
	Event events.APIGatewayV2HTTPRequest

	maxBody int64
	headers map[string]string
	body    []byte
	bodyErr error
	read    bool
}

// NewRequest wraps event; a body over maxBodyBytes is refused (zero or less
// means DefaultMaxBodyBytes). The Router builds one per invocation; handler
// tests may build their own.
func NewRequest(event events.APIGatewayV2HTTPRequest, maxBodyBytes int64) *Request {
	if maxBodyBytes <= 0 {
		maxBodyBytes = DefaultMaxBodyBytes
	}
	// API Gateway lower-cases header names already; local emulators and
	// hand-written events may not, so normalise once here.
	headers := make(map[string]string, len(event.Headers))
	for k, v := range event.Headers {
		headers[strings.ToLower(k)] = v
	}
	return &Request{Event: event, maxBody: maxBodyBytes, headers: headers}
}

// RouteKey returns the route API Gateway matched, e.g. "GET /orders/{id}".
func (r *Request) RouteKey() string {
	if r.Event.RouteKey != "" {
		return r.Event.RouteKey
	}
	return r.Event.RequestContext.RouteKey
}

// RequestID returns API Gateway's id for the request, the one its access log
// and our error bodies show.
func (r *Request) RequestID() string { return r.Event.RequestContext.RequestID }

// PathParam returns the value of a path parameter ("id" in
// "/orders/{id}"), already URL-decoded by API Gateway, or "".
func (r *Request) PathParam(name string) string { return r.Event.PathParameters[name] }

// Query returns a query-string parameter, or "". API Gateway joins repeated
// parameters with commas ("a=1&a=2" gives "1,2").
func (r *Request) Query(name string) string { return r.Event.QueryStringParameters[name] }

// Header returns a request header by name, case-insensitively, or "".
func (r *Request) Header(name string) string { return r.headers[strings.ToLower(name)] }

// Body returns the request body, decoded from base64 when API Gateway
// encoded it (binary content types). These are the exact bytes the client
// sent, as webhook signatures need. A body over the limit is a TooLarge
// error (code body_too_large).
func (r *Request) Body() ([]byte, error) {
	if !r.read {
		r.body, r.bodyErr = r.readBody()
		r.read = true
	}
	return r.body, r.bodyErr
}

func (r *Request) readBody() ([]byte, error) {
	const op = "apihttp.Body"
	raw := r.Event.Body
	// Refuse before decoding when even the decoded size must be over the
	// limit; DecodedLen over-counts padding by at most two bytes.
	size := int64(len(raw))
	if r.Event.IsBase64Encoded {
		size = int64(base64.StdEncoding.DecodedLen(len(raw))) - 2
	}
	if size > r.maxBody {
		return nil, r.tooLarge(op)
	}
	if !r.Event.IsBase64Encoded {
		return []byte(raw), nil
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, order.Wrap(op, order.Invalid, "malformed_body", "the request body is not valid base64", err)
	}
	if int64(len(b)) > r.maxBody {
		return nil, r.tooLarge(op)
	}
	return b, nil
}

func (r *Request) tooLarge(op string) error {
	e := order.E(op, order.TooLarge, "body_too_large", fmt.Sprintf("the request body is larger than %d bytes", r.maxBody))
	e.Details = map[string]any{"limit_bytes": r.maxBody}
	return e
}

// DecodeJSON decodes the body, one JSON value, into v, ignoring fields v
// does not have: the tolerant reading that third-party payloads (storefront
// webhooks) need. Problems are Invalid errors with codes empty_body,
// invalid_utf8, malformed_json, invalid_field_type or invalid_value; an
// *order.Error returned by an UnmarshalJSON method of v comes back unchanged.
func (r *Request) DecodeJSON(v any) error { return r.decodeJSON(v, false) }

// DecodeJSONStrict is DecodeJSON that also rejects fields v does not have
// (code unknown_field), for our own API where a misspelt field must not be
// silently dropped.
func (r *Request) DecodeJSONStrict(v any) error { return r.decodeJSON(v, true) }

// utf8BOM is tolerated at the start of a body: some storefront plugins
// write it, and RFC 8259 lets a parser ignore it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func (r *Request) decodeJSON(v any, strict bool) error {
	const op = "apihttp.DecodeJSON"
	b, err := r.Body()
	if err != nil {
		return err
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	if len(bytes.TrimSpace(b)) == 0 {
		return order.E(op, order.Invalid, "empty_body", "the request body is empty; a JSON document is expected")
	}
	// encoding/json would replace invalid bytes with U+FFFD and carry on,
	// storing a corrupted name or address; refuse instead.
	if !utf8.Valid(b) {
		return order.E(op, order.Invalid, "invalid_utf8", "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return order.Wrap(op, order.Invalid, "malformed_json", "the request body has data after the JSON document", err)
	}
	return nil
}

// jsonError turns an encoding/json error into the caller's *order.Error.
func jsonError(op string, err error) error {
	var (
		domain    *order.Error
		syntax    *json.SyntaxError
		fieldType *json.UnmarshalTypeError
		target    *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &domain):
		return err
	case errors.As(err, &target):
		// A bug in the handler, not bad input.
		return fmt.Errorf("decode JSON: %w", err)
	case errors.As(err, &syntax):
		e := order.Wrap(op, order.Invalid, "malformed_json", fmt.Sprintf("the request body is not valid JSON (at byte %d)", syntax.Offset), err)
		e.Details = map[string]any{"offset": syntax.Offset}
		return e
	case errors.Is(err, io.ErrUnexpectedEOF):
		return order.Wrap(op, order.Invalid, "malformed_json", "the request body is truncated JSON", err)
	case errors.As(err, &fieldType):
		want := jsonKind(fieldType.Type)
		field := fieldType.Field
		msg := fmt.Sprintf("field %q must be %s", field, want)
		if field == "" {
			msg = "the request body must be " + want
		}
		e := order.Wrap(op, order.Invalid, "invalid_field_type", msg, err)
		e.Details = map[string]any{"field": field, "expected": want}
		return e
	}
	// encoding/json has no type for an unknown field; its message is stable.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		e := order.Wrap(op, order.Invalid, "unknown_field", fmt.Sprintf("unknown field %q", name), err)
		e.Details = map[string]any{"field": name}
		return e
	}
	// What is left comes from a field type's own UnmarshalJSON (a decimal
	// amount written "12,50"); its text is about the caller's input only.
	return order.Wrap(op, order.Invalid, "invalid_value", "the request body holds a value that cannot be read: "+err.Error(), err)
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}
