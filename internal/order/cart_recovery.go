package order

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRecoverySteps is the longest reminder sequence a shop may set: more
// than three e-mails about one cart is pestering.
const MaxRecoverySteps = 3

// RecoveryAddressGap is the least time between two reminders to one
// address, whatever cart they are about.
const RecoveryAddressGap = 24 * time.Hour

// DefaultStoreTimeZone is the shop's time zone when its settings name none.
const DefaultStoreTimeZone = "Europe/Paris"

// RecoveryStep is one reminder of the sequence: sent AfterMinutes after the
// cart's last activity, with an optional discount code in the e-mail.
type RecoveryStep struct {
	AfterMinutes int    `json:"afterMinutes"`
	DiscountCode string `json:"discountCode,omitempty"`
}

// After is the step's delay after the cart's last activity.
func (s RecoveryStep) After() time.Duration { return time.Duration(s.AfterMinutes) * time.Minute }

// QuietHours is the part of the day no reminder is sent, in the customer's
// (else the store's) time zone: from Start to End ("21:00" to "08:00"
// spans midnight). Off sends at any hour.
type QuietHours struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	Off   bool   `json:"off,omitempty"`
}

// ConsentPolicy says when a reminder needs the customer's marketing consent.
type ConsentPolicy string

// The consent policies. French law requires prior consent for marketing
// e-mail unless the person is already a customer (a "soft opt-in" about
// similar goods), hence the default.
const (
	ConsentRequiredExceptCustomers ConsentPolicy = "required_except_customers"
	ConsentRequired                ConsentPolicy = "required"
	ConsentNotRequired             ConsentPolicy = "not_required"
)

// CartRecovery are the settings of abandoned-cart reminders. A zero field
// takes its default (Effective), so settings saved before these existed
// run on the defaults. The reminders are switched off with the
// NotifyAbandonedCart notification.
type CartRecovery struct {
	Steps      []RecoveryStep `json:"steps,omitempty"`
	QuietHours QuietHours     `json:"quietHours"`
	// SkipSundays and SkipHolidays (French public holidays) move a
	// reminder to the next working day.
	SkipSundays  bool `json:"skipSundays,omitempty"`
	SkipHolidays bool `json:"skipHolidays,omitempty"`
	// TimeZone is the store's IANA time zone, used when the customer's is
	// not known.
	TimeZone string `json:"timeZone,omitempty"`
	// MaxCartAgeHours: no reminder about a cart whose last activity is
	// older (its prices and stock are no longer worth promising).
	MaxCartAgeHours int           `json:"maxCartAgeHours,omitempty"`
	Consent         ConsentPolicy `json:"consent,omitempty"`
}

// DefaultCartRecovery is the sequence +1 h, +24 h, +72 h after the last
// activity, quiet from 21:00 to 08:00 in Paris, carts up to 7 days old,
// consent required except for existing customers.
func DefaultCartRecovery() CartRecovery {
	return CartRecovery{
		Steps:      []RecoveryStep{{AfterMinutes: 60}, {AfterMinutes: 24 * 60}, {AfterMinutes: 72 * 60}},
		QuietHours: QuietHours{Start: "21:00", End: "08:00"}, TimeZone: DefaultStoreTimeZone,
		MaxCartAgeHours: 7 * 24, Consent: ConsentRequiredExceptCustomers,
	}
}

// Effective returns r with its zero fields set to DefaultCartRecovery's.
func (r CartRecovery) Effective() CartRecovery {
	d := DefaultCartRecovery()
	if len(r.Steps) == 0 {
		r.Steps = d.Steps
	}
	if !r.QuietHours.Off {
		if r.QuietHours.Start == "" {
			r.QuietHours.Start = d.QuietHours.Start
		}
		if r.QuietHours.End == "" {
			r.QuietHours.End = d.QuietHours.End
		}
	}
	if r.TimeZone == "" {
		r.TimeZone = d.TimeZone
	}
	if r.MaxCartAgeHours == 0 {
		r.MaxCartAgeHours = d.MaxCartAgeHours
	}
	if r.Consent == "" {
		r.Consent = d.Consent
	}
	return r
}

// MaxCartAge is the age of the last activity past which no reminder is sent.
func (r CartRecovery) MaxCartAge() time.Duration { return time.Duration(r.MaxCartAgeHours) * time.Hour }

