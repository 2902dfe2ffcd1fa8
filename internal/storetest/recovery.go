package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// RecoveryFactory builds a fresh, empty reminder store for one test.
type RecoveryFactory func(t *testing.T) order.RecoveryStore

// RunRecoveryStore runs the RecoveryStore contract.
func RunRecoveryStore(t *testing.T, f RecoveryFactory) {
	t.Run("ClaimOnceUntilTheLeaseEnds", func(t *testing.T) { testRecoveryClaim(t, f(t)) })
	t.Run("OverlappingRunsClaimOnce", func(t *testing.T) { testRecoveryConcurrentClaims(t, f(t)) })
	t.Run("RecordsAndAddresses", func(t *testing.T) { testRecoveryRecords(t, f(t)) })
	t.Run("SuppressionList", func(t *testing.T) { testRecoverySuppression(t, f(t)) })
}

func testRecoveryClaim(t *testing.T, s order.RecoveryStore) {
	ctx := context.Background()
	const lease = 2 * time.Minute
	if err := s.Claim(ctx, "cart-1", 1, "run-a", Epoch, lease); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	wantKind(t, s.Claim(ctx, "cart-1", 1, "run-b", Epoch.Add(time.Minute), lease), order.Conflict, order.CodeReminderTaken)
	if err := s.Claim(ctx, "cart-1", 2, "run-b", Epoch, lease); err != nil {
		t.Fatalf("another step is another reminder: %v", err)
	}
	// Run a died: its lease ends and run b takes the reminder over.
	if err := s.Claim(ctx, "cart-1", 1, "run-b", Epoch.Add(lease+time.Second), lease); err != nil {
		t.Fatalf("claim after the lease: %v", err)
	}
	// Run a's late release leaves run b's claim alone.
	if err := s.Release(ctx, "cart-1", 1, "run-a"); err != nil {
		t.Fatalf("release of a lost claim: %v", err)
	}
	wantKind(t, s.Claim(ctx, "cart-1", 1, "run-c", Epoch.Add(lease+2*time.Second), lease), order.Conflict, order.CodeReminderTaken)
	// Run b could not send: its release makes the reminder due again at once.
	if err := s.Release(ctx, "cart-1", 1, "run-b"); err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := s.Claim(ctx, "cart-1", 1, "run-c", Epoch.Add(lease+3*time.Second), lease); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	rec := order.ReminderRecord{CartID: "cart-1", Step: 1, Status: order.ReminderSent, Email: "Lea@Example.com",
		At: Epoch.Add(3 * time.Minute), Basis: order.LegalBasis{Kind: order.BasisExistingCustomer, OrderID: "01ORDER"}}
	if err := s.Record(ctx, rec); err != nil {
		t.Fatalf("record: %v", err)
	}
	// Sent is final: neither a claim, even much later, nor another record.
	wantKind(t, s.Claim(ctx, "cart-1", 1, "run-d", Epoch.Add(time.Hour), lease), order.Conflict, order.CodeReminderTaken)
	rec.Status, rec.Reason = order.ReminderSkipped, order.ReasonSuppressed
	wantKind(t, s.Record(ctx, rec), order.Conflict, order.CodeReminderTaken)
	if err := s.Release(ctx, "cart-1", 1, "run-c"); err != nil {
		t.Fatalf("release after the record: %v", err)
	}
	got, err := s.Reminders(ctx, "cart-1")
	if err != nil || len(got) != 2 || got[0].Status != order.ReminderSent || got[1].Status != order.ReminderClaimed {
		t.Fatalf("reminders after release of a sent one: %+v, %v", got, err)
	}
}

