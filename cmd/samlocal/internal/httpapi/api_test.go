package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/devauth"
)

// recorder is a fake Invoker: it keeps the events it got and answers with
// a fixed payload.
type recorder struct {
	mu       sync.Mutex
	events   []Event
	function []string
	answer   string
	failed   bool
}

func (r *recorder) Invoke(_ context.Context, function string, event []byte) ([]byte, bool, error) {
	var ev Event
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	r.function = append(r.function, function)
	return []byte(r.answer), r.failed, nil
}

func (r *recorder) last(t *testing.T) (Event, string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		t.Fatal("the function was not invoked")
	}
	return r.events[len(r.events)-1], r.function[len(r.function)-1]
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// keys are generated once per test binary: RSA generation is slow, and the
// tests only need two distinct keys.
var (
	keysOnce sync.Once
	keys     [2]*devauth.Key
	keysErr  error
	keysDir  string
)

func loadKeys(t *testing.T) [2]*devauth.Key {
	t.Helper()
	keysOnce.Do(func() {
		keysDir, keysErr = os.MkdirTemp("", "httpapi-keys-")
		for i := range keys {
			if keysErr == nil {
				keys[i], keysErr = devauth.LoadOrCreate(filepath.Join(keysDir, fmt.Sprintf("key%d.pem", i)))
			}
		}
		_ = os.RemoveAll(keysDir)
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keys
}

func testKey(t *testing.T) *devauth.Key { return loadKeys(t)[0] }

func otherTestKey(t *testing.T) *devauth.Key { return loadKeys(t)[1] }

func testAPI(t *testing.T, inv Invoker, key *devauth.Key) *Handler {
	t.Helper()
	staff := &JWTAuthorizer{Name: "StaffJwt", Issuer: devauth.Issuer, Audience: []string{devauth.Audience}, Keys: key.PublicKey}
	h, err := NewHandler(API{
		Name: "Api", ID: "abc123defg", Stage: "dev", AccountID: "123456789012", Log: quiet,
		Now: func() time.Time { return time.Date(2026, 3, 12, 19, 3, 58, 0, time.UTC) },
		Routes: []Route{
			{Method: "POST", Path: "/webhooks/{source}", Function: "IntakeFunction"},
			{Method: "POST", Path: "/orders", Function: "IntakeFunction", Authorizer: staff, Scopes: []string{"orders:write"}},
			{Method: "GET", Path: "/orders", Function: "TransitionsFunction", Authorizer: staff, Scopes: []string{"orders:read"}},
			{Method: "GET", Path: "/orders/{id}", Function: "TransitionsFunction", Authorizer: staff, Scopes: []string{"orders:read"}},
			{Method: "GET", Path: "/orders/export", Function: "ExportFunction"},
			{Method: "ANY", Path: "/files/{proxy+}", Function: "FilesFunction"},
			{Method: "GET", Path: "/files/{proxy+}", Function: "FilesGetFunction"},
			{Method: "GET", Path: "/me", Function: "MeFunction", Authorizer: staff},
		},
	}, inv)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(t *testing.T, h http.Handler, req *http.Request) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

func bodyOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRouting(t *testing.T) {
	tests := []struct {
		method, path string
		wantRoute    string // "" for a 404
		wantFunction string
		wantParams   map[string]string
	}{
		{"POST", "/webhooks/shopify", "POST /webhooks/{source}", "IntakeFunction", map[string]string{"source": "shopify"}},
		{"POST", "/webhooks/caf%C3%A9", "POST /webhooks/{source}", "IntakeFunction", map[string]string{"source": "café"}},
		{"GET", "/orders/export", "GET /orders/export", "ExportFunction", nil},
		{"GET", "/orders/42", "GET /orders/{id}", "TransitionsFunction", map[string]string{"id": "42"}},
		{"GET", "/files/a/b/c.pdf", "GET /files/{proxy+}", "FilesGetFunction", map[string]string{"proxy": "a/b/c.pdf"}},
		{"DELETE", "/files/a", "ANY /files/{proxy+}", "FilesFunction", map[string]string{"proxy": "a"}},
		{"GET", "/files", "", "", nil},
		{"GET", "/files/", "", "", nil},
		{"DELETE", "/orders/42", "", "", nil},
		{"GET", "/nope", "", "", nil},
		{"GET", "/webhooks/shopify/extra", "", "", nil},
	}
	rt := testAPI(t, &recorder{}, testKey(t)).router
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			c, params := rt.find(tt.method, tt.path)
			if tt.wantRoute == "" {
				if c != nil {
					t.Fatalf("matched %s, want no route", c.Key())
				}
				return
			}
			if c == nil {
				t.Fatalf("no route, want %s", tt.wantRoute)
			}
			if c.Key() != tt.wantRoute || c.Function != tt.wantFunction {
				t.Errorf("route %s -> %s, want %s -> %s", c.Key(), c.Function, tt.wantRoute, tt.wantFunction)
			}
			if len(params) != len(tt.wantParams) {
				t.Errorf("params %v, want %v", params, tt.wantParams)
			}
			for k, v := range tt.wantParams {
				if params[k] != v {
					t.Errorf("param %s = %q, want %q", k, params[k], v)
				}
			}
		})
	}
}

