package intake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/intake"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// staffEvent is a request to a staff route with a verified token.
func staffEvent(route, path string, params, query map[string]string, scopes ...string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: path, PathParameters: params, QueryStringParameters: query,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-staff", RouteKey: route,
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
					Claims: map[string]string{"sub": "staff-1", "scope": strings.Join(scopes, " ")},
				},
			},
		},
	}
}

// call serves a staff request and decodes its 2xx body into v.
func call(t *testing.T, r *apihttp.Router, ev events.APIGatewayV2HTTPRequest, wantStatus int, v any) string {
	t.Helper()
	out, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	if out.StatusCode != wantStatus {
		t.Fatalf("%s answered %d %s, want %d", ev.RouteKey, out.StatusCode, out.Body, wantStatus)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out.Body), v); err != nil {
			t.Fatalf("decode %s: %v", out.Body, err)
		}
	}
	return out.Body
}

// acceptingIntake stands for the intake once the code that refused a
// delivery is fixed: it takes any delivery in.
type acceptingIntake struct{ intake.Service }

func (acceptingIntake) Receive(_ context.Context, in order.Inbound) (order.IntakeResult, error) {
	return order.IntakeResult{Outcome: order.OutcomeCreated, OrderID: order.StorefrontOrderID(in.Source, in.Order.ExternalID)}, nil
}

// TestQuarantineRoutes: a signed order whose totals disagree is kept and
// answered 202, counted and listed; staff see why and what was sent, and
// once the intake is fixed (a new deployment: another handler over the same
// quarantine, its clock hours later) the replay makes the order.
func TestQuarantineRoutes(t *testing.T) {
	e := newMemEnv(t)
	kept := memstore.NewQuarantine()
	var metrics bytes.Buffer
	deps := webhookDeps(t)
	r := newRouterWith(t, e.svc, deps, intake.Config{Quarantine: kept, Metrics: platform.NewMetrics(&metrics, platform.MetricsNamespace, nil)})

	b := genericBody(t)
	b["order"].(map[string]any)["totals"].(map[string]any)["grand"] = "100.80"
	body := mustJSON(t, b)
	ev := signedWebhook(t, order.SourceGeneric, body, samplesSignedAt, map[string]string{"authorization": "Bearer not-to-keep"})
	first := serve(t, r, ev)
	if first.Status != http.StatusAccepted || first.Quarantined.Code != "totals_mismatch" {
		t.Fatalf("answer %d %+v, want 202 totals_mismatch", first.Status, first.Quarantined)
	}
	if again := serve(t, r, ev); again.Quarantined != first.Quarantined {
		t.Fatalf("the retry answered %+v, want the same item %+v", again.Quarantined, first.Quarantined)
	}
	var counted []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(metrics.String()), "\n") {
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		counted = append(counted, doc)
	}
	if len(counted) != 2 || counted[0]["DeliveriesQuarantined"] != float64(1) || counted[0]["Source"] != "generic" {
		t.Fatalf("metrics %v, want DeliveriesQuarantined for generic, twice", counted)
	}

	// Listed, newest first; staff need orders:write.
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			State    string `json:"state"`
			Attempts int    `json:"attempts"`
			Reason   struct{ Code, Message string }
		} `json:"items"`
	}
	call(t, r, staffEvent(intake.RouteQuarantineList, "/quarantine", nil, nil, apihttp.ScopeOrdersWrite), http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != first.Quarantined.QuarantineID || list.Items[0].State != "QUARANTINED" ||
		list.Items[0].Attempts != 2 || list.Items[0].Reason.Code != "totals_mismatch" || list.Items[0].Reason.Message == "" {
		t.Fatalf("listed %+v", list.Items)
	}
	call(t, r, staffEvent(intake.RouteQuarantineList, "/quarantine", nil, nil, apihttp.ScopeOrdersRead), http.StatusForbidden, nil)
	call(t, r, staffEvent(intake.RouteQuarantineList, "/quarantine", nil, map[string]string{"state": "lost"}, apihttp.ScopeOrdersWrite), http.StatusBadRequest, nil)

	id := first.Quarantined.QuarantineID
	idParam := map[string]string{"id": id}
	var one struct {
		ID      string            `json:"id"`
		Source  string            `json:"source"`
		Body    string            `json:"body"`
		Headers map[string]string `json:"headers"`
	}
	call(t, r, staffEvent(intake.RouteQuarantineGet, "/quarantine/"+id, idParam, nil, apihttp.ScopeOrdersWrite), http.StatusOK, &one)
	if one.ID != id || one.Source != "generic" || one.Body != string(body) || one.Headers["x-signature"] != ev.Headers["x-signature"] {
		t.Fatalf("item %+v", one)
	}
	if _, ok := one.Headers["authorization"]; ok {
		t.Fatal("the Authorization header was kept")
	}
	missing := map[string]string{"id": order.QuarantineID(order.SourceGeneric, "delivery:none")}
	call(t, r, staffEvent(intake.RouteQuarantineGet, "/quarantine/x", missing, nil, apihttp.ScopeOrdersWrite), http.StatusNotFound, nil)

	// Replayed before the fix: still refused, one more attempt.
	var replay struct {
		Outcome  string `json:"outcome"`
		Delivery struct {
			State    string `json:"state"`
			OrderID  string `json:"orderId"`
			Attempts int    `json:"attempts"`
		} `json:"delivery"`
		Result *struct {
			Outcome string `json:"outcome"`
			OrderID string `json:"orderId"`
		} `json:"result"`
	}
	call(t, r, staffEvent(intake.RouteQuarantineReplay, "/quarantine/"+id+"/replay", idParam, nil, apihttp.ScopeOrdersWrite), http.StatusOK, &replay)
	if replay.Outcome != "still_quarantined" || replay.Delivery.State != "QUARANTINED" || replay.Delivery.Attempts != 3 || replay.Result != nil {
		t.Fatalf("replay before the fix: %+v", replay)
	}

	// After the fix, hours later: the generic signature is read at the
	// time the delivery arrived, and the order is made.
	fixed := deps
	fixed.Now = func() time.Time { return samplesSignedAt.Add(6 * time.Hour) }
	r2 := newRouterWith(t, acceptingIntake{e.svc}, fixed, intake.Config{Quarantine: kept, Metrics: platform.NewMetrics(discard{}, platform.MetricsNamespace, nil)})
	var all order.ReplaySummary
	call(t, r2, staffEvent(intake.RouteQuarantineReplayAll, "/quarantine/replay", nil, nil, apihttp.ScopeOrdersWrite), http.StatusOK, &all)
	if all != (order.ReplaySummary{Replayed: 1}) {
		t.Fatalf("replay all: %+v", all)
	}
	call(t, r2, staffEvent(intake.RouteQuarantineReplay, "/quarantine/"+id+"/replay", idParam, nil, apihttp.ScopeOrdersWrite), http.StatusOK, &replay)
	wantOrder := order.StorefrontOrderID(order.SourceGeneric, b["order"].(map[string]any)["externalId"].(string))
	if replay.Outcome != "already_replayed" || replay.Delivery.State != "REPLAYED" || replay.Delivery.OrderID != wantOrder {
		t.Fatalf("after the replay: %+v", replay)
	}
	call(t, r2, staffEvent(intake.RouteQuarantineList, "/quarantine", nil, nil, apihttp.ScopeOrdersWrite), http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("still listed: %+v", list.Items)
	}
}

