package apihttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// TestRouting registers the template's routes and checks which handler each
// route key reaches.
func TestRouting(t *testing.T) {
	var logs logBuffer
	r := apihttp.NewRouter(apihttp.WithLogger(logs.logger()))
	for _, key := range []string{"POST /webhooks/{source}", "POST /orders", "GET /orders", "GET /orders/{id}"} {
		r.Handle(key, func(_ context.Context, req *apihttp.Request) (*apihttp.Response, error) {
			return apihttp.JSON(http.StatusOK, map[string]string{
				"route": key, "id": req.PathParam("id"), "source": req.PathParam("source"),
			})
		})
	}
	tests := []struct {
		routeKey   string
		params     map[string]string
		wantStatus int
		wantBody   string
		wantCode   string
	}{
		{routeKey: "GET /orders/{id}", params: map[string]string{"id": "A1"}, wantStatus: 200,
			wantBody: `{"route":"GET /orders/{id}","id":"A1","source":""}`},
		{routeKey: "GET /orders", wantStatus: 200, wantBody: `{"route":"GET /orders","id":"","source":""}`},
		{routeKey: "POST /webhooks/{source}", params: map[string]string{"source": "ecwid"}, wantStatus: 200,
			wantBody: `{"route":"POST /webhooks/{source}","id":"","source":"ecwid"}`},
		{routeKey: "DELETE /orders/{id}", params: map[string]string{"id": "A1"}, wantStatus: 404, wantCode: "route_not_found"},
		{routeKey: "GET /customers", wantStatus: 404, wantCode: "route_not_found"},
		{routeKey: "$default", wantStatus: 404, wantCode: "route_not_found"},
		{routeKey: "get /orders", wantStatus: 404, wantCode: "route_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.routeKey, func(t *testing.T) {
			ev := newEvent(tt.routeKey, "req-404")
			ev.PathParameters = tt.params
			resp, err := r.Serve(context.Background(), ev)
			if err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			if tt.wantBody != "" {
				assertJSONEq(t, tt.wantBody, resp.Body)
			}
			if tt.wantCode != "" {
				if code, _, _, _ := errorOf(t, resp.Body); code != tt.wantCode {
					t.Errorf("code = %q, want %q", code, tt.wantCode)
				}
			}
		})
	}
}

func TestUnknownRouteGolden(t *testing.T) {
	var logs logBuffer
	resp := serve(t, logs.logger(), "GET /orders/{id}", func(context.Context, *apihttp.Request) (*apihttp.Response, error) {
		t.Error("handler called for another route")
		return apihttp.NoContent(), nil
	}, newEvent("DELETE /orders/{id}", "req-404"))
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	assertGolden(t, "error_route_not_found.json", resp.Body)
}

// TestServeFixture runs a recorded API Gateway event end to end: claims,
// path parameter, conditional GET and the JSON answer.
func TestServeFixture(t *testing.T) {
	getOrder := func(_ context.Context, req *apihttp.Request) (*apihttp.Response, error) {
		if err := req.RequireScope("orders/read"); err != nil {
			return nil, err
		}
		const version = 3
		if apihttp.IfNoneMatch(req, version) {
			return apihttp.NotModified(version), nil
		}
		claims, err := req.Claims()
		if err != nil {
			return nil, err
		}
		resp, err := apihttp.JSON(http.StatusOK, map[string]any{"id": req.PathParam("id"), "viewer": claims.Subject, "version": version})
		if err != nil {
			return nil, err
		}
		return resp.WithHeader("ETag", apihttp.ETag(version)), nil
	}
	tests := []struct {
		name        string
		ifNoneMatch string
		wantStatus  int
	}{
		{name: "client has this version", ifNoneMatch: `W/"3"`, wantStatus: http.StatusNotModified},
		{name: "client has an older one", ifNoneMatch: `"2"`, wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			ev := loadEvent(t, "event_get_order.json")
			ev.Headers["if-none-match"] = tt.ifNoneMatch
			resp := serve(t, logs.logger(), "GET /orders/{id}", getOrder, ev)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			if resp.Headers["ETag"] != `"3"` {
				t.Errorf("ETag = %q", resp.Headers["ETag"])
			}
			if tt.wantStatus == http.StatusNotModified {
				if resp.Body != "" {
					t.Errorf("304 with a body: %q", resp.Body)
				}
				return
			}
			if resp.Headers["Content-Type"] != "application/json; charset=utf-8" {
				t.Errorf("content type = %q", resp.Headers["Content-Type"])
			}
			assertGolden(t, "order_view.json", resp.Body)
		})
	}
}

func TestHandlerFailures(t *testing.T) {
	tests := []struct {
		name      string
		handler   apihttp.HandlerFunc
		wantInLog string
	}{
		{
			name:      "no response and no error",
			handler:   func(context.Context, *apihttp.Request) (*apihttp.Response, error) { return nil, nil },
			wantInLog: "returned neither a response nor an error",
		},
		{
			name: "panic",
			handler: func(context.Context, *apihttp.Request) (*apihttp.Response, error) {
				panic("boom")
			},
			wantInLog: "panicked: boom",
		},
		{
			name: "response that cannot be encoded",
			handler: func(context.Context, *apihttp.Request) (*apihttp.Response, error) {
				return apihttp.JSON(http.StatusOK, map[string]any{"ch": make(chan int)})
			},
			wantInLog: "encode map[string]interface {} response",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			resp := serve(t, logs.logger(), "GET /orders", tt.handler, newEvent("GET /orders", "req-500"))
			if resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("status = %d, want 500", resp.StatusCode)
			}
			assertGolden(t, "error_internal.json", resp.Body)
			lines := logs.lines(t)
			if len(lines) != 1 {
				t.Fatalf("logged %d lines, want 1", len(lines))
			}
			if msg, _ := lines[0]["error"].(string); !strings.Contains(msg, tt.wantInLog) {
				t.Errorf("logged error %q does not contain %q", msg, tt.wantInLog)
			}
		})
	}
}

