package cartreminders_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/apihttp/apihttptest"
	"github.com/ordersmith/ordersmith/internal/cartreminders"
)

// serve sends one API Gateway request to the function's entry point.
func (e *env) serve(t *testing.T, method, path string, pathParams map[string]string, token string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	route := method + " " + path
	if pathParams["id"] != "" {
		route = method + " /carts/{id}/recover"
	}
	ev := events.APIGatewayV2HTTPRequest{RouteKey: route, RawPath: path, PathParameters: pathParams,
		QueryStringParameters: map[string]string{"token": token}}
	ev.RequestContext.HTTP.Method = method
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.h.Lambda(e.h.Router())(context.Background(), raw)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp, ok := out.(events.APIGatewayV2HTTPResponse)
	if !ok {
		t.Fatalf("%s %s answered %T", method, path, out)
	}
	return resp
}

// sentLinks runs the first reminder of a new cart and returns its
// recovery and unsubscribe tokens.
func sentLinks(t *testing.T, e *env) (cartID, recoverToken, unsubToken string) {
	t.Helper()
	c := e.addCart(t, "chk-1", "lea@example.fr")
	e.at(time.Hour)
	if res := e.run(t); res.Sent != 1 {
		t.Fatalf("run: %+v", res)
	}
	m := e.mail.emails()[0]
	u, err := url.Parse(strings.Trim(header(m, "List-Unsubscribe"), "<>"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(m.Text, "https://api.example.fr/dev/carts/")
	link, err := url.Parse(strings.Fields(m.Text[i:])[0])
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, link.Query().Get("token"), u.Query().Get("token")
}

func TestRecoverRedirectsToTheCartWithUTMTags(t *testing.T) {
	e := newEnv(t)
	id, token, unsub := sentLinks(t, e)
	for range 2 {
		resp := e.serve(t, http.MethodGet, "/carts/"+id+"/recover", map[string]string{"id": id}, token)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("recover: %d %s", resp.StatusCode, resp.Body)
		}
		loc, err := url.Parse(resp.Headers["Location"])
		if err != nil || loc.Host != "boutique.example.fr" || loc.Path != "/cart/chk-1" {
			t.Fatalf("redirected to %q", resp.Headers["Location"])
		}
		q := loc.Query()
		if q.Get("ref") != "x" || q.Get("utm_source") != "ordersmith" || q.Get("utm_medium") != "email" ||
			q.Get("utm_campaign") != "abandoned_cart" || q.Get("utm_content") != "reminder-1" {
			t.Fatalf("query %v", q)
		}
	}
	if recs := e.records(t, id); recs[0].Clicks != 2 {
		t.Fatalf("clicks %d, want 2", recs[0].Clicks)
	}

	refused := []struct {
		name, id, token string
		status          int
	}{
		{"forged", id, token[:len(token)-2] + "AA", http.StatusBadRequest},
		{"another cart", "01OTHERCART", token, http.StatusBadRequest},
		{"an unsubscribe token", id, unsub, http.StatusBadRequest},
		{"garbage", id, "not-a-token", http.StatusBadRequest},
		{"none", id, "", http.StatusBadRequest},
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			resp := e.serve(t, http.MethodGet, "/carts/"+r.id+"/recover", map[string]string{"id": r.id}, r.token)
			if resp.StatusCode != r.status || resp.Headers["Location"] != "" || !strings.HasPrefix(resp.Headers["Content-Type"], "text/html") {
				t.Fatalf("%d %v %s", resp.StatusCode, resp.Headers, resp.Body)
			}
		})
	}
	e.at(time.Hour + cartreminders.RecoverTokenTTL)
	resp := e.serve(t, http.MethodGet, "/carts/"+id+"/recover", map[string]string{"id": id}, token)
	if resp.StatusCode != http.StatusGone || resp.Headers["Location"] != "" {
		t.Fatalf("expired: %d %v", resp.StatusCode, resp.Headers)
	}
}