func TestDefaultRouteCatchesTheRest(t *testing.T) {
	rec := &recorder{answer: `{"ok":true}`}
	h, err := NewHandler(API{Log: quiet, Routes: []Route{
		{Method: "GET", Path: "/health", Function: "Health"},
		{Path: DefaultRoute, Function: "Fallback"},
	}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/health": "Health", "/anything/else": "Fallback"} {
		resp := do(t, h, httptest.NewRequest("GET", path, nil))
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		if ev, fn := rec.last(t); fn != want {
			t.Errorf("%s went to %s (%s), want %s", path, fn, ev.RouteKey, want)
		}
	}
}

func TestNewHandlerRejectsBadRoutes(t *testing.T) {
	tests := []struct {
		name   string
		routes []Route
	}{
		{"no slash", []Route{{Method: "GET", Path: "orders", Function: "F"}}},
		{"greedy in the middle", []Route{{Method: "GET", Path: "/a/{p+}/b", Function: "F"}}},
		{"duplicate", []Route{{Method: "GET", Path: "/a", Function: "F"}, {Method: "get", Path: "/a", Function: "G"}}},
		{"no method", []Route{{Path: "/a", Function: "F"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewHandler(API{Routes: tt.routes}, &recorder{}); err == nil {
				t.Error("NewHandler accepted the routes")
			}
		})
	}
}

func TestEventShape(t *testing.T) {
	rec := &recorder{answer: `{"statusCode":204}`}
	h := testAPI(t, rec, testKey(t))
	req := httptest.NewRequest("POST", "/webhooks/woocommerce?topic=order.created&tag=a&tag=b&empty=", strings.NewReader(`{"id":42}`))
	req.RemoteAddr = "127.0.0.1:54321"
	req.Host = "127.0.0.1:3000"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "WooCommerce/9.0")
	req.Header.Set("X-WC-Webhook-Signature", "c2lnbmF0dXJl")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("Cookie", "session=abc; theme=dark")
	resp := do(t, h, req)
	if resp.StatusCode != 204 {
		t.Fatalf("status %d: %s", resp.StatusCode, bodyOf(t, resp))
	}
	ev, fn := rec.last(t)
	if fn != "IntakeFunction" {
		t.Errorf("function %s", fn)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "POST /webhooks/{source}"},
		{"rawPath", ev.RawPath, "/webhooks/woocommerce"},
		{"rawQueryString", ev.RawQueryString, "topic=order.created&tag=a&tag=b&empty="},
		{"query topic", ev.QueryStringParameters["topic"], "order.created"},
		{"query repeated", ev.QueryStringParameters["tag"], "a,b"},
		{"query empty", ev.QueryStringParameters["empty"], ""},
		{"path param", ev.PathParameters["source"], "woocommerce"},
		{"header lower-cased", ev.Headers["x-wc-webhook-signature"], "c2lnbmF0dXJl"},
		{"header repeated", ev.Headers["x-multi"], "one,two"},
		{"content-type", ev.Headers["content-type"], "application/json"},
		{"no cookie header", ev.Headers["cookie"], ""},
		{"cookies", strings.Join(ev.Cookies, "|"), "session=abc|theme=dark"},
		{"x-forwarded-for", ev.Headers["x-forwarded-for"], "127.0.0.1"},
		{"host", ev.Headers["host"], "127.0.0.1:3000"},
		{"body", ev.Body, `{"id":42}`},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"http.method", ev.RequestContext.HTTP.Method, "POST"},
		{"http.path", ev.RequestContext.HTTP.Path, "/webhooks/woocommerce"},
		{"http.sourceIp", ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
		{"http.userAgent", ev.RequestContext.HTTP.UserAgent, "WooCommerce/9.0"},
		{"http.protocol", ev.RequestContext.HTTP.Protocol, "HTTP/1.1"},
		{"routeKey in context", ev.RequestContext.RouteKey, "POST /webhooks/{source}"},
		{"stage", ev.RequestContext.Stage, "dev"},
		{"apiId", ev.RequestContext.APIID, "abc123defg"},
		{"accountId", ev.RequestContext.AccountID, "123456789012"},
		{"domainName", ev.RequestContext.DomainName, "127.0.0.1"},
		{"time", ev.RequestContext.Time, "12/Mar/2026:19:03:58 +0000"},
		{"timeEpoch", ev.RequestContext.TimeEpoch, time.Date(2026, 3, 12, 19, 3, 58, 0, time.UTC).UnixMilli()},
		{"no authorizer", ev.RequestContext.Authorizer == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if ev.RequestContext.RequestID == "" || resp.Header.Get("Apigw-Requestid") != ev.RequestContext.RequestID {
		t.Errorf("request id %q, header %q", ev.RequestContext.RequestID, resp.Header.Get("Apigw-Requestid"))
	}
}

func TestBodyEncoding(t *testing.T) {
	tests := []struct {
		contentType string
		body        []byte
		wantBase64  bool
	}{
		{"application/json", []byte(`{"a":1}`), false},
		{"application/json; charset=utf-8", []byte(`{"a":1}`), false},
		{"text/csv", []byte("a,b\n1,2\n"), false},
		{"application/vnd.api+json", []byte(`{}`), false},
		{"application/pdf", []byte{0x25, 0x50, 0x44, 0x46, 0xff, 0x00}, true},
		{"application/x-www-form-urlencoded", []byte("a=1&b=2"), true},
		{"", []byte("no type"), true},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			rec := &recorder{answer: `{"statusCode":200}`}
			h := testAPI(t, rec, testKey(t))
			req := httptest.NewRequest("POST", "/webhooks/generic", strings.NewReader(string(tt.body)))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			do(t, h, req)
			ev, _ := rec.last(t)
			if ev.IsBase64Encoded != tt.wantBase64 {
				t.Fatalf("isBase64Encoded = %v, want %v", ev.IsBase64Encoded, tt.wantBase64)
			}
			got := []byte(ev.Body)
			if ev.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
					t.Fatal(err)
				}
			}
			if string(got) != string(tt.body) {
				t.Errorf("body round trip %q, want %q", got, tt.body)
			}
		})
	}
}

