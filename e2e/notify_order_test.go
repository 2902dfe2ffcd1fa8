package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
)

// TestEmailsFollowTheOrderOfChangesE2E: a manual order marked paid right
// after its creation (the two changes milliseconds apart) e-mails "order
// confirmed" strictly before "order updated", through the outbox relay and
// the FIFO notifications queue of the local runtime.
func TestEmailsFollowTheOrderOfChangesE2E(t *testing.T) {
	to := localawstest.Recipient(t)
	token := lcStaff(t)
	created := sys.Do(t, http.MethodPost, "/orders", token, manualOrderBody(t, to), map[string]string{"Idempotency-Key": fmt.Sprintf("e2e-%d", intakeID())})
	if created.Status != http.StatusCreated {
		t.Fatalf("manual order: %d %s", created.Status, created.Body)
	}
	var o orderView
	created.JSON(t, &o)
	if r := sys.Do(t, http.MethodPost, "/orders/"+o.ID+"/actions/mark-paid", token, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("mark paid: %d %s", r.Status, r.Body)
	}
	mails := sys.WaitForEmails(t, to, 2, 60*time.Second)
	if !strings.Contains(mails[0].Subject, "Confirmation de votre commande") || !strings.Contains(mails[1].Subject, "a été mise à jour") {
		t.Errorf("e-mails in the order %q, %q; want the confirmation first, then the update", mails[0].Subject, mails[1].Subject)
	}
}