func testRecoveryConcurrentClaims(t *testing.T, s order.RecoveryStore) {
	ctx := context.Background()
	const runs = 6
	results := make(chan error, runs)
	for i := range runs {
		go func() { results <- s.Claim(ctx, "cart-1", 2, fmt.Sprintf("run-%d", i), Epoch, time.Minute) }()
	}
	won := 0
	for range runs {
		err := <-results
		switch {
		case err == nil:
			won++
		case order.CodeOf(err) != order.CodeReminderTaken:
			t.Fatalf("claim: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d runs claimed the reminder, want exactly 1", won)
	}
}

func testRecoveryRecords(t *testing.T, s order.RecoveryStore) {
	ctx := context.Background()
	if last, err := s.LastReminderTo(ctx, "lea@example.com"); err != nil || !last.IsZero() {
		t.Fatalf("never reminded: %v, %v", last, err)
	}
	consent := order.LegalBasis{Kind: order.BasisConsent, ConsentSource: "shopify:accepts_marketing", ConsentAt: Epoch.Add(-time.Hour)}
	sent := order.ReminderRecord{CartID: "cart-1", Step: 1, Status: order.ReminderSent, Email: "lea@example.com", At: Epoch, Basis: consent}
	if err := s.Record(ctx, sent); err != nil {
		t.Fatalf("record without a claim: %v", err)
	}
	skipped := order.ReminderRecord{CartID: "cart-2", Step: 1, Status: order.ReminderSkipped, Reason: order.ReasonNoConsent,
		Email: "LEA@example.com", At: Epoch.Add(time.Hour)}
	if err := s.Record(ctx, skipped); err != nil {
		t.Fatalf("record a skip: %v", err)
	}
	sent2 := sent
	sent2.Step, sent2.At = 2, Epoch.Add(25*time.Hour)
	if err := s.Record(ctx, sent2); err != nil {
		t.Fatalf("record step 2: %v", err)
	}
	// A skip does not count as a reminder to the address.
	if last, err := s.LastReminderTo(ctx, " Lea@Example.COM "); err != nil || !last.Equal(sent2.At) {
		t.Fatalf("last reminder %v, %v; want %v", last, err, sent2.At)
	}
	if err := s.RecordClick(ctx, "cart-1", 2, Epoch.Add(26*time.Hour)); err != nil {
		t.Fatalf("click: %v", err)
	}
	if err := s.RecordClick(ctx, "cart-1", 2, Epoch.Add(27*time.Hour)); err != nil {
		t.Fatalf("second click: %v", err)
	}
	wantKind(t, s.RecordClick(ctx, "cart-2", 1, Epoch), order.NotFound, "")
	wantKind(t, s.RecordClick(ctx, "cart-9", 1, Epoch), order.NotFound, "")
	got, err := s.Reminders(ctx, "cart-1")
	if err != nil || len(got) != 2 {
		t.Fatalf("reminders of cart-1: %+v, %v", got, err)
	}
	if g := got[0]; g.Step != 1 || g.Status != order.ReminderSent || g.Basis.Kind != order.BasisConsent ||
		g.Basis.ConsentSource != consent.ConsentSource || !g.Basis.ConsentAt.Equal(consent.ConsentAt) || g.Clicks != 0 {
		t.Fatalf("step 1 record %+v", g)
	}
	if g := got[1]; g.Step != 2 || g.Clicks != 2 || !g.LastClickAt.Equal(Epoch.Add(27*time.Hour)) {
		t.Fatalf("step 2 record %+v", g)
	}
	got, err = s.Reminders(ctx, "cart-2")
	if err != nil || len(got) != 1 || got[0].Status != order.ReminderSkipped || got[0].Reason != order.ReasonNoConsent || got[0].Email != "lea@example.com" {
		t.Fatalf("reminders of cart-2: %+v, %v", got, err)
	}
}

func testRecoverySuppression(t *testing.T, s order.RecoveryStore) {
	ctx := context.Background()
	if ok, err := s.Suppressed(ctx, "lea@example.com"); err != nil || ok {
		t.Fatalf("suppressed before unsubscribing: %v, %v", ok, err)
	}
	for range 2 { // a second click of the link is harmless
		if err := s.Suppress(ctx, "Lea@Example.com", Epoch); err != nil {
			t.Fatalf("suppress: %v", err)
		}
	}
	if ok, err := s.Suppressed(ctx, "lea@example.com"); err != nil || !ok {
		t.Fatalf("not suppressed after unsubscribing: %v, %v", ok, err)
	}
	if ok, err := s.Suppressed(ctx, "paul@example.com"); err != nil || ok {
		t.Fatalf("another address suppressed: %v, %v", ok, err)
	}
}
