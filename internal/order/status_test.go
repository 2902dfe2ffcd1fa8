package order_test

import (
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

var update = flag.Bool("update", false, "rewrite docs/STATUSES.md from the transition tables")

var (
	t0  = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	t1  = t0.Add(time.Hour)
	now = t1
)

func TestTransitionTablesCoverEveryStatus(t *testing.T) {
	if len(order.PaymentTransitions) != len(order.AllPaymentStatuses) {
		t.Fatalf("payment table has %d rows for %d statuses", len(order.PaymentTransitions), len(order.AllPaymentStatuses))
	}
	for _, p := range order.AllPaymentStatuses {
		row, ok := order.PaymentTransitions[p]
		if !ok {
			t.Fatalf("no payment row for %s", p)
		}
		for _, to := range row {
			if !slices.Contains(order.AllPaymentStatuses, to) {
				t.Fatalf("payment row %s names unknown %q", p, to)
			}
		}
	}
	if len(order.FulfilmentTransitions) != len(order.AllFulfilmentStatuses) {
		t.Fatalf("fulfilment table has %d rows for %d statuses", len(order.FulfilmentTransitions), len(order.AllFulfilmentStatuses))
	}
	for _, f := range order.AllFulfilmentStatuses {
		row, ok := order.FulfilmentTransitions[f]
		if !ok {
			t.Fatalf("no fulfilment row for %s", f)
		}
		for _, to := range row {
			if !slices.Contains(order.AllFulfilmentStatuses, to) {
				t.Fatalf("fulfilment row %s names unknown %q", f, to)
			}
		}
	}
}

func names[S interface{ String() string }](row []S) []string {
	out := []string{}
	for _, s := range row {
		out = append(out, s.String())
	}
	return out
}

// checkRefusal checks a refused move: Conflict, transition_not_allowed, and
// Details {from, to, allowed} with allowed equal to the table row.
func checkRefusal(t *testing.T, err error, from, to string, allowed []string) {
	t.Helper()
	e := wantErr(t, err, order.Conflict, order.CodeTransitionNotAllowed)
	d, ok := e.Details.(map[string]any)
	if !ok {
		t.Fatalf("details are %T, want a map", e.Details)
	}
	if d["from"] != from || d["to"] != to || !reflect.DeepEqual(d["allowed"], allowed) {
		t.Fatalf("details = %v, want from %s, to %s, allowed %v", d, from, to, allowed)
	}
}

func TestEveryPaymentPair(t *testing.T) {
	for _, from := range order.AllPaymentStatuses {
		for _, to := range order.AllPaymentStatuses {
			t.Run(from.String()+"→"+to.String(), func(t *testing.T) {
				inTable := slices.Contains(order.PaymentTransitions[from], to)
				if from.CanTransitionTo(to) != inTable {
					t.Fatalf("CanTransitionTo = %v, table says %v", !inTable, inTable)
				}

				// The raw setter: applied iff in the table.
				o := &order.Order{Payment: from, UpdatedAt: t0}
				err := o.SetPaymentStatus(to, now)
				if inTable {
					if err != nil || o.Payment != to || !o.UpdatedAt.Equal(now) {
						t.Fatalf("allowed move gave err %v, status %s, updatedAt %v", err, o.Payment, o.UpdatedAt)
					}
				} else {
					checkRefusal(t, err, from.String(), to.String(), names(order.PaymentTransitions[from]))
					if o.Payment != from || !o.UpdatedAt.Equal(t0) {
						t.Fatal("a refused move changed the order")
					}
				}

				// The history-recording action: the same, except that asking
				// for the current status is a no-op rather than a refusal.
				o = &order.Order{Payment: from, UpdatedAt: t0}
				changes, err := o.ChangePaymentStatus(to, now)
				switch {
				case inTable:
					want := []order.Change{{At: now, Action: order.ActionChangePaymentStatus, Field: order.FieldPaymentStatus, From: from.String(), To: to.String()}}
					if err != nil || !reflect.DeepEqual(changes, want) || o.Payment != to {
						t.Fatalf("got %v, %v; want %v", changes, err, want)
					}
				case from == to:
					if err != nil || changes != nil || !o.UpdatedAt.Equal(t0) {
						t.Fatalf("same status: got %v, %v; want a no-op", changes, err)
					}
				default:
					checkRefusal(t, err, from.String(), to.String(), names(order.PaymentTransitions[from]))
					if changes != nil || o.Payment != from || !o.UpdatedAt.Equal(t0) {
						t.Fatal("a refused move changed the order")
					}
				}
			})
		}
	}
}

func TestEveryFulfilmentPair(t *testing.T) {
	for _, from := range order.AllFulfilmentStatuses {
		for _, to := range order.AllFulfilmentStatuses {
			t.Run(from.String()+"→"+to.String(), func(t *testing.T) {
				inTable := slices.Contains(order.FulfilmentTransitions[from], to)
				if from.CanTransitionTo(to) != inTable {
					t.Fatalf("CanTransitionTo = %v, table says %v", !inTable, inTable)
				}
				o := &order.Order{Fulfilment: from, UpdatedAt: t0}
				err := o.SetFulfilmentStatus(to, now)
				if inTable {
					if err != nil || o.Fulfilment != to || !o.UpdatedAt.Equal(now) {
						t.Fatalf("allowed move gave err %v, status %s", err, o.Fulfilment)
					}
				} else {
					checkRefusal(t, err, from.String(), to.String(), names(order.FulfilmentTransitions[from]))
					if o.Fulfilment != from || !o.UpdatedAt.Equal(t0) {
						t.Fatal("a refused move changed the order")
					}
				}

				o = &order.Order{Fulfilment: from, UpdatedAt: t0}
				changes, err := o.ChangeFulfilmentStatus(to, now)
				switch {
				case inTable:
					want := []order.Change{{At: now, Action: order.ActionChangeFulfilmentStatus, Field: order.FieldFulfilmentStatus, From: from.String(), To: to.String()}}
					if err != nil || !reflect.DeepEqual(changes, want) || o.Fulfilment != to {
						t.Fatalf("got %v, %v; want %v", changes, err, want)
					}
				case from == to:
					if err != nil || changes != nil || !o.UpdatedAt.Equal(t0) {
						t.Fatalf("same status: got %v, %v; want a no-op", changes, err)
					}
				default:
					checkRefusal(t, err, from.String(), to.String(), names(order.FulfilmentTransitions[from]))
				}

				// On hold, a move that hands goods over is refused even where
				// the table allows it; other moves are unaffected.
				o = &order.Order{Fulfilment: from, OnHold: true, UpdatedAt: t0}
				err = o.SetFulfilmentStatus(to, now)
				handsOver := to == order.ReadyForPickup || to == order.Shipped || to == order.OutForDelivery || to == order.Delivered
				switch {
				case inTable && handsOver:
					wantErr(t, err, order.Conflict, order.CodeOrderOnHold)
					if o.Fulfilment != from {
						t.Fatal("a refused move changed the order")
					}
				case inTable:
					if err != nil {
						t.Fatalf("held order refused %s→%s: %v", from, to, err)
					}
				default:
					checkRefusal(t, err, from.String(), to.String(), names(order.FulfilmentTransitions[from]))
				}
			})
		}
	}
}

func TestStatusKeyRules(t *testing.T) {
	// The rules the help-centre articles state, pinned so that a table edit
	// that breaks one fails here and not in production.
	tests := []struct {
		name string
		ok   bool
	}{
		{"mark as unpaid: PAID → AWAITING_PAYMENT", order.Paid.CanTransitionTo(order.AwaitingPayment)},
		{"a second partial refund", order.PartiallyRefunded.CanTransitionTo(order.PartiallyRefunded)},
		{"REFUNDED is final", len(order.PaymentTransitions[order.Refunded]) == 0},
		{"CANCELLED is final", len(order.PaymentTransitions[order.PaymentCancelled]) == 0},
		{"cancel an unpaid order", order.AwaitingPayment.CanTransitionTo(order.PaymentCancelled)},
		{"no refund of what was never paid", !order.AwaitingPayment.CanTransitionTo(order.Refunded)},
		{"digital goods: AWAITING_PROCESSING → DELIVERED", order.AwaitingProcessing.CanTransitionTo(order.Delivered)},
		{"mark as unshipped: SHIPPED → PROCESSING", order.Shipped.CanTransitionTo(order.Processing)},
		{"local delivery: PROCESSING → OUT_FOR_DELIVERY", order.Processing.CanTransitionTo(order.OutForDelivery)},
		{"shipped goods cannot be called off", !order.Shipped.CanTransitionTo(order.WillNotDeliver)},
		{"delivered goods can come back", order.Delivered.CanTransitionTo(order.Returned)},
		{"no way back from DELIVERED to SHIPPED", !order.Delivered.CanTransitionTo(order.Shipped)},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Errorf("rule broken: %s", tt.name)
		}
	}
}

