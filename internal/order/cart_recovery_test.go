package order_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestEasterAndFrenchHolidays(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	for y, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28"} {
		if got := order.Easter(y).Format(time.DateOnly); got != want {
			t.Errorf("Easter %d = %s, want %s", y, got, want)
		}
	}
	holidays := map[int][]string{
		2026: {"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25", "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25"},
		2027: {"2027-01-01", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-08", "2027-05-17", "2027-07-14", "2027-08-15", "2027-11-01", "2027-11-11", "2027-12-25"},
	}
	for y, days := range holidays {
		want := map[string]bool{}
		for _, d := range days {
			want[d] = true
		}
		count := 0
		for d := time.Date(y, 1, 1, 12, 0, 0, 0, paris); d.Year() == y; d = d.AddDate(0, 0, 1) {
			got := order.FrenchHoliday(d)
			if got != want[d.Format(time.DateOnly)] {
				t.Errorf("FrenchHoliday(%s) = %v", d.Format(time.DateOnly), got)
			}
			if got {
				count++
			}
		}
		if count != 11 {
			t.Errorf("%d: %d holidays, want 11", y, count)
		}
	}
}

func TestNextAllowed(t *testing.T) {
	paris, ny := mustZone(t, "Europe/Paris"), mustZone(t, "America/New_York")
	def := order.DefaultCartRecovery()
	at := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sundays := def
	sundays.SkipSundays, sundays.SkipHolidays = true, true
	off := def
	off.QuietHours.Off = true
	early := def
	early.QuietHours = order.QuietHours{Start: "00:00", End: "02:30"}
	tests := []struct {
		name string
		r    order.CartRecovery
		loc  *time.Location
		t    time.Time
		want time.Time
	}{
		{"daytime is allowed", def, paris, at(paris, "2026-06-10 14:00"), at(paris, "2026-06-10 14:00")},
		{"evening waits for the morning", def, paris, at(paris, "2026-06-10 21:00"), at(paris, "2026-06-11 08:00")},
		{"night waits for the morning", def, paris, at(paris, "2026-06-11 03:10"), at(paris, "2026-06-11 08:00")},
		{"08:00 sharp is allowed", def, paris, at(paris, "2026-06-11 08:00"), at(paris, "2026-06-11 08:00")},
		{"spring forward: the night is an hour shorter", def, paris, at(paris, "2026-03-28 22:00"), time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC)},
		{"fall back: the night is an hour longer", def, paris, at(paris, "2026-10-24 22:00"), time.Date(2026, 10, 25, 7, 0, 0, 0, time.UTC)},
		{"quiet end in the skipped hour moves with it", early, paris, at(paris, "2026-03-29 01:00"), time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)},
		{"customer's zone", def, ny, time.Date(2026, 6, 11, 1, 0, 0, 0, time.UTC), time.Date(2026, 6, 11, 12, 0, 0, 0, time.UTC)},
		{"same instant is daytime in New York", def, ny, time.Date(2026, 6, 10, 20, 0, 0, 0, time.UTC), time.Date(2026, 6, 10, 20, 0, 0, 0, time.UTC)},
		{"quiet hours off", off, paris, at(paris, "2026-06-10 23:30"), at(paris, "2026-06-10 23:30")},
		{"Sunday waits for Monday", sundays, paris, at(paris, "2026-06-14 10:00"), at(paris, "2026-06-15 08:00")},
		{"Saturday night skips Sunday", sundays, paris, at(paris, "2026-06-13 22:00"), at(paris, "2026-06-15 08:00")},
		{"Whit Monday after a Sunday", sundays, paris, at(paris, "2026-05-23 21:30"), at(paris, "2026-05-26 08:00")},
		{"Easter Monday 2027", sundays, paris, at(paris, "2027-03-29 09:00"), at(paris, "2027-03-30 08:00")},
		{"holidays not skipped by default", def, paris, at(paris, "2026-07-14 09:00"), at(paris, "2026-07-14 09:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.NextAllowed(tt.t, tt.loc); !got.Equal(tt.want) {
				t.Fatalf("NextAllowed(%s) = %s, want %s", tt.t, got.In(tt.loc), tt.want.In(tt.loc))
			}
		})
	}
}