// Validate checks the effective settings; an Invalid error names the field.
func (r CartRecovery) Validate() error {
	const op = "order.CartRecovery.Validate"
	bad := func(field, code, format string, args ...any) error {
		e := E(op, Invalid, code, fmt.Sprintf(format, args...))
		e.Details = map[string]any{"field": "cartRecovery." + field}
		return e
	}
	r = r.Effective()
	if len(r.Steps) > MaxRecoverySteps {
		return bad("steps", "too_many_steps", "at most %d reminders per cart", MaxRecoverySteps)
	}
	prev := 0
	for i, s := range r.Steps {
		if s.AfterMinutes <= prev {
			return bad(fmt.Sprintf("steps[%d].afterMinutes", i), "invalid_step", "each reminder comes after the previous one (and after the last activity)")
		}
		prev = s.AfterMinutes
		if err := headerText(s.DiscountCode, 40); err != "" || strings.TrimSpace(s.DiscountCode) != s.DiscountCode {
			return bad(fmt.Sprintf("steps[%d].discountCode", i), "invalid_discount_code", "the discount code must be at most 40 characters, without surrounding spaces")
		}
	}
	if !r.QuietHours.Off {
		for _, f := range []struct{ name, v string }{{"quietHours.start", r.QuietHours.Start}, {"quietHours.end", r.QuietHours.End}} {
			if _, ok := parseClock(f.v); !ok {
				return bad(f.name, "invalid_time", "%s must be a time of day as HH:MM", f.name)
			}
		}
	}
	if _, err := time.LoadLocation(r.TimeZone); err != nil || r.TimeZone == "Local" {
		return bad("timeZone", "invalid_time_zone", "%q is not an IANA time zone", r.TimeZone)
	}
	if r.MaxCartAgeHours < 0 || r.MaxCartAgeHours > 90*24 {
		return bad("maxCartAgeHours", "invalid_age", "the maximum cart age is between 1 hour and 90 days")
	}
	switch r.Consent {
	case ConsentRequiredExceptCustomers, ConsentRequired, ConsentNotRequired:
	default:
		return bad("consent", "invalid_consent_policy", "consent is %s, %s or %s", ConsentRequiredExceptCustomers, ConsentRequired, ConsentNotRequired)
	}
	return nil
}

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || utf8.RuneCountInString(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// Consent is a customer's agreement to marketing e-mail as the storefront
// reported it.
type Consent struct {
	Granted bool      `json:"granted"`
	Source  string    `json:"source,omitempty"` // e.g. "shopify:accepts_marketing"
	At      time.Time `json:"at,omitzero"`
}

// LegalBasisKind is why a reminder may be sent.
type LegalBasisKind string

// The legal bases of a reminder.
const (
	BasisConsent          LegalBasisKind = "consent"
	BasisExistingCustomer LegalBasisKind = "existing_customer"
	BasisNotRequired      LegalBasisKind = "consent_not_required"
)

// LegalBasis is recorded with every reminder: the consent (its source and
// time) or the customer's earlier order.
type LegalBasis struct {
	Kind          LegalBasisKind `json:"kind"`
	ConsentSource string         `json:"consentSource,omitempty"`
	ConsentAt     time.Time      `json:"consentAt,omitzero"`
	OrderID       string         `json:"orderId,omitempty"`
}

// RecoveryAction is what to do with a cart now.
type RecoveryAction string

// The recovery actions.
const (
	RecoverySend RecoveryAction = "send" // send step Step now
	RecoveryWait RecoveryAction = "wait" // look again at NextAt
	RecoveryStop RecoveryAction = "stop" // no more reminders for this cart
)

// RecoveryReason says why a reminder is not sent now.
type RecoveryReason string

// The reasons a reminder is not sent.
const (
	ReasonNoEmail      RecoveryReason = "no_email"
	ReasonSequenceDone RecoveryReason = "sequence_done"
	ReasonOrderedSince RecoveryReason = "ordered_since"
	ReasonSuppressed   RecoveryReason = "suppressed"
	ReasonTooOld       RecoveryReason = "too_old"
	ReasonNoConsent    RecoveryReason = "no_consent"
	ReasonNotDue       RecoveryReason = "not_due"
	ReasonAddressGap   RecoveryReason = "address_reminded_recently"
	ReasonQuietHours   RecoveryReason = "quiet_hours"
)

// OrderRef is an order of the cart's customer: the newest one found by
// e-mail.
type OrderRef struct {
	ID        string
	CreatedAt time.Time
}

// RecoveryFacts are what the decision reads besides the cart, gathered at
// send time.
type RecoveryFacts struct {
	Now time.Time
	// LastOrder is the customer's newest order (same e-mail, any source),
	// nil when none.
	LastOrder *OrderRef
	// Suppressed: the address unsubscribed.
	Suppressed bool
	// LastReminderTo is when this address was last sent a reminder, about
	// any cart (zero when never).
	LastReminderTo time.Time
}

// RecoveryDecision is what to do with a cart now.
type RecoveryDecision struct {
	Action RecoveryAction
	Step   int            // the step (1-based) sent or waited for
	Reason RecoveryReason // why nothing is sent now (Wait, Stop)
	// NextAt is when the cart is due again: for Wait the time to look
	// again, for Send the next step's due time (nil after the last step).
	NextAt       *time.Time
	Basis        LegalBasis // for Send, and for a Stop after consent was checked
	DiscountCode string
}

// DecideRecovery decides what to do with cart c now under settings r (taken
// Effective). The checks run at send time, in this order: an address, a
// step left, no order since the last activity, not unsubscribed, not too
// old, a legal basis; then the timing: the step's due time, one reminder
// per address per RecoveryAddressGap, and quiet hours in the customer's
// (else the store's) time zone.
func DecideRecovery(c *Cart, r CartRecovery, f RecoveryFacts) RecoveryDecision {
	r = r.Effective()
	step := c.RemindersSent + 1
	stop := func(reason RecoveryReason) RecoveryDecision {
		return RecoveryDecision{Action: RecoveryStop, Step: step, Reason: reason}
	}
	switch {
	case strings.TrimSpace(c.Customer.Email) == "":
		return stop(ReasonNoEmail)
	case c.RecoveredOrderID != "":
		return stop(ReasonOrderedSince)
	case step > len(r.Steps):
		return stop(ReasonSequenceDone)
	case f.LastOrder != nil && !f.LastOrder.CreatedAt.Before(c.UpdatedAt):
		return stop(ReasonOrderedSince)
	case f.Suppressed:
		return stop(ReasonSuppressed)
	case f.Now.Sub(c.UpdatedAt) > r.MaxCartAge():
		return stop(ReasonTooOld)
	}
	basis, ok := legalBasis(c, r.Consent, f.LastOrder)
	if !ok {
		return stop(ReasonNoConsent)
	}
	loc := recoveryLocation(c.TimeZone, r.TimeZone)
	at := c.UpdatedAt.Add(r.Steps[step-1].After())
	reason := ReasonNotDue
	if gap := f.LastReminderTo.Add(RecoveryAddressGap); !f.LastReminderTo.IsZero() && gap.After(at) {
		at, reason = gap, ReasonAddressGap
	}
	if f.Now.After(at) {
		at = f.Now
	}
	if allowed := r.NextAllowed(at, loc); allowed.After(at) {
		at, reason = allowed, ReasonQuietHours
	}
	if at.After(f.Now) {
		if at.Sub(c.UpdatedAt) > r.MaxCartAge() {
			return stop(ReasonTooOld)
		}
		return RecoveryDecision{Action: RecoveryWait, Step: step, Reason: reason, NextAt: &at, Basis: basis}
	}
	d := RecoveryDecision{Action: RecoverySend, Step: step, Basis: basis, DiscountCode: r.Steps[step-1].DiscountCode}
	if step < len(r.Steps) {
		next := c.UpdatedAt.Add(r.Steps[step].After())
		d.NextAt = &next
	}
	return d
}

// legalBasis is why a reminder may go to c's customer under policy p:
// their consent, else (unless consent is always required) an earlier order,
// else nothing when consent is required.
func legalBasis(c *Cart, p ConsentPolicy, last *OrderRef) (LegalBasis, bool) {
	if mc := c.MarketingConsent; mc != nil && mc.Granted {
		return LegalBasis{Kind: BasisConsent, ConsentSource: mc.Source, ConsentAt: mc.At}, true
	}
	if p != ConsentRequired && last != nil && last.ID != "" && last.CreatedAt.Before(c.UpdatedAt) {
		return LegalBasis{Kind: BasisExistingCustomer, OrderID: last.ID}, true
	}
	if p == ConsentNotRequired {
		return LegalBasis{Kind: BasisNotRequired}, true
	}
	return LegalBasis{}, false
}

// recoveryLocation is the customer's time zone when it is a valid one, else
// the store's, else Paris.
func recoveryLocation(names ...string) *time.Location {
	for _, n := range append(names, DefaultStoreTimeZone) {
		if n == "" || n == "Local" {
			continue
		}
		if loc, err := time.LoadLocation(n); err == nil {
			return loc
		}
	}
	return time.UTC
}

// NextAllowed returns the first time at or after t, in loc, outside quiet
// hours and, when the settings say so, not on a Sunday nor a French public
// holiday. Times are built with time.Date in loc, so a day that gains or
// loses an hour (daylight saving) still ends quiet hours at End local time.
func (r CartRecovery) NextAllowed(t time.Time, loc *time.Location) time.Time {
	r = r.Effective()
	start, okS := parseClock(r.QuietHours.Start)
	end, okE := parseClock(r.QuietHours.End)
	quiet := !r.QuietHours.Off && okS && okE && start != end
	if !quiet {
		end = 0
	}
	dayAt := func(l time.Time, addDays, minutes int) time.Time {
		return time.Date(l.Year(), l.Month(), l.Day()+addDays, minutes/60, minutes%60, 0, 0, loc)
	}
	for range 30 { // at most a fortnight of blocked days and quiet nights
		l := t.In(loc)
		if (r.SkipSundays && l.Weekday() == time.Sunday) || (r.SkipHolidays && FrenchHoliday(l)) {
			t = dayAt(l, 1, end)
			continue
		}
		if !quiet {
			return t
		}
		m := l.Hour()*60 + l.Minute()
		switch {
		case start > end && m >= start: // the evening part of a night span
			t = dayAt(l, 1, end)
		case start > end && m < end: // its morning part
			t = dayAt(l, 0, end)
		case start < end && m >= start && m < end:
			t = dayAt(l, 0, end)
		default:
			return t
		}
	}
	return t
}

// FrenchHoliday reports whether the calendar day of t (in its own location)
// is a French public holiday: the fixed ones and Easter Monday, Ascension
// Day and Whit Monday.
func FrenchHoliday(t time.Time) bool {
	y, m, d := t.Date()
	switch {
	case m == time.January && d == 1, m == time.May && (d == 1 || d == 8), m == time.July && d == 14,
		m == time.August && d == 15, m == time.November && (d == 1 || d == 11), m == time.December && d == 25:
		return true
	}
	easter := Easter(y)
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, offset := range []int{1, 39, 50} { // Easter Monday, Ascension, Whit Monday
		if day.Equal(easter.AddDate(0, 0, offset)) {
			return true
		}
	}
	return false
}

// Easter returns Easter Sunday of year y (Gregorian calendar), at midnight
// UTC, by the anonymous Gregorian computus (Meeus/Jones/Butcher).
func Easter(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// ApplyRecovery records decision d on the cart: a sent step counts and
// schedules the next one, a wait reschedules, a stop ends the reminders.
// The store's reminder index follows NextReminderAt.
func (c *Cart) ApplyRecovery(d RecoveryDecision) {
	switch d.Action {
	case RecoverySend:
		c.RemindersSent = d.Step
		c.NextReminderAt = d.NextAt
	case RecoveryWait:
		c.NextReminderAt = d.NextAt
	default:
		c.NextReminderAt = nil
	}
}

// ScheduleRecovery puts a cart with an address and no order in the
// reminder index as of its last activity: the reminder function looks at
// it on its next run and schedules its first step by the shop's settings.
func (c *Cart) ScheduleRecovery() {
	if c.RecoveredOrderID != "" || strings.TrimSpace(c.Customer.Email) == "" || c.UpdatedAt.IsZero() {
		return
	}
	at := c.UpdatedAt
	c.NextReminderAt = &at
}
