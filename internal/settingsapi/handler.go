package settingsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

// The route keys, exactly as template.yaml declares them on
// SettingsFunction.
const (
	RouteGetSettings = "GET /settings"
	RoutePutSettings = "PUT /settings"
	RouteGetRate     = "GET /exchange-rates/{currency}/{date}"
	RoutePutRate     = "PUT /exchange-rates/{currency}/{date}"
)

// The scopes, in the spelling of the local and OIDC issuers; Cognito's
// "orders/read" and "orders/write" are accepted too.
const (
	ScopeRead  = "orders:read"
	ScopeWrite = "orders:write"
)

// Routes lists every route with the scope it needs, for the test that keeps
// template.yaml in step.
var Routes = map[string]string{
	RouteGetSettings: ScopeRead,
	RoutePutSettings: ScopeWrite,
	RouteGetRate:     ScopeRead,
	RoutePutRate:     ScopeWrite,
}

// Service is what the handlers call: *order.SettingsAdmin.
type Service interface {
	Settings(ctx context.Context) (order.Settings, int64, error)
	UpdateSettings(ctx context.Context, s order.Settings, expectedVersion int64) (order.Settings, int64, error)
	PutRate(ctx context.Context, r order.ExchangeRate) error
	RateOn(ctx context.Context, c order.Currency, day order.Date) (order.ExchangeRate, error)
}

var _ Service = (*order.SettingsAdmin)(nil)

// API serves the settings routes.
type API struct{ svc Service }

// New returns the API over svc.
func New(svc Service) *API { return &API{svc: svc} }

// Register adds the routes to r.
func (a *API) Register(r *apihttp.Router) {
	r.Handle(RouteGetSettings, scoped(ScopeRead, a.getSettings))
	r.Handle(RoutePutSettings, scoped(ScopeWrite, a.putSettings))
	r.Handle(RouteGetRate, scoped(ScopeRead, a.getRate))
	r.Handle(RoutePutRate, scoped(ScopeWrite, a.putRate))
}

// Router returns a router with the routes, for the Lambda's main.
func (a *API) Router(opts ...apihttp.Option) *apihttp.Router {
	r := apihttp.NewRouter(opts...)
	a.Register(r)
	return r
}

// settingsView is the settings with their version (also the ETag).
type settingsView struct {
	order.Settings
	Version int64 `json:"version"`
}

func settingsResponse(s order.Settings, version int64) (*apihttp.Response, error) {
	resp, err := apihttp.JSON(http.StatusOK, settingsView{Settings: s, Version: version})
	if err != nil {
		return nil, err
	}
	return resp.WithHeader("ETag", apihttp.ETag(version)), nil
}

func (a *API) getSettings(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	s, v, err := a.svc.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return settingsResponse(s, v)
}

// settingsBody is the body of PUT /settings: the settings, as GET shows
// them; the version GET shows may come back in it, and is then the
// precondition when there is no If-Match.
type settingsBody struct {
	order.Settings
	Version *int64 `json:"version"`
}

// putSettings replaces the settings. If-Match (or the body's version) names
// the version edited ("0" before the first save); without either the write
// is still conditional on the version the service reads. numbering.next may
// only be raised (a lower one is 409 next_number_too_low); leaving it out
// keeps it.
func (a *API) putSettings(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	expected := int64(-1)
	pre, err := apihttp.IfMatch(req)
	if err != nil {
		return nil, err
	}
	if pre.IsSet() {
		v, ok := pre.ExpectedVersion()
		switch {
		case ok:
			expected = v
		case !pre.Matches(-1):
			// Only "*" matches a version that cannot exist: anything
			// else names no version of ours and can never hold.
			return nil, pre.Check(-1)
		}
	}
	var body settingsBody
	if err := req.DecodeJSONStrict(&body); err != nil {
		return nil, err
	}
	if !pre.IsSet() && body.Version != nil {
		if *body.Version < 0 {
			return nil, order.E("settingsapi.PutSettings", order.Invalid, "invalid_version", "version must not be negative")
		}
		expected = *body.Version
	}
	s, v, err := a.svc.UpdateSettings(ctx, body.Settings, expected)
	if err != nil {
		return nil, err
	}
	return settingsResponse(s, v)
}