func TestDecideRecovery(t *testing.T) {
	// Last activity Wednesday 10 June 2026, 10:00 in Paris (08:00 UTC).
	last := time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC)
	consent := &order.Consent{Granted: true, Source: "shopify:accepts_marketing", At: last.Add(-time.Minute)}
	cart := func(sent int, mutate ...func(*order.Cart)) *order.Cart {
		c := validCart()
		c.UpdatedAt, c.RemindersSent, c.MarketingConsent = last, sent, consent
		for _, m := range mutate {
			m(c)
		}
		return c
	}
	noConsent := func(c *order.Cart) { c.MarketingConsent = nil }
	ptr := func(t time.Time) *time.Time { return &t }
	def := order.CartRecovery{}
	withCode := order.CartRecovery{Steps: []order.RecoveryStep{{AfterMinutes: 60, DiscountCode: "REVIENS10"}, {AfterMinutes: 120}}}
	required := order.CartRecovery{Consent: order.ConsentRequired}
	notRequired := order.CartRecovery{Consent: order.ConsentNotRequired}
	earlier := &order.OrderRef{ID: "01OLDORDER", CreatedAt: last.Add(-30 * 24 * time.Hour)}
	since := &order.OrderRef{ID: "01NEWORDER", CreatedAt: last.Add(2 * time.Hour)}
	consentBasis := order.LegalBasis{Kind: order.BasisConsent, ConsentSource: consent.Source, ConsentAt: consent.At}

	tests := []struct {
		name  string
		c     *order.Cart
		r     order.CartRecovery
		facts order.RecoveryFacts
		want  order.RecoveryDecision
	}{
		{"step 1 due", cart(0), def, order.RecoveryFacts{Now: last.Add(time.Hour)},
			order.RecoveryDecision{Action: order.RecoverySend, Step: 1, Basis: consentBasis, NextAt: ptr(last.Add(24 * time.Hour))}},
		{"step 1 not yet due", cart(0), def, order.RecoveryFacts{Now: last.Add(10 * time.Minute)},
			order.RecoveryDecision{Action: order.RecoveryWait, Step: 1, Reason: order.ReasonNotDue, NextAt: ptr(last.Add(time.Hour)), Basis: consentBasis}},
		{"step 2 due", cart(1), def, order.RecoveryFacts{Now: last.Add(24 * time.Hour)},
			order.RecoveryDecision{Action: order.RecoverySend, Step: 2, Basis: consentBasis, NextAt: ptr(last.Add(72 * time.Hour))}},
		{"step 3 is the last", cart(2), def, order.RecoveryFacts{Now: last.Add(72 * time.Hour)},
			order.RecoveryDecision{Action: order.RecoverySend, Step: 3, Basis: consentBasis}},
		{"sequence done", cart(3), def, order.RecoveryFacts{Now: last.Add(96 * time.Hour)},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 4, Reason: order.ReasonSequenceDone}},
		{"discount code of the step", cart(0), withCode, order.RecoveryFacts{Now: last.Add(time.Hour)},
			order.RecoveryDecision{Action: order.RecoverySend, Step: 1, Basis: consentBasis, DiscountCode: "REVIENS10", NextAt: ptr(last.Add(2 * time.Hour))}},
		{"ordered since", cart(1), def, order.RecoveryFacts{Now: last.Add(24 * time.Hour), LastOrder: since},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 2, Reason: order.ReasonOrderedSince}},
		{"cart recovered", cart(1, func(c *order.Cart) { c.RecoveredOrderID = "01X" }), def, order.RecoveryFacts{Now: last.Add(24 * time.Hour)},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 2, Reason: order.ReasonOrderedSince}},
		{"suppressed", cart(0), def, order.RecoveryFacts{Now: last.Add(time.Hour), Suppressed: true},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 1, Reason: order.ReasonSuppressed}},
		{"too old", cart(0), def, order.RecoveryFacts{Now: last.Add(8 * 24 * time.Hour)},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 1, Reason: order.ReasonTooOld}},
		{"no e-mail", cart(0, func(c *order.Cart) { c.Customer.Email = "" }), def, order.RecoveryFacts{Now: last.Add(time.Hour)},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 1, Reason: order.ReasonNoEmail}},
		{"no consent, required", cart(0, noConsent), def, order.RecoveryFacts{Now: last.Add(time.Hour)},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 1, Reason: order.ReasonNoConsent}},
		{"consent refused", cart(0, func(c *order.Cart) { c.MarketingConsent = &order.Consent{Granted: false, Source: "shopify"} }), def, order.RecoveryFacts{Now: last.Add(time.Hour)},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 1, Reason: order.ReasonNoConsent}},
		{"no consent, existing customer", cart(0, noConsent), def, order.RecoveryFacts{Now: last.Add(time.Hour), LastOrder: earlier},
			order.RecoveryDecision{Action: order.RecoverySend, Step: 1, Basis: order.LegalBasis{Kind: order.BasisExistingCustomer, OrderID: earlier.ID}, NextAt: ptr(last.Add(24 * time.Hour))}},
		{"no consent, customer, consent always required", cart(0, noConsent), required, order.RecoveryFacts{Now: last.Add(time.Hour), LastOrder: earlier},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 1, Reason: order.ReasonNoConsent}},
		{"no consent, not required", cart(0, noConsent), notRequired, order.RecoveryFacts{Now: last.Add(time.Hour)},
			order.RecoveryDecision{Action: order.RecoverySend, Step: 1, Basis: order.LegalBasis{Kind: order.BasisNotRequired}, NextAt: ptr(last.Add(24 * time.Hour))}},
		{"address reminded 20 h ago", cart(0), def, order.RecoveryFacts{Now: last.Add(time.Hour), LastReminderTo: last.Add(-19 * time.Hour)},
			order.RecoveryDecision{Action: order.RecoveryWait, Step: 1, Reason: order.ReasonAddressGap, NextAt: ptr(last.Add(5 * time.Hour)), Basis: consentBasis}},
		{"address reminded 25 h ago", cart(0), def, order.RecoveryFacts{Now: last.Add(time.Hour), LastReminderTo: last.Add(-24 * time.Hour)},
			order.RecoveryDecision{Action: order.RecoverySend, Step: 1, Basis: consentBasis, NextAt: ptr(last.Add(24 * time.Hour))}},
		{"due at 22:00 Paris waits for 08:00", cart(0, func(c *order.Cart) { c.UpdatedAt = time.Date(2026, 6, 10, 19, 0, 0, 0, time.UTC) }), def,
			order.RecoveryFacts{Now: time.Date(2026, 6, 10, 20, 0, 0, 0, time.UTC)},
			order.RecoveryDecision{Action: order.RecoveryWait, Step: 1, Reason: order.ReasonQuietHours, NextAt: ptr(time.Date(2026, 6, 11, 6, 0, 0, 0, time.UTC)), Basis: consentBasis}},
		{"same time is 16:00 in New York", cart(0, func(c *order.Cart) {
			c.UpdatedAt, c.TimeZone = time.Date(2026, 6, 10, 19, 0, 0, 0, time.UTC), "America/New_York"
		}), def, order.RecoveryFacts{Now: time.Date(2026, 6, 10, 20, 0, 0, 0, time.UTC)},
			order.RecoveryDecision{Action: order.RecoverySend, Step: 1, Basis: consentBasis, NextAt: ptr(time.Date(2026, 6, 11, 19, 0, 0, 0, time.UTC))}},
		{"unknown customer zone falls back to the store's", cart(0, func(c *order.Cart) {
			c.UpdatedAt, c.TimeZone = time.Date(2026, 6, 10, 19, 0, 0, 0, time.UTC), "Mars/Olympus"
		}), def, order.RecoveryFacts{Now: time.Date(2026, 6, 10, 20, 0, 0, 0, time.UTC)},
			order.RecoveryDecision{Action: order.RecoveryWait, Step: 1, Reason: order.ReasonQuietHours, NextAt: ptr(time.Date(2026, 6, 11, 6, 0, 0, 0, time.UTC)), Basis: consentBasis}},
		{"quiet hours past the maximum age stop", cart(2, func(c *order.Cart) { c.UpdatedAt = time.Date(2026, 6, 10, 19, 30, 0, 0, time.UTC) }),
			order.CartRecovery{MaxCartAgeHours: 73}, order.RecoveryFacts{Now: time.Date(2026, 6, 13, 19, 30, 0, 0, time.UTC)},
			order.RecoveryDecision{Action: order.RecoveryStop, Step: 3, Reason: order.ReasonTooOld}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := order.DecideRecovery(tt.c, tt.r, tt.facts)
			if !sameDecision(got, tt.want) {
				t.Fatalf("DecideRecovery =\n %s\nwant\n %s", describe(got), describe(tt.want))
			}
		})
	}
}

