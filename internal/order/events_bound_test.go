package order_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

// TestEventsBoundedByReference: an order whose lines would make an event
// larger than MaxEventBytes gets events carrying the plain data and a
// reference to the order (its id and the version written); a small order's
// events carry its lines.
func TestEventsBoundedByReference(t *testing.T) {
	tests := []struct {
		name    string
		lines   int
		wantRef bool
	}{
		{"small order: the lines travel", 2, false},
		{"large order: a reference instead", 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLifecycle(t)
			var lines []order.LineItem
			for i := range tt.lines {
				l := lcLine(fmt.Sprintf("SKU-%04d", i), 1)
				l.Name = strings.Repeat("Article au nom long ", 8)
				lines = append(lines, l)
			}
			id := f.place(t, order.AwaitingPayment, order.AwaitingProcessing, lines...)
			paid, err := f.svc.MarkPaid(context.Background(), lcCmd(id))
			if err != nil {
				t.Fatal(err)
			}
			out := f.store.Outbox()
			e := out[len(out)-1]
			if e.Type != order.OrderPaid {
				t.Fatalf("last event %s, want OrderPaid", e.Type)
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > order.MaxEventBytes {
				t.Errorf("event is %d bytes, over the bound %d", len(b), order.MaxEventBytes)
			}
			p, err := order.DecodeLifecyclePayload(e)
			if err != nil {
				t.Fatal(err)
			}
			wantRef := &order.EventRef{OrderID: id, Version: paid.Version}
			switch {
			case tt.wantRef && (e.Ref == nil || *e.Ref != *wantRef || p.HasLines() || p.PaymentStatus != "PAID"):
				t.Errorf("ref %+v, lines %v, payment %q: want ref %+v, no lines, the statuses kept", e.Ref, p.HasLines(), p.PaymentStatus, wantRef)
			case !tt.wantRef && (e.Ref != nil || len(p.Lines) != tt.lines):
				t.Errorf("ref %+v, %d lines: want no ref and the %d lines", e.Ref, len(p.Lines), tt.lines)
			}
			// A consumer reading an order older than the reference retries.
			if tt.wantRef {
				stale := *paid
				stale.Version--
				if err := e.CheckRef(&stale); !order.IsKind(err, order.Transient) {
					t.Errorf("CheckRef on an older order: %v, want Transient", err)
				}
				if err := e.CheckRef(paid); err != nil {
					t.Errorf("CheckRef on the order referred to: %v", err)
				}
			}
		})
	}
}

// TestLargeCancellationKeepsTheStaffChoices: the event of a cancelled order
// too large to carry its lines still carries what the staff chose (no
// e-mail, no restock; or the restock lines), and a consumer completing it
// from the order keeps those choices.
func TestLargeCancellationKeepsTheStaffChoices(t *testing.T) {
	tests := []struct {
		name        string
		opts        order.CancelOptions
		wantSilent  bool
		wantRestock bool
	}{
		{"neither e-mail nor restock", order.CancelOptions{NotifyCustomer: false, Restock: false}, true, false},
		{"e-mail and restock", order.CancelOptions{NotifyCustomer: true, Restock: true}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLifecycle(t)
			var lines []order.LineItem
			for i := range 500 {
				l := lcLine(fmt.Sprintf("SKU-%04d", i), 1)
				l.Name = strings.Repeat("Article au nom long ", 8)
				lines = append(lines, l)
			}
			id := f.place(t, order.AwaitingPayment, order.AwaitingProcessing, lines...)
			if _, err := f.svc.MarkPaid(context.Background(), lcCmd(id)); err != nil {
				t.Fatal(err)
			}
			cancelled, err := f.svc.Cancel(context.Background(), lcCmd(id), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var e order.Event
			for _, ev := range f.store.Outbox() {
				if ev.Type == order.OrderCancelled && ev.OrderID == id {
					e = ev
				}
			}
			if e.Ref == nil {
				t.Fatalf("cancellation event %+v carries no reference: the order was meant to be too large", e)
			}
			p, err := order.DecodeLifecyclePayload(e)
			if err != nil {
				t.Fatal(err)
			}
			if p.HasLines() || p.Silent != tt.wantSilent || (len(p.Restock) == 500) != tt.wantRestock {
				t.Fatalf("payload: lines %v, silent %v, %d restock lines; want no lines, silent %v, restock %v",
					p.HasLines(), p.Silent, len(p.Restock), tt.wantSilent, tt.wantRestock)
			}
			full := p.Reread(cancelled)
			if !full.HasLines() || len(full.Lines) != 500 || full.Silent != tt.wantSilent || (len(full.Restock) == 500) != tt.wantRestock {
				t.Fatalf("reread: %d lines, silent %v, %d restock lines; want 500, %v, restock %v",
					len(full.Lines), full.Silent, len(full.Restock), tt.wantSilent, tt.wantRestock)
			}
		})
	}
}