// rateView is an exchange rate as the API shows it: the rate an order of
// that currency on that date converts with, and the date it was published
// for (the same, or the latest earlier one).
type rateView struct {
	Currency string `json:"currency"`
	Date     string `json:"date"`
	Rate     string `json:"rate"`
	RateDate string `json:"rateDate"`
}

func (a *API) getRate(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	c, day, err := ratePath(req)
	if err != nil {
		return nil, err
	}
	r, err := a.svc.RateOn(ctx, c, day)
	if err != nil {
		return nil, err
	}
	return apihttp.JSON(http.StatusOK, rateView{Currency: c.Code(), Date: day.String(), Rate: r.Rate.String(), RateDate: r.Date.String()})
}

// rateBody is the body of PUT /exchange-rates/{currency}/{date}: the value
// of one unit of the currency in the company currency, as a decimal string.
type rateBody struct {
	Rate *rateValue `json:"rate"`
}

func (a *API) putRate(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	c, day, err := ratePath(req)
	if err != nil {
		return nil, err
	}
	var body rateBody
	if err := req.DecodeJSONStrict(&body); err != nil {
		return nil, err
	}
	if body.Rate == nil {
		e := order.E("settingsapi.PutRate", order.Invalid, "missing_field", "rate is required")
		e.Details = map[string]any{"field": "rate"}
		return nil, e
	}
	r := order.ExchangeRate{Currency: c, Date: day, Rate: body.Rate.d}
	if err := a.svc.PutRate(ctx, r); err != nil {
		return nil, err
	}
	return apihttp.JSON(http.StatusOK, rateView{Currency: c.Code(), Date: day.String(), Rate: r.Rate.String(), RateDate: day.String()})
}

// ratePath reads the currency and the date of a rate route.
func ratePath(req *apihttp.Request) (order.Currency, order.Date, error) {
	c, err := order.ParseCurrency(req.PathParam("currency"))
	if err != nil {
		return order.Currency{}, order.Date{}, err
	}
	day, err := order.ParseDate(req.PathParam("date"))
	if err != nil {
		return order.Currency{}, order.Date{}, err
	}
	return c, day, nil
}

// maxRateChars bounds a rate's text, so that no giant literal reaches the
// decimal parser.
const maxRateChars = 40

var rateSyntax = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// rateValue is a rate read from a JSON string ("0.9231") or number.
type rateValue struct{ d decimal.Decimal }

// UnmarshalJSON implements json.Unmarshaler.
func (r *rateValue) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	s = strings.TrimSpace(s)
	if len(s) > maxRateChars || !rateSyntax.MatchString(s) {
		return order.E("settingsapi.rate", order.Invalid, "invalid_exchange_rate",
			fmt.Sprintf("the rate must be a positive decimal such as \"0.9231\", of at most %d characters", maxRateChars))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return order.Wrap("settingsapi.rate", order.Invalid, "invalid_exchange_rate", "the rate is not a decimal number", err)
	}
	r.d = d
	return nil
}

// scoped checks the scope, in either spelling, before h runs: API Gateway
// checks the route's scopes already, and this second lock still holds if a
// route is ever deployed without them.
func scoped(scope string, h apihttp.HandlerFunc) apihttp.HandlerFunc {
	return func(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
		c, err := req.Claims()
		if err != nil {
			return nil, err
		}
		alt := strings.Replace(scope, ":", "/", 1)
		if !c.HasScope(scope) && !c.HasScope(alt) {
			e := order.E("settingsapi.RequireScope", order.Forbidden, "missing_scope", fmt.Sprintf("this action needs the %q scope", scope))
			e.Details = map[string]any{"required_scope": scope, "accepted": []string{scope, alt}}
			return nil, e
		}
		return h(ctx, req)
	}
}
