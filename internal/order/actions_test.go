package order_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ordersmith/ordersmith/internal/order"
)

// snapshot is the order's JSON, to prove a refused action wrote nothing.
func snapshot(t *testing.T, o *order.Order) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func placed(p order.PaymentStatus, f order.FulfilmentStatus) *order.Order {
	o := validOrder()
	o.Payment, o.Fulfilment, o.UpdatedAt = p, f, t0
	return o
}

func row(action, field, from, to string) order.Change {
	return order.Change{At: now, Action: action, Field: field, From: from, To: to}
}

func TestStatusActions(t *testing.T) {
	type act func(o *order.Order) ([]order.Change, error)
	markPaid := func(o *order.Order) ([]order.Change, error) { return o.MarkPaid(now) }
	markUnpaid := func(o *order.Order) ([]order.Change, error) { return o.MarkUnpaid(now) }
	tests := []struct {
		name string
		o    *order.Order
		do   act
		want []order.Change // nil with code "" for a no-op
		code string         // the Conflict code when refused
	}{
		{"mark paid", placed(order.AwaitingPayment, order.AwaitingProcessing), markPaid,
			[]order.Change{row(order.ActionMarkPaid, order.FieldPaymentStatus, "AWAITING_PAYMENT", "PAID")}, ""},
		{"mark paid twice is a no-op", placed(order.Paid, order.AwaitingProcessing), markPaid, nil, ""},
		{"a cancelled order cannot be paid", placed(order.PaymentCancelled, order.WillNotDeliver), markPaid, nil, order.CodeTransitionNotAllowed},
		{"a refunded order cannot be paid", placed(order.Refunded, order.Delivered), markPaid, nil, order.CodeTransitionNotAllowed},
		{"mark unpaid", placed(order.Paid, order.Processing), markUnpaid,
			[]order.Change{row(order.ActionMarkUnpaid, order.FieldPaymentStatus, "PAID", "AWAITING_PAYMENT")}, ""},
		{"mark unpaid when unpaid is a no-op", placed(order.AwaitingPayment, order.Processing), markUnpaid, nil, ""},
		{"a partial refund cannot be unpaid", placed(order.PartiallyRefunded, order.Delivered), markUnpaid, nil, order.CodeTransitionNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, tt.o)
			got, err := tt.do(tt.o)
			if tt.code != "" {
				wantErr(t, err, order.Conflict, tt.code)
				if got != nil || snapshot(t, tt.o) != before {
					t.Fatal("a refused action changed the order or returned rows")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("rows = %+v, want %+v", got, tt.want)
			}
			if tt.want == nil && snapshot(t, tt.o) != before {
				t.Fatal("a no-op changed the order")
			}
			if tt.want != nil && !tt.o.UpdatedAt.Equal(now) {
				t.Fatal("UpdatedAt not stamped")
			}
		})
	}
}