func TestUnsubscribeRoutes(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			e := newEnv(t)
			_, recoverToken, token := sentLinks(t, e)
			if resp := e.serve(t, method, "/unsubscribe", nil, recoverToken); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("a recovery token unsubscribes: %d", resp.StatusCode)
			}
			if ok, _ := e.recovery.Suppressed(context.Background(), "lea@example.fr"); ok {
				t.Fatal("suppressed by a refused token")
			}
			resp := e.serve(t, method, "/unsubscribe", nil, token)
			if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Unsubscribed") {
				t.Fatalf("unsubscribe: %d %s", resp.StatusCode, resp.Body)
			}
			if ok, _ := e.recovery.Suppressed(context.Background(), "lea@example.fr"); !ok {
				t.Fatal("not suppressed")
			}
		})
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	now := lastActivity
	tok, _ := cartreminders.NewTokens(func(context.Context) ([]byte, error) { return testKey, nil })
	other, _ := cartreminders.NewTokens(func(context.Context) ([]byte, error) { return []byte(strings.Repeat("k", 32)), nil })
	short, _ := cartreminders.NewTokens(func(context.Context) ([]byte, error) { return []byte("short"), nil })
	c := cartreminders.Claims{Purpose: cartreminders.PurposeUnsubscribe, CartID: "cart-1", Step: 2, Email: "lea@example.fr", Expires: now.Add(time.Hour)}
	s, err := tok.Sign(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tok.Verify(ctx, s, cartreminders.PurposeUnsubscribe, now)
	if err != nil || got.CartID != "cart-1" || got.Step != 2 || got.Email != "lea@example.fr" {
		t.Fatalf("verify: %+v, %v", got, err)
	}
	cases := []struct {
		name  string
		t     *cartreminders.Tokens
		token string
		at    time.Time
		code  string
	}{
		{"another key", other, s, now, cartreminders.CodeInvalidToken},
		{"expired", tok, s, now.Add(time.Hour), cartreminders.CodeExpiredToken},
		{"claims changed", tok, "eyJwIjoidW5zdWJzY3JpYmUiLCJjIjoiY2FydC0yIn0" + s[strings.Index(s, "."):], now, cartreminders.CodeInvalidToken},
		{"short key", short, s, now, "token_key_too_short"},
	}
	for _, tc := range cases {
		if _, err := tc.t.Verify(ctx, tc.token, cartreminders.PurposeUnsubscribe, tc.at); codeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestTemplateDeclaresEveryRoute(t *testing.T) {
	e := newEnv(t)
	r := e.h.Router()
	want := map[string]string{cartreminders.RouteUnsubscribeOneClick: "", cartreminders.RouteUnsubscribePage: "", cartreminders.RouteRecover: ""}
	for route, scope := range r.Routes() {
		if w, ok := want[route]; !ok || w != scope {
			t.Errorf("%s registered with scope %q, want %q", route, scope, w)
		}
	}
	if len(r.Routes()) != len(want) {
		t.Errorf("routes = %v, want %v", r.Routes(), want)
	}
	apihttptest.CheckTemplateRoutes(t, "../../template.yaml", "CartRemindersFunction", "StaffJwt", r)
}

// TestEventSamples hands every sample of events/cartreminders/ to the
// function's entry point: the schedule runs, the forged links are refused
// with a page.
func TestEventSamples(t *testing.T) {
	files, err := filepath.Glob("../../events/cartreminders/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("samples %v (%v)", files, err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, ".expect.json") {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var expect struct {
				StatusCode int `json:"statusCode"`
			}
			if b, err := os.ReadFile(strings.TrimSuffix(path, ".json") + ".expect.json"); err == nil {
				if err := json.Unmarshal(b, &expect); err != nil {
					t.Fatal(err)
				}
			}
			e := newEnv(t)
			e.addCart(t, "chk-1", "lea@example.fr")
			e.at(time.Hour)
			out, err := e.h.Lambda(e.h.Router())(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			switch v := out.(type) {
			case cartreminders.RunResult:
				if expect.StatusCode != 0 || v.Sent != 1 {
					t.Fatalf("run %+v", v)
				}
			case events.APIGatewayV2HTTPResponse:
				if v.StatusCode != expect.StatusCode || v.Headers["Location"] != "" {
					t.Fatalf("answer %d %v, want %d", v.StatusCode, v.Headers, expect.StatusCode)
				}
			default:
				t.Fatalf("answer %T", out)
			}
		})
	}
}
