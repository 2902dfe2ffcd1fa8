package order_test

import (
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

func TestCheckIdempotencyKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"a uuid", "7d0c3a4e-2b1f-4c8d-9e6a-5f4b3c2d1e0f", true},
		{"the limit in bytes", strings.Repeat("k", order.MaxIdempotencyKeyBytes), true},
		{"one byte over", strings.Repeat("k", order.MaxIdempotencyKeyBytes+1), false},
		// 128 two-byte runes: 128 characters, 256 bytes. The limit is in
		// bytes, as DynamoDB's key limits are.
		{"multi-byte runes over the byte limit", strings.Repeat("é", 128), false},
		{"multi-byte runes within it", strings.Repeat("é", 127), true},
		{"empty", "", false},
		{"invalid UTF-8", "key-\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := order.CheckIdempotencyKey("test", tt.key)
			if tt.ok != (err == nil) {
				t.Fatalf("CheckIdempotencyKey(%d bytes) = %v, want ok %v", len(tt.key), err, tt.ok)
			}
			if err != nil && (order.CodeOf(err) != order.CodeInvalidIdempotencyKey || !order.IsKind(err, order.Invalid)) {
				t.Fatalf("err = %v, want Invalid %s", err, order.CodeInvalidIdempotencyKey)
			}
		})
	}
}

func TestNewCancelOptions(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name            string
		notify, restock *bool
		want            order.CancelOptions
	}{
		{"defaults: not told, restocked", nil, nil, order.CancelOptions{NotifyCustomer: false, Restock: true}},
		{"box ticked", &yes, nil, order.CancelOptions{NotifyCustomer: true, Restock: true}},
		{"no restock", nil, &no, order.CancelOptions{NotifyCustomer: false, Restock: false}},
		{"both given", &yes, &no, order.CancelOptions{NotifyCustomer: true, Restock: false}},
	}
	for _, tt := range tests {
		if got := order.NewCancelOptions(tt.notify, tt.restock); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
