package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// response is an HTTP answer ready to write.
type response struct {
	status int
	header http.Header
	body   []byte
}

// mapResponse turns a function's answer into HTTP as payload format 2.0
// does: an object with a statusCode is a structured response (headers,
// multiValueHeaders, cookies, body, isBase64Encoded); any other JSON value is
// a 200 application/json answer whose body is that value (a JSON string
// becomes its text); anything else is a malformed answer.
func mapResponse(payload []byte) (*response, error) {
	trimmed := bytes.TrimSpace(payload)
	if !json.Valid(trimmed) {
		return nil, errors.New("function response is not JSON")
	}
	if bytes.HasPrefix(trimmed, []byte("{")) {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &probe); err != nil {
			return nil, fmt.Errorf("decode function response: %w", err)
		}
		if _, ok := probe["statusCode"]; ok {
			return structured(probe)
		}
	}
	resp := &response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}}
	var s string
	if bytes.HasPrefix(trimmed, []byte(`"`)) && json.Unmarshal(trimmed, &s) == nil {
		resp.body = []byte(s)
	} else {
		resp.body = trimmed
	}
	return resp, nil
}

func structured(m map[string]json.RawMessage) (*response, error) {
	var status int
	if err := json.Unmarshal(m["statusCode"], &status); err != nil {
		// API Gateway also takes a numeric string.
		var s string
		if json.Unmarshal(m["statusCode"], &s) != nil {
			return nil, fmt.Errorf("statusCode %s is not an integer", m["statusCode"])
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("statusCode %q is not an integer", s)
		}
		status = n
	}
	if status < 100 || status > 599 {
		return nil, fmt.Errorf("statusCode %d is out of range", status)
	}
	resp := &response{status: status, header: http.Header{}}
	if raw, ok := m["headers"]; ok && string(raw) != "null" {
		var headers map[string]any
		if err := json.Unmarshal(raw, &headers); err != nil {
			return nil, fmt.Errorf("headers: %w", err)
		}
		for k, v := range headers {
			resp.header.Set(k, scalar(v))
		}
	}
	if raw, ok := m["multiValueHeaders"]; ok && string(raw) != "null" {
		var headers map[string][]any
		if err := json.Unmarshal(raw, &headers); err != nil {
			return nil, fmt.Errorf("multiValueHeaders: %w", err)
		}
		for k, vs := range headers {
			resp.header.Del(k) // the lists win over the single values of the same name
			for _, v := range vs {
				resp.header.Add(k, scalar(v))
			}
		}
	}
	if raw, ok := m["cookies"]; ok && string(raw) != "null" {
		var cookies []string
		if err := json.Unmarshal(raw, &cookies); err != nil {
			return nil, fmt.Errorf("cookies: %w", err)
		}
		for _, c := range cookies {
			resp.header.Add("Set-Cookie", c)
		}
	}
	var body string
	if raw, ok := m["body"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, fmt.Errorf("body must be a string: %w", err)
		}
	}
	var b64 bool
	if raw, ok := m["isBase64Encoded"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &b64); err != nil {
			return nil, fmt.Errorf("isBase64Encoded: %w", err)
		}
	}
	if b64 {
		dec, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, fmt.Errorf("body is not base64: %w", err)
		}
		resp.body = dec
	} else {
		resp.body = []byte(body)
	}
	return resp, nil
}

// scalar renders a header value given as a JSON string, number or boolean.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// gatewayError is API Gateway's own error document.
func gatewayError(status int, message string) *response {
	b, _ := json.Marshal(map[string]string{"message": message}) // strings only
	return &response{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

func (r *response) write(w http.ResponseWriter, requestID string) {
	h := w.Header()
	for k, vs := range r.header {
		h[k] = vs
	}
	h.Set("Apigw-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body) // the client may have gone: nothing left to do
}
