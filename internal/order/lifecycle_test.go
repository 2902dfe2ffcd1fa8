package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// lcNow is the lifecycle tests' clock.
var lcNow = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

var lcStaff = order.Command{Actor: order.StaffActor("camille"), Via: order.ViaAPI}

type lcFixture struct {
	store *memstore.Store
	svc   *order.Lifecycle
}

func newLifecycle(t *testing.T) lcFixture {
	t.Helper()
	st := memstore.New(memstore.WithClock(func() time.Time { return lcNow }))
	svc := storetest.NewLifecycle(t, order.LifecycleDeps{Orders: st, Settings: st.Settings(), Stock: st.Stock(), Now: func() time.Time { return lcNow }})
	return lcFixture{store: st, svc: svc}
}

// lcLine is a physical line of qty units of sku at 10 EUR.
func lcLine(sku string, qty int64) order.LineItem {
	return order.LineItem{SKU: sku, Name: "Article " + sku, Quantity: qty, UnitPrice: decimal.RequireFromString("10.00"), VATRate: decimal.RequireFromString("20")}
}

// place stores an order at the given statuses and returns its id.
func (f lcFixture) place(t *testing.T, p order.PaymentStatus, fs order.FulfilmentStatus, lines ...order.LineItem) string {
	t.Helper()
	if len(lines) == 0 {
		lines = []order.LineItem{lcLine("MUG-1", 2), lcLine("TEE-M", 1)}
	}
	o := &order.Order{
		Source: order.SourceManual, Currency: order.EUR, PricesIncludeTax: true,
		Customer: order.Customer{Name: "Marie Curie", Email: "marie@example.fr", Locale: "fr-FR"},
		Lines:    lines, Payment: p, Fulfilment: fs, CreatedAt: lcNow.Add(-time.Hour),
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatalf("totals: %v", err)
	}
	o.Totals = totals
	created, err := f.store.Create(context.Background(), o, order.CreateOptions{})
	if err != nil {
		t.Fatalf("create order: %v", err)
	}
	return created.ID
}

// get reads an order back from the store, failing the test on error.
func (f lcFixture) get(t *testing.T, id string) *order.Order {
	t.Helper()
	o, err := f.store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("read order %s: %v", id, err)
	}
	return o
}

// history reads an order's history from the store, failing the test on
// error.
func (f lcFixture) history(t *testing.T, id string) order.Page[order.Change] {
	t.Helper()
	h, err := f.store.History(context.Background(), id, order.PageRequest{})
	if err != nil {
		t.Fatalf("read the history of %s: %v", id, err)
	}
	return h
}

func lcCmd(id string) order.Command {
	c := lcStaff
	c.OrderID = id
	return c
}

func lcRequireErr(t *testing.T, err error, kind order.Kind, code string) *order.Error {
	t.Helper()
	var e *order.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want %s/%s", err, kind, code)
	}
	if e.Kind != kind || e.Code != code {
		t.Fatalf("error = %s/%s (%v), want %s/%s", e.Kind, e.Code, err, kind, code)
	}
	return e
}

func lcAllowedOf(t *testing.T, e *order.Error) []string {
	t.Helper()
	d, ok := e.Details.(map[string]any)
	if !ok {
		t.Fatalf("details = %#v, want a map", e.Details)
	}
	a, ok := d["allowed"].([]string)
	if !ok {
		t.Fatalf("details.allowed = %#v", d["allowed"])
	}
	return a
}

func lcNames[S interface{ String() string }](row []S) []string {
	out := []string{}
	for _, s := range row {
		out = append(out, s.String())
	}
	return out
}