func TestResponseMapping(t *testing.T) {
	tests := []struct {
		name        string
		answer      string
		failed      bool
		wantStatus  int
		wantBody    string
		wantHeaders map[string][]string
	}{
		{name: "structured", answer: `{"statusCode":201,"headers":{"Content-Type":"application/json","Location":"/orders/7"},"body":"{\"id\":7}"}`,
			wantStatus: 201, wantBody: `{"id":7}`, wantHeaders: map[string][]string{"Content-Type": {"application/json"}, "Location": {"/orders/7"}}},
		{name: "multi-value headers and cookies", answer: `{"statusCode":200,"multiValueHeaders":{"X-Tag":["a","b"]},"cookies":["s=1; HttpOnly","t=2"],"body":"ok"}`,
			wantStatus: 200, wantBody: "ok", wantHeaders: map[string][]string{"X-Tag": {"a", "b"}, "Set-Cookie": {"s=1; HttpOnly", "t=2"}}},
		{name: "base64 body", answer: `{"statusCode":200,"headers":{"content-type":"application/pdf"},"body":"JVBERg==","isBase64Encoded":true}`,
			wantStatus: 200, wantBody: "%PDF", wantHeaders: map[string][]string{"Content-Type": {"application/pdf"}}},
		{name: "numeric header value", answer: `{"statusCode":200,"headers":{"X-Count":3},"body":""}`,
			wantStatus: 200, wantBody: "", wantHeaders: map[string][]string{"X-Count": {"3"}}},
		{name: "bare string", answer: `"Hello from Lambda!"`,
			wantStatus: 200, wantBody: "Hello from Lambda!", wantHeaders: map[string][]string{"Content-Type": {"application/json"}}},
		{name: "bare object", answer: `{"message":"hi"}`,
			wantStatus: 200, wantBody: `{"message":"hi"}`, wantHeaders: map[string][]string{"Content-Type": {"application/json"}}},
		{name: "bare number", answer: `42`, wantStatus: 200, wantBody: `42`},
		{name: "not JSON", answer: `oops`, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "bad status", answer: `{"statusCode":"abc"}`, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "bad base64", answer: `{"statusCode":200,"body":"***","isBase64Encoded":true}`, wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
		{name: "function error", answer: `{"errorMessage":"boom","errorType":"errorString"}`, failed: true,
			wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testAPI(t, &recorder{answer: tt.answer, failed: tt.failed}, testKey(t))
			resp := do(t, h, httptest.NewRequest("POST", "/webhooks/x", strings.NewReader("{}")))
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := bodyOf(t, resp); got != tt.wantBody {
				t.Errorf("body %q, want %q", got, tt.wantBody)
			}
			for k, want := range tt.wantHeaders {
				if got := resp.Header.Values(k); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestUnknownRouteIs404(t *testing.T) {
	rec := &recorder{answer: `{}`}
	resp := do(t, testAPI(t, rec, testKey(t)), httptest.NewRequest("GET", "/nowhere", nil))
	if resp.StatusCode != 404 || bodyOf(t, resp) != `{"message":"Not Found"}` {
		t.Errorf("got %d", resp.StatusCode)
	}
	if len(rec.events) != 0 {
		t.Error("a function was invoked for an unknown route")
	}
}

func TestJWTAuthorizer(t *testing.T) {
	key := testKey(t)
	otherKey := otherTestKey(t)
	mint := func(k *devauth.Key, req devauth.TokenRequest) string {
		t.Helper()
		if req.Subject == "" {
			req.Subject = "alice@shop"
		}
		if req.TTL == 0 {
			req.TTL = time.Hour
		}
		tok, err := k.Mint(req)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	hs256, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": devauth.Issuer, "aud": devauth.Audience, "sub": "x", "scope": "orders:read",
		"exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		method     string
		path       string
		header     string
		wantStatus int
		wantBody   string
	}{
		{name: "no token", method: "GET", path: "/orders", header: "", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "garbage", method: "GET", path: "/orders", header: "Bearer not.a.jwt", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "expired", method: "GET", path: "/orders", header: "Bearer " + mint(key, devauth.TokenRequest{Scopes: []string{"orders:read"}, Now: time.Now().Add(-2 * time.Hour)}), wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "wrong issuer", method: "GET", path: "/orders", header: "Bearer " + mint(key, devauth.TokenRequest{Scopes: []string{"orders:read"}, Issuer: "https://evil.example"}), wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "wrong audience", method: "GET", path: "/orders", header: "Bearer " + mint(key, devauth.TokenRequest{Scopes: []string{"orders:read"}, Audience: "someone-else"}), wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "unknown signing key", method: "GET", path: "/orders", header: "Bearer " + mint(otherKey, devauth.TokenRequest{Scopes: []string{"orders:read"}}), wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "HS256 refused", method: "GET", path: "/orders", header: "Bearer " + hs256, wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "missing scope", method: "POST", path: "/orders", header: "Bearer " + mint(key, devauth.TokenRequest{Scopes: []string{"orders:read"}}), wantStatus: 403, wantBody: `{"message":"Forbidden"}`},
		{name: "no scopes at all", method: "GET", path: "/orders", header: "Bearer " + mint(key, devauth.TokenRequest{}), wantStatus: 403, wantBody: `{"message":"Forbidden"}`},
		{name: "scope granted", method: "GET", path: "/orders", header: "Bearer " + mint(key, devauth.TokenRequest{Scopes: []string{"orders:read", "orders:write"}}), wantStatus: 200},
		{name: "without Bearer prefix", method: "GET", path: "/orders/1", header: mint(key, devauth.TokenRequest{Scopes: []string{"orders:read"}}), wantStatus: 200},
		{name: "scp list claim", method: "POST", path: "/orders", header: "Bearer " + mint(key, devauth.TokenRequest{Extra: map[string]any{"scp": []string{"orders:write"}}}), wantStatus: 200},
		{name: "client_id as audience", method: "GET", path: "/orders", header: "Bearer " + mint(key, devauth.TokenRequest{Scopes: []string{"orders:read"}, Audience: "other", Extra: map[string]any{"client_id": devauth.Audience}}), wantStatus: 200},
		{name: "route without scopes takes any valid token", method: "GET", path: "/me", header: "Bearer " + mint(key, devauth.TokenRequest{}), wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{answer: `{"statusCode":200,"body":"ok"}`}
			h := testAPI(t, rec, key)
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp := do(t, h, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.wantStatus, bodyOf(t, resp))
			}
			if tt.wantBody != "" {
				if got := bodyOf(t, resp); got != tt.wantBody {
					t.Errorf("body %q, want %q", got, tt.wantBody)
				}
			}
			if tt.wantStatus != 200 && len(rec.events) > 0 {
				t.Errorf("the function ran for a refused request")
			}
		})
	}
}

func TestClaimsReachTheFunction(t *testing.T) {
	key := testKey(t)
	rec := &recorder{answer: `{"statusCode":200}`}
	h := testAPI(t, rec, key)
	tok, err := key.Mint(devauth.TokenRequest{Subject: "alice@shop", Scopes: []string{"orders:read", "orders:write"}, TTL: time.Hour,
		Extra: map[string]any{"cognito:groups": []string{"staff", "admin"}, "email_verified": true}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/orders/7", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp := do(t, h, req); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	ev, _ := rec.last(t)
	if ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.JWT == nil {
		t.Fatal("no authorizer in the request context")
	}
	jwtInfo := ev.RequestContext.Authorizer.JWT
	want := map[string]string{
		"sub": "alice@shop", "iss": devauth.Issuer, "aud": devauth.Audience,
		"scope": "orders:read orders:write", "cognito:groups": "[staff admin]", "email_verified": "true",
	}
	for k, v := range want {
		if jwtInfo.Claims[k] != v {
			t.Errorf("claim %s = %q, want %q", k, jwtInfo.Claims[k], v)
		}
	}
	if jwtInfo.Claims["exp"] == "" || strings.ContainsAny(jwtInfo.Claims["exp"], ".e") {
		t.Errorf("exp claim %q is not an integer string", jwtInfo.Claims["exp"])
	}
	if strings.Join(jwtInfo.Scopes, " ") != "orders:read orders:write" {
		t.Errorf("scopes = %v", jwtInfo.Scopes)
	}
}
