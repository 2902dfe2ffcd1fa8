package localawstest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// steps is an IdempotencyReader that answers its states in turn, then
// the last one forever.
type steps struct {
	states []order.IdempotencyStatus // "" is no record
	err    error
	reads  int
}

func (s *steps) Get(_ context.Context, scope, key string) (*order.IdempotencyRecord, error) {
	if s.err != nil {
		return nil, s.err
	}
	st := s.states[min(s.reads, len(s.states)-1)]
	s.reads++
	if st == "" {
		return nil, order.E("steps.Get", order.NotFound, order.CodeNotFound, "no record")
	}
	return &order.IdempotencyRecord{Scope: scope, Key: key, Status: st}, nil
}

func TestWaitCompleted(t *testing.T) {
	r := &steps{states: []order.IdempotencyStatus{"", order.IdempotencyInProgress, order.IdempotencyCompleted}}
	if rec := WaitCompleted(t, r, "notify", "evt-1", 5*time.Second); rec.Status != order.IdempotencyCompleted || r.reads != 3 {
		t.Fatalf("record %+v after %d reads, want COMPLETED after 3", rec, r.reads)
	}
	for _, tt := range []struct {
		name string
		r    *steps
		want string
	}{
		{"never completed", &steps{states: []order.IdempotencyStatus{order.IdempotencyInProgress}}, "not COMPLETED after 300ms: INPROGRESS"},
		{"never written", &steps{states: []order.IdempotencyStatus{""}}, "not COMPLETED after 300ms: no record"},
		{"read error", &steps{err: errors.New("throttled")}, "read idempotency record notify/evt-1: throttled"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &fatalRecorder{TB: t}
			done := make(chan struct{})
			go func() { defer close(done); WaitCompleted(rec, tt.r, "notify", "evt-1", 300*time.Millisecond) }()
			<-done
			if !strings.Contains(rec.fatal, tt.want) {
				t.Fatalf("failure %q, want %q", rec.fatal, tt.want)
			}
		})
	}
}