func sameDecision(a, b order.RecoveryDecision) bool {
	if (a.NextAt == nil) != (b.NextAt == nil) || (a.NextAt != nil && !a.NextAt.Equal(*b.NextAt)) {
		return false
	}
	a.NextAt, b.NextAt = nil, nil
	return a.Action == b.Action && a.Step == b.Step && a.Reason == b.Reason && a.DiscountCode == b.DiscountCode &&
		a.Basis.Kind == b.Basis.Kind && a.Basis.ConsentSource == b.Basis.ConsentSource && a.Basis.ConsentAt.Equal(b.Basis.ConsentAt) &&
		a.Basis.OrderID == b.Basis.OrderID
}

func describe(d order.RecoveryDecision) string {
	next := "-"
	if d.NextAt != nil {
		next = d.NextAt.UTC().Format(time.RFC3339)
	}
	return string(d.Action) + " step " + strconv.Itoa(d.Step) + " reason " + string(d.Reason) + " next " + next + " basis " + string(d.Basis.Kind) + "/" + d.Basis.OrderID + " code " + d.DiscountCode
}

func TestApplyRecovery(t *testing.T) {
	c := validCart()
	c.ScheduleRecovery()
	if c.NextReminderAt == nil || !c.NextReminderAt.Equal(c.UpdatedAt) {
		t.Fatalf("scheduled at %v, want the last activity %v", c.NextReminderAt, c.UpdatedAt)
	}
	next := c.UpdatedAt.Add(24 * time.Hour)
	c.ApplyRecovery(order.RecoveryDecision{Action: order.RecoverySend, Step: 1, NextAt: &next})
	if c.RemindersSent != 1 || !c.NextReminderAt.Equal(next) {
		t.Fatalf("after send: %d sent, next %v", c.RemindersSent, c.NextReminderAt)
	}
	c.ApplyRecovery(order.RecoveryDecision{Action: order.RecoveryStop, Step: 2, Reason: order.ReasonSuppressed})
	if c.RemindersSent != 1 || c.NextReminderAt != nil {
		t.Fatalf("after stop: %d sent, next %v", c.RemindersSent, c.NextReminderAt)
	}
	noMail := validCart()
	noMail.Customer.Email = ""
	noMail.ScheduleRecovery()
	if noMail.NextReminderAt != nil {
		t.Fatal("a cart without e-mail is scheduled")
	}
}

