package adminapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/adminapi"
)

func TestWithDeadlineMargin(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration // 0: no deadline
		wantLeft time.Duration // the most time the wrapped handler may have
	}{
		{"Lambda deadline", 3 * time.Second, 3*time.Second - adminapi.DeadlineMargin},
		{"no deadline", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			h := adminapi.WithDeadlineMargin(func(ctx context.Context, in int) (time.Duration, error) {
				d, ok := ctx.Deadline()
				if !ok {
					return 0, nil
				}
				return time.Until(d), nil
			})
			left, _ := h(ctx, 1)
			if tt.wantLeft == 0 && left != 0 {
				t.Fatalf("a deadline appeared: %s", left)
			}
			if tt.wantLeft > 0 && (left > tt.wantLeft || left < tt.wantLeft-time.Second) {
				t.Fatalf("time left = %s, want just under %s", left, tt.wantLeft)
			}
		})
	}
}