// TestLifecyclePaymentTable walks every (from, to) pair of the payment
// table through the service: allowed moves are written with their history
// row, refused ones answer the table row and write nothing.
func TestLifecyclePaymentTable(t *testing.T) {
	for _, from := range order.AllPaymentStatuses {
		for _, to := range order.AllPaymentStatuses {
			t.Run(from.String()+"->"+to.String(), func(t *testing.T) {
				f := newLifecycle(t)
				// Statuses that need the goods handed over are placed with a
				// delivered order, as they would be in a shop.
				ful := order.AwaitingProcessing
				if from == order.PaymentCancelled {
					ful = order.WillNotDeliver
				}
				id := f.place(t, from, ful)
				got, err := f.svc.ChangePaymentStatus(context.Background(), lcCmd(id), to)
				allowed := from.CanTransitionTo(to)
				switch {
				case allowed:
					if err != nil {
						t.Fatalf("allowed move refused: %v", err)
					}
					if got.Payment != to || got.Version != 2 {
						t.Fatalf("payment %s version %d, want %s version 2", got.Payment, got.Version, to)
					}
					hist, err := f.store.History(context.Background(), id, order.PageRequest{})
					if err != nil {
						t.Fatal(err)
					}
					if len(hist.Items) == 0 || hist.Items[0].From != from.String() || hist.Items[0].To != to.String() || hist.Items[0].Actor != lcStaff.Actor || hist.Items[0].Via != order.ViaAPI {
						t.Fatalf("history = %+v", hist.Items)
					}
				case from == to:
					// Not a move: nothing written, no error.
					if err != nil || got.Version != 1 {
						t.Fatalf("same-status request: version %v err %v, want a no-op", got, err)
					}
				default:
					e := lcRequireErr(t, err, order.Conflict, order.CodeTransitionNotAllowed)
					if a := lcAllowedOf(t, e); !slices.Equal(a, lcNames(order.PaymentTransitions[from])) {
						t.Fatalf("allowed = %v, want %v", a, lcNames(order.PaymentTransitions[from]))
					}
					cur := f.get(t, id)
					if cur.Version != 1 || len(f.store.Outbox()) != 0 {
						t.Fatalf("a refused move wrote: version %d, outbox %d", cur.Version, len(f.store.Outbox()))
					}
				}
			})
		}
	}
}

// TestLifecycleFulfilmentTable walks every pair of the fulfilment table.
func TestLifecycleFulfilmentTable(t *testing.T) {
	for _, from := range order.AllFulfilmentStatuses {
		for _, to := range order.AllFulfilmentStatuses {
			t.Run(from.String()+"->"+to.String(), func(t *testing.T) {
				f := newLifecycle(t)
				id := f.place(t, order.Paid, from)
				got, err := f.svc.ChangeFulfilmentStatus(context.Background(), lcCmd(id), to, "", "")
				switch {
				case from.CanTransitionTo(to):
					if err != nil {
						t.Fatalf("allowed move refused: %v", err)
					}
					if got.Fulfilment != to || got.Version != 2 {
						t.Fatalf("fulfilment %s version %d, want %s version 2", got.Fulfilment, got.Version, to)
					}
				case from == to:
					if err != nil || got.Version != 1 {
						t.Fatalf("same-status request: %v %v, want a no-op", got, err)
					}
				default:
					e := lcRequireErr(t, err, order.Conflict, order.CodeTransitionNotAllowed)
					if a := lcAllowedOf(t, e); !slices.Equal(a, lcNames(order.FulfilmentTransitions[from])) {
						t.Fatalf("allowed = %v, want %v", a, lcNames(order.FulfilmentTransitions[from]))
					}
					cur := f.get(t, id)
					if cur.Version != 1 {
						t.Fatalf("a refused move wrote version %d", cur.Version)
					}
				}
			})
		}
	}
}

