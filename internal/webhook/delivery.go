package webhook

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// MaxBodyBytes is the largest webhook body accepted (1 MiB). Storefront
// orders are a few kilobytes; the limit bounds the work an unauthenticated
// caller can cause, so it is checked before anything else.
const MaxBodyBytes = 1 << 20

// Kind says what a delivery carries.
type Kind int

// The kinds of delivery. The zero Kind is invalid so that a forgotten
// assignment cannot pass for an order.
const (
	KindOrder Kind = iota + 1 // an order to create or update
	KindCart                  // a checkout in progress, for abandoned-cart tracking
	KindPing                  // acknowledge, write nothing: a reachability test, or a checkout emptied of its lines
)

// String returns the kind's name: "order", "cart" or "ping".
func (k Kind) String() string {
	switch k {
	case KindOrder:
		return "order"
	case KindCart:
		return "cart"
	case KindPing:
		return "ping"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Delivery is one verified webhook delivery, normalised.
//
// For KindOrder, Order holds the storefront's order as domain input: lines,
// discounts, shipping lines, tax mode, currency, customer, addresses, mapped
// statuses, ExternalID, ExternalUpdatedAt, UTM, note, payment and shipping
// methods. ID, Number, Seq, Totals, Version and the timestamps we own are
// left zero: the intake service assigns them (order.Normalise). For
// KindCart, Cart is set instead, with its storefront fields only (no ID, no
// reminder state); for KindPing, neither.
type Delivery struct {
	Source order.Source
	Kind   Kind
	// Topic is the storefront's event name as sent: "orders/create",
	// "order.updated", "unfinished_order.created"...
	Topic string
	// DeliveryID is the deduplication key of this delivery, unique per
	// Source: a retry of the same delivery carries the same DeliveryID.
	DeliveryID string
	// EventID identifies the change itself when the storefront says so
	// (Shopify's X-Shopify-Event-Id, Ecwid's eventId); for WooCommerce it is
	// "<order id>@<date_modified_gmt>", which two deliveries of the same
	// change share. Empty when unknown.
	EventID string
	Order   *order.Order
	// Creation is true for a KindOrder delivery of the storefront's "order
	// created" event (Shopify orders/create, WooCommerce and Ecwid
	// order.created, generic order.created): most often a new order, which
	// the intake then creates without reading first.
	Creation bool
	// Reported are the storefront's own grand total and VAT, for
	// order.Reconcile against our computed totals.
	Reported order.ReportedTotals
	// CartExternalID names the checkout (Cart.ExternalID of an earlier
	// KindCart delivery) this order completes, so that the cart stops being
	// reminded: Shopify's checkout_token; for WooCommerce and Ecwid, whose
	// checkout drafts become the order under the same id, the order's own id.
	CartExternalID string
	Cart           *order.Cart
	// CheckoutCompleted is true for a KindCart delivery whose checkout has
	// already become an order (Shopify completed_at): nothing to remind.
	CheckoutCompleted bool
	// Cancelled is true when the storefront says the order is cancelled
	// in what it signs (Shopify cancelled_at, WooCommerce "cancelled",
	// Ecwid paymentStatus CANCELLED, generic "cancelled": true): an
	// unsigned header never sets it.
	Cancelled bool
	// Fetch is set on a delivery returned by Verify that only names its
	// content (an Ecwid event names an order): Order, Cart, Reported,
	// Cancelled and CartExternalID are then empty, and Fetch reads them
	// from the storefront's API and returns the complete Delivery, checked
	// as Parse checks one. Each call costs an API request: the intake calls
	// it once it holds the claim on DeliveryID, which the storefront signs,
	// so that a retry or a replayed signature is answered without it.
	Fetch func(ctx context.Context) (*Delivery, error)
}

// Deps are the ports Parse needs.
type Deps struct {
	// Secrets returns the active signing secrets of a source. Required.
	Secrets Secrets
	// Ecwid fetches orders named by Ecwid webhooks. Required for Ecwid only.
	Ecwid EcwidClient
	// EcwidStoreID is the id of the Ecwid store this deployment serves.
	// Ecwid signs only an event's eventCreated and eventId: an event for
	// any other store is refused as a forgery. Required for Ecwid only.
	EcwidStoreID string
	// Now is the clock the generic format's timestamp window is checked
	// against; nil means time.Now.
	Now func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// Parse verifies and decodes one webhook delivery from the named source
// ("shopify", "woocommerce", "ecwid" or "generic"), fetching its content
// when the delivery only names it: Verify, then Delivery.Fetch. headers are
// the HTTP request headers with lower-cased names (as API Gateway v2
// delivers them); body is the raw request body, exactly as signed.
//
// Every failure is an *order.Error: TooLarge for a body over MaxBodyBytes
// (checked first), Unauthenticated for a missing, wrong or stale signature
// (or an Ecwid event of another store), Invalid for anything malformed or
// unknown, Transient when a dependency (secrets store, Ecwid API) failed and
// a retry may succeed. A returned Delivery's Order, if any, has passed
// order.Validate. Parse writes nothing.
func Parse(ctx context.Context, source string, headers map[string]string, body []byte, deps Deps) (*Delivery, error) {
	d, err := Verify(ctx, source, headers, body, deps)
	if err != nil || d.Fetch == nil {
		return d, err
	}
	return d.Fetch(ctx)
}

// Verify is Parse without the fetch: it checks everything the delivery
// carries and signs, and returns a delivery whose Fetch, when set, reads the
// rest (see Delivery.Fetch). It makes no call to a storefront's API.
func Verify(ctx context.Context, source string, headers map[string]string, body []byte, deps Deps) (*Delivery, error) {
	const op = "webhook.Parse"
	if len(body) > MaxBodyBytes {
		return nil, order.E(op, order.TooLarge, "body_too_large",
			fmt.Sprintf("the body is %d bytes, over the %d-byte limit", len(body), MaxBodyBytes))
	}
	if deps.Secrets == nil {
		return nil, order.E(op, order.Internal, "secrets_not_configured", "no webhook secrets store is configured")
	}
	h := lowerKeys(headers)
	var (
		d   *Delivery
		err error
	)
	switch order.Source(source) {
	case order.SourceShopify:
		d, err = parseShopify(ctx, h, body, deps)
	case order.SourceWooCommerce:
		d, err = parseWooCommerce(ctx, h, body, deps)
	case order.SourceEcwid:
		d, err = parseEcwid(ctx, h, body, deps)
	case order.SourceGeneric:
		d, err = parseGeneric(ctx, h, body, deps)
	default:
		return nil, order.E(op, order.Invalid, "unknown_source", fmt.Sprintf("no webhook intake for source %q", source))
	}
	if err != nil {
		return nil, err
	}
	if fetch := d.Fetch; fetch != nil {
		d.Fetch = func(ctx context.Context) (*Delivery, error) {
			full, err := fetch(ctx)
			if err != nil {
				return nil, err
			}
			return checked(op, full)
		}
	}
	return checked(op, d)
}

// checked applies the checks every delivery gets, fetched or not.
func checked(op string, d *Delivery) (*Delivery, error) {
	// The intake stores the delivery id as an idempotency key: a
	// sender-chosen Idempotency-Key must not be arbitrarily long.
	if len(d.DeliveryID) > order.MaxIdempotencyKeyBytes {
		return nil, order.E(op, order.Invalid, "invalid_delivery_id",
			fmt.Sprintf("the delivery id is longer than %d bytes", order.MaxIdempotencyKeyBytes))
	}
	if d.Order != nil {
		if err := d.Order.Validate(); err != nil {
			return nil, err
		}
	}
	if d.Cart != nil {
		if err := d.Cart.Validate(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// lowerKeys returns headers with lower-cased names. API Gateway v2 already
// lower-cases them; other callers (tests, the local runtime) may not, and a
// signature check must not fail on the spelling of a header name.
func lowerKeys(headers map[string]string) map[string]string {
	for k := range headers {
		if k != strings.ToLower(k) {
			out := make(map[string]string, len(headers))
			for k, v := range headers {
				out[strings.ToLower(k)] = v
			}
			return out
		}
	}
	return headers
}

// header returns the trimmed value of a lower-cased header name.
func header(h map[string]string, name string) string { return strings.TrimSpace(h[name]) }

// missing is the error for a required field or header that is absent.
func missing(op, field string) error {
	return order.E(op, order.Invalid, "missing_field", fmt.Sprintf("%s is required", field))
}

// unknownTopic is the error for an event the source sends but we do not handle.
func unknownTopic(op string, src order.Source, topic string) error {
	return order.E(op, order.Invalid, "unknown_topic", fmt.Sprintf("%s topic %q is not handled", src, topic))
}
