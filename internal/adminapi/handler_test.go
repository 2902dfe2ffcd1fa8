package adminapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/adminapi"
	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

var clock = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

// fixture is the API over an in-memory store.
type fixture struct {
	store  *memstore.Store
	router *apihttp.Router
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	st := memstore.New(memstore.WithClock(func() time.Time { return clock }))
	return fixture{store: st, router: newRouter(t, st, st.Settings(), st.Stock())}
}

func newRouter(t testing.TB, orders order.OrderStore, settings order.SettingsReader, stock order.StockStore) *apihttp.Router {
	t.Helper()
	svc := storetest.NewLifecycle(t, order.LifecycleDeps{Orders: orders, Settings: settings, Stock: stock})
	api, err := adminapi.New(svc)
	if err != nil {
		t.Fatal(err)
	}
	return api.Router(apihttp.WithLogger(slog.New(slog.DiscardHandler)))
}

// call describes one request.
type call struct {
	route   string
	params  map[string]string
	query   map[string]string
	headers map[string]string
	body    string
	scope   string // "" sends no token at all
}

type answer struct {
	status  int
	headers map[string]string
	body    map[string]any
	raw     string
}

func (f fixture) do(t *testing.T, c call) answer {
	t.Helper()
	return serve(t, f.router, c)
}

func serve(t *testing.T, r *apihttp.Router, c call) answer {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		RouteKey: c.route, PathParameters: c.params, QueryStringParameters: c.query,
		Headers: c.headers, Body: c.body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1"},
	}
	if c.scope != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "staff-42", "scope": c.scope}},
		}
	}
	resp, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	a := answer{status: resp.StatusCode, headers: resp.Headers, raw: resp.Body}
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &a.body); err != nil {
			t.Fatalf("response body %q: %v", resp.Body, err)
		}
	}
	return a
}

const rw = "orders:read orders:write"

