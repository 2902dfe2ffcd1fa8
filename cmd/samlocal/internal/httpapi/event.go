package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Event is the payload format 2.0 event an HTTP API sends to Lambda.
type Event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	RequestContext        RequestContext    `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

// RequestContext is the event's requestContext.
type RequestContext struct {
	AccountID    string          `json:"accountId"`
	APIID        string          `json:"apiId"`
	Authorizer   *AuthorizerInfo `json:"authorizer,omitempty"`
	DomainName   string          `json:"domainName"`
	DomainPrefix string          `json:"domainPrefix"`
	HTTP         HTTPInfo        `json:"http"`
	RequestID    string          `json:"requestId"`
	RouteKey     string          `json:"routeKey"`
	Stage        string          `json:"stage"`
	Time         string          `json:"time"`
	TimeEpoch    int64           `json:"timeEpoch"`
}

// AuthorizerInfo is requestContext.authorizer for a JWT authorizer.
type AuthorizerInfo struct {
	JWT *authorization `json:"jwt"`
}

// HTTPInfo is requestContext.http.
type HTTPInfo struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// requestTimeLayout is the format of requestContext.time: "12/Mar/2020:19:03:58 +0000".
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// buildEvent maps an HTTP request (its body already read) onto the 2.0 event.
func buildEvent(r *http.Request, body []byte, route *compiled, params map[string]string, api *API, requestID string, now time.Time) *Event {
	ev := &Event{
		Version:        "2.0",
		RouteKey:       route.Key(),
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		PathParameters: params,
	}
	// Header names are lower-cased and repeated values joined with commas;
	// cookies move to their own list.
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lower := strings.ToLower(name)
		if lower == "cookie" {
			for _, line := range r.Header.Values(name) {
				for _, c := range strings.Split(line, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		ev.Headers[lower] = strings.Join(r.Header.Values(name), ",")
	}
	sourceIP := r.RemoteAddr
	port := ""
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		sourceIP = host
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		port = p
	}
	ev.Headers["host"] = r.Host
	if v := ev.Headers["x-forwarded-for"]; v != "" {
		ev.Headers["x-forwarded-for"] = v + ", " + sourceIP
	} else {
		ev.Headers["x-forwarded-for"] = sourceIP
	}
	ev.Headers["x-forwarded-proto"] = "http"
	if port != "" {
		ev.Headers["x-forwarded-port"] = port
	}
	if r.ContentLength >= 0 && len(body) > 0 {
		ev.Headers["content-length"] = strconv.Itoa(len(body))
	}

	if r.URL.RawQuery != "" {
		q, _ := url.ParseQuery(r.URL.RawQuery) // a malformed pair is dropped, as API Gateway drops it
		if len(q) > 0 {
			ev.QueryStringParameters = make(map[string]string, len(q))
			for k, vs := range q {
				ev.QueryStringParameters[k] = strings.Join(vs, ",")
			}
		}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	ev.RequestContext = RequestContext{
		AccountID:    api.AccountID,
		APIID:        api.ID,
		DomainName:   host,
		DomainPrefix: prefix,
		HTTP: HTTPInfo{
			Method:    r.Method,
			Path:      r.URL.Path,
			Protocol:  r.Proto,
			SourceIP:  sourceIP,
			UserAgent: r.UserAgent(),
		},
		RequestID: requestID,
		RouteKey:  route.Key(),
		Stage:     api.stage(),
		Time:      now.UTC().Format(requestTimeLayout),
		TimeEpoch: now.UnixMilli(),
	}
	return ev
}

// isText reports whether API Gateway passes a body of this content type as
// text; every other body (and a body without a content type) is base64.
func isText(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "application/json", mt == "application/xml", mt == "application/javascript",
		mt == "application/graphql", mt == "application/yaml", mt == "application/x-yaml":
		return true
	case strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	return false
}

// newRequestID makes an id shaped like API Gateway's ("JKJaXmPLvHcESHA=").
func newRequestID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return base64.StdEncoding.EncodeToString(b)
}
