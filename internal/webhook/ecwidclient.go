package webhook

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// DefaultEcwidBaseURL is the Ecwid REST API v3 root; the store id follows it.
const DefaultEcwidBaseURL = "https://app.ecwid.com/api/v3"

// What an Ecwid store id and order id look like: a store id is a number;
// an order id is the order's number or its id with the prefix and suffix
// the store chose ("BTQ-1042", "MYSTORE-X8UYE"). Anything else is refused
// before it goes into a URL.
var (
	ecwidStoreIDPattern = regexp.MustCompile(`^[0-9]{1,20}$`)
	ecwidOrderIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// checkEcwidID refuses an id that does not match its pattern.
func checkEcwidID(op, field, id string, pattern *regexp.Regexp) error {
	if !pattern.MatchString(id) {
		e := order.E(op, order.Invalid, "invalid_id", fmt.Sprintf("%s %.40q is not an Ecwid id", field, id))
		e.Details = map[string]any{"field": field}
		return e
	}
	return nil
}

// DefaultEcwidTimeout bounds one order fetch. The intake function has 5 s
// in all; a slow Ecwid must leave it time to answer 503 so that Ecwid retries.
const DefaultEcwidTimeout = 3 * time.Second

// EcwidHTTP is the EcwidClient over the Ecwid REST API.
type EcwidHTTP struct {
	baseURL  string
	token    string
	currency string
	client   *http.Client
}

var _ EcwidClient = (*EcwidHTTP)(nil)

// EcwidConfig configures NewEcwidHTTP.
type EcwidConfig struct {
	// BaseURL is the API root without the store id; empty means
	// DefaultEcwidBaseURL. Tests point it at a local stand-in.
	BaseURL string
	// Token is the store's secret access token (sent as a Bearer token).
	Token string
	// Currency is the store's ISO 4217 currency; empty means EUR.
	Currency string
	// HTTPClient is used as is when set; otherwise a client with
	// DefaultEcwidTimeout is built.
	HTTPClient *http.Client
}

// NewEcwidHTTP builds the client once, at cold start.
func NewEcwidHTTP(cfg EcwidConfig) *EcwidHTTP {
	c := &EcwidHTTP{
		baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
		token:    cfg.Token,
		currency: cfg.Currency,
		client:   cfg.HTTPClient,
	}
	if c.baseURL == "" {
		c.baseURL = DefaultEcwidBaseURL
	}
	if c.currency == "" {
		c.currency = order.EUR.Code()
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: DefaultEcwidTimeout}
	}
	return c
}

// Order fetches GET {base}/{storeID}/orders/{orderID}, the ids path-escaped
// (the webhook parser has already refused any that is not an Ecwid id). A 404 is an Invalid
// "not_found" error (the webhook names an order that does not exist); 429,
// 5xx and network failures are Transient (the webhook should be retried);
// a refused token is Internal (our configuration is wrong).
func (c *EcwidHTTP) Order(ctx context.Context, storeID, orderID string) (EcwidOrder, error) {
	const op = "webhook.EcwidHTTP.Order"
	if storeID == "" || orderID == "" {
		return EcwidOrder{}, order.E(op, order.Invalid, "missing_field", "a store id and an order id are required")
	}
	// Checked here, where the URL is built, whatever the caller checked.
	if err := checkEcwidID(op, "storeId", storeID, ecwidStoreIDPattern); err != nil {
		return EcwidOrder{}, err
	}
	if err := checkEcwidID(op, "orderId", orderID, ecwidOrderIDPattern); err != nil {
		return EcwidOrder{}, err
	}

	u := c.baseURL + "/" + url.PathEscape(storeID) + "/orders/" + url.PathEscape(orderID)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return EcwidOrder{}, order.Wrap(op, order.Internal, "ecwid_request_failed", "the Ecwid request could not be built",
			fmt.Errorf("build Ecwid request for order %s: %w", orderID, err))
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return EcwidOrder{}, order.Wrap(op, order.Transient, "ecwid_unavailable", "Ecwid did not answer",
			fmt.Errorf("get Ecwid order %s of store %s: %w", orderID, storeID, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return EcwidOrder{}, order.Wrap(op, order.Transient, "ecwid_unavailable", "the Ecwid answer was cut short",
			fmt.Errorf("read Ecwid order %s of store %s: %w", orderID, storeID, err))
	}
	status := resp.StatusCode
	switch {
	case status == http.StatusOK:
		if len(body) > MaxBodyBytes {
			return EcwidOrder{}, order.E(op, order.TooLarge, "body_too_large", fmt.Sprintf("the Ecwid order %s is over the size limit", orderID))
		}
		return EcwidOrder{JSON: body, Currency: c.currency}, nil
	case status == http.StatusNotFound:
		return EcwidOrder{}, order.E(op, order.Invalid, order.CodeNotFound, fmt.Sprintf("Ecwid has no order %s in store %s", orderID, storeID))
	case status == http.StatusTooManyRequests || status >= 500:
		return EcwidOrder{}, order.E(op, order.Transient, "ecwid_unavailable", fmt.Sprintf("Ecwid answered %d for order %s", status, orderID))
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return EcwidOrder{}, order.E(op, order.Internal, "ecwid_unauthorized", fmt.Sprintf("Ecwid refused our token for store %s (%d)", storeID, status))
	default:
		return EcwidOrder{}, order.E(op, order.Internal, "ecwid_request_failed", fmt.Sprintf("Ecwid answered %d for order %s", status, orderID))
	}
}