func TestCartRecoveryValidate(t *testing.T) {
	tests := []struct {
		name string
		r    order.CartRecovery
		code string
	}{
		{"zero is the defaults", order.CartRecovery{}, ""},
		{"defaults", order.DefaultCartRecovery(), ""},
		{"four steps", order.CartRecovery{Steps: []order.RecoveryStep{{AfterMinutes: 1}, {AfterMinutes: 2}, {AfterMinutes: 3}, {AfterMinutes: 4}}}, "too_many_steps"},
		{"steps out of order", order.CartRecovery{Steps: []order.RecoveryStep{{AfterMinutes: 60}, {AfterMinutes: 30}}}, "invalid_step"},
		{"bad quiet hour", order.CartRecovery{QuietHours: order.QuietHours{Start: "25:00", End: "08:00"}}, "invalid_time"},
		{"quiet hours off need no times", order.CartRecovery{QuietHours: order.QuietHours{Off: true}}, ""},
		{"unknown zone", order.CartRecovery{TimeZone: "Europe/Atlantis"}, "invalid_time_zone"},
		{"bad policy", order.CartRecovery{Consent: "sometimes"}, "invalid_consent_policy"},
		{"code with spaces", order.CartRecovery{Steps: []order.RecoveryStep{{AfterMinutes: 60, DiscountCode: " X "}}}, "invalid_discount_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := order.CodeOf(tt.r.Validate()); got != tt.code {
				t.Fatalf("Validate code %q, want %q", got, tt.code)
			}
		})
	}
	s := order.DefaultSettings("Boutique", "b@example.fr")
	s.CartRecovery.Consent = "sometimes"
	if order.CodeOf(s.Validate()) != "invalid_consent_policy" {
		t.Fatal("settings accept an invalid cart recovery")
	}
	var saved order.Settings // saved before cart recovery existed
	if got := saved.Recovery(); len(got.Steps) != 3 || got.Consent != order.ConsentRequiredExceptCustomers || got.MaxCartAge() != 7*24*time.Hour {
		t.Fatalf("old settings recover with %+v", got)
	}
}
