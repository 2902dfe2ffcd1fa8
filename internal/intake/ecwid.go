package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/ordersmith/ordersmith/internal/intake/ssmsecrets"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// TokenSource returns the current Ecwid API token: ssmsecrets.Store's
// Parameter, which caches it and re-reads it after a while, so that a new
// token takes effect without a deployment.
type TokenSource func(ctx context.Context) (string, error)

// Ecwid is a webhook.EcwidClient that reads its API token when an Ecwid
// order is first fetched, not at cold start: a shop without Ecwid never
// needs the parameter, and one with Ecwid gets a rotated token without a
// redeployment.
type Ecwid struct {
	token    TokenSource
	baseURL  string
	currency string
	http     *http.Client

	mu     sync.Mutex
	client *webhook.EcwidHTTP
	forTok string
}

var _ webhook.EcwidClient = (*Ecwid)(nil)

// NewEcwid returns the client. baseURL is the API root without the store id
// (empty: webhook.DefaultEcwidBaseURL); currency is the store's (empty:
// EUR); httpClient may be nil.
func NewEcwid(token TokenSource, baseURL, currency string, httpClient *http.Client) *Ecwid {
	return &Ecwid{token: token, baseURL: baseURL, currency: currency, http: httpClient}
}

// Order implements webhook.EcwidClient.
func (e *Ecwid) Order(ctx context.Context, storeID, orderID string) (webhook.EcwidOrder, error) {
	const op = "intake.Ecwid.Order"
	tok, err := e.token(ctx)
	switch {
	case err == nil && tok == "", errors.Is(err, ssmsecrets.ErrNotFound):
		// Without a token no Ecwid order can be read: our configuration is
		// wrong, and a retry in a minute will not fix it.
		return webhook.EcwidOrder{}, order.E(op, order.Internal, "ecwid_not_configured", "the Ecwid API token is not configured")
	case err != nil:
		return webhook.EcwidOrder{}, order.Wrap(op, order.Transient, "secrets_unavailable",
			"the Ecwid API token could not be read", fmt.Errorf("read Ecwid API token: %w", err))
	}
	return e.clientFor(tok).Order(ctx, storeID, orderID)
}

// clientFor returns the HTTP client of a token, built once per token.
func (e *Ecwid) clientFor(tok string) *webhook.EcwidHTTP {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client == nil || e.forTok != tok {
		e.client = webhook.NewEcwidHTTP(webhook.EcwidConfig{BaseURL: e.baseURL, Token: tok, Currency: e.currency, HTTPClient: e.http})
		e.forTok = tok
	}
	return e.client
}
