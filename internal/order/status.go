package order

import (
	"encoding/json"
	"fmt"
	"slices"
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
// It is data: the README prints it and the tests walk every pair.
var PaymentTransitions = map[PaymentStatus][]PaymentStatus{
	AwaitingPayment:   {Paid, PaymentCancelled},
	Paid:              {AwaitingPayment, PartiallyRefunded, Refunded, PaymentCancelled},
	PartiallyRefunded: {PartiallyRefunded, Refunded, PaymentCancelled},
	Refunded:          {},
	PaymentCancelled:  {},
}

// FulfilmentTransitions is the fulfilment state machine: from → allowed
// targets. It is data: the README prints it and the tests walk every pair.
var FulfilmentTransitions = map[FulfilmentStatus][]FulfilmentStatus{
	AwaitingProcessing: {Processing, ReadyForPickup, Shipped, Delivered, WillNotDeliver},
	Processing:         {AwaitingProcessing, ReadyForPickup, Shipped, WillNotDeliver},
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