func TestMarkShipped(t *testing.T) {
	t.Run("from processing with tracking", func(t *testing.T) {
		o := placed(order.Paid, order.Processing)
		got, err := o.MarkShipped(" Colissimo ", " 6A123 ", now)
		if err != nil {
			t.Fatal(err)
		}
		want := []order.Change{
			row(order.ActionMarkShipped, order.FieldFulfilmentStatus, "PROCESSING", "SHIPPED"),
			row(order.ActionMarkShipped, order.FieldTracking, "", "Colissimo 6A123"),
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("rows = %+v, want %+v", got, want)
		}
		if o.Fulfilment != order.Shipped || !reflect.DeepEqual(o.Tracking, []order.Tracking{{Carrier: "Colissimo", Number: "6A123", At: now}}) {
			t.Fatalf("order = %s %+v", o.Fulfilment, o.Tracking)
		}
		// A second parcel adds its number only.
		got, err = o.MarkShipped("Chronopost", "XY999", now)
		if err != nil || !reflect.DeepEqual(got, []order.Change{row(order.ActionMarkShipped, order.FieldTracking, "", "Chronopost XY999")}) {
			t.Fatalf("second parcel: %+v, %v", got, err)
		}
		// The same number again (a retry) changes nothing.
		before := snapshot(t, o)
		got, err = o.MarkShipped("Colissimo", "6A123", t1.Add(time.Minute))
		if err != nil || got != nil || snapshot(t, o) != before {
			t.Fatalf("retry: %+v, %v", got, err)
		}
		if len(o.ActiveTracking()) != 2 {
			t.Fatalf("active tracking = %+v", o.ActiveTracking())
		}
	})
	t.Run("without tracking", func(t *testing.T) {
		o := placed(order.Paid, order.AwaitingProcessing)
		got, err := o.MarkShipped("", "", now)
		if err != nil || len(got) != 1 || o.Fulfilment != order.Shipped || len(o.Tracking) != 0 {
			t.Fatalf("%+v, %v, %+v", got, err, o)
		}
		got, err = o.MarkShipped("", "", now)
		if err != nil || got != nil {
			t.Fatalf("shipping twice: %+v, %v", got, err)
		}
	})
	refusals := []struct {
		name            string
		o               *order.Order
		carrier, number string
		kind            order.Kind
		code            string
	}{
		{"on hold", func() *order.Order { o := placed(order.Paid, order.Processing); o.OnHold = true; return o }(), "La Poste", "1", order.Conflict, order.CodeOrderOnHold},
		{"delivered", placed(order.Paid, order.Delivered), "", "1", order.Conflict, order.CodeTransitionNotAllowed},
		{"will not deliver", placed(order.PaymentCancelled, order.WillNotDeliver), "", "", order.Conflict, order.CodeTransitionNotAllowed},
		{"carrier without number", placed(order.Paid, order.Processing), "DHL", "", order.Invalid, "invalid_tracking"},
		{"bad UTF-8", placed(order.Paid, order.Processing), "", "\xff", order.Invalid, "invalid_tracking"},
		{"number too long", placed(order.Paid, order.Processing), "", strings.Repeat("9", 101), order.Invalid, "invalid_tracking"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, tt.o)
			got, err := tt.o.MarkShipped(tt.carrier, tt.number, now)
			wantErr(t, err, tt.kind, tt.code)
			if got != nil || snapshot(t, tt.o) != before {
				t.Fatal("a refused action changed the order")
			}
		})
	}
}

func TestMarkUnshipped(t *testing.T) {
	o := placed(order.Paid, order.Processing)
	if _, err := o.MarkShipped("Colissimo", "6A123", t0); err != nil {
		t.Fatal(err)
	}
	got, err := o.MarkUnshipped(now)
	want := []order.Change{
		row(order.ActionMarkUnshipped, order.FieldFulfilmentStatus, "SHIPPED", "PROCESSING"),
		row(order.ActionMarkUnshipped, order.FieldTracking, "Colissimo 6A123", ""),
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("rows = %+v, %v; want %+v", got, err, want)
	}
	if o.Fulfilment != order.Processing || len(o.Tracking) != 1 || !o.Tracking[0].Voided || len(o.ActiveTracking()) != 0 {
		t.Fatalf("order after unshipping: %s %+v", o.Fulfilment, o.Tracking)
	}
	// Unshipping what is not shipped changes nothing.
	for _, f := range []order.FulfilmentStatus{order.Processing, order.AwaitingProcessing} {
		o := placed(order.Paid, f)
		if got, err := o.MarkUnshipped(now); err != nil || got != nil {
			t.Fatalf("%s: %+v, %v", f, got, err)
		}
	}
	// Past SHIPPED there is no unshipping.
	for _, f := range []order.FulfilmentStatus{order.OutForDelivery, order.Delivered, order.Returned, order.WillNotDeliver, order.ReadyForPickup} {
		o := placed(order.Paid, f)
		_, err := o.MarkUnshipped(now)
		checkRefusal(t, err, f.String(), "PROCESSING", names(order.FulfilmentTransitions[f]))
	}
}

