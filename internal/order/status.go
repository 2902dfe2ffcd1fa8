package order

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// PaymentStatus is an order's payment axis, with Ecwid's names. The zero
// value is invalid; values come from the Payment* variables or ParsePaymentStatus.
type PaymentStatus struct{ s string }

// FulfilmentStatus is an order's fulfilment axis, with Ecwid's names. The
// zero value is invalid; values come from the Fulfilment* variables or
// ParseFulfilmentStatus.
type FulfilmentStatus struct{ s string }

// Payment statuses.
var (
	AwaitingPayment   = PaymentStatus{"AWAITING_PAYMENT"}
	Paid              = PaymentStatus{"PAID"}
	PaymentCancelled  = PaymentStatus{"CANCELLED"}
	Refunded          = PaymentStatus{"REFUNDED"}
	PartiallyRefunded = PaymentStatus{"PARTIALLY_REFUNDED"}
)

// Fulfilment statuses.
var (
	AwaitingProcessing = FulfilmentStatus{"AWAITING_PROCESSING"}
	Processing         = FulfilmentStatus{"PROCESSING"}
	ReadyForPickup     = FulfilmentStatus{"READY_FOR_PICKUP"}
	Shipped            = FulfilmentStatus{"SHIPPED"}
	OutForDelivery     = FulfilmentStatus{"OUT_FOR_DELIVERY"}
	Delivered          = FulfilmentStatus{"DELIVERED"}
	WillNotDeliver     = FulfilmentStatus{"WILL_NOT_DELIVER"}
	Returned           = FulfilmentStatus{"RETURNED"}
)

// PaymentTransitions is the payment state machine: from → allowed targets.
// It is data: docs/STATUSES.md prints it and the tests walk every pair.
// PAID back to AWAITING_PAYMENT is "mark as unpaid"; PARTIALLY_REFUNDED to
// itself is a further partial refund. REFUNDED and CANCELLED are final.
var PaymentTransitions = map[PaymentStatus][]PaymentStatus{
	AwaitingPayment:   {Paid, PaymentCancelled},
	Paid:              {AwaitingPayment, PartiallyRefunded, Refunded, PaymentCancelled},
	PartiallyRefunded: {PartiallyRefunded, Refunded, PaymentCancelled},
	Refunded:          {},
	PaymentCancelled:  {},
}

// FulfilmentTransitions is the fulfilment state machine: from → allowed
// targets. It is data: docs/STATUSES.md prints it and the tests walk every
// pair. PROCESSING may go straight to OUT_FOR_DELIVERY (the shop's own local
// delivery) or DELIVERED (services and hand-over), and SHIPPED back to
// PROCESSING is "mark as unshipped".
var FulfilmentTransitions = map[FulfilmentStatus][]FulfilmentStatus{
	AwaitingProcessing: {Processing, ReadyForPickup, Shipped, Delivered, WillNotDeliver},
	Processing:         {AwaitingProcessing, ReadyForPickup, Shipped, OutForDelivery, Delivered, WillNotDeliver},
	ReadyForPickup:     {Processing, Delivered, WillNotDeliver},
	Shipped:            {Processing, OutForDelivery, Delivered, Returned},
	OutForDelivery:     {Shipped, Delivered, Returned},
	Delivered:          {Returned},
	WillNotDeliver:     {},
	Returned:           {},
}

// AllPaymentStatuses lists the payment statuses in display order.
var AllPaymentStatuses = []PaymentStatus{AwaitingPayment, Paid, PartiallyRefunded, Refunded, PaymentCancelled}

// AllFulfilmentStatuses lists the fulfilment statuses in display order.
var AllFulfilmentStatuses = []FulfilmentStatus{AwaitingProcessing, Processing, ReadyForPickup, Shipped, OutForDelivery, Delivered, WillNotDeliver, Returned}