func lcEventTypes(events []order.Event) []order.EventType {
	var out []order.EventType
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

func lcPayload(t *testing.T, e order.Event) order.LifecyclePayload {
	t.Helper()
	p, err := order.DecodeLifecyclePayload(e)
	if err != nil {
		t.Fatalf("decode %s: %v", e.Type, err)
	}
	return p
}

func TestLifecycleActions(t *testing.T) {
	ctx := context.Background()
	type step func(f lcFixture, id string) (*order.Order, error)
	tests := []struct {
		name       string
		pay        order.PaymentStatus
		ful        order.FulfilmentStatus
		do         step
		wantPay    order.PaymentStatus
		wantFul    order.FulfilmentStatus
		wantEvents []order.EventType
		code       string // expected refusal code
	}{
		{"mark paid", order.AwaitingPayment, order.AwaitingProcessing,
			func(f lcFixture, id string) (*order.Order, error) { return f.svc.MarkPaid(ctx, lcCmd(id)) },
			order.Paid, order.AwaitingProcessing, []order.EventType{order.OrderPaid}, ""},
		{"mark unpaid", order.Paid, order.Processing,
			func(f lcFixture, id string) (*order.Order, error) { return f.svc.MarkUnpaid(ctx, lcCmd(id)) },
			order.AwaitingPayment, order.Processing, []order.EventType{order.OrderStatusChanged}, ""},
		{"mark shipped with tracking", order.Paid, order.Processing,
			func(f lcFixture, id string) (*order.Order, error) {
				return f.svc.MarkShipped(ctx, lcCmd(id), "Colissimo", "6A12345678901")
			},
			order.Paid, order.Shipped, []order.EventType{order.OrderShipped}, ""},
		{"mark unshipped", order.Paid, order.Shipped,
			func(f lcFixture, id string) (*order.Order, error) { return f.svc.MarkUnshipped(ctx, lcCmd(id)) },
			order.Paid, order.Processing, []order.EventType{order.OrderStatusChanged}, ""},
		{"delivered", order.Paid, order.Shipped,
			func(f lcFixture, id string) (*order.Order, error) {
				return f.svc.ChangeFulfilmentStatus(ctx, lcCmd(id), order.Delivered, "", "")
			},
			order.Paid, order.Delivered, []order.EventType{order.OrderDelivered}, ""},
		{"payment reminder", order.AwaitingPayment, order.AwaitingProcessing,
			func(f lcFixture, id string) (*order.Order, error) { return f.svc.SendPaymentReminder(ctx, lcCmd(id)) },
			order.AwaitingPayment, order.AwaitingProcessing, []order.EventType{order.PaymentReminderRequested}, ""},
		{"payment reminder for a paid order", order.Paid, order.AwaitingProcessing,
			func(f lcFixture, id string) (*order.Order, error) { return f.svc.SendPaymentReminder(ctx, lcCmd(id)) },
			order.Paid, order.AwaitingProcessing, nil, order.CodePaymentNotAwaited},
		{"hold", order.Paid, order.Processing,
			func(f lcFixture, id string) (*order.Order, error) { return f.svc.Hold(ctx, lcCmd(id)) },
			order.Paid, order.Processing, []order.EventType{order.OrderUpdated}, ""},
		{"a completed order cannot be held", order.Paid, order.Delivered,
			func(f lcFixture, id string) (*order.Order, error) { return f.svc.Hold(ctx, lcCmd(id)) },
			order.Paid, order.Delivered, nil, order.CodeOrderCompleted},
		{"a shipped order cannot be cancelled", order.Paid, order.Shipped,
			func(f lcFixture, id string) (*order.Order, error) {
				return f.svc.Cancel(ctx, lcCmd(id), order.CancelOptions{NotifyCustomer: true, Restock: true})
			},
			order.Paid, order.Shipped, nil, order.CodeTransitionNotAllowed},
		{"cancel an unpaid order", order.AwaitingPayment, order.AwaitingProcessing,
			func(f lcFixture, id string) (*order.Order, error) {
				return f.svc.Cancel(ctx, lcCmd(id), order.CancelOptions{NotifyCustomer: true, Restock: true})
			},
			order.PaymentCancelled, order.WillNotDeliver, []order.EventType{order.OrderCancelled}, ""},
		{"comment", order.Paid, order.Processing,
			func(f lcFixture, id string) (*order.Order, error) {
				return f.svc.SetComment(ctx, lcCmd(id), "appeler avant")
			},
			order.Paid, order.Processing, []order.EventType{order.OrderUpdated}, ""},
		{"tracking on an unshipped status is refused", order.Paid, order.Processing,
			func(f lcFixture, id string) (*order.Order, error) {
				return f.svc.ChangeFulfilmentStatus(ctx, lcCmd(id), order.Delivered, "UPS", "1Z999")
			},
			order.Paid, order.Processing, nil, "tracking_needs_shipped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLifecycle(t)
			id := f.place(t, tt.pay, tt.ful)
			_, actErr := tt.do(f, id)
			if tt.code != "" {
				var e *order.Error
				if !errors.As(actErr, &e) || e.Code != tt.code {
					t.Fatalf("err = %v, want code %s", actErr, tt.code)
				}
			} else if actErr != nil {
				t.Fatalf("unexpected error: %v", actErr)
			}
			cur, err := f.store.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Payment != tt.wantPay || cur.Fulfilment != tt.wantFul {
				t.Fatalf("statuses %s/%s, want %s/%s", cur.Payment, cur.Fulfilment, tt.wantPay, tt.wantFul)
			}
			if got := lcEventTypes(f.store.Outbox()); !slices.Equal(got, tt.wantEvents) {
				t.Fatalf("events = %v, want %v", got, tt.wantEvents)
			}
			for _, e := range f.store.Outbox() {
				p := lcPayload(t, e)
				if !p.HasLines() || p.CustomerName != "Marie Curie" || p.Number != cur.Number || p.CustomerEmail != "marie@example.fr" || p.Locale != "fr-FR" {
					t.Fatalf("payload of %s lacks what consumers need: %+v", e.Type, p)
				}
				if e.Actor != lcStaff.Actor {
					t.Fatalf("event actor = %v", e.Actor)
				}
			}
			// A retry of a successful action changes nothing more.
			if actErr == nil {
				before := cur.Version
				if _, err := tt.do(f, id); err != nil {
					t.Fatalf("retry failed: %v", err)
				}
				again := f.get(t, id)
				if again.Version != before {
					t.Fatalf("a retried %s wrote again: version %d → %d", tt.name, before, again.Version)
				}
			}
		})
	}
}

