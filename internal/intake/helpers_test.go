package intake_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
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
	"github.com/ordersmith/ordersmith/internal/webhook/ecwidstub"
)

// repoRoot is where the shared fixtures live: events/ and the webhook
// package's testdata.
const repoRoot = "../.."

// samplesSignedAt is when the sample events in events/intake were signed
// (internal/webhook/testdata/samples.json): the generic format's signature
// is only valid around that time.
var samplesSignedAt = time.Date(2025, 3, 14, 10, 2, 5, 0, time.UTC)

// ecwidStoreID is the Ecwid store of the samples, configured as ours.
const ecwidStoreID = "7301234"

// ecwidToken is the token the Ecwid stand-in of the tests accepts.
const ecwidToken = "ecwid_test_token"

// loadEvent reads an API Gateway event from events/<dir>/<name>.json.
func loadEvent(t testing.TB, dir, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "events", dir, name+".json"))
	if err != nil {
		t.Fatalf("read event: %v", err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("decode event %s: %v", name, err)
	}
	return ev
}

// sampleNames lists the storefront sample events.
func sampleNames(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "events", "intake", "*-webhook-*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no sample events: %v", err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	sort.Strings(names)
	return names
}

// localSecrets are the local stack's webhook secrets, which signed the
// samples.
func localSecrets(t testing.TB) webhook.StaticSecrets {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "events", "webhook-secrets.local.json"))
	if err != nil {
		t.Fatalf("read local secrets: %v", err)
	}
	s, err := webhook.SecretsFromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ecwidAPI starts the Ecwid stand-in on a loopback port, serving the orders
// the Ecwid samples name.
func ecwidAPI(t testing.TB) string {
	t.Helper()
	stub := ecwidstub.New(ecwidToken)
	if err := stub.LoadDir(filepath.Join(repoRoot, "internal", "webhook", "testdata", "ecwid", "orders")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v3"
}

// webhookDeps are Parse's dependencies for the samples: the local secrets,
// the Ecwid stand-in, and a clock at the samples' signing time.
func webhookDeps(t testing.TB) webhook.Deps {
	t.Helper()
	token := func(context.Context) (string, error) { return ecwidToken, nil }
	return webhook.Deps{
		Secrets:      localSecrets(t),
		Ecwid:        intake.NewEcwid(token, ecwidAPI(t), "EUR", nil),
		EcwidStoreID: ecwidStoreID,
		Now:          func() time.Time { return samplesSignedAt },
	}
}

// newRouter wires the handlers over svc the way functions/intake does,
// with an in-memory quarantine and metrics written nowhere.
func newRouter(t testing.TB, svc intake.Service, deps webhook.Deps) *apihttp.Router {
	t.Helper()
	return newRouterWith(t, svc, deps, intake.Config{
		Quarantine: memstore.NewQuarantine(), Metrics: platform.NewMetrics(discard{}, platform.MetricsNamespace, nil),
	})
}

// newRouterWith is newRouter with the given quarantine and metrics.
func newRouterWith(t testing.TB, svc intake.Service, deps webhook.Deps, cfg intake.Config) *apihttp.Router {
	t.Helper()
	quiet := slog.New(slog.NewJSONHandler(discard{}, nil))
	h, err := intake.New(svc, deps, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h.Router(apihttp.WithLogger(quiet))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// signedWebhook builds a webhook event for body, signed as the storefront
// would sign it with its current local secret, with extra headers.
func signedWebhook(t testing.TB, src order.Source, body []byte, at time.Time, headers map[string]string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	secret := localSecrets(t)[string(src)][0]
	sig, err := webhook.SignatureHeaders(src, secret, body, at)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	h := map[string]string{"content-type": "application/json"}
	for k, v := range sig {
		h[k] = v
	}
	for k, v := range headers {
		h[k] = v
	}
	return webhookEvent(src, body, h)
}

func webhookEvent(src order.Source, body []byte, headers map[string]string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: intake.RouteWebhook, RawPath: "/webhooks/" + string(src),
		Headers: headers, PathParameters: map[string]string{"source": string(src)}, Body: string(body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-" + string(src), RouteKey: intake.RouteWebhook},
	}
}

// manualEvent is a POST /orders event carrying a verified token with the
// given scopes.
func manualEvent(body string, subject string, scopes []string, headers map[string]string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: intake.RouteManualOrder, RawPath: "/orders", Headers: headers, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-manual", RouteKey: intake.RouteManualOrder},
	}
	if subject != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": subject, "scope": strings.Join(scopes, " ")},
			},
		}
	}
	return ev
}

// response is the decoded answer of the router.
type response struct {
	Status  int
	Headers map[string]string
	Result  order.IntakeResult
	Order   order.Order
	Error   struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	// Quarantined is the answer to a delivery kept in the quarantine (202).
	Quarantined struct {
		Outcome      string `json:"outcome"`
		Code         string `json:"code"`
		QuarantineID string `json:"quarantineId"`
	}
	Raw string
}

// code is the answer's code: the error's, or the quarantine's reason.
func (r response) code() string {
	if r.Status == http.StatusAccepted {
		return r.Quarantined.Code
	}
	return r.Error.Code
}

func serve(t testing.TB, r *apihttp.Router, ev events.APIGatewayV2HTTPRequest) response {
	t.Helper()
	out, err := r.Serve(context.Background(), ev)
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	resp := response{Status: out.StatusCode, Headers: out.Headers, Raw: out.Body}
	if out.StatusCode >= 400 {
		var body struct {
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(out.Body), &body); err != nil || body.Error == nil {
			t.Fatalf("error body %q is not {\"error\":{...}}: %v", out.Body, err)
		}
		resp.Error.Code, resp.Error.Message = body.Error.Code, body.Error.Message
		return resp
	}
	if out.StatusCode == http.StatusAccepted {
		if err := json.Unmarshal([]byte(out.Body), &resp.Quarantined); err != nil || resp.Quarantined.Outcome != "quarantined" || resp.Quarantined.QuarantineID == "" {
			t.Fatalf("quarantine answer %q is not {\"outcome\":\"quarantined\",\"code\",\"quarantineId\"}: %v", out.Body, err)
		}
		return resp
	}
	if ev.RouteKey == intake.RouteManualOrder {
		if err := json.Unmarshal([]byte(out.Body), &resp.Order); err != nil {
			t.Fatalf("decode order %q: %v", out.Body, err)
		}
		return resp
	}
	if err := json.Unmarshal([]byte(out.Body), &resp.Result); err != nil {
		t.Fatalf("decode result %q: %v", out.Body, err)
	}
	return resp
}
