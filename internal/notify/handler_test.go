package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// recorder is a Sender that keeps what it was asked to send, and fails
// while fail is set.
type recorder struct {
	mu   sync.Mutex
	sent []notify.Email
	fail error
}

func (r *recorder) Send(_ context.Context, e notify.Email) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.sent = append(r.sent, e)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	store   *memstore.Store
	svc     *order.Lifecycle
	sender  *recorder
	handler *notify.Handler
	clock   *clock
	// metrics are the handler's EMF lines: platform.Metrics serialises
	// the writes, and the tests read them once Handle has returned.
	metrics *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := &clock{t: time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)}
	st := memstore.New(memstore.WithClock(c.now))
	rec := &recorder{}
	metrics := &bytes.Buffer{}
	h := newHandler(t, notify.Deps{Idempotency: st.Idempotency(), Settings: st.Settings(), Orders: st, Sender: rec,
		Metrics: platform.NewMetrics(metrics, platform.MetricsNamespace, c.now),
		Logger:  slog.New(slog.DiscardHandler)}, notify.Config{MailFrom: "boutique@example.com"})
	svc := storetest.NewLifecycle(t, order.LifecycleDeps{Orders: st, Settings: st.Settings(), Stock: st.Stock(), Now: c.now})
	return &env{store: st, svc: svc, sender: rec, handler: h, clock: c, metrics: metrics}
}

