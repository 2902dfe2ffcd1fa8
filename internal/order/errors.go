package order

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that the edge can map it to a transport status
// in one place (see internal/apihttp). The zero Kind is Internal.
type Kind int

// The kinds of error the domain and its adapters report.
const (
	Internal           Kind = iota // a bug or an unexpected failure: HTTP 500
	Invalid                        // bad input: HTTP 400 (or 422)
	Unauthenticated                // missing or wrong credentials or signature: HTTP 401
	Forbidden                      // authenticated but not allowed: HTTP 403
	NotFound                       // the thing does not exist: HTTP 404
	Conflict                       // refused by the current state, or a lost race: HTTP 409
	PreconditionFailed             // an If-Match (version) precondition did not hold: HTTP 412
	TooLarge                       // the input is over a size limit: HTTP 413
	Transient                      // a dependency failed in a way worth retrying: HTTP 503
)

var kindNames = [...]string{"internal", "invalid", "unauthenticated", "forbidden", "not_found", "conflict", "precondition_failed", "too_large", "transient"}

// String returns the kind's snake_case name.
func (k Kind) String() string {
	if int(k) < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Error is the domain's error: what was being done, what kind of failure it
// is, a stable machine-readable code, a message for humans and the cause.
type Error struct {
	Op      string // what was being done, e.g. "order.MarkShipped"
	Kind    Kind
	Code    string // machine-readable, snake_case, e.g. "totals_mismatch"
	Message string // human readable, safe to show to the caller
	Details any    // optional machine-readable details (e.g. the allowed transitions)
	Err     error  // the cause, if any; never shown to the caller
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code
	}
	s := msg
	if e.Op != "" {
		s = e.Op + ": " + msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error.
func E(op string, kind Kind, code, message string) *Error {
	return &Error{Op: op, Kind: kind, Code: code, Message: message}
}

// Wrap builds an *Error around a cause.
func Wrap(op string, kind Kind, code, message string, err error) *Error {
	return &Error{Op: op, Kind: kind, Code: code, Message: message, Err: err}
}

// KindOf returns the Kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// IsKind reports whether err carries the given kind.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// CodeOf returns the Code of the first *Error in err's chain, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Sentinel codes used across packages.
const (
	CodeVersionConflict = "version_conflict"
	CodeNotFound        = "not_found"
	CodeAlreadyExists   = "already_exists"

	// CodeTransitionNotAllowed: a status move the transition tables refuse.
	CodeTransitionNotAllowed = "transition_not_allowed"
	// CodeOrderOnHold: the order is on hold, so no shipment and no invoice.
	CodeOrderOnHold = "order_on_hold"
)