// ParsePaymentStatus returns the status named s, or an Invalid error.
func ParsePaymentStatus(s string) (PaymentStatus, error) {
	for _, p := range AllPaymentStatuses {
		if p.s == s {
			return p, nil
		}
	}
	return PaymentStatus{}, E("order.ParsePaymentStatus", Invalid, "unknown_payment_status", fmt.Sprintf("unknown payment status %q", s))
}

// ParseFulfilmentStatus returns the status named s, or an Invalid error.
func ParseFulfilmentStatus(s string) (FulfilmentStatus, error) {
	for _, f := range AllFulfilmentStatuses {
		if f.s == s {
			return f, nil
		}
	}
	return FulfilmentStatus{}, E("order.ParseFulfilmentStatus", Invalid, "unknown_fulfilment_status", fmt.Sprintf("unknown fulfilment status %q", s))
}

// String returns the status name, e.g. "PAID".
func (p PaymentStatus) String() string { return p.s }

// IsZero reports whether p is the invalid zero value.
func (p PaymentStatus) IsZero() bool { return p.s == "" }

// CanTransitionTo reports whether the payment table allows p → to.
func (p PaymentStatus) CanTransitionTo(to PaymentStatus) bool {
	return slices.Contains(PaymentTransitions[p], to)
}

// handsOver reports whether moving to f hands goods to the customer or the
// carrier, which a held order must not do.
func (f FulfilmentStatus) handsOver() bool {
	return f == ReadyForPickup || f == Shipped || f == OutForDelivery || f == Delivered
}

// statusNames returns the names of a table row, in table order. It is never
// nil, so that Details.allowed encodes as [] rather than null.
func statusNames[S fmt.Stringer](row []S) []string {
	out := make([]string, 0, len(row))
	for _, s := range row {
		out = append(out, s.String())
	}
	return out
}

// String returns the status name, e.g. "SHIPPED".
func (f FulfilmentStatus) String() string { return f.s }

// IsZero reports whether f is the invalid zero value.
func (f FulfilmentStatus) IsZero() bool { return f.s == "" }

// CanTransitionTo reports whether the fulfilment table allows f → to.
func (f FulfilmentStatus) CanTransitionTo(to FulfilmentStatus) bool {
	return slices.Contains(FulfilmentTransitions[f], to)
}

// MarshalJSON encodes the status name.
func (p PaymentStatus) MarshalJSON() ([]byte, error) { return json.Marshal(p.s) }

// UnmarshalJSON accepts only a known status name.
func (p *PaymentStatus) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParsePaymentStatus(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// MarshalJSON encodes the status name.
func (f FulfilmentStatus) MarshalJSON() ([]byte, error) { return json.Marshal(f.s) }

// UnmarshalJSON accepts only a known status name.
func (f *FulfilmentStatus) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseFulfilmentStatus(s)
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// PaymentTransitionsMarkdown renders PaymentTransitions as a Markdown table,
// one row per status in AllPaymentStatuses order, targets in table order.
// docs/STATUSES.md embeds it, and a test keeps the two identical.
func PaymentTransitionsMarkdown() string {
	rows := make([][2]string, 0, len(AllPaymentStatuses))
	for _, p := range AllPaymentStatuses {
		rows = append(rows, [2]string{p.String(), markdownTargets(statusNames(PaymentTransitions[p]))})
	}
	return markdownTable(rows)
}

// FulfilmentTransitionsMarkdown renders FulfilmentTransitions as
// PaymentTransitionsMarkdown does.
func FulfilmentTransitionsMarkdown() string {
	rows := make([][2]string, 0, len(AllFulfilmentStatuses))
	for _, f := range AllFulfilmentStatuses {
		rows = append(rows, [2]string{f.String(), markdownTargets(statusNames(FulfilmentTransitions[f]))})
	}
	return markdownTable(rows)
}

func markdownTargets(names []string) string {
	if len(names) == 0 {
		return "none (final)"
	}
	return "`" + strings.Join(names, "`, `") + "`"
}

func markdownTable(rows [][2]string) string {
	var b strings.Builder
	b.WriteString("| From | Allowed next statuses |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %s |\n", r[0], r[1])
	}
	return b.String()
}