func (a answer) code() string {
	e, _ := a.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (a answer) allowed() []string {
	e, _ := a.body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	list, _ := d["allowed"].([]any)
	out := []string{}
	for _, v := range list {
		out = append(out, v.(string))
	}
	return out
}

func line(sku string, qty int64) order.LineItem {
	return order.LineItem{SKU: sku, Name: "Article " + sku, Quantity: qty, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.RequireFromString("20")}
}

func (f fixture) place(t *testing.T, p order.PaymentStatus, fs order.FulfilmentStatus, lines ...order.LineItem) *order.Order {
	t.Helper()
	return placeIn(t, f.store, p, fs, lines...)
}

func placeIn(t *testing.T, st order.OrderStore, p order.PaymentStatus, fs order.FulfilmentStatus, lines ...order.LineItem) *order.Order {
	t.Helper()
	if len(lines) == 0 {
		lines = []order.LineItem{line("MUG-1", 2)}
	}
	o := &order.Order{
		Source: order.SourceManual, Currency: order.EUR, PricesIncludeTax: true,
		Customer: order.Customer{Name: "Jean Dupont", Email: "jean@example.fr", Locale: "fr"},
		Lines:    lines, Payment: p, Fulfilment: fs, CreatedAt: clock,
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	created, err := st.Create(context.Background(), o, order.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return created
}

func names[S fmt.Stringer](row []S) []string {
	out := []string{}
	for _, s := range row {
		out = append(out, s.String())
	}
	return out
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	o := f.place(t, order.AwaitingPayment, order.AwaitingProcessing)
	id := map[string]string{"id": o.ID}
	tests := []struct {
		name   string
		c      call
		status int
		code   string
	}{
		{"read without a token", call{route: adminapi.RouteGetOrder, params: id}, http.StatusUnauthorized, "missing_claims"},
		{"write without a token", call{route: adminapi.RoutePaymentStatus, params: id, body: `{"status":"PAID"}`}, http.StatusUnauthorized, "missing_claims"},
		{"write with a read scope", call{route: adminapi.RoutePaymentStatus, params: id, body: `{"status":"PAID"}`, scope: "orders:read"}, http.StatusForbidden, "missing_scope"},
		{"action with a read scope", call{route: adminapi.RouteAction, params: map[string]string{"id": o.ID, "action": "hold"}, scope: "orders/read"}, http.StatusForbidden, "missing_scope"},
		{"read with an unrelated scope", call{route: adminapi.RouteHistory, params: id, scope: "profile"}, http.StatusForbidden, "missing_scope"},
		{"read, colon spelling", call{route: adminapi.RouteGetOrder, params: id, scope: "orders:read"}, http.StatusOK, ""},
		{"read, Cognito spelling", call{route: adminapi.RouteGetOrder, params: id, scope: "orders/read"}, http.StatusOK, ""},
		{"stock read", call{route: adminapi.RouteGetStock, params: map[string]string{"sku": "NONE"}, scope: "orders/read"}, http.StatusNotFound, order.CodeNotFound},
		{"stock write with a read scope", call{route: adminapi.RoutePutStock, params: map[string]string{"sku": "MUG-1"}, body: `{"onHand":3}`, scope: "orders:read"}, http.StatusForbidden, "missing_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, tt.c)
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("status %d code %q, want %d %q (%s)", a.status, a.code(), tt.status, tt.code, a.raw)
			}
		})
	}
	// A write with Cognito's spelling of the scope goes through.
	a := f.do(t, call{route: adminapi.RoutePaymentStatus, params: id, body: `{"status":"PAID"}`, scope: "orders/write"})
	if a.status != http.StatusOK {
		t.Fatalf("orders/write: %d %s", a.status, a.raw)
	}
	if cur, _ := f.store.Get(context.Background(), o.ID); cur.Payment != order.Paid {
		t.Fatalf("payment = %s", cur.Payment)
	}
}

// TestTransitionTablesThroughAPI sends every (from, to) pair of both tables
// through the status routes: allowed → 200 with the new status and ETag,
// refused → 409 transition_not_allowed listing the table row.
func TestTransitionTablesThroughAPI(t *testing.T) {
	f := newFixture(t)
	check := func(t *testing.T, a answer, allowed, same bool, field, to string, row []string) {
		t.Helper()
		switch {
		case allowed || same:
			if a.status != http.StatusOK || a.body[field] != to {
				t.Fatalf("status %d %s=%v, want 200 %s (%s)", a.status, field, a.body[field], to, a.raw)
			}
			want := `"2"`
			if same {
				want = `"1"`
			}
			if a.headers["ETag"] != want {
				t.Fatalf("ETag = %s, want %s", a.headers["ETag"], want)
			}
		default:
			if a.status != http.StatusConflict || a.code() != order.CodeTransitionNotAllowed || !slices.Equal(a.allowed(), row) {
				t.Fatalf("status %d code %s allowed %v, want 409 %v (%s)", a.status, a.code(), a.allowed(), row, a.raw)
			}
		}
	}
	for _, from := range order.AllPaymentStatuses {
		for _, to := range order.AllPaymentStatuses {
			t.Run("payment "+from.String()+"->"+to.String(), func(t *testing.T) {
				o := f.place(t, from, order.AwaitingProcessing)
				a := f.do(t, call{route: adminapi.RoutePaymentStatus, params: map[string]string{"id": o.ID}, body: `{"status":"` + to.String() + `"}`, scope: rw})
				check(t, a, from.CanTransitionTo(to), from == to && !from.CanTransitionTo(to), "paymentStatus", to.String(), names(order.PaymentTransitions[from]))
			})
		}
	}
	for _, from := range order.AllFulfilmentStatuses {
		for _, to := range order.AllFulfilmentStatuses {
			t.Run("fulfilment "+from.String()+"->"+to.String(), func(t *testing.T) {
				o := f.place(t, order.Paid, from)
				body := `{"status":"` + to.String() + `"}`
				if to == order.Shipped {
					body = `{"status":"SHIPPED","carrier":"Colissimo","trackingNumber":"6A0001"}`
				}
				a := f.do(t, call{route: adminapi.RouteFulfilmentStatus, params: map[string]string{"id": o.ID}, body: body, scope: rw})
				// SHIPPED again with a new tracking number is a second parcel:
				// a change, not a no-op.
				secondParcel := from == order.Shipped && to == order.Shipped
				check(t, a, from.CanTransitionTo(to) || secondParcel, from == to && !secondParcel, "fulfilmentStatus", to.String(), names(order.FulfilmentTransitions[from]))
			})
		}
	}
}

func TestActionsThroughAPI(t *testing.T) {
	tests := []struct {
		name    string
		pay     order.PaymentStatus
		ful     order.FulfilmentStatus
		action  string
		body    string
		status  int
		code    string
		wantPay string
		wantFul string
	}{
		{"mark paid", order.AwaitingPayment, order.AwaitingProcessing, "mark-paid", "", 200, "", "PAID", "AWAITING_PROCESSING"},
		{"mark unpaid", order.Paid, order.AwaitingProcessing, "mark-unpaid", "", 200, "", "AWAITING_PAYMENT", "AWAITING_PROCESSING"},
		{"mark shipped", order.Paid, order.Processing, "mark-shipped", `{"carrier":"UPS","trackingNumber":"1Z999"}`, 200, "", "PAID", "SHIPPED"},
		{"mark unshipped", order.Paid, order.Shipped, "mark-unshipped", "", 200, "", "PAID", "PROCESSING"},
		{"hold", order.Paid, order.Processing, "hold", "", 200, "", "PAID", "PROCESSING"},
		{"resume", order.Paid, order.Processing, "resume", "{}", 200, "", "PAID", "PROCESSING"},
		{"hold a completed order", order.Paid, order.Delivered, "hold", "", 409, order.CodeOrderCompleted, "PAID", "DELIVERED"},
		{"cancel", order.Paid, order.Processing, "cancel", `{"notifyCustomer":true,"restock":true}`, 200, "", "CANCELLED", "WILL_NOT_DELIVER"},
		{"cancel a delivered order", order.Paid, order.Delivered, "cancel", "", 409, order.CodeTransitionNotAllowed, "PAID", "DELIVERED"},
		{"payment reminder", order.AwaitingPayment, order.AwaitingProcessing, "send-payment-reminder", "", 200, "", "AWAITING_PAYMENT", "AWAITING_PROCESSING"},
		{"payment reminder for a paid order", order.Paid, order.AwaitingProcessing, "send-payment-reminder", "", 409, order.CodePaymentNotAwaited, "PAID", "AWAITING_PROCESSING"},
		{"comment", order.Paid, order.Processing, "comment", `{"text":"fragile"}`, 200, "", "PAID", "PROCESSING"},
		{"comment without text", order.Paid, order.Processing, "comment", `{}`, 400, "missing_field", "PAID", "PROCESSING"},
		{"custom status unknown", order.Paid, order.Processing, "custom-status", `{"label":"Perdu"}`, 400, "unknown_custom_status", "PAID", "PROCESSING"},
		{"a field the action does not take", order.Paid, order.Processing, "hold", `{"restock":true}`, 400, "unknown_field", "PAID", "PROCESSING"},
		{"malformed body", order.Paid, order.Processing, "cancel", `{"restock":`, 400, "malformed_json", "PAID", "PROCESSING"},
		{"unknown action", order.Paid, order.Processing, "refund-everything", "", 404, "unknown_action", "PAID", "PROCESSING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := f.place(t, tt.pay, tt.ful)
			a := f.do(t, call{route: adminapi.RouteAction, params: map[string]string{"id": o.ID, "action": tt.action}, body: tt.body, scope: rw})
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("status %d code %q, want %d %q (%s)", a.status, a.code(), tt.status, tt.code, a.raw)
			}
			cur, _ := f.store.Get(context.Background(), o.ID)
			if cur.Payment.String() != tt.wantPay || cur.Fulfilment.String() != tt.wantFul {
				t.Fatalf("statuses %s/%s, want %s/%s", cur.Payment, cur.Fulfilment, tt.wantPay, tt.wantFul)
			}
			if tt.status != 200 && cur.Version != 1 {
				t.Fatalf("a refused action wrote version %d", cur.Version)
			}
		})
	}
}