func TestHoldAndResume(t *testing.T) {
	o := placed(order.AwaitingPayment, order.Processing)
	got, err := o.Hold(now)
	if err != nil || !reflect.DeepEqual(got, []order.Change{row(order.ActionHold, order.FieldOnHold, "false", "true")}) || !o.OnHold {
		t.Fatalf("hold: %+v, %v", got, err)
	}
	if got, err := o.Hold(now); err != nil || got != nil {
		t.Fatalf("holding twice: %+v, %v", got, err)
	}
	// While held: no shipment, no invoice; payment still moves.
	_, err = o.MarkShipped("", "", now)
	wantErr(t, err, order.Conflict, order.CodeOrderOnHold)
	_, err = o.ChangeFulfilmentStatus(order.ReadyForPickup, now)
	wantErr(t, err, order.Conflict, order.CodeOrderOnHold)
	wantErr(t, o.CanInvoice(), order.Conflict, order.CodeOrderOnHold)
	if _, err := o.MarkPaid(now); err != nil {
		t.Fatalf("a held order could not be paid: %v", err)
	}

	got, err = o.Resume(now)
	if err != nil || !reflect.DeepEqual(got, []order.Change{row(order.ActionResume, order.FieldOnHold, "true", "false")}) || o.OnHold {
		t.Fatalf("resume: %+v, %v", got, err)
	}
	if got, err := o.Resume(now); err != nil || got != nil {
		t.Fatalf("resuming twice: %+v, %v", got, err)
	}
	if err := o.CanInvoice(); err != nil {
		t.Fatal(err)
	}
	if _, err := o.MarkShipped("", "", now); err != nil {
		t.Fatal(err)
	}

	// A completed order cannot be held.
	completed := []*order.Order{
		placed(order.Paid, order.Delivered), placed(order.Refunded, order.Processing),
		placed(order.PaymentCancelled, order.AwaitingProcessing), placed(order.Paid, order.Returned),
		placed(order.AwaitingPayment, order.WillNotDeliver),
	}
	for _, o := range completed {
		if !o.IsCompleted() {
			t.Fatalf("%s/%s not completed", o.Payment, o.Fulfilment)
		}
		before := snapshot(t, o)
		got, err := o.Hold(now)
		wantErr(t, err, order.Conflict, order.CodeOrderCompleted)
		if got != nil || snapshot(t, o) != before {
			t.Fatal("a refused hold changed the order")
		}
	}
	for _, o := range []*order.Order{placed(order.Paid, order.Shipped), placed(order.PartiallyRefunded, order.OutForDelivery)} {
		if o.IsCompleted() {
			t.Fatalf("%s/%s counted as completed", o.Payment, o.Fulfilment)
		}
	}
}