func TestStatusJSON(t *testing.T) {
	for _, p := range order.AllPaymentStatuses {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back order.PaymentStatus
		if err := json.Unmarshal(b, &back); err != nil || back != p {
			t.Fatalf("%s round-tripped to %v (%v)", p, back, err)
		}
	}
	for _, f := range order.AllFulfilmentStatuses {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var back order.FulfilmentStatus
		if err := json.Unmarshal(b, &back); err != nil || back != f {
			t.Fatalf("%s round-tripped to %v (%v)", f, back, err)
		}
	}
	var p order.PaymentStatus
	wantErr(t, json.Unmarshal([]byte(`"paid"`), &p), order.Invalid, "unknown_payment_status") // names are case-sensitive
	var f order.FulfilmentStatus
	wantErr(t, json.Unmarshal([]byte(`"LOST"`), &f), order.Invalid, "unknown_fulfilment_status")
	if _, err := order.ParsePaymentStatus(""); err == nil {
		t.Fatal("an empty payment status parsed")
	}
	o := &order.Order{Payment: order.Paid}
	wantErr(t, o.SetPaymentStatus(order.PaymentStatus{}, now), order.Invalid, "unknown_payment_status")
	wantErr(t, o.SetFulfilmentStatus(order.FulfilmentStatus{}, now), order.Invalid, "unknown_fulfilment_status")
}

