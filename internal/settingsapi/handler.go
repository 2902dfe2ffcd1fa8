package settingsapi

import (
	"context"
	"fmt"
	"net/http"

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

// New returns the API over svc, which is required.
func New(svc Service) (*API, error) {
	if err := order.RequireDeps("settingsapi.New", order.Need("Service", svc)); err != nil {
		return nil, err
	}
	return &API{svc: svc}, nil
}

// Register adds the routes to r, each with the scope it needs.
func (a *API) Register(r *apihttp.Router) {
	read, write := apihttp.Scope(apihttp.ScopeOrdersRead), apihttp.Scope(apihttp.ScopeSettingsWrite)
	r.Handle(RouteGetSettings, a.getSettings, read)
	r.Handle(RoutePutSettings, a.putSettings, write)
	r.Handle(RouteGetRate, a.getRate, read)
	r.Handle(RoutePutRate, a.putRate, write)
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
	v, ok, err := apihttp.ExpectedVersion(ctx, req, 0, func(ctx context.Context) (int64, error) {
		_, v, err := a.svc.Settings(ctx)
		return v, err
	})
	if err != nil {
		return nil, err
	}
	if ok {
		expected = v
	}
	var body settingsBody
	if err := req.DecodeJSONStrict(&body); err != nil {
		return nil, err
	}
	if req.Header("If-Match") == "" && body.Version != nil {
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
	Rate order.JSONDecimal `json:"rate"`
}

func (a *API) putRate(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	c, day, err := ratePath(req)
	if err != nil {
		return nil, err
	}
	var body rateBody
	if err := req.DecodeJSONStrict(&body); err != nil {
		if order.CodeOf(err) == order.CodeInvalidAmount {
			return nil, invalidRate(err)
		}
		return nil, err
	}
	if !body.Rate.Set {
		e := order.E("settingsapi.PutRate", order.Invalid, "missing_field", "rate is required")
		e.Details = map[string]any{"field": "rate"}
		return nil, e
	}
	if !body.Rate.WrittenOut() {
		return nil, invalidRate(nil)
	}
	r := order.ExchangeRate{Currency: c, Date: day, Rate: body.Rate.Decimal}
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

// invalidRate is the error of a rate that is not a decimal written out
// (cause, if any, says why): the code of every refused rate,
// invalid_exchange_rate, as order.ExchangeRate.Validate's.
func invalidRate(cause error) error {
	return order.Wrap("settingsapi.PutRate", order.Invalid, "invalid_exchange_rate",
		fmt.Sprintf("the rate must be a positive decimal such as \"0.9231\", of at most %d characters", order.MaxDecimalChars), cause)
}
