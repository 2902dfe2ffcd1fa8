package cartreminders_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/cartreminders"
	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// lastActivity is a Wednesday, 10:00 in Paris: every step of the default
// sequence falls in the day.
var lastActivity = time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// outbox is a Sender that keeps what it was given; fail makes the next
// sends fail with the given errors, one each.
type outbox struct {
	mu   sync.Mutex
	sent []notify.Email
	fail []error
}

func (o *outbox) Send(_ context.Context, e notify.Email) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.fail) > 0 {
		err := o.fail[0]
		o.fail = o.fail[1:]
		return err
	}
	o.sent = append(o.sent, e)
	return nil
}

func (o *outbox) emails() []notify.Email {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]notify.Email(nil), o.sent...)
}

type noMetrics struct{}

func (noMetrics) Count(string, map[string]string) error { return nil }

// env is the function over in-memory stores and a settable clock.
type env struct {
	store    *memstore.Store
	recovery *memstore.Recovery
	mail     *outbox
	clock    *storetest.Clock
	tokens   *cartreminders.Tokens
	h        *cartreminders.Handler
	sleeps   []time.Duration
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{clock: storetest.NewClock(lastActivity), recovery: memstore.NewRecovery(), mail: &outbox{}}
	e.store = memstore.New(memstore.WithClock(e.clock.Now))
	var err error
	e.tokens, err = cartreminders.NewTokens(func(context.Context) ([]byte, error) { return testKey, nil })
	if err != nil {
		t.Fatal(err)
	}
	e.h = e.handler(t, "run-a")
	return e
}

// handler is another instance of the function (another overlapping run).
func (e *env) handler(t *testing.T, owner string) *cartreminders.Handler {
	t.Helper()
	h, err := cartreminders.New(cartreminders.Deps{
		Carts: e.store.Carts(), Recovery: e.recovery, Orders: e.store, Settings: e.store.Settings(),
		Sender: e.mail, Tokens: e.tokens, Metrics: noMetrics{},
	}, cartreminders.Config{MailFrom: "boutique@example.fr", MailFromName: "Boutique", PublicURL: "https://api.example.fr/dev",
		Now: e.clock.Now, Owner: owner, Sleep: func(_ context.Context, d time.Duration) error { e.sleeps = append(e.sleeps, d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// at moves the clock to lastActivity+d.
func (e *env) at(d time.Duration) { e.clock.Advance(lastActivity.Add(d).Sub(e.clock.Now())) }

// addCart tracks an abandoned cart, with the customer's consent unless
// mutated otherwise, and schedules it as intake does.
func (e *env) addCart(t *testing.T, ext, email string, mutate ...func(*order.Cart)) *order.Cart {
	t.Helper()
	c := &order.Cart{
		Source: order.SourceShopify, ExternalID: ext,
		Customer: order.Customer{Name: "Léa", Email: email, Locale: "fr-FR"},
		Lines:    []order.LineItem{{SKU: "MUG-001", Name: "Mug émaillé", Quantity: 2, UnitPrice: decimal.RequireFromString("12.50")}},
		Currency: order.EUR, Total: order.MustMoney("25.00", order.EUR),
		RecoveryURL: "https://boutique.example.fr/cart/" + ext + "?ref=x", UpdatedAt: lastActivity,
		MarketingConsent: &order.Consent{Granted: true, Source: "shopify:accepts_marketing", At: lastActivity.Add(-time.Minute)},
	}
	for _, m := range mutate {
		m(c)
	}
	c.ScheduleRecovery()
	got, err := e.store.Carts().Create(context.Background(), c, nil)
	if err != nil {
		t.Fatalf("create cart: %v", err)
	}
	return got
}

// addOrder stores an order of the customer, placed now.
func (e *env) addOrder(t *testing.T, email string) *order.Order {
	t.Helper()
	o := &order.Order{
		Source: order.SourceManual, Customer: order.Customer{Name: "Léa", Email: email},
		Lines:            []order.LineItem{{SKU: "MUG-001", Name: "Mug", Quantity: 1, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.NewFromInt(20)}},
		PricesIncludeTax: true, Currency: order.EUR, Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
		CreatedAt: e.clock.Now(),
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	got, err := e.store.Create(context.Background(), o, order.CreateOptions{})
	if err != nil {
		t.Fatalf("create order: %v", err)
	}
	return got
}

func (e *env) run(t *testing.T) cartreminders.RunResult {
	t.Helper()
	res, err := e.h.Run(context.Background())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

func (e *env) records(t *testing.T, cartID string) []order.ReminderRecord {
	t.Helper()
	recs, err := e.recovery.Reminders(context.Background(), cartID)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// header returns the e-mail's header field name.
func header(e notify.Email, name string) string {
	for _, h := range e.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func codeOf(err error) string { return order.CodeOf(err) }