// newHandler builds a handler; without Metrics in d, its metrics are
// written nowhere.
func newHandler(t testing.TB, d notify.Deps, cfg notify.Config) *notify.Handler {
	t.Helper()
	if d.Metrics == nil {
		d.Metrics = platform.NewMetrics(io.Discard, platform.MetricsNamespace, nil)
	}
	h, err := notify.NewHandler(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestNewHandlerNeedsItsPorts(t *testing.T) {
	st := memstore.New()
	full := notify.Deps{Idempotency: st.Idempotency(), Settings: st.Settings(), Orders: st, Sender: &recorder{},
		Metrics: platform.NewMetrics(io.Discard, platform.MetricsNamespace, nil)}
	for name, drop := range map[string]func(d *notify.Deps){
		"Idempotency": func(d *notify.Deps) { d.Idempotency = nil },
		"Settings":    func(d *notify.Deps) { d.Settings = nil },
		"Orders":      func(d *notify.Deps) { d.Orders = nil },
		"Sender":      func(d *notify.Deps) { d.Sender = nil },
		"Metrics":     func(d *notify.Deps) { d.Metrics = nil },
	} {
		d := full
		drop(&d)
		if _, err := notify.NewHandler(d, notify.Config{}); order.CodeOf(err) != "missing_dependency" || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v", name, err)
		}
	}
	if _, err := notify.NewHandler(full, notify.Config{}); err != nil {
		t.Errorf("with every port: %v", err)
	}
}

// placeOrder stores an order and returns it.
func (e *env) placeOrder(t *testing.T, locale string) *order.Order {
	t.Helper()
	return e.placeOrderWith(t, locale, func(*order.Order) {})
}

// placeOrderWith stores an order changed by edit before its totals are
// computed, and returns it.
func (e *env) placeOrderWith(t *testing.T, locale string, edit func(*order.Order)) *order.Order {
	t.Helper()
	o := &order.Order{
		Source: order.SourceShopify, ExternalID: "sh-" + locale, Currency: order.EUR, PricesIncludeTax: true,
		Customer: order.Customer{Name: "Zoé Martin", Email: "zoe@example.fr", Locale: locale},
		Lines:    []order.LineItem{{SKU: "MUG-1", Name: "Mug", Quantity: 2, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.RequireFromString("20")}},
		Payment:  order.AwaitingPayment, Fulfilment: order.AwaitingProcessing,
	}
	edit(o)
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	created, err := e.store.Create(context.Background(), o, order.CreateOptions{Record: func(o *order.Order) ([]order.Change, []order.Event, error) {
		ev, err := order.OrderCreatedEvent(o, order.StorefrontActor(order.SourceShopify))
		return nil, []order.Event{ev}, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func (e *env) lastEvent(t *testing.T) order.Event {
	t.Helper()
	out := e.store.Outbox()
	if len(out) == 0 {
		t.Fatal("no event in the outbox")
	}
	return out[len(out)-1]
}

func body(t *testing.T, ev order.Event) string {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func batch(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "m" + string(rune('0'+i)), Body: b})
	}
	return ev
}

func cmd(id string) order.Command {
	return order.Command{OrderID: id, Actor: order.StaffActor("camille"), Via: order.ViaAPI}
}

func TestHandlerSendsEachEventOnce(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		locale  string
		act     func(e *env, o *order.Order) error
		subject string
		kind    order.NotificationKind // the Kind of the EmailsSent metric
	}{
		{"confirmation from intake (no lines in the event)", "fr-FR", func(*env, *order.Order) error { return nil }, "Confirmation de votre commande", order.NotifyOrderConfirmed},
		{"shipped", "en-GB", func(e *env, o *order.Order) error {
			_, err := e.svc.MarkShipped(ctx, cmd(o.ID), "UPS", "1Z999")
			return err
		}, "has shipped", order.NotifyShipped},
		{"delivered", "fr", func(e *env, o *order.Order) error {
			_, err := e.svc.ChangeFulfilmentStatus(ctx, cmd(o.ID), order.Delivered, "", "")
			return err
		}, "a été livrée", order.NotifyDelivered},
		{"payment reminder", "en", func(e *env, o *order.Order) error {
			_, err := e.svc.SendPaymentReminder(ctx, cmd(o.ID))
			return err
		}, "Reminder: payment pending", order.NotifyPaymentReminder},
		{"cancelled, customer notified", "fr-FR", func(e *env, o *order.Order) error {
			_, err := e.svc.Cancel(ctx, cmd(o.ID), order.CancelOptions{NotifyCustomer: true, Restock: true})
			return err
		}, "a été annulée", order.NotifyCancelled},
		{"status changed", "fr-FR", func(e *env, o *order.Order) error {
			_, err := e.svc.MarkPaid(ctx, cmd(o.ID))
			return err
		}, "a été mise à jour", order.NotifyStatusChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			o := e.placeOrder(t, tt.locale)
			if err := tt.act(e, o); err != nil {
				t.Fatal(err)
			}
			msg := body(t, e.lastEvent(t))
			resp, err := e.handler.Handle(ctx, batch(msg))
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("first delivery: %v %+v", err, resp)
			}
			// SQS delivers at least once: the same message again.
			if resp, err := e.handler.Handle(ctx, batch(msg)); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("redelivery: %v %+v", err, resp)
			}
			// The same message twice in one batch: handled concurrently, a
			// copy that finds the other's claim may be reported for a retry,
			// never sent.
			if _, err := e.handler.Handle(ctx, batch(msg, msg)); err != nil {
				t.Fatal(err)
			}
			if resp, err := e.handler.Handle(ctx, batch(msg)); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("redelivery: %v %+v", err, resp)
			}
			if n := e.sender.count(); n != 1 {
				t.Fatalf("sent %d e-mails, want 1", n)
			}
			got := e.sender.sent[0]
			if got.To != "zoe@example.fr" || got.From != "boutique@example.com" || !strings.Contains(got.Subject, tt.subject) {
				t.Fatalf("e-mail = to %s from %s subject %q", got.To, got.From, got.Subject)
			}
			if !strings.Contains(got.Text, "Mug") || !strings.Contains(got.HTML, "Mug") || !strings.Contains(got.Text, o.Number) {
				t.Fatalf("the e-mail lacks the order summary:\n%s", got.Text)
			}
			// One e-mail sent, one EmailsSent: the redeliveries count nothing.
			checkEMF(t, e.metrics.String(), emailsSent(e.clock.now(), tt.kind))
		})
	}
}