func TestLifecycleHoldRules(t *testing.T) {
	ctx := context.Background()
	f := newLifecycle(t)
	id := f.place(t, order.Paid, order.Processing)
	if _, err := f.svc.Hold(ctx, lcCmd(id)); err != nil {
		t.Fatal(err)
	}
	for _, try := range []struct {
		name string
		do   func() (*order.Order, error)
	}{
		{"mark shipped", func() (*order.Order, error) { return f.svc.MarkShipped(ctx, lcCmd(id), "", "") }},
		{"shipped status", func() (*order.Order, error) {
			return f.svc.ChangeFulfilmentStatus(ctx, lcCmd(id), order.Shipped, "DHL", "JD0001")
		}},
		{"ready for pickup", func() (*order.Order, error) {
			return f.svc.ChangeFulfilmentStatus(ctx, lcCmd(id), order.ReadyForPickup, "", "")
		}},
		{"delivered", func() (*order.Order, error) {
			return f.svc.ChangeFulfilmentStatus(ctx, lcCmd(id), order.Delivered, "", "")
		}},
	} {
		_, err := try.do()
		lcRequireErr(t, err, order.Conflict, order.CodeOrderOnHold)
	}
	cur := f.get(t, id)
	if err := cur.CanInvoice(); order.CodeOf(err) != order.CodeOrderOnHold {
		t.Fatalf("a held order can be invoiced: %v", err)
	}
	if _, err := f.svc.Resume(ctx, lcCmd(id)); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.MarkShipped(ctx, lcCmd(id), "", "")
	if err != nil || got.Fulfilment != order.Shipped {
		t.Fatalf("after resume: %v %v", got, err)
	}
}