func TestCanInvoice(t *testing.T) {
	wantErr(t, placed(order.PaymentCancelled, order.WillNotDeliver).CanInvoice(), order.Conflict, order.CodeOrderCancelled)
	for _, p := range []order.PaymentStatus{order.AwaitingPayment, order.Paid, order.PartiallyRefunded, order.Refunded} {
		if err := placed(p, order.Processing).CanInvoice(); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestCancel(t *testing.T) {
	lines := []order.LineItem{
		line("TEE", 1, "30.00", "20"),
		{Name: "Gift wrap", Quantity: 1, UnitPrice: dec("2"), VATRate: dec("20")}, // no SKU: not in stock
		line("TEE", 2, "30.00", "20"), // the same SKU again: summed
		{SKU: "EBOOK", Name: "E-book", Quantity: 1, UnitPrice: dec("9.99"), VATRate: dec("5.5"), Digital: true},
		line("MUG", 1, "12.00", "20"),
	}
	restock := []order.RestockLine{{SKU: "TEE", Quantity: 3}, {SKU: "MUG", Quantity: 1}}
	tests := []struct {
		name       string
		p          order.PaymentStatus
		f          order.FulfilmentStatus
		held       bool
		want       []order.Change
		creditNote bool
		restock    []order.RestockLine
		refusedBy  string // "payment" or "fulfilment" when refused
	}{
		{name: "unpaid, not processed", p: order.AwaitingPayment, f: order.AwaitingProcessing,
			want: []order.Change{
				row(order.ActionCancel, order.FieldPaymentStatus, "AWAITING_PAYMENT", "CANCELLED"),
				row(order.ActionCancel, order.FieldFulfilmentStatus, "AWAITING_PROCESSING", "WILL_NOT_DELIVER"),
			}, restock: restock},
		{name: "paid: credit note", p: order.Paid, f: order.Processing, creditNote: true, restock: restock,
			want: []order.Change{
				row(order.ActionCancel, order.FieldPaymentStatus, "PAID", "CANCELLED"),
				row(order.ActionCancel, order.FieldFulfilmentStatus, "PROCESSING", "WILL_NOT_DELIVER"),
			}},
		{name: "partially refunded: credit note", p: order.PartiallyRefunded, f: order.ReadyForPickup, creditNote: true, restock: restock,
			want: []order.Change{
				row(order.ActionCancel, order.FieldPaymentStatus, "PARTIALLY_REFUNDED", "CANCELLED"),
				row(order.ActionCancel, order.FieldFulfilmentStatus, "READY_FOR_PICKUP", "WILL_NOT_DELIVER"),
			}},
		{name: "refunded stays refunded", p: order.Refunded, f: order.AwaitingProcessing, restock: restock,
			want: []order.Change{row(order.ActionCancel, order.FieldFulfilmentStatus, "AWAITING_PROCESSING", "WILL_NOT_DELIVER")}},
		{name: "delivery already called off: no restock", p: order.Paid, f: order.WillNotDeliver, creditNote: true,
			want: []order.Change{row(order.ActionCancel, order.FieldPaymentStatus, "PAID", "CANCELLED")}},
		{name: "held: the hold is lifted", p: order.AwaitingPayment, f: order.Processing, held: true, restock: restock,
			want: []order.Change{
				row(order.ActionCancel, order.FieldPaymentStatus, "AWAITING_PAYMENT", "CANCELLED"),
				row(order.ActionCancel, order.FieldFulfilmentStatus, "PROCESSING", "WILL_NOT_DELIVER"),
				row(order.ActionCancel, order.FieldOnHold, "true", "false"),
			}},
		{name: "already cancelled", p: order.PaymentCancelled, f: order.WillNotDeliver},
		{name: "refunded and not delivered", p: order.Refunded, f: order.WillNotDeliver},
		{name: "shipped", p: order.Paid, f: order.Shipped, refusedBy: "fulfilment"},
		{name: "out for delivery", p: order.Paid, f: order.OutForDelivery, refusedBy: "fulfilment"},
		{name: "delivered", p: order.Paid, f: order.Delivered, refusedBy: "fulfilment"},
		{name: "returned", p: order.Refunded, f: order.Returned, refusedBy: "fulfilment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := placed(tt.p, tt.f)
			o.Lines, o.OnHold = lines, tt.held
			before := snapshot(t, o)
			got, c, err := o.Cancel(now)
			if tt.refusedBy != "" {
				checkRefusal(t, err, tt.f.String(), "WILL_NOT_DELIVER", names(order.FulfilmentTransitions[tt.f]))
				if got != nil || snapshot(t, o) != before {
					t.Fatal("a refused cancel changed the order")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("rows = %+v\nwant %+v", got, tt.want)
			}
			if c.CreditNote != tt.creditNote || !reflect.DeepEqual(c.Restock, tt.restock) {
				t.Fatalf("cancellation = %+v, want credit note %v, restock %v", c, tt.creditNote, tt.restock)
			}
			if tt.want == nil {
				if snapshot(t, o) != before {
					t.Fatal("a no-op cancel changed the order")
				}
				return
			}
			if o.Fulfilment != order.WillNotDeliver || o.OnHold || (o.Payment != order.PaymentCancelled && o.Payment != order.Refunded) {
				t.Fatalf("after cancel: %s/%s held=%v", o.Payment, o.Fulfilment, o.OnHold)
			}
			// Cancelling again is a no-op: no second credit note, no second restock.
			again, c2, err := o.Cancel(t1)
			if err != nil || again != nil || c2.CreditNote || c2.Restock != nil {
				t.Fatalf("second cancel: %+v, %+v, %v", again, c2, err)
			}
		})
	}
	t.Run("active tracking is voided", func(t *testing.T) {
		o := placed(order.Paid, order.Processing)
		o.Tracking = []order.Tracking{{Carrier: "DHL", Number: "1", At: t0, Voided: true}, {Number: "2", At: t0}}
		got, _, err := o.Cancel(now)
		if err != nil {
			t.Fatal(err)
		}
		if last := got[len(got)-1]; last != row(order.ActionCancel, order.FieldTracking, "2", "") || len(o.ActiveTracking()) != 0 {
			t.Fatalf("rows = %+v, tracking %+v", got, o.Tracking)
		}
	})
}

func TestSetCustomStatus(t *testing.T) {
	s := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	s.CustomStatuses = []string{"Retrait effectué", "En attente de comptabilité"}
	o := placed(order.Paid, order.Processing)

	got, err := o.SetCustomStatus(" retrait EFFECTUÉ ", s, now) // matched without regard to case
	if err != nil || !reflect.DeepEqual(got, []order.Change{row(order.ActionSetCustomStatus, order.FieldCustomStatus, "", "Retrait effectué")}) {
		t.Fatalf("%+v, %v", got, err)
	}
	if o.CustomStatus != "Retrait effectué" {
		t.Fatalf("stored %q", o.CustomStatus)
	}
	if got, err := o.SetCustomStatus("Retrait effectué", s, now); err != nil || got != nil {
		t.Fatalf("same label: %+v, %v", got, err)
	}
	before := snapshot(t, o)
	_, err = o.SetCustomStatus("Perdu", s, now)
	e := wantErr(t, err, order.Invalid, "unknown_custom_status")
	if d := e.Details.(map[string]any); !reflect.DeepEqual(d["allowed"], s.CustomStatuses) {
		t.Fatalf("details = %v", d)
	}
	if snapshot(t, o) != before {
		t.Fatal("a refused label changed the order")
	}
	got, err = o.SetCustomStatus("", s, now)
	if err != nil || !reflect.DeepEqual(got, []order.Change{row(order.ActionSetCustomStatus, order.FieldCustomStatus, "Retrait effectué", "")}) || o.CustomStatus != "" {
		t.Fatalf("clear: %+v, %v", got, err)
	}
}

func TestSetInternalComment(t *testing.T) {
	o := placed(order.Paid, order.Processing)
	got, err := o.SetInternalComment("Client fidèle : ajouter un échantillon.", now)
	if err != nil || !reflect.DeepEqual(got, []order.Change{row(order.ActionSetInternalComment, order.FieldInternalComment, "", "Client fidèle : ajouter un échantillon.")}) {
		t.Fatalf("%+v, %v", got, err)
	}
	if got, err := o.SetInternalComment(o.InternalComment, now); err != nil || got != nil {
		t.Fatalf("same comment: %+v, %v", got, err)
	}
	long := strings.Repeat("é", 10000)
	got, err = o.SetInternalComment(long, now)
	if err != nil || o.InternalComment != long {
		t.Fatal(err)
	}
	// History keeps 200 characters of a long comment.
	if n := utf8.RuneCountInString(got[0].To); n != 200 || !strings.HasSuffix(got[0].To, "…") {
		t.Fatalf("history row holds %d characters", n)
	}
	before := snapshot(t, o)
	_, err = o.SetInternalComment(long+"é", now)
	wantErr(t, err, order.Invalid, "field_too_long")
	_, err = o.SetInternalComment("\xff", now)
	wantErr(t, err, order.Invalid, "invalid_utf8")
	if snapshot(t, o) != before {
		t.Fatal("a refused comment changed the order")
	}
}

func TestRequestPaymentReminder(t *testing.T) {
	o := placed(order.AwaitingPayment, order.AwaitingProcessing)
	got, err := o.RequestPaymentReminder(t0)
	if err != nil || !reflect.DeepEqual(got, []order.Change{{At: t0, Action: order.ActionPaymentReminder}}) || !o.PaymentReminderAt.Equal(t0) {
		t.Fatalf("%+v, %v", got, err)
	}
	// A double click within the interval sends nothing more.
	if got, err := o.RequestPaymentReminder(t0.Add(order.PaymentReminderInterval - 1)); err != nil || got != nil {
		t.Fatalf("within the interval: %+v, %v", got, err)
	}
	if got, err := o.RequestPaymentReminder(t0.Add(order.PaymentReminderInterval)); err != nil || len(got) != 1 {
		t.Fatalf("after the interval: %+v, %v", got, err)
	}
	_, err = placed(order.Paid, order.Processing).RequestPaymentReminder(now)
	wantErr(t, err, order.Conflict, order.CodePaymentNotAwaited)
	noMail := placed(order.AwaitingPayment, order.Processing)
	noMail.Customer.Email = ""
	_, err = noMail.RequestPaymentReminder(now)
	wantErr(t, err, order.Conflict, order.CodeNoCustomerEmail)
}
