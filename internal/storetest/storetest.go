package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Stores are the ports under test, all over the same data.
type Stores struct {
	Orders      order.OrderStore
	Idempotency order.IdempotencyStore
	Customers   order.CustomerStore
	Settings    order.SettingsStore
	Rates       order.RateStore
	Stock       order.StockStore
	Carts       order.CartStore
	Pending     order.PendingOrders
	Outbox      order.Outbox
	// Peer returns another OrderStore over the same data, as a second warm
	// Lambda would have: the concurrency tests spread their work over peers
	// so that races happen in the database, not only inside one instance.
	Peer func() order.OrderStore
}

// Factory builds fresh, empty stores for one test, on the given clock.
type Factory func(t *testing.T, clock *Clock) Stores

// Clock is a settable clock that the stores under test read, so that expiry
// can be tested without sleeping. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Epoch is where every test clock starts: a fixed time, so that runs are
// reproducible and month boundaries are known.
var Epoch = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// RunAll runs every contract test.
func RunAll(t *testing.T, f Factory) {
	t.Run("OrderStore", func(t *testing.T) { RunOrderStore(t, f) })
	t.Run("AcceptedOrders", func(t *testing.T) { RunAcceptedOrders(t, f) })
	t.Run("IdempotencyStore", func(t *testing.T) { RunIdempotencyStore(t, f) })
	t.Run("CustomerStore", func(t *testing.T) { RunCustomerStore(t, f) })
	t.Run("SettingsStore", func(t *testing.T) { RunSettingsStore(t, f) })
	t.Run("RateStore", func(t *testing.T) { RunRateStore(t, f) })
	t.Run("StockStore", func(t *testing.T) { RunStockStore(t, f) })
	t.Run("CartStore", func(t *testing.T) { RunCartStore(t, f) })
	t.Run("Outbox", func(t *testing.T) { RunOutbox(t, f) })
}

// newStores builds the stores of a subtest on a clock at Epoch.
func newStores(t *testing.T, f Factory) (Stores, *Clock) {
	t.Helper()
	clock := NewClock(Epoch)
	s := f(t, clock)
	if s.Peer == nil {
		s.Peer = func() order.OrderStore { return s.Orders }
	}
	return s, clock
}

// orderSpec describes a test order; newOrder fills the rest.
type orderSpec struct {
	ext       string // external id; "" for a manual order
	email     string
	sku       string
	created   time.Time
	payment   order.PaymentStatus
	fulfil    order.FulfilmentStatus
	currency  order.Currency
	unitPrice string
	oneLine   bool // a single line: the smallest order, for the load tests
}

// newOrder builds a valid order from a spec, with its totals computed.
func newOrder(t *testing.T, s orderSpec) *order.Order {
	t.Helper()
	if s.payment.IsZero() {
		s.payment = order.AwaitingPayment
	}
	if s.fulfil.IsZero() {
		s.fulfil = order.AwaitingProcessing
	}
	if s.currency.IsZero() {
		s.currency = order.EUR
	}
	if s.unitPrice == "" {
		s.unitPrice = "12.50"
	}
	if s.sku == "" {
		s.sku = "MUG-001"
	}
	src := order.SourceShopify
	if s.ext == "" {
		src = order.SourceManual
	}
	o := &order.Order{
		Source:     src,
		ExternalID: s.ext,
		Customer:   order.Customer{Name: "Camille Martin", Email: s.email, Locale: "fr-FR"},
		Lines: []order.LineItem{
			{SKU: s.sku, Name: "Mug émaillé", Quantity: 2, UnitPrice: decimal.RequireFromString(s.unitPrice), VATRate: decimal.NewFromInt(20)},
			{SKU: "TEA-42", Name: "Thé vert", Quantity: 1, UnitPrice: decimal.RequireFromString("7.90"), VATRate: decimal.RequireFromString("5.5")},
		},
		ShippingLines:    []order.ShippingLine{{Title: "Colissimo", Price: decimal.RequireFromString("4.95"), VATRate: decimal.NewFromInt(20)}},
		PricesIncludeTax: true,
		Currency:         s.currency,
		Payment:          s.payment,
		Fulfilment:       s.fulfil,
		CreatedAt:        s.created,
	}
	if s.oneLine {
		o.Lines, o.ShippingLines = o.Lines[:1], nil
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatalf("compute totals: %v", err)
	}
	o.Totals = totals
	return o
}

// wantKind fails the test unless err is an *order.Error of kind and code.
func wantKind(t *testing.T, err error, kind order.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s/%s", kind, code)
	}
	if got := order.KindOf(err); got != kind {
		t.Fatalf("got kind %s (%v), want %s/%s", got, err, kind, code)
	}
	if code != "" {
		if got := order.CodeOf(err); got != code {
			t.Fatalf("got code %q (%v), want %s/%s", got, err, kind, code)
		}
	}
}

// NumberAtOnce is an order store whose accepted orders are numbered (and
// their carts recovered, with Carts) as soon as they are stored: what the
// numbering consumer of the table's stream does a moment later. Tests of
// what a delivery ends in use it; tests of the moment before the number
// use the store alone.
type NumberAtOnce struct {
	order.OrderStore
	Carts order.CartStore // nil: no cart recovery
}

// Accept accepts the order, then numbers it as NumberingFunction would.
func (s NumberAtOnce) Accept(ctx context.Context, o *order.Order, p order.PendingCreation) (*order.Order, error) {
	accepted, err := s.OrderStore.Accept(ctx, o, p)
	if err != nil {
		return nil, err
	}
	return order.NumberAccepted(ctx, s.OrderStore, s.Carts, accepted.ID, time.Now())
}

// NewLifecycle returns the lifecycle service over deps, failing the test
// when a dependency is missing.
func NewLifecycle(t testing.TB, deps order.LifecycleDeps) *order.Lifecycle {
	t.Helper()
	svc, err := order.NewLifecycle(deps)
	if err != nil {
		t.Fatalf("new lifecycle: %v", err)
	}
	return svc
}