func TestLifecycleCancelPaidOrder(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		opts        order.CancelOptions
		wantSilent  bool
		wantRestock []order.RestockLine
	}{
		{"notify and restock", order.CancelOptions{NotifyCustomer: true, Restock: true}, false,
			[]order.RestockLine{{SKU: "MUG-1", Quantity: 3}, {SKU: "TEE-M", Quantity: 1}}},
		{"silent, stock left alone", order.CancelOptions{}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLifecycle(t)
			id := f.place(t, order.AwaitingPayment, order.Processing, lcLine("MUG-1", 2), lcLine("TEE-M", 1), lcLine("MUG-1", 1))
			if _, err := f.svc.MarkPaid(ctx, lcCmd(id)); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.MarkShipped(ctx, lcCmd(id), "Colissimo", "6A1"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.MarkUnshipped(ctx, lcCmd(id)); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Hold(ctx, lcCmd(id)); err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.Cancel(ctx, lcCmd(id), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.Payment != order.PaymentCancelled || got.Fulfilment != order.WillNotDeliver || got.OnHold {
				t.Fatalf("after cancel: %s/%s hold %v", got.Payment, got.Fulfilment, got.OnHold)
			}
			for _, tr := range got.Tracking {
				if !tr.Voided {
					t.Fatalf("tracking %s not voided", tr.Number)
				}
			}
			out := f.store.Outbox()
			last := out[len(out)-2:]
			if !slices.Equal(lcEventTypes(last), []order.EventType{order.OrderCancelled, order.CreditNoteRequested}) {
				t.Fatalf("events = %v", lcEventTypes(out))
			}
			p := lcPayload(t, last[0])
			if p.Silent != tt.wantSilent || !reflect.DeepEqual(p.Restock, tt.wantRestock) || !p.CreditNote {
				t.Fatalf("cancel lcPayload silent %v restock %v credit note %v", p.Silent, p.Restock, p.CreditNote)
			}
			move, lines, ok := order.StockMovesFor(last[0], p)
			if wantOK := tt.wantRestock != nil; ok != wantOK || (ok && (move != order.StockRestore || !reflect.DeepEqual(lines, tt.wantRestock))) {
				t.Fatalf("stock move = %v %v %v", move, lines, ok)
			}
			// Cancelling again is a no-op: no second credit note, no second restock.
			n := len(out)
			if _, err := f.svc.Cancel(ctx, lcCmd(id), tt.opts); err != nil {
				t.Fatal(err)
			}
			if len(f.store.Outbox()) != n {
				t.Fatalf("a second cancel wrote events")
			}
		})
	}
}

func TestLifecycleIfMatch(t *testing.T) {
	ctx := context.Background()
	f := newLifecycle(t)
	id := f.place(t, order.AwaitingPayment, order.AwaitingProcessing)
	cmd := lcCmd(id)
	cmd.IfMatch = 1
	if _, err := f.svc.MarkPaid(ctx, cmd); err != nil {
		t.Fatalf("matching version: %v", err)
	}
	// A second writer that read version 1 is refused, not re-applied.
	_, err := f.svc.ChangeFulfilmentStatus(ctx, cmd, order.Processing, "", "")
	lcRequireErr(t, err, order.PreconditionFailed, order.CodeVersionConflict)
	cur := f.get(t, id)
	if cur.Version != 2 || cur.Fulfilment != order.AwaitingProcessing {
		t.Fatalf("stale If-Match wrote: %+v", cur)
	}
}

func TestLifecycleDigitalOrderDeliveredOnPayment(t *testing.T) {
	ctx := context.Background()
	f := newLifecycle(t)
	ebook := lcLine("EBOOK-1", 1)
	ebook.Digital = true
	id := f.place(t, order.AwaitingPayment, order.AwaitingProcessing, ebook)
	got, err := f.svc.MarkPaid(ctx, lcCmd(id))
	if err != nil {
		t.Fatal(err)
	}
	if got.Fulfilment != order.Delivered {
		t.Fatalf("fulfilment = %s, want DELIVERED", got.Fulfilment)
	}
	hist := f.history(t, id)
	if n := len(hist.Items); n != 2 || hist.Items[1].Actor != order.SystemActor("rules") || hist.Items[1].Via != order.ViaRule {
		t.Fatalf("history = %+v", hist.Items)
	}
	if got := lcEventTypes(f.store.Outbox()); !slices.Equal(got, []order.EventType{order.OrderPaid, order.OrderDelivered}) {
		t.Fatalf("events = %v", got)
	}
}

