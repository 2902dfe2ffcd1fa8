package cartreminders_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/cartreminders"
	"github.com/ordersmith/ordersmith/internal/order"
)

func TestSequenceStopsWhenTheCustomerOrders(t *testing.T) {
	e := newEnv(t)
	c := e.addCart(t, "chk-1", "Lea@Example.fr")

	e.at(10 * time.Minute)
	if res := e.run(t); res.Waiting != 1 || res.Sent != 0 {
		t.Fatalf("before the first step: %+v", res)
	}
	if cart, _ := e.store.Carts().Get(context.Background(), c.ID); cart.NextReminderAt == nil || !cart.NextReminderAt.Equal(lastActivity.Add(time.Hour)) {
		t.Fatalf("first step scheduled at %v, want +1 h", cart.NextReminderAt)
	}
	e.at(time.Hour)
	if res := e.run(t); res.Sent != 1 {
		t.Fatalf("first step: %+v", res)
	}
	if res := e.run(t); res.Sent != 0 {
		t.Fatalf("a second run at the same time sent again: %+v", res)
	}
	// Step 2 is due at +24 h, but the address had a reminder 23 h ago: it
	// waits for the day to pass.
	e.at(24 * time.Hour)
	if res := e.run(t); res.Sent != 0 || res.Waiting != 1 {
		t.Fatalf("second step within a day of the first: %+v", res)
	}
	e.at(25 * time.Hour)
	if res := e.run(t); res.Sent != 1 {
		t.Fatalf("second step: %+v", res)
	}
	e.at(30 * time.Hour)
	e.addOrder(t, "lea@example.fr")
	e.at(72 * time.Hour)
	if res := e.run(t); res.Sent != 0 || res.Skipped != 1 {
		t.Fatalf("after an order: %+v", res)
	}
	mails := e.mail.emails()
	if len(mails) != 2 {
		t.Fatalf("%d e-mails, want 2", len(mails))
	}
	for i, m := range mails {
		unsub := header(m, "List-Unsubscribe")
		if m.To != "lea@example.fr" || !strings.HasPrefix(unsub, "<https://api.example.fr/dev/unsubscribe?token=") || !strings.HasSuffix(unsub, ">") ||
			header(m, "List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("e-mail %d: to %s, headers %+v", i+1, m.To, m.Headers)
		}
		link := strings.Trim(unsub, "<>")
		for _, body := range []string{m.Text, m.HTML} {
			if !strings.Contains(body, "Mug émaillé") || !strings.Contains(body, "25,00\u00a0€") ||
				!strings.Contains(body, "https://api.example.fr/dev/carts/"+c.ID+"/recover?token=") ||
				!strings.Contains(body, "Ne plus recevoir ces rappels") {
				t.Fatalf("e-mail %d lacks the items, the total, the link or the unsubscribe link:\n%s", i+1, body)
			}
		}
		if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, strings.ReplaceAll(link, "&", "&amp;")) {
			t.Fatalf("e-mail %d does not show its unsubscribe link %s", i+1, link)
		}
	}
	recs := e.records(t, c.ID)
	if len(recs) != 3 || recs[0].Status != order.ReminderSent || recs[1].Status != order.ReminderSent ||
		recs[2].Status != order.ReminderSkipped || recs[2].Reason != order.ReasonOrderedSince {
		t.Fatalf("records %+v", recs)
	}
	if b := recs[0].Basis; b.Kind != order.BasisConsent || b.ConsentSource != "shopify:accepts_marketing" {
		t.Fatalf("legal basis %+v", b)
	}
	if cart, _ := e.store.Carts().Get(context.Background(), c.ID); cart.NextReminderAt != nil || cart.RemindersSent != 2 {
		t.Fatalf("cart after the order: %+v", cart)
	}
}

func TestNoConsentIsSkippedAndRecorded(t *testing.T) {
	e := newEnv(t)
	c := e.addCart(t, "chk-1", "paul@example.fr", func(c *order.Cart) { c.MarketingConsent = nil })
	e.at(time.Hour)
	if res := e.run(t); res.Skipped != 1 || res.Sent != 0 {
		t.Fatalf("run: %+v", res)
	}
	if recs := e.records(t, c.ID); len(recs) != 1 || recs[0].Status != order.ReminderSkipped || recs[0].Reason != order.ReasonNoConsent {
		t.Fatalf("records %+v", recs)
	}
	if len(e.mail.emails()) != 0 {
		t.Fatal("an e-mail went out without consent")
	}
	// An earlier order makes the customer an existing one: the basis.
	e2 := newEnv(t)
	e2.at(-30 * 24 * time.Hour)
	o := e2.addOrder(t, "paul@example.fr")
	e2.at(0)
	c2 := e2.addCart(t, "chk-2", "paul@example.fr", func(c *order.Cart) { c.MarketingConsent = nil })
	e2.at(time.Hour)
	if res := e2.run(t); res.Sent != 1 {
		t.Fatalf("existing customer: %+v", res)
	}
	if recs := e2.records(t, c2.ID); recs[0].Basis.Kind != order.BasisExistingCustomer || recs[0].Basis.OrderID != o.ID {
		t.Fatalf("existing customer's basis %+v", recs[0].Basis)
	}
}

