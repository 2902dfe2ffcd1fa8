package order_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestErrors(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	tests := []struct {
		name string
		err  error
		kind order.Kind
		code string
		text string
	}{
		{"plain", order.E("order.X", order.Conflict, "c", "it clashed"), order.Conflict, "c", "order.X: it clashed"},
		{"no op", order.E("", order.Invalid, "c", "bad"), order.Invalid, "c", "bad"},
		{"no message falls back to the code", order.E("op", order.NotFound, "not_found", ""), order.NotFound, "not_found", "op: not_found"},
		{"wrapped cause", order.Wrap("order.Y", order.Transient, "t", "try again", cause), order.Transient, "t", "order.Y: try again: unexpected EOF"},
		{"wrapped by fmt", fmt.Errorf("save order 1: %w", order.E("op", order.PreconditionFailed, "version_conflict", "stale")),
			order.PreconditionFailed, "version_conflict", "save order 1: op: stale"},
		{"not ours", errors.New("boom"), order.Internal, "", "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if order.KindOf(tt.err) != tt.kind || order.CodeOf(tt.err) != tt.code || tt.err.Error() != tt.text {
				t.Fatalf("kind %s, code %q, text %q; want %s, %q, %q",
					order.KindOf(tt.err), order.CodeOf(tt.err), tt.err.Error(), tt.kind, tt.code, tt.text)
			}
			if !order.IsKind(tt.err, tt.kind) {
				t.Fatal("IsKind disagrees with KindOf")
			}
		})
	}
	if !errors.Is(order.Wrap("op", order.Transient, "t", "m", cause), cause) {
		t.Fatal("Unwrap does not reach the cause")
	}
	if order.IsKind(nil, order.Internal) {
		t.Fatal("nil has a kind")
	}
	kinds := map[order.Kind]string{order.Internal: "internal", order.Invalid: "invalid", order.Unauthenticated: "unauthenticated",
		order.Forbidden: "forbidden", order.NotFound: "not_found", order.Conflict: "conflict",
		order.PreconditionFailed: "precondition_failed", order.TooLarge: "too_large", order.Transient: "transient", order.Kind(99): "kind(99)"}
	for k, want := range kinds {
		if k.String() != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), k.String(), want)
		}
	}
}