func TestLifecycleCustomStatus(t *testing.T) {
	ctx := context.Background()
	f := newLifecycle(t)
	s := order.DefaultSettings("Boutique", "boutique@example.com")
	s.CustomStatuses = []string{"Retrait effectué", "En attente de comptabilité"}
	if _, err := f.store.Settings().Put(ctx, s, 0); err != nil {
		t.Fatal(err)
	}
	id := f.place(t, order.Paid, order.ReadyForPickup)
	got, err := f.svc.SetCustomStatus(ctx, lcCmd(id), "retrait effectué")
	if err != nil {
		t.Fatal(err)
	}
	if got.CustomStatus != "Retrait effectué" || got.Payment != order.Paid || got.Fulfilment != order.ReadyForPickup {
		t.Fatalf("custom status = %q, statuses %s/%s", got.CustomStatus, got.Payment, got.Fulfilment)
	}
	_, err = f.svc.SetCustomStatus(ctx, lcCmd(id), "Perdu")
	e := lcRequireErr(t, err, order.Invalid, "unknown_custom_status")
	if a := lcAllowedOf(t, e); !slices.Equal(a, s.CustomStatuses) {
		t.Fatalf("allowed = %v", a)
	}
	if _, err := f.svc.SetCustomStatus(ctx, lcCmd(id), ""); err != nil {
		t.Fatal(err)
	}
	hist, err := f.svc.History(ctx, id, order.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][2]string
	for _, c := range hist.Items {
		rows = append(rows, [2]string{c.From, c.To})
	}
	if want := [][2]string{{"", "Retrait effectué"}, {"Retrait effectué", ""}}; !reflect.DeepEqual(rows, want) {
		t.Fatalf("history = %v, want %v", rows, want)
	}
}

