package memstore

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Idempotency is the in-memory order.IdempotencyStore.
type Idempotency struct{ s *Store }

var _ order.IdempotencyStore = (*Idempotency)(nil)

// Idempotency returns the idempotency view of the store.
func (s *Store) Idempotency() *Idempotency { return &Idempotency{s: s} }

func idemMapKey(scope, key string) string { return scope + "\x00" + key }

// checkIdemKey applies the table's limits on scopes and keys.
func checkIdemKey(op, scope, key string) error {
	if scope == "" || strings.Contains(scope, "#") || !utf8.ValidString(scope) || len(scope) > 64 {
		return order.E(op, order.Invalid, "invalid_idempotency_scope", "the idempotency scope must be 1 to 64 characters without '#'")
	}
	return order.CheckIdempotencyKey(op, key)
}

// completedRecord checks a result and builds its record.
func (s *Store) completedRecord(op string, r order.IdempotencyResult, resourceID string) (*order.IdempotencyRecord, error) {
	if err := checkIdemKey(op, r.Scope, r.Key); err != nil {
		return nil, err
	}
	if r.TTL <= 0 {
		return nil, order.E(op, order.Invalid, "invalid_ttl", "a completed idempotency record needs a positive TTL")
	}
	if resourceID == "" {
		resourceID = r.ResourceID
	}
	return &order.IdempotencyRecord{
		Scope: r.Scope, Key: r.Key, Status: order.IdempotencyCompleted, Fingerprint: r.Fingerprint,
		Response: append([]byte(nil), r.Response...), ResourceID: resourceID,
		ExpiresAt: s.now().Add(r.TTL).UTC(),
	}, nil
}

func copyRecord(r *order.IdempotencyRecord) *order.IdempotencyRecord {
	c := *r
	c.Response = append([]byte(nil), r.Response...)
	return &c
}

// Begin implements order.IdempotencyStore.
func (d *Idempotency) Begin(ctx context.Context, scope, key, fingerprint string, lock time.Duration) (*order.IdempotencyRecord, error) {
	const op = "memstore.Idempotency.Begin"
	if err := checkIdemKey(op, scope, key); err != nil {
		return nil, err
	}
	if lock <= 0 {
		return nil, order.E(op, order.Invalid, "invalid_ttl", "the in-progress lock needs a positive duration")
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	now := d.s.now()
	if cur, ok := d.s.idem[idemMapKey(scope, key)]; ok && now.Before(cur.ExpiresAt) {
		return copyRecord(cur), nil
	}
	d.s.idem[idemMapKey(scope, key)] = &order.IdempotencyRecord{
		Scope: scope, Key: key, Status: order.IdempotencyInProgress, Fingerprint: fingerprint,
		ExpiresAt: now.Add(lock).UTC(),
	}
	return nil, nil
}

// Complete implements order.IdempotencyStore.
func (d *Idempotency) Complete(ctx context.Context, r order.IdempotencyResult) error {
	const op = "memstore.Idempotency.Complete"
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	rec, err := d.s.completedRecord(op, r, "")
	if err != nil {
		return err
	}
	cur, ok := d.s.idem[idemMapKey(r.Scope, r.Key)]
	if !ok || cur.Status != order.IdempotencyInProgress {
		return order.E(op, order.Conflict, "idempotency_not_in_progress",
			fmt.Sprintf("idempotency key %s/%s is not in progress", r.Scope, r.Key))
	}
	d.s.idem[idemMapKey(r.Scope, r.Key)] = rec
	return nil
}

// Release implements order.IdempotencyStore.
func (d *Idempotency) Release(ctx context.Context, scope, key string) error {
	const op = "memstore.Idempotency.Release"
	if err := checkIdemKey(op, scope, key); err != nil {
		return err
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if cur, ok := d.s.idem[idemMapKey(scope, key)]; ok && cur.Status == order.IdempotencyInProgress {
		delete(d.s.idem, idemMapKey(scope, key))
	}
	return nil
}
