package intake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/intake"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/webhook"
	"github.com/ordersmith/ordersmith/internal/webhook/ecwidstub"
)

// countingEcwid is the Ecwid stand-in behind a counter of the requests it
// gets, and the webhook dependencies that use it.
func countingEcwid(t *testing.T) (webhook.Deps, *atomic.Int64) {
	t.Helper()
	stub := ecwidstub.New(ecwidToken)
	if err := stub.LoadDir(filepath.Join(repoRoot, "internal", "webhook", "testdata", "ecwid", "orders")); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		stub.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	deps := webhookDeps(t)
	token := func(context.Context) (string, error) { return ecwidToken, nil }
	deps.Ecwid = intake.NewEcwid(token, srv.URL+"/api/v3", "EUR", nil)
	return deps, &n
}

// ecwidEvent is the order.created sample with edit applied, signed again.
func ecwidEvent(t *testing.T, edit func(ev map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	dec := json.NewDecoder(strings.NewReader(loadEvent(t, "intake", "ecwid-webhook-order-created").Body))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	edit(ev)
	return mustJSON(t, ev)
}

// TestEcwidReplayIsNotFetched: the signed event id is checked before the
// order is fetched: the retries of a delivery, or a captured signature sent
// again, cost no call to Ecwid.
func TestEcwidReplayIsNotFetched(t *testing.T) {
	e := newMemEnv(t)
	deps, fetches := countingEcwid(t)
	r := newRouter(t, e.svc, deps)
	ev := signedWebhook(t, order.SourceEcwid, ecwidEvent(t, func(map[string]any) {}), samplesSignedAt, nil)
	first := serve(t, r, ev)
	if first.Status != http.StatusCreated || fetches.Load() != 1 {
		t.Fatalf("first delivery: %d after %d fetches, want 201 after 1", first.Status, fetches.Load())
	}
	for range 5 {
		if again := serve(t, r, ev); again.Status != http.StatusOK {
			t.Fatalf("replay answered %d: %s", again.Status, again.Raw)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("replays fetched the order: %d fetches, want 1", n)
	}
	if n := e.orderCount(t); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
}

// TestEcwidRefusesBeforeFetching: what Ecwid does not sign is checked, and
// an authentic event too old to be anything but a replay is refused, all
// before any call to Ecwid.
func TestEcwidRefusesBeforeFetching(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(ev map[string]any)
		now    time.Time
		status int
		code   string
	}{
		{"another store", func(ev map[string]any) { ev["storeId"] = json.Number("1003") }, time.Time{}, 401, intake.CodeSignatureRejected},
		{"store id not a number", func(ev map[string]any) { ev["storeId"] = "7301234/../1003" }, time.Time{}, 401, intake.CodeSignatureRejected},
		// The order id is not signed either, but the event is authentic
		// (its signature and store hold): it is kept in the quarantine.
		{"order id with a path", func(ev map[string]any) {
			ev["data"].(map[string]any)["orderId"] = "BTQ-1042/../../1003/orders/X"
		}, time.Time{}, 202, "invalid_id"},
		{"stale event", func(map[string]any) {}, samplesSignedAt.Add(webhook.MaxEcwidEventAge + time.Hour), 401, intake.CodeSignatureRejected},
		{"event from the future", func(map[string]any) {}, samplesSignedAt.Add(-time.Hour), 401, intake.CodeSignatureRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMemEnv(t)
			deps, fetches := countingEcwid(t)
			if !tt.now.IsZero() {
				deps.Now = func() time.Time { return tt.now }
			}
			ev := signedWebhook(t, order.SourceEcwid, ecwidEvent(t, tt.edit), samplesSignedAt, nil)
			resp := serve(t, newRouter(t, e.svc, deps), ev)
			code := resp.Error.Code
			if resp.Status == http.StatusAccepted {
				code = resp.Quarantined.Code
			}
			if resp.Status != tt.status || code != tt.code {
				t.Fatalf("answer %d %q (%s), want %d %q", resp.Status, resp.Error.Code, resp.Error.Message, tt.status, tt.code)
			}
			if n := fetches.Load(); n != 0 {
				t.Fatalf("%d fetches before the refusal, want none", n)
			}
			if n := e.orderCount(t); n != 0 {
				t.Fatalf("refused event stored %d orders", n)
			}
		})
	}
}
