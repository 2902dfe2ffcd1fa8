package memstore

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Recovery is the in-memory order.RecoveryStore.
type Recovery struct {
	mu         sync.Mutex
	reminders  map[reminderKey]*reminderRow
	lastSent   map[string]time.Time
	suppressed map[string]time.Time
}

type reminderKey struct {
	cart string
	step int
}

type reminderRow struct {
	rec        order.ReminderRecord
	owner      string
	leaseUntil time.Time
}

var _ order.RecoveryStore = (*Recovery)(nil)

// NewRecovery returns an empty recovery store.
func NewRecovery() *Recovery {
	return &Recovery{reminders: map[reminderKey]*reminderRow{}, lastSent: map[string]time.Time{}, suppressed: map[string]time.Time{}}
}

// Claim implements order.RecoveryStore.
func (r *Recovery) Claim(ctx context.Context, cartID string, step int, owner string, now time.Time, lease time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := reminderKey{cartID, step}
	if cur, ok := r.reminders[k]; ok && (cur.rec.Status != order.ReminderClaimed || cur.leaseUntil.After(now)) {
		return order.ReminderTaken("memstore.Recovery.Claim", cartID, step)
	}
	r.reminders[k] = &reminderRow{rec: order.ReminderRecord{CartID: cartID, Step: step, Status: order.ReminderClaimed, At: now},
		owner: owner, leaseUntil: now.Add(lease)}
	return nil
}

// Release implements order.RecoveryStore.
func (r *Recovery) Release(ctx context.Context, cartID string, step int, owner string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := reminderKey{cartID, step}
	if cur, ok := r.reminders[k]; ok && cur.rec.Status == order.ReminderClaimed && cur.owner == owner {
		delete(r.reminders, k)
	}
	return nil
}

// Record implements order.RecoveryStore.
func (r *Recovery) Record(ctx context.Context, rec order.ReminderRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := reminderKey{rec.CartID, rec.Step}
	if cur, ok := r.reminders[k]; ok && cur.rec.Status != order.ReminderClaimed {
		return order.ReminderTaken("memstore.Recovery.Record", rec.CartID, rec.Step)
	}
	rec.Email = order.CustomerEmail(rec.Email)
	r.reminders[k] = &reminderRow{rec: rec}
	if rec.Status == order.ReminderSent && rec.At.After(r.lastSent[rec.Email]) {
		r.lastSent[rec.Email] = rec.At
	}
	return nil
}

// Reminders implements order.RecoveryStore.
func (r *Recovery) Reminders(ctx context.Context, cartID string) ([]order.ReminderRecord, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []order.ReminderRecord
	for k, row := range r.reminders {
		if k.cart == cartID {
			out = append(out, row.rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out, nil
}

// LastReminderTo implements order.RecoveryStore.
func (r *Recovery) LastReminderTo(ctx context.Context, email string) (time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastSent[order.CustomerEmail(email)], nil
}

// Suppress implements order.RecoveryStore.
func (r *Recovery) Suppress(ctx context.Context, email string, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := order.CustomerEmail(email)
	if _, ok := r.suppressed[e]; !ok {
		r.suppressed[e] = at
	}
	return nil
}

// Suppressed implements order.RecoveryStore.
func (r *Recovery) Suppressed(ctx context.Context, email string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.suppressed[order.CustomerEmail(email)]
	return ok, nil
}

// RecordClick implements order.RecoveryStore.
func (r *Recovery) RecordClick(ctx context.Context, cartID string, step int, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	row, ok := r.reminders[reminderKey{cartID, step}]
	if !ok || row.rec.Status != order.ReminderSent {
		return order.E("memstore.Recovery.RecordClick", order.NotFound, "not_found", "no such reminder")
	}
	row.rec.Clicks++
	row.rec.LastClickAt = at
	return nil
}