// TestWebhookMetrics: a new order, its retry and a bad signature are
// counted by source.
func TestWebhookMetrics(t *testing.T) {
	e := newMemEnv(t)
	var metrics bytes.Buffer
	r := newRouterWith(t, e.svc, webhookDeps(t), intake.Config{Quarantine: memstore.NewQuarantine(), Metrics: platform.NewMetrics(&metrics, platform.MetricsNamespace, nil)})
	ev := loadEvent(t, "intake", "shopify-webhook-orders-create")
	serve(t, r, ev)
	serve(t, r, ev)
	ev.Headers["x-shopify-hmac-sha256"] = "iKqz7ejTrflNJquQ07r9SiCDBww7zOnAFO4EpEOEfAs="
	if resp := serve(t, r, ev); resp.Status != http.StatusUnauthorized || resp.Error.Code != "invalid_signature" ||
		resp.Error.Message != "the webhook signature could not be verified" {
		t.Fatalf("bad signature answered %d %+v", resp.Status, resp.Error)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(metrics.String()), "\n") {
		var doc struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Metrics []struct{ Name string }
				}
			} `json:"_aws"`
			Source string
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil || doc.Source != "shopify" {
			t.Fatalf("metric line %q: %v", line, err)
		}
		names = append(names, doc.AWS.CloudWatchMetrics[0].Metrics[0].Name)
	}
	if got, want := strings.Join(names, ","), "OrdersAccepted,OrdersDuplicate,DeliveriesRefused"; got != want {
		t.Fatalf("metrics %s, want %s", got, want)
	}
}

// TestSignatureFailuresSayNothingOfTheConfiguration: whatever is wrong with
// a signature (no secret configured for the source, a missing header, a
// malformed one), the answer is the same; only the log tells.
func TestSignatureFailuresSayNothingOfTheConfiguration(t *testing.T) {
	e := newMemEnv(t)
	deps := webhookDeps(t)
	deps.Secrets = webhook.StaticSecrets{} // no secret for any source
	r := newRouter(t, e.svc, deps)
	ev := loadEvent(t, "intake", "woocommerce-webhook-order-created")
	noHeader := loadEvent(t, "intake", "woocommerce-webhook-order-created")
	delete(noHeader.Headers, "x-wc-webhook-signature")
	garbled := loadEvent(t, "intake", "woocommerce-webhook-order-created")
	garbled.Headers["x-wc-webhook-signature"] = "not base64!"
	for _, ev := range []events.APIGatewayV2HTTPRequest{ev, noHeader, garbled} {
		resp := serve(t, r, ev)
		if resp.Status != http.StatusUnauthorized || resp.Error.Code != "invalid_signature" ||
			resp.Error.Message != "the webhook signature could not be verified" || strings.Contains(resp.Raw, "configured") ||
			strings.Contains(strings.ToLower(resp.Raw), "x-wc-webhook-signature") {
			t.Fatalf("answer %d %s", resp.Status, resp.Raw)
		}
	}
}
