package apihttp_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/apihttp"
)

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRoutesReportsRegistrations: every registered route key comes back
// from Routes with the scope it was declared with, and serves.
func TestRoutesReportsRegistrations(t *testing.T) {
	r := apihttp.NewRouter(apihttp.WithLogger(quietLogger()))
	ok := func(context.Context, *apihttp.Request) (*apihttp.Response, error) { return apihttp.NoContent(), nil }
	r.Handle("POST /webhooks/{source}", ok)
	r.Handle("GET /orders", ok, apihttp.Scope(apihttp.ScopeOrdersRead))
	r.Handle("PUT /orders/{id}/payment-status", ok, apihttp.Scope(apihttp.ScopeOrdersWrite))
	want := map[string]string{
		"POST /webhooks/{source}":         "",
		"GET /orders":                     "orders:read",
		"PUT /orders/{id}/payment-status": "orders:write",
	}
	if got := r.Routes(); !maps.Equal(got, want) {
		t.Fatalf("Routes() = %v, want %v", got, want)
	}
	resp, err := r.Serve(context.Background(), newEvent("POST /webhooks/{source}", "r"))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the registered route answers %d, %v", resp.StatusCode, err)
	}
}

// TestAnswerMargin: the router gives every handler a ctx that ends the
// answer margin before the invocation's deadline, and adds none without
// one.
func TestAnswerMargin(t *testing.T) {
	tests := []struct {
		name     string
		opts     []apihttp.Option
		timeout  time.Duration // 0: no deadline
		wantLeft time.Duration // the most time the handler may have; 0: no deadline
	}{
		{"default margin", nil, 3 * time.Second, 3*time.Second - apihttp.DefaultAnswerMargin},
		{"margin set", []apihttp.Option{apihttp.WithAnswerMargin(200 * time.Millisecond)}, 3 * time.Second, 2800 * time.Millisecond},
		{"no deadline", nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			var (
				left        time.Duration
				hasDeadline bool
			)
			r := apihttp.NewRouter(append([]apihttp.Option{apihttp.WithLogger(quietLogger())}, tt.opts...)...)
			r.Handle("GET /orders", func(ctx context.Context, _ *apihttp.Request) (*apihttp.Response, error) {
				var d time.Time
				d, hasDeadline = ctx.Deadline()
				left = time.Until(d)
				return apihttp.NoContent(), nil
			}, apihttp.Scope(apihttp.ScopeOrdersRead))
			ev := withJWT(newEvent("GET /orders", "r"), map[string]string{"sub": "u", "scope": "orders/read"}, nil)
			if resp, err := r.Serve(ctx, ev); err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("answer %d, %v: %s", resp.StatusCode, err, resp.Body)
			}
			if tt.wantLeft == 0 {
				if hasDeadline {
					t.Fatalf("a deadline appeared: %s left", left)
				}
				return
			}
			if !hasDeadline || left > tt.wantLeft || left < tt.wantLeft-time.Second {
				t.Fatalf("time left = %s (deadline %v), want just under %s", left, hasDeadline, tt.wantLeft)
			}
		})
	}
}