func TestHandlerSkips(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		setup   func(e *env, o *order.Order) order.Event
		outcome notify.Outcome
	}{
		{"switched off in settings", func(e *env, o *order.Order) order.Event {
			s := order.DefaultSettings("Boutique", "boutique@example.com")
			s.Notifications = map[order.NotificationKind]bool{order.NotifyShipped: false}
			if _, err := e.store.Settings().Put(ctx, s, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.MarkShipped(ctx, cmd(o.ID), "", ""); err != nil {
				t.Fatal(err)
			}
			return e.lastEvent(t)
		}, notify.SwitchedOff},
		{"cancelled without notifying", func(e *env, o *order.Order) order.Event {
			if _, err := e.svc.Cancel(ctx, cmd(o.ID), order.CancelOptions{Restock: true}); err != nil {
				t.Fatal(err)
			}
			for _, ev := range e.store.Outbox() {
				if ev.Type == order.OrderCancelled {
					return ev
				}
			}
			t.Fatal("no OrderCancelled event")
			return order.Event{}
		}, notify.Silent},
		{"an event that mails nobody", func(e *env, o *order.Order) order.Event {
			if _, err := e.svc.Hold(ctx, cmd(o.ID)); err != nil {
				t.Fatal(err)
			}
			return e.lastEvent(t)
		}, notify.NoEmail},
		{"no customer address", func(e *env, o *order.Order) order.Event {
			ev, err := order.NewEvent(order.OrderDelivered, o.ID, order.SystemActor("test"), time.Now(), order.LifecyclePayload{Lines: []order.EventLine{}})
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}, notify.NoRecipient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			o := e.placeOrder(t, "fr")
			ev := tt.setup(e, o)
			out, err := e.handler.HandleMessage(ctx, body(t, ev))
			if err != nil || out != tt.outcome {
				t.Fatalf("outcome %q err %v, want %q", out, err, tt.outcome)
			}
			if e.sender.count() != 0 {
				t.Fatalf("sent %d e-mails", e.sender.count())
			}
			checkEMF(t, e.metrics.String())
		})
	}
}

func TestHandlerRetriesFailures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	o := e.placeOrder(t, "fr")
	good := body(t, e.lastEvent(t))

	// A body that is not an event fails alone: the good one is sent.
	resp, err := e.handler.Handle(ctx, batch("not json", good))
	if err != nil || !slices.Equal(failed(resp), []string{"m0"}) || e.sender.count() != 1 {
		t.Fatalf("poison message: %v %+v sent %d", err, resp, e.sender.count())
	}

	// SES fails: the message is reported and the claim released, so the
	// next delivery sends it.
	if _, err := e.svc.MarkShipped(ctx, cmd(o.ID), "", ""); err != nil {
		t.Fatal(err)
	}
	shipped := body(t, e.lastEvent(t))
	e.sender.fail = errors.New("SES throttled")
	resp, _ = e.handler.Handle(ctx, batch(shipped))
	if !slices.Equal(failed(resp), []string{"m0"}) {
		t.Fatalf("failed send not reported: %+v", resp)
	}
	// Two e-mails so far: the confirmation, not the failed one.
	confirmed := emailsSent(e.clock.now(), order.NotifyOrderConfirmed)
	checkEMF(t, e.metrics.String(), confirmed)
	e.sender.fail = nil
	if resp, _ := e.handler.Handle(ctx, batch(shipped)); len(resp.BatchItemFailures) != 0 || e.sender.count() != 2 {
		t.Fatalf("retry after a failed send: %+v sent %d", resp, e.sender.count())
	}
	checkEMF(t, e.metrics.String(), confirmed, emailsSent(e.clock.now(), order.NotifyShipped))
}

func TestHandlerInProgressClaim(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.placeOrder(t, "fr")
	ev := e.lastEvent(t)
	// Another delivery claimed the event and crashed before completing it.
	if rec, err := e.store.Idempotency().Begin(ctx, notify.IdempotencyScope, ev.ID, "order_confirmed", notify.InProgressLock); err != nil || rec != nil {
		t.Fatalf("claim: %v %v", rec, err)
	}
	_, err := e.handler.HandleMessage(ctx, body(t, ev))
	if order.CodeOf(err) != "notification_in_progress" || e.sender.count() != 0 {
		t.Fatalf("in-progress claim: %v, sent %d", err, e.sender.count())
	}
	// Once the lock has expired, a redelivery takes the claim over.
	e.clock.advance(notify.InProgressLock + time.Second)
	if out, err := e.handler.HandleMessage(ctx, body(t, ev)); err != nil || out != notify.Sent || e.sender.count() != 1 {
		t.Fatalf("after the lock: %q %v sent %d", out, err, e.sender.count())
	}
}

