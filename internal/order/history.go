package order

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ActorKind says what kind of party made a change.
type ActorKind string

// The kinds of actor.
const (
	ActorStaff      ActorKind = "staff"      // a shop employee, through the admin API
	ActorStorefront ActorKind = "storefront" // a storefront, through its webhook
	ActorSystem     ActorKind = "system"     // the backend itself: rules, schedules
)

// ParseActorKind returns the ActorKind named s, or an Invalid error with code
// "unknown_actor".
func ParseActorKind(s string) (ActorKind, error) {
	switch k := ActorKind(s); k {
	case ActorStaff, ActorStorefront, ActorSystem:
		return k, nil
	}
	return "", E("order.ParseActorKind", Invalid, "unknown_actor", fmt.Sprintf("unknown actor kind %q", s))
}

// Actor is who made a change: a staff member (ID is their identity
// provider's subject), a storefront (ID is the Source) or the system (ID
// names the job, e.g. "cart-reminders").
type Actor struct {
	Kind ActorKind `json:"kind"`
	ID   string    `json:"id,omitempty"`
}

// StaffActor is the staff member with the given subject.
func StaffActor(subject string) Actor { return Actor{Kind: ActorStaff, ID: subject} }

// StorefrontActor is the storefront an order came from.
func StorefrontActor(s Source) Actor { return Actor{Kind: ActorStorefront, ID: string(s)} }

// SystemActor is the backend acting on its own, job naming what it was doing.
func SystemActor(job string) Actor { return Actor{Kind: ActorSystem, ID: job} }

// IsZero reports whether a is the zero Actor, i.e. nobody was recorded.
func (a Actor) IsZero() bool { return a.Kind == "" && a.ID == "" }

// Validate checks that the kind is known and that staff and storefronts are
// identified (a history that says "some staff member" is of no use).
func (a Actor) Validate() error {
	const op = "order.Actor.Validate"
	if _, err := ParseActorKind(string(a.Kind)); err != nil {
		return err
	}
	if a.Kind != ActorSystem && strings.TrimSpace(a.ID) == "" {
		return E(op, Invalid, "missing_field", fmt.Sprintf("a %s actor needs an id", a.Kind))
	}
	if !utf8.ValidString(a.ID) || utf8.RuneCountInString(a.ID) > maxTextRunes {
		return E(op, Invalid, "invalid_utf8", "actor id must be valid UTF-8 of reasonable length")
	}
	return nil
}

// String formats as "staff:auth0|42" or "system".
func (a Actor) String() string {
	if a.ID == "" {
		return string(a.Kind)
	}
	return string(a.Kind) + ":" + a.ID
}

// The channels a change comes through, for Change.Via. A storefront's webhook
// is ViaWebhook(source).
const (
	ViaAPI      = "api"      // the admin API
	ViaSchedule = "schedule" // a scheduled job (reminders, abandonment)
	ViaRule     = "rule"     // a rule applied on intake (ApplyStatusRules)
)

// ViaWebhook is the channel of a storefront's webhook, e.g. "webhook:shopify".
func ViaWebhook(s Source) string { return "webhook:" + string(s) }

// Change is one entry of an order's history ("Historique"): at what time,
// who, through which channel, did what, to which field, from which value to
// which. The methods that change an order return their Change rows with At,
// Action, Field, From and To set; the caller adds Actor and Via with Stamp.
type Change struct {
	At     time.Time `json:"at"`
	Actor  Actor     `json:"actor"`
	Action string    `json:"action"`          // what was done: one of the Action* names
	Field  string    `json:"field,omitempty"` // what changed: one of the Field* names; empty for an action with no field
	From   string    `json:"from,omitempty"`
	To     string    `json:"to,omitempty"`
	Via    string    `json:"via,omitempty"` // ViaAPI, ViaWebhook(source), ViaSchedule, ViaRule
}

// The actions that Change.Action names.
const (
	ActionCreate                 = "create"
	ActionUpdate                 = "update" // the storefront or staff edited the order's content
	ActionMarkPaid               = "mark_paid"
	ActionMarkUnpaid             = "mark_unpaid"
	ActionMarkShipped            = "mark_shipped"
	ActionMarkUnshipped          = "mark_unshipped"
	ActionChangePaymentStatus    = "change_payment_status"
	ActionChangeFulfilmentStatus = "change_fulfilment_status"
	ActionHold                   = "hold"
	ActionResume                 = "resume"
	ActionCancel                 = "cancel"
	ActionSetCustomStatus        = "set_custom_status"
	ActionSetInternalComment     = "set_internal_comment"
	ActionPaymentReminder        = "payment_reminder"
	ActionRuleZeroTotal          = "rule_zero_total"        // ApplyStatusRules: zero-total payment status
	ActionRuleDigitalDelivered   = "rule_digital_delivered" // ApplyStatusRules: paid digital order delivered
)

// The fields that Change.Field names, spelled as in the order's JSON.
const (
	FieldPaymentStatus    = "paymentStatus"
	FieldFulfilmentStatus = "fulfilmentStatus"
	FieldTracking         = "tracking"
	FieldOnHold           = "onHold"
	FieldCustomStatus     = "customStatus"
	FieldInternalComment  = "internalComment"
)

// Stamp sets the actor and the channel on every change, in place, and
// returns the same slice.
func Stamp(changes []Change, a Actor, via string) []Change {
	for i := range changes {
		changes[i].Actor = a
		changes[i].Via = via
	}
	return changes
}

// CreatedChange is the first history entry of an order: its creation, with
// the display number as To.
func CreatedChange(o *Order, a Actor, via string) Change {
	return Change{At: o.CreatedAt, Actor: a, Action: ActionCreate, To: o.Number, Via: via}
}

// historyTextRunes bounds the From and To of a history row: a 10 000
// character comment copied twice into every edit would soon fill an item.
const historyTextRunes = 200

// abbreviate cuts s to historyTextRunes runes, marking the cut with "…".
func abbreviate(s string) string {
	if utf8.RuneCountInString(s) <= historyTextRunes {
		return s
	}
	r := []rune(s)
	return string(r[:historyTextRunes-1]) + "…"
}