// TestHandlerLoggerCarriesRequest checks that code below the handler logs
// with the request id and route, through the context.
func TestHandlerLoggerCarriesRequest(t *testing.T) {
	var logs logBuffer
	serve(t, logs.logger(), "POST /orders", func(ctx context.Context, _ *apihttp.Request) (*apihttp.Response, error) {
		platform.LoggerFrom(ctx).Info("order saved")
		return apihttp.NoContent(), nil
	}, newEvent("POST /orders", "req-77"))
	lines := logs.lines(t)
	if len(lines) != 1 || lines[0]["msg"] != "order saved" || lines[0]["request_id"] != "req-77" || lines[0]["route"] != "POST /orders" {
		t.Errorf("log = %v", lines)
	}
}

func TestHandlePanicsOnWiringBugs(t *testing.T) {
	ok := func(context.Context, *apihttp.Request) (*apihttp.Response, error) { return apihttp.NoContent(), nil }
	tests := []struct {
		name string
		key  string
		h    apihttp.HandlerFunc
	}{
		{name: "no method", key: "/orders", h: ok},
		{name: "lower-case method", key: "get /orders", h: ok},
		{name: "no leading slash", key: "GET orders", h: ok},
		{name: "two spaces", key: "GET  /orders", h: ok},
		{name: "nil handler", key: "GET /orders", h: nil},
		{name: "duplicate", key: "GET /orders/{id}", h: ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := apihttp.NewRouter()
			r.Handle("GET /orders/{id}", ok)
			defer func() {
				if recover() == nil {
					t.Errorf("Handle(%q) did not panic", tt.key)
				}
			}()
			r.Handle(tt.key, tt.h)
		})
	}
}

// TestHandleAcceptsTemplateKeys registers every shape of route key the
// template uses and serves a request of each through the router: each
// reaches its own handler, whose answer comes back.
func TestHandleAcceptsTemplateKeys(t *testing.T) {
	keys := []string{"$default", "ANY /orders/{proxy+}", "PATCH /orders/{id}/status", "DELETE /orders/{id}", "GET /"}
	r := apihttp.NewRouter()
	for _, key := range keys {
		r.Handle(key, func(_ context.Context, req *apihttp.Request) (*apihttp.Response, error) { // panics, failing the test, if refused
			return apihttp.JSON(http.StatusOK, map[string]string{"route": key, "routeKey": req.RouteKey()})
		})
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			resp, err := r.Serve(context.Background(), newEvent(key, "req-1"))
			if err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", resp.StatusCode, resp.Body)
			}
			body, err := json.Marshal(map[string]string{"route": key, "routeKey": key})
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEq(t, string(body), resp.Body)
		})
	}
}

func TestResponses(t *testing.T) {
	pdf := []byte("%PDF-1.7\n\x00\xff")
	tests := []struct {
		name       string
		resp       func() (*apihttp.Response, error)
		wantStatus int
		wantHeader map[string]string
		wantBody   string
		wantB64    bool
	}{
		{
			name: "json",
			resp: func() (*apihttp.Response, error) {
				return apihttp.JSON(http.StatusCreated, map[string]string{"id": "A1"})
			},
			wantStatus: 201, wantHeader: map[string]string{"Content-Type": "application/json; charset=utf-8"}, wantBody: `{"id":"A1"}`,
		},
		{
			name: "json with etag and location",
			resp: func() (*apihttp.Response, error) {
				r, err := apihttp.JSON(http.StatusCreated, map[string]string{"id": "A1"})
				if err != nil {
					return nil, err
				}
				return r.WithHeader("ETag", apihttp.ETag(1)).WithHeader("Location", "/orders/A1"), nil
			},
			wantStatus: 201, wantHeader: map[string]string{"ETag": `"1"`, "Location": "/orders/A1"}, wantBody: `{"id":"A1"}`,
		},
		{
			name:       "no content",
			resp:       func() (*apihttp.Response, error) { return apihttp.NoContent(), nil },
			wantStatus: 204,
		},
		{
			name:       "not modified",
			resp:       func() (*apihttp.Response, error) { return apihttp.NotModified(5), nil },
			wantStatus: 304, wantHeader: map[string]string{"ETag": `"5"`},
		},
		{
			name:       "binary",
			resp:       func() (*apihttp.Response, error) { return apihttp.Binary(http.StatusOK, "application/pdf", pdf), nil },
			wantStatus: 200, wantHeader: map[string]string{"Content-Type": "application/pdf"},
			wantBody: base64.StdEncoding.EncodeToString(pdf), wantB64: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			got := serve(t, logs.logger(), "GET /x", func(context.Context, *apihttp.Request) (*apihttp.Response, error) {
				return tt.resp()
			}, newEvent("GET /x", "r"))
			if got.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", got.StatusCode, tt.wantStatus)
			}
			for k, v := range tt.wantHeader {
				if got.Headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, got.Headers[k], v)
				}
			}
			if got.Body != tt.wantBody || got.IsBase64Encoded != tt.wantB64 {
				t.Errorf("body = %q (base64 %v), want %q (base64 %v)", got.Body, got.IsBase64Encoded, tt.wantBody, tt.wantB64)
			}
		})
	}
}