func failed(r events.SQSEventResponse) []string {
	var out []string
	for _, f := range r.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

func TestHandlerDefersMessagesNearTheDeadline(t *testing.T) {
	e := newEnv(t)
	e.placeOrder(t, "fr")
	msg := body(t, e.lastEvent(t))
	ctx, cancel := context.WithTimeout(context.Background(), notify.DeadlineMargin/2)
	defer cancel()
	resp, err := e.handler.Handle(ctx, batch(msg, msg))
	if err != nil || !slices.Equal(failed(resp), []string{"m0", "m1"}) || e.sender.count() != 0 {
		t.Fatalf("near the deadline: %v %+v sent %d", err, resp, e.sender.count())
	}
	// With time to spare, the same batch goes through.
	if resp, _ := e.handler.Handle(context.Background(), batch(msg)); len(resp.BatchItemFailures) != 0 || e.sender.count() != 1 {
		t.Fatalf("later: %+v sent %d", resp, e.sender.count())
	}
}

// TestHandlerShowsCharges: the charges reach the e-mail whether the event
// carries the order's summary (a lifecycle event) or refers to the order
// (intake's confirmation, which the handler completes from the store).
func TestHandlerShowsCharges(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		act  func(e *env, o *order.Order) error
	}{
		{"confirmation from intake (no lines in the event)", func(*env, *order.Order) error { return nil }},
		{"shipped (the event carries the summary)", func(e *env, o *order.Order) error {
			_, err := e.svc.MarkShipped(ctx, cmd(o.ID), "UPS", "1Z999")
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			o := e.placeOrderWith(t, "fr-FR", func(o *order.Order) {
				o.Charges = []order.Charge{{Kind: order.ChargeTip, Amount: decimal.RequireFromString("2.50")}}
			})
			if err := tt.act(e, o); err != nil {
				t.Fatal(err)
			}
			if out, err := e.handler.HandleMessage(ctx, body(t, e.lastEvent(t))); err != nil || out != notify.Sent {
				t.Fatalf("outcome %q err %v", out, err)
			}
			got := e.sender.sent[0].Text
			for _, row := range []string{"Pourboire (hors champ de TVA) : 2,50\u00a0€\n", "Total TTC : 27,50\u00a0€\n"} {
				if !strings.Contains(got, row) {
					t.Errorf("the e-mail lacks %q:\n%s", row, got)
				}
			}
		})
	}
}

// emailsSent is the EMF document of one e-mail of kind sent at at, as the
// CloudWatch embedded metric format specification lays it out.
func emailsSent(at time.Time, kind order.NotificationKind) string {
	return fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"ordersmith","Dimensions":[["Kind"]],`+
		`"Metrics":[{"Name":"EmailsSent","Unit":"Count"}]}]},"Kind":%q,"EmailsSent":1}`, at.UnixMilli(), kind)
}

// checkEMF checks that out holds exactly the EMF documents want, one a
// line, in order.
func checkEMF(t *testing.T, out string, want ...string) {
	t.Helper()
	var got []string
	for line := range strings.Lines(out) {
		var doc any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		b, _ := json.Marshal(doc)
		got = append(got, string(b))
	}
	norm := make([]string, len(want))
	for i, w := range want {
		var doc any
		if err := json.Unmarshal([]byte(w), &doc); err != nil {
			t.Fatalf("want %q: %v", w, err)
		}
		b, _ := json.Marshal(doc)
		norm[i] = string(b)
	}
	if !slices.Equal(got, norm) {
		t.Fatalf("metrics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(norm, "\n"))
	}
}