func TestLifecycleViewStock(t *testing.T) {
	ctx := context.Background()
	f := newLifecycle(t)
	five := int64(5)
	for _, c := range []order.StockCount{{SKU: "MUG-1", OnHand: 3, LowThreshold: &five}, {SKU: "TEE-M", OnHand: 40}} {
		if _, err := f.svc.PutStock(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if si, err := f.store.Stock().Get(ctx, "TEE-M"); err != nil || si.LowThreshold != order.DefaultSettings("", "").LowStockDefault {
		t.Fatalf("threshold without a shop setting = %d (%v), want the default", si.LowThreshold, err)
	}
	id := f.place(t, order.Paid, order.Processing, lcLine("MUG-1", 1), lcLine("TEE-M", 1), lcLine("UNTRACKED", 1))
	v, err := f.svc.View(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for sku, si := range v.Stock {
		levels[sku] = si.Level().Colour()
	}
	if want := map[string]string{"MUG-1": "orange", "TEE-M": "green"}; !reflect.DeepEqual(levels, want) {
		t.Fatalf("levels = %v, want %v", levels, want)
	}
	_, err = f.svc.PutStock(ctx, order.StockCount{SKU: "NEG", OnHand: -1})
	lcRequireErr(t, err, order.Invalid, "invalid_quantity")
}

func TestLifecycleRefusesBadCommands(t *testing.T) {
	ctx := context.Background()
	f := newLifecycle(t)
	id := f.place(t, order.AwaitingPayment, order.AwaitingProcessing)
	tests := []struct {
		name string
		cmd  order.Command
		kind order.Kind
		code string
	}{
		{"no order id", order.Command{Actor: lcStaff.Actor, Via: order.ViaAPI}, order.Invalid, "invalid_id"},
		{"no actor id", order.Command{OrderID: id, Actor: order.Actor{Kind: order.ActorStaff}, Via: order.ViaAPI}, order.Invalid, "missing_field"},
		{"unknown order", lcCmd("nope"), order.NotFound, order.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.MarkPaid(ctx, tt.cmd)
			lcRequireErr(t, err, tt.kind, tt.code)
		})
	}
	if len(f.store.Outbox()) != 0 {
		t.Fatal("a refused command wrote events")
	}
}

func TestStockMovesFor(t *testing.T) {
	lines := []order.EventLine{{SKU: "A", Quantity: 2}, {SKU: "B", Quantity: 1}, {SKU: "A", Quantity: 1}, {SKU: "E", Quantity: 1, Digital: true}, {Name: "no sku", Quantity: 4}}
	both := []order.RestockLine{{SKU: "A", Quantity: 3}, {SKU: "B", Quantity: 1}}
	change := func(field, from, to string) []order.Change {
		return []order.Change{{Field: field, From: from, To: to}}
	}
	tests := []struct {
		name  string
		typ   order.EventType
		p     order.LifecyclePayload
		move  order.StockMove
		lines []order.RestockLine
	}{
		{"paid takes the physical lines", order.OrderPaid,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "PAID"}, Lines: lines}, order.StockTake, both},
		{"cancel of a paid order restores", order.OrderCancelled,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "CANCELLED", Restock: both, Changes: change(order.FieldPaymentStatus, "PAID", "CANCELLED")}}, order.StockRestore, both},
		{"cancel of an unpaid order leaves the stock", order.OrderCancelled,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "CANCELLED", Restock: both, Changes: change(order.FieldPaymentStatus, "AWAITING_PAYMENT", "CANCELLED")}}, "", nil},
		{"cancel of a refunded order restores", order.OrderCancelled,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "REFUNDED", Restock: both, Changes: change(order.FieldFulfilmentStatus, "PROCESSING", "WILL_NOT_DELIVER")}}, order.StockRestore, both},
		{"cancel without restock", order.OrderCancelled,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "CANCELLED", Changes: change(order.FieldPaymentStatus, "PAID", "CANCELLED")}}, "", nil},
		{"return of a paid order restores", order.OrderStatusChanged,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "PAID", FulfilmentStatus: "RETURNED", Changes: change(order.FieldFulfilmentStatus, "DELIVERED", "RETURNED")}, Lines: lines}, order.StockRestore, both},
		{"return of an unpaid order leaves the stock", order.OrderStatusChanged,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "AWAITING_PAYMENT", FulfilmentStatus: "RETURNED", Changes: change(order.FieldFulfilmentStatus, "DELIVERED", "RETURNED")}, Lines: lines}, "", nil},
		{"mark unpaid gives back", order.OrderStatusChanged,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "AWAITING_PAYMENT", FulfilmentStatus: "PROCESSING", Changes: change(order.FieldPaymentStatus, "PAID", "AWAITING_PAYMENT")}, Lines: lines}, order.StockRestore, both},
		{"shipping leaves the stock", order.OrderShipped,
			order.LifecyclePayload{OrderEventData: order.OrderEventData{PaymentStatus: "PAID", Changes: change(order.FieldFulfilmentStatus, "PROCESSING", "SHIPPED")}, Lines: lines}, "", nil},
		{"a digital-only payment takes nothing", order.OrderPaid,
			order.LifecyclePayload{Lines: lines[3:4]}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			move, got, ok := order.StockMovesFor(order.Event{Type: tt.typ}, tt.p)
			if ok != (tt.move != "") || move != tt.move || !reflect.DeepEqual(got, tt.lines) {
				t.Fatalf("StockMovesFor = %q %v %v, want %q %v", move, got, ok, tt.move, tt.lines)
			}
		})
	}
}

func TestLifecyclePayloadDecodesAsOrderEventData(t *testing.T) {
	ctx := context.Background()
	f := newLifecycle(t)
	id := f.place(t, order.AwaitingPayment, order.AwaitingProcessing)
	if _, err := f.svc.MarkPaid(ctx, lcCmd(id)); err != nil {
		t.Fatal(err)
	}
	e := f.store.Outbox()[0]
	var plain order.OrderEventData
	if err := json.Unmarshal(e.Data, &plain); err != nil {
		t.Fatal(err)
	}
	if plain.PaymentStatus != "PAID" || plain.Grand.Amount.String() != "30" {
		t.Fatalf("plain view = %+v", plain)
	}
	// A plain lcPayload (from intake) has no lines: consumers rebuild them.
	b, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	p, err := order.DecodeLifecyclePayload(order.Event{ID: "x", Data: b})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasLines() {
		t.Fatal("a plain lcPayload claims lines")
	}
	cur := f.get(t, id)
	if full := order.PayloadOf(cur, plain); !full.HasLines() || len(full.Lines) != 2 || full.CustomerName != "Marie Curie" {
		t.Fatalf("PayloadOf = %+v", full)
	}
}