func TestUnsubscribeStopsLaterReminders(t *testing.T) {
	e := newEnv(t)
	c := e.addCart(t, "chk-1", "lea@example.fr")
	e.at(time.Hour)
	e.run(t)
	mails := e.mail.emails()
	if len(mails) != 1 {
		t.Fatalf("%d e-mails", len(mails))
	}
	u, err := url.Parse(strings.Trim(header(mails[0], "List-Unsubscribe"), "<>"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.h.Unsubscribe(context.Background(), u.Query().Get("token")); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	// Another cart of the same address is not reminded either.
	e.at(2 * time.Hour)
	other := e.addCart(t, "chk-2", "LEA@example.fr", func(c *order.Cart) { c.UpdatedAt = lastActivity.Add(2 * time.Hour) })
	e.at(26 * time.Hour)
	if res := e.run(t); res.Sent != 0 || res.Skipped != 2 {
		t.Fatalf("after unsubscribing: %+v", res)
	}
	for _, id := range []string{c.ID, other.ID} {
		recs := e.records(t, id)
		if last := recs[len(recs)-1]; last.Status != order.ReminderSkipped || last.Reason != order.ReasonSuppressed {
			t.Fatalf("cart %s records %+v", id, recs)
		}
	}
}

func TestOneReminderPerAddressPerDay(t *testing.T) {
	e := newEnv(t)
	e.addCart(t, "chk-1", "lea@example.fr")
	later := e.addCart(t, "chk-2", "lea@example.fr", func(c *order.Cart) { c.UpdatedAt = lastActivity.Add(30 * time.Minute) })
	e.at(2 * time.Hour)
	if res := e.run(t); res.Sent != 1 || res.Waiting != 1 {
		t.Fatalf("two carts of one address: %+v", res)
	}
	cart, _ := e.store.Carts().Get(context.Background(), later.ID)
	if cart.NextReminderAt == nil || !cart.NextReminderAt.Equal(lastActivity.Add(26*time.Hour)) {
		t.Fatalf("the second cart waits until %v, want a day after the first e-mail", cart.NextReminderAt)
	}
}

func TestOverlappingRunsSendEachReminderOnce(t *testing.T) {
	e := newEnv(t)
	for i := range 20 {
		e.addCart(t, "chk-"+string(rune('a'+i)), "customer"+string(rune('a'+i))+"@example.fr")
	}
	e.at(time.Hour)
	runs := []*cartreminders.Handler{e.h, e.handler(t, "run-b"), e.handler(t, "run-c")}
	var wg sync.WaitGroup
	results := make([]cartreminders.RunResult, len(runs))
	for i, h := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.Run(context.Background())
			if err != nil {
				t.Errorf("run %d: %v", i, err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	sent := map[string]int{}
	for _, m := range e.mail.emails() {
		sent[m.To]++
	}
	total := 0
	for _, r := range results {
		total += r.Sent
	}
	if len(sent) != 20 || total != 20 {
		t.Fatalf("%d addresses reminded, %d sends reported (%+v), want 20", len(sent), total, results)
	}
	for to, n := range sent {
		if n != 1 {
			t.Fatalf("%s got %d reminders", to, n)
		}
	}
}

func TestSESFailureKeepsTheReminderDue(t *testing.T) {
	e := newEnv(t)
	c := e.addCart(t, "chk-1", "lea@example.fr")
	e.at(time.Hour)
	e.mail.fail = []error{errors.New("connection reset")}
	if res := e.run(t); res.Failed != 1 || res.Sent != 0 {
		t.Fatalf("failed send: %+v", res)
	}
	if recs := e.records(t, c.ID); len(recs) != 0 {
		t.Fatalf("a failed send left records %+v", recs)
	}
	if res := e.run(t); res.Sent != 1 {
		t.Fatalf("the next run: %+v", res)
	}
	if n := len(e.mail.emails()); n != 1 {
		t.Fatalf("%d e-mails, want 1", n)
	}
}

func TestThrottlingBacksOff(t *testing.T) {
	e := newEnv(t)
	for _, ext := range []string{"a", "b", "c", "d"} {
		e.addCart(t, "chk-"+ext, ext+"@example.fr")
	}
	e.at(time.Hour)
	throttled := order.E("ses", order.Transient, "email_unavailable", "TooManyRequestsException")
	e.mail.fail = []error{throttled, throttled, throttled}
	res := e.run(t)
	if res.Stopped != "throttled" || res.Sent != 0 || res.Failed != cartreminders.MaxBackoffs {
		t.Fatalf("throttled run: %+v", res)
	}
	if len(e.sleeps) != cartreminders.MaxBackoffs-1 || e.sleeps[1] <= e.sleeps[0] {
		t.Fatalf("backoff waits %v", e.sleeps)
	}
	if res := e.run(t); res.Sent != 4 {
		t.Fatalf("the next run: %+v", res)
	}
}

func TestRunStopsBeforeTheDeadline(t *testing.T) {
	e := newEnv(t)
	e.addCart(t, "chk-1", "lea@example.fr")
	e.at(time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(cartreminders.DeadlineMargin/2))
	defer cancel()
	res, err := e.h.Run(ctx)
	if err != nil || res.Stopped != "deadline" || res.Sent != 0 {
		t.Fatalf("run near its deadline: %+v, %v", res, err)
	}
	if res := e.run(t); res.Sent != 1 {
		t.Fatalf("the next run: %+v", res)
	}
}

func TestSwitchedOff(t *testing.T) {
	e := newEnv(t)
	e.addCart(t, "chk-1", "lea@example.fr")
	s := order.DefaultSettings("Boutique", "boutique@example.fr")
	s.Notifications = map[order.NotificationKind]bool{order.NotifyAbandonedCart: false}
	if _, err := e.store.Settings().Put(context.Background(), s, 0); err != nil {
		t.Fatal(err)
	}
	e.at(time.Hour)
	if res := e.run(t); !res.SwitchedOff || res.Sent != 0 {
		t.Fatalf("switched off: %+v", res)
	}
}
