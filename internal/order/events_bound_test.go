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
