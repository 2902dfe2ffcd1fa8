package order

import (
	"context"
	"time"
)

// ReminderStatus is the state of one reminder (a cart's step).
type ReminderStatus string

// The states of a reminder: claimed by a run that is sending it, sent, or
// skipped for good (with its reason).
const (
	ReminderClaimed ReminderStatus = "CLAIMED"
	ReminderSent    ReminderStatus = "SENT"
	ReminderSkipped ReminderStatus = "SKIPPED"
)

// CodeReminderTaken is the Conflict code of a reminder already sent or
// skipped, or claimed by another run.
const CodeReminderTaken = "reminder_taken"

// ReminderRecord is what is kept of one reminder: the audit record of the
// legal basis it was sent on, or of why it was skipped.
type ReminderRecord struct {
	CartID string         `json:"cartId"`
	Step   int            `json:"step"`
	Status ReminderStatus `json:"status"`
	Reason RecoveryReason `json:"reason,omitempty"` // a skip's
	Basis  LegalBasis     `json:"basis,omitzero"`   // a sent reminder's
	Email  string         `json:"email"`
	At     time.Time      `json:"at"`
	// Clicks counts the recovery link's visits from this reminder.
	Clicks      int       `json:"clicks,omitempty"`
	LastClickAt time.Time `json:"lastClickAt,omitzero"`
}

// RecoveryStore keeps the reminders of abandoned carts: the claim that
// makes each (cart, step) sent once, the audit records, the time each
// address was last reminded and the unsubscribed addresses. E-mails are
// compared as CustomerEmail keys.
type RecoveryStore interface {
	// Claim takes (cart, step) for owner until now+lease. It returns a
	// Conflict CodeReminderTaken when the reminder is sent or skipped, or
	// claimed by another owner whose lease has not ended: overlapping runs
	// send each reminder once.
	Claim(ctx context.Context, cartID string, step int, owner string, now time.Time, lease time.Duration) error
	// Release gives back owner's claim (the e-mail was not sent), so the
	// reminder stays due. A claim no longer owner's is left alone.
	Release(ctx context.Context, cartID string, step int, owner string) error
	// Record writes the final record of (cart, step), sent or skipped,
	// unless one is already there (Conflict CodeReminderTaken). A sent one
	// also stamps its address's last reminder time.
	Record(ctx context.Context, r ReminderRecord) error
	// Reminders returns the records of a cart, by step.
	Reminders(ctx context.Context, cartID string) ([]ReminderRecord, error)
	// LastReminderTo returns when the address was last sent a reminder,
	// zero when never.
	LastReminderTo(ctx context.Context, email string) (time.Time, error)
	// Suppress puts the address on the suppression list (it unsubscribed);
	// doing it again keeps the first time.
	Suppress(ctx context.Context, email string, at time.Time) error
	// Suppressed reports whether the address is on the suppression list.
	Suppressed(ctx context.Context, email string) (bool, error)
	// RecordClick counts a visit of the recovery link of a sent reminder
	// (NotFound when that reminder was never recorded).
	RecordClick(ctx context.Context, cartID string, step int, at time.Time) error
}

// ReminderTaken is the Conflict error of a reminder already taken.
func ReminderTaken(op, cartID string, step int) error {
	e := E(op, Conflict, CodeReminderTaken, "this reminder is already sent, skipped or being sent")
	e.Details = map[string]any{"cartId": cartID, "step": step}
	return e
}