func TestIfMatch(t *testing.T) {
	f := newFixture(t)
	o := f.place(t, order.AwaitingPayment, order.AwaitingProcessing)
	params := map[string]string{"id": o.ID, "action": "mark-paid"}
	tests := []struct {
		name    string
		ifMatch string
		status  int
		etag    string
	}{
		{"stale version", `"7"`, http.StatusPreconditionFailed, ""},
		{"weak tag never matches", `W/"1"`, http.StatusPreconditionFailed, ""},
		{"version zero", `"0"`, http.StatusPreconditionFailed, ""},
		{"malformed", `1`, http.StatusBadRequest, ""},
		{"current version", `"1"`, http.StatusOK, `"2"`},
		{"a list holding the current version", `"1", "2"`, http.StatusOK, `"2"`},
		{"the old version once more", `"1"`, http.StatusPreconditionFailed, ""},
		{"any version", `*`, http.StatusOK, `"2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, call{route: adminapi.RouteAction, params: params, headers: map[string]string{"If-Match": tt.ifMatch}, scope: rw})
			if a.status != tt.status || (tt.etag != "" && a.headers["ETag"] != tt.etag) {
				t.Fatalf("status %d ETag %s, want %d %s (%s)", a.status, a.headers["ETag"], tt.status, tt.etag, a.raw)
			}
		})
	}
	hist, _ := f.store.History(context.Background(), o.ID, order.PageRequest{})
	if len(hist.Items) != 1 {
		t.Fatalf("history holds %d rows, want the one applied move", len(hist.Items))
	}
}

func TestGetOrderShowsStockAndETag(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	put := func(sku, body string) {
		a := f.do(t, call{route: adminapi.RoutePutStock, params: map[string]string{"sku": sku}, body: body, scope: rw})
		if a.status != 200 {
			t.Fatalf("put stock %s: %d %s", sku, a.status, a.raw)
		}
	}
	put("MUG-1", `{"onHand":2,"lowThreshold":3}`)
	put("TEE-M", `{"onHand":50,"lowThreshold":3}`)
	o := f.place(t, order.Paid, order.Processing, line("MUG-1", 1), line("TEE-M", 1), line("GIFT", 1))
	a := f.do(t, call{route: adminapi.RouteGetOrder, params: map[string]string{"id": o.ID}, scope: "orders:read"})
	if a.status != 200 || a.headers["ETag"] != `"1"` {
		t.Fatalf("get: %d %v", a.status, a.headers)
	}
	colours := map[string]any{}
	for _, l := range a.body["lines"].([]any) {
		lm := l.(map[string]any)
		if s, ok := lm["stock"].(map[string]any); ok {
			colours[lm["sku"].(string)] = s["colour"]
		} else {
			colours[lm["sku"].(string)] = nil
		}
	}
	if want := map[string]any{"MUG-1": "orange", "TEE-M": "green", "GIFT": nil}; fmt.Sprint(colours) != fmt.Sprint(want) {
		t.Fatalf("colours = %v, want %v", colours, want)
	}
	if a.body["number"] != o.Number || a.body["paymentStatus"] != "PAID" {
		t.Fatalf("order fields missing: %s", a.raw)
	}
	nm := f.do(t, call{route: adminapi.RouteGetOrder, params: map[string]string{"id": o.ID}, headers: map[string]string{"If-None-Match": `"1"`}, scope: "orders:read"})
	if nm.status != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", nm.status)
	}
	si, err := f.store.Stock().Get(ctx, "MUG-1")
	if err != nil || si.LowThreshold != 3 || si.OnHand != 2 {
		t.Fatalf("stored stock = %+v %v", si, err)
	}
	bad := f.do(t, call{route: adminapi.RoutePutStock, params: map[string]string{"sku": "MUG-1"}, body: `{"lowThreshold":3}`, scope: rw})
	if bad.status != 400 || bad.code() != "missing_field" {
		t.Fatalf("put without onHand: %d %s", bad.status, bad.raw)
	}
	missing := f.do(t, call{route: adminapi.RouteGetOrder, params: map[string]string{"id": "01NOPE"}, scope: "orders:read"})
	if missing.status != 404 {
		t.Fatalf("unknown order: %d", missing.status)
	}
}

func TestHistoryAndListThroughAPI(t *testing.T) {
	f := newFixture(t)
	o := f.place(t, order.AwaitingPayment, order.AwaitingProcessing)
	other := f.place(t, order.AwaitingPayment, order.AwaitingProcessing)
	for _, action := range []string{"mark-paid", "hold", "resume", "mark-shipped"} {
		a := f.do(t, call{route: adminapi.RouteAction, params: map[string]string{"id": o.ID, "action": action}, scope: rw})
		if a.status != 200 {
			t.Fatalf("%s: %d %s", action, a.status, a.raw)
		}
	}
	var actions []string
	cursor := ""
	for pages := 0; ; pages++ {
		q := map[string]string{"limit": "1"}
		if cursor != "" {
			q["cursor"] = cursor
		}
		a := f.do(t, call{route: adminapi.RouteHistory, params: map[string]string{"id": o.ID}, query: q, scope: "orders:read"})
		if a.status != 200 {
			t.Fatalf("history: %d %s", a.status, a.raw)
		}
		for _, it := range a.body["items"].([]any) {
			row := it.(map[string]any)
			actor := row["actor"].(map[string]any)
			if actor["kind"] != "staff" || actor["id"] != "staff-42" || row["via"] != "api" || row["at"] == "" {
				t.Fatalf("history row lacks who/when/via: %v", row)
			}
			actions = append(actions, row["action"].(string))
		}
		next, _ := a.body["next_cursor"].(string)
		if next == "" || pages > 10 {
			break
		}
		cursor = next
	}
	if want := []string{"mark_paid", "hold", "resume", "mark_shipped"}; !slices.Equal(actions, want) {
		t.Fatalf("history actions = %v, want %v", actions, want)
	}
	a := f.do(t, call{route: adminapi.RouteListOrders, query: map[string]string{"paymentStatus": "AWAITING_PAYMENT"}, scope: "orders:read"})
	items, _ := a.body["items"].([]any)
	if a.status != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != other.ID {
		t.Fatalf("list by payment: %d %s", a.status, a.raw)
	}
	for _, bad := range []map[string]string{{"paymentStatus": "FREE"}, {"from": "yesterday"}, {"limit": "0"}, {"paymentStatus": "PAID", "sku": "X"}} {
		if a := f.do(t, call{route: adminapi.RouteListOrders, query: bad, scope: "orders:read"}); a.status != 400 {
			t.Fatalf("list %v: %d, want 400", bad, a.status)
		}
	}
}

// TestStockCountIsConditional checks that a stock count never overwrites a
// change made since it was read: the ETag is the stock's version, If-Match
// names the version a count is based on, and a payment's decrement in
// between makes the stale count a 412.
func TestStockCountIsConditional(t *testing.T) {
	f := newFixture(t)
	params := map[string]string{"sku": "MUG-1"}
	put := func(ifMatch, body string) answer {
		var h map[string]string
		if ifMatch != "" {
			h = map[string]string{"If-Match": ifMatch}
		}
		return f.do(t, call{route: adminapi.RoutePutStock, params: params, headers: h, body: body, scope: rw})
	}
	if a := put("", `{"onHand":10,"lowThreshold":2}`); a.status != 200 || a.headers["ETag"] != `"1"` {
		t.Fatalf("first count: %d ETag %s (%s)", a.status, a.headers["ETag"], a.raw)
	}
	if a := f.do(t, call{route: adminapi.RouteGetStock, params: params, scope: "orders:read"}); a.status != 200 || a.headers["ETag"] != `"1"` {
		t.Fatalf("get: %d ETag %s", a.status, a.headers["ETag"])
	}
	// A sale takes 3 while someone is counting from version 1.
	if _, err := f.store.Stock().Adjust(context.Background(), "sale", []order.StockAdjustment{{SKU: "MUG-1", Delta: -3}}); err != nil {
		t.Fatal(err)
	}
	if a := put(`"1"`, `{"onHand":12,"lowThreshold":2}`); a.status != http.StatusPreconditionFailed || a.code() != "version_mismatch" {
		t.Fatalf("stale count: %d %s, want 412 version_mismatch", a.status, a.raw)
	}
	if si, _ := f.store.Stock().Get(context.Background(), "MUG-1"); si.OnHand != 7 {
		t.Fatalf("the stale count overwrote the sale: on hand %d, want 7", si.OnHand)
	}
	if a := put(`"2"`, `{"onHand":12,"lowThreshold":2}`); a.status != 200 || a.headers["ETag"] != `"3"` {
		t.Fatalf("count at the current version: %d ETag %s (%s)", a.status, a.headers["ETag"], a.raw)
	}
	if a := put(`W/"3"`, `{"onHand":1,"lowThreshold":2}`); a.status != http.StatusPreconditionFailed {
		t.Fatalf("weak tag: %d, want 412", a.status)
	}
}