func TestTransitionsMarkdown(t *testing.T) {
	got := order.PaymentTransitionsMarkdown()
	want := "| From | Allowed next statuses |\n|---|---|\n" +
		"| `AWAITING_PAYMENT` | `PAID`, `CANCELLED` |\n" +
		"| `PAID` | `AWAITING_PAYMENT`, `PARTIALLY_REFUNDED`, `REFUNDED`, `CANCELLED` |\n" +
		"| `PARTIALLY_REFUNDED` | `PARTIALLY_REFUNDED`, `REFUNDED`, `CANCELLED` |\n" +
		"| `REFUNDED` | none (final) |\n" +
		"| `CANCELLED` | none (final) |\n"
	if got != want {
		t.Fatalf("PaymentTransitionsMarkdown =\n%s\nwant\n%s", got, want)
	}
	f := order.FulfilmentTransitionsMarkdown()
	for _, s := range order.AllFulfilmentStatuses {
		if !strings.Contains(f, "| `"+s.String()+"` | ") {
			t.Fatalf("fulfilment table has no row for %s:\n%s", s, f)
		}
	}
	t.Logf("\n%s\n%s", got, f)
}

// statusesDocs are the documents that embed both tables between markers;
// the prose around them is free.
var statusesDocs = []string{"../../README.md", "../../docs/STATUSES.md"}

// TestStatusesDocMatchesTables fails when the README or docs/STATUSES.md no
// longer shows the tables the code enforces. Run `go test ./internal/order
// -run StatusesDoc -update` to rewrite the tables in place.
func TestStatusesDocMatchesTables(t *testing.T) {
	for _, path := range statusesDocs {
		t.Run(path, func(t *testing.T) { checkStatusesDoc(t, path) })
	}
}

func checkStatusesDoc(t *testing.T, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	doc := string(b)
	blocks := []struct{ name, table string }{
		{"payment", order.PaymentTransitionsMarkdown()},
		{"fulfilment", order.FulfilmentTransitionsMarkdown()},
	}
	for _, bl := range blocks {
		begin := "<!-- BEGIN " + bl.name + " transitions (generated) -->\n"
		end := "<!-- END " + bl.name + " transitions -->"
		i := strings.Index(doc, begin)
		j := strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("%s lacks the %q … %q markers", path, begin, end)
		}
		current := doc[i+len(begin) : j]
		if current == bl.table {
			continue
		}
		if !*update {
			t.Errorf("%s: the %s table differs from the code; run go test ./internal/order -run StatusesDoc -update\n--- doc\n%s--- code\n%s",
				path, bl.name, current, bl.table)
			continue
		}
		doc = doc[:i+len(begin)] + bl.table + doc[j:]
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
