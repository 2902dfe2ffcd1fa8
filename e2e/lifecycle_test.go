package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
)

// The lifecycle tests seed their orders straight into the table, as the
// intake would store them but without its confirmation e-mail, so that the
// mails they read back are the lifecycle's alone; everything else goes
// through the HTTP API of the local runtime, and the side effects (stock,
// e-mails) through the real outbox relay, queues and consumers.

// lcStore seeds the orders. One store for the whole package: it caches the
// order-number counter and serialises its own creations, where a store per
// order would race the others for each number.
var (
	lcStore     *dynamo.Store
	lcStoreOnce sync.Once
)

// lcStaff is a token with both admin scopes.
func lcStaff(t *testing.T) string { return sys.Token(t, "camille@shop", "orders:read", "orders:write") }

// lcSeed stores an order at the given statuses for the customer to and
// returns it.
func lcSeed(t *testing.T, to string, p order.PaymentStatus, f order.FulfilmentStatus, lines ...order.LineItem) *order.Order {
	t.Helper()
	if len(lines) == 0 {
		lines = []order.LineItem{lcLine("E2E-MUG", 1)}
	}
	o := &order.Order{
		Source: order.SourceManual, Currency: order.EUR, PricesIncludeTax: true,
		Customer: order.Customer{Name: "Zoé Martin", Email: to, Locale: "fr-FR"},
		Lines:    lines, Payment: p, Fulfilment: f,
	}
	totals, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Totals = totals
	lcStoreOnce.Do(func() { lcStore = dynamo.New(sys.DynamoDB, sys.Ref(t, "OrdersTable")) })
	created, err := lcStore.Create(t.Context(), o, order.CreateOptions{})
	if err != nil {
		t.Fatalf("seed order: %v", err)
	}
	return created
}

func lcLine(sku string, qty int64) order.LineItem {
	return order.LineItem{SKU: sku, Name: "Mug « Montmartre »", Quantity: qty, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.RequireFromString("20")}
}

func lcJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// lcError is the error body of the API.
type lcError struct {
	Error struct {
		Code    string         `json:"code"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func lcAllowed(t *testing.T, r *Response) []string {
	t.Helper()
	var e lcError
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Errorf("error body %s: %v", r.Body, err) // Errorf: called from the test's goroutines
		return nil
	}
	out := []string{}
	list, _ := e.Error.Details["allowed"].([]any)
	for _, v := range list {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

func lcNames[S fmt.Stringer](row []S) []string {
	out := []string{}
	for _, s := range row {
		out = append(out, s.String())
	}
	return out
}

// TestLifecycleTransitionTablesE2E sends every (from, to) pair of both
// transition tables through the API on the local runtime: an allowed move
// answers 200 with the new status, a refused one 409 transition_not_allowed
// with the table's row as the allowed moves.
func TestLifecycleTransitionTablesE2E(t *testing.T) {
	token := lcStaff(t)
	// No customer e-mail: these orders' events mail nobody, so the test does
	// not queue some fifty e-mails ahead of the others'.
	to := ""
	type pair struct {
		axis, from, to string
		allowed        bool
		row            []string
		seed           func() *order.Order
		body           []byte
	}
	var pairs []pair
	for _, from := range order.AllPaymentStatuses {
		for _, next := range order.AllPaymentStatuses {
			if from == next && !from.CanTransitionTo(next) {
				continue // not a move: a no-op, covered by the unit tests
			}
			pairs = append(pairs, pair{"payment", from.String(), next.String(), from.CanTransitionTo(next), lcNames(order.PaymentTransitions[from]),
				func() *order.Order { return lcSeed(t, to, from, order.AwaitingProcessing) }, lcJSON(map[string]string{"status": next.String()})})
		}
	}
	for _, from := range order.AllFulfilmentStatuses {
		for _, next := range order.AllFulfilmentStatuses {
			if from == next && !from.CanTransitionTo(next) {
				continue
			}
			body := map[string]string{"status": next.String()}
			if next == order.Shipped {
				body["carrier"], body["trackingNumber"] = "Colissimo", "6A"+strconv.Itoa(len(pairs))
			}
			pairs = append(pairs, pair{"fulfilment", from.String(), next.String(), from.CanTransitionTo(next), lcNames(order.FulfilmentTransitions[from]),
				func() *order.Order { return lcSeed(t, to, order.Paid, from) }, lcJSON(body)})
		}
	}
	// Four at a time: each pair is independent (its own order), the local
	// runtime runs several instances of the function, and DynamoDB Local
	// is shared with every other suite on the machine.
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, p := range pairs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			name := p.axis + " " + p.from + "->" + p.to
			o := p.seed()
			r := sys.Do(t, http.MethodPut, "/orders/"+o.ID+"/"+p.axis+"-status", token, p.body, nil)
			if !p.allowed {
				if r.Status != http.StatusConflict || r.ErrorCode() != order.CodeTransitionNotAllowed || !slices.Equal(lcAllowed(t, r), p.row) {
					t.Errorf("%s: status %d %s, want 409 with allowed %v", name, r.Status, r.Body, p.row)
				}
				return
			}
			var got map[string]any
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Errorf("%s: status %d, body %s: %v", name, r.Status, r.Body, err)
				return
			}
			if r.Status != http.StatusOK || got[p.axis+"Status"] != p.to || r.Header.Get("ETag") != `"2"` {
				t.Errorf("%s: status %d ETag %s %s=%v, want 200 %s", name, r.Status, r.Header.Get("ETag"), p.axis, got[p.axis+"Status"], p.to)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d moves sent", len(pairs))
}

// TestLifecycleAuthE2E: the lifecycle routes answer 401 without a token and
// 403 with one that lacks the route's scope, and accept either spelling of
// a scope.
func TestLifecycleAuthE2E(t *testing.T) {
	o := lcSeed(t, "", order.AwaitingPayment, order.AwaitingProcessing)
	readOnly := sys.Token(t, "viewer@shop", "orders:read")
	noScope := sys.Token(t, "intern@shop")
	cognito := sys.Token(t, "manager@shop", "orders/read", "orders/write")
	cases := []struct {
		name, method, path, token string
		body                      []byte
		want                      int
	}{
		{"history without token", http.MethodGet, "/orders/" + o.ID + "/history", "", nil, http.StatusUnauthorized},
		{"action without token", http.MethodPost, "/orders/" + o.ID + "/actions/hold", "", nil, http.StatusUnauthorized},
		{"payment status without token", http.MethodPut, "/orders/" + o.ID + "/payment-status", "", lcJSON(map[string]string{"status": "PAID"}), http.StatusUnauthorized},
		{"stock without token", http.MethodGet, "/stock/E2E-MUG", "", nil, http.StatusUnauthorized},
		{"history without scope", http.MethodGet, "/orders/" + o.ID + "/history", noScope, nil, http.StatusForbidden},
		{"action with read scope", http.MethodPost, "/orders/" + o.ID + "/actions/hold", readOnly, nil, http.StatusForbidden},
		{"fulfilment status with read scope", http.MethodPut, "/orders/" + o.ID + "/fulfilment-status", readOnly, lcJSON(map[string]string{"status": "PROCESSING"}), http.StatusForbidden},
		{"stock count with read scope", http.MethodPut, "/stock/E2E-MUG", readOnly, lcJSON(map[string]int{"onHand": 1}), http.StatusForbidden},
		{"read with read scope", http.MethodGet, "/orders/" + o.ID, readOnly, nil, http.StatusOK},
		{"write with Cognito's spelling", http.MethodPost, "/orders/" + o.ID + "/actions/hold", cognito, nil, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sys.Do(t, c.method, c.path, c.token, c.body, nil)
			if r.Status != c.want {
				t.Fatalf("%s %s: %d %s, want %d", c.method, c.path, r.Status, r.Body, c.want)
			}
		})
	}
}

// TestConcurrentTransitionsE2E sends 20 conflicting transitions at once to
// one order through the API: each answer is 200, 409 or 412; every version
// written was answered to someone; and the history, read back through the
// API page by page, holds exactly the applied changes (replayed from the
// initial state, each row starts where the previous one left the order, and
// the replay ends on the stored statuses).
func TestConcurrentTransitionsE2E(t *testing.T) {
	token := lcStaff(t)
	o := lcSeed(t, "", order.AwaitingPayment, order.AwaitingProcessing)
	type call struct {
		method, path string
		body         []byte
		ifMatch      string
	}
	action := func(name, ifMatch string) call {
		return call{http.MethodPost, "/orders/" + o.ID + "/actions/" + name, nil, ifMatch}
	}
	fulfil := func(status, ifMatch string) call {
		return call{http.MethodPut, "/orders/" + o.ID + "/fulfilment-status", lcJSON(map[string]string{"status": status}), ifMatch}
	}
	calls := []call{
		action("mark-paid", ""), action("mark-paid", `"1"`), action("mark-unpaid", ""), action("hold", ""),
		action("hold", `"1"`), action("resume", ""), action("mark-shipped", ""), action("mark-shipped", `"1"`),
		action("mark-unshipped", ""), action("cancel", `"1"`), action("mark-unpaid", `"1"`), fulfil("PROCESSING", ""),
		fulfil("PROCESSING", `"1"`), fulfil("DELIVERED", ""), fulfil("READY_FOR_PICKUP", ""), fulfil("AWAITING_PROCESSING", `"1"`),
		action("mark-paid", ""), action("hold", ""), action("resume", `"1"`), fulfil("OUT_FOR_DELIVERY", ""),
	}
	answers := make([]*Response, len(calls))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var h map[string]string
			if c.ifMatch != "" {
				h = map[string]string{"If-Match": c.ifMatch}
			}
			answers[i] = sys.Do(t, c.method, c.path, token, c.body, h)
		}()
	}
	close(start)
	wg.Wait()

	answered := map[int64]bool{}
	refused := 0
	for i, r := range answers {
		switch r.Status {
		case http.StatusOK:
			v, err := strconv.ParseInt(strings.Trim(r.Header.Get("ETag"), `"`), 10, 64)
			if err != nil {
				t.Fatalf("call %d: ETag %q", i, r.Header.Get("ETag"))
			}
			answered[v] = true
		case http.StatusConflict, http.StatusPreconditionFailed:
			refused++
		default:
			t.Fatalf("call %d %s %s: %d %s", i, calls[i].method, calls[i].path, r.Status, r.Body)
		}
	}
	final := sys.Do(t, http.MethodGet, "/orders/"+o.ID, token, nil, nil)
	var cur struct {
		Payment    string `json:"paymentStatus"`
		Fulfilment string `json:"fulfilmentStatus"`
		OnHold     bool   `json:"onHold"`
		Version    int64  `json:"version"`
	}
	final.JSON(t, &cur)
	for v := int64(2); v <= cur.Version; v++ {
		if !answered[v] {
			t.Fatalf("version %d was written but no caller was answered with it (%v)", v, answered)
		}
	}
	if refused == 0 {
		t.Fatal("20 conflicting transitions and none refused")
	}

	var rows []order.Change
	cursor := ""
	for page := 0; page < 50; page++ {
		path := "/orders/" + o.ID + "/history?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := sys.Do(t, http.MethodGet, path, token, nil, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("history: %d %s", r.Status, r.Body)
		}
		var p struct {
			Items []order.Change `json:"items"`
			Next  string         `json:"next_cursor"`
		}
		r.JSON(t, &p)
		rows = append(rows, p.Items...)
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	pay, ful, held := "AWAITING_PAYMENT", "AWAITING_PROCESSING", "false"
	for i, c := range rows {
		var at *string
		switch c.Field {
		case order.FieldPaymentStatus:
			at = &pay
		case order.FieldFulfilmentStatus:
			at = &ful
		case order.FieldOnHold:
			at = &held
		default:
			continue
		}
		if c.From != *at {
			t.Fatalf("history row %d (%s %s %s → %s) starts from %s: a lost update", i, c.Action, c.Field, c.From, c.To, *at)
		}
		if c.Actor.ID != "camille@shop" && c.Actor.Kind != order.ActorSystem {
			t.Fatalf("history row %d has actor %v", i, c.Actor)
		}
		*at = c.To
	}
	if pay != cur.Payment || ful != cur.Fulfilment || held != strconv.FormatBool(cur.OnHold) {
		t.Fatalf("history replays to %s/%s hold %s, the order is %s/%s hold %v", pay, ful, held, cur.Payment, cur.Fulfilment, cur.OnHold)
	}
	t.Logf("%d applied writes, %d refused, %d history rows; final %s/%s hold %v", cur.Version-1, refused, len(rows), cur.Payment, cur.Fulfilment, cur.OnHold)
}

// lcStock reads a SKU's stock through the API.
func lcStock(t *testing.T, token, sku string) int64 {
	t.Helper()
	r := sys.Do(t, http.MethodGet, "/stock/"+sku, token, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("stock of %s: %d %s", sku, r.Status, r.Body)
	}
	var s struct {
		OnHand int64 `json:"onHand"`
	}
	r.JSON(t, &s)
	return s.OnHand
}

func lcCancelMails(t *testing.T, to string) []localawstest.Email {
	var out []localawstest.Email
	for _, m := range sys.EmailsTo(t, to) {
		if strings.Contains(m.Subject, "a été annulée") {
			out = append(out, m)
		}
	}
	return out
}

// TestCancelPaidOrderE2E pays an order, then cancels it with "notify the
// customer" and restocking: the statuses move, the stock the payment took
// comes back, a CreditNoteRequested event is published, and exactly one
// cancellation e-mail (in French, with the summary) reaches the mail sink.
func TestCancelPaidOrderE2E(t *testing.T) {
	token := lcStaff(t)
	to := localawstest.Recipient(t)
	sku := "E2E-" + strings.ToUpper(localawstest.UniqueName(t, 30))
	if r := sys.Do(t, http.MethodPut, "/stock/"+sku, token, lcJSON(map[string]any{"onHand": 10, "lowThreshold": 3}), nil); r.Status != http.StatusOK {
		t.Fatalf("stock count: %d %s", r.Status, r.Body)
	}
	o := lcSeed(t, to, order.AwaitingPayment, order.Processing, lcLine(sku, 2), lcLine("UNTRACKED-"+sku, 1))

	if r := sys.Do(t, http.MethodPost, "/orders/"+o.ID+"/actions/mark-paid", token, nil, map[string]string{"If-Match": `"1"`}); r.Status != http.StatusOK {
		t.Fatalf("mark paid: %d %s", r.Status, r.Body)
	}
	Eventually(t, 30*time.Second, "the payment to take the stock", func() bool { return lcStock(t, token, sku) == 8 })

	r := sys.Do(t, http.MethodPost, "/orders/"+o.ID+"/actions/cancel", token, lcJSON(map[string]bool{"notifyCustomer": true, "restock": true}), map[string]string{"If-Match": `"2"`})
	if r.Status != http.StatusOK || r.Header.Get("ETag") != `"3"` {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	var got struct {
		Payment    string `json:"paymentStatus"`
		Fulfilment string `json:"fulfilmentStatus"`
	}
	r.JSON(t, &got)
	if got.Payment != "CANCELLED" || got.Fulfilment != "WILL_NOT_DELIVER" {
		t.Fatalf("after cancel: %+v", got)
	}
	Eventually(t, 30*time.Second, "the cancellation to restore the stock", func() bool { return lcStock(t, token, sku) == 10 })

	notes := sys.Outbox(t, o.ID, order.CreditNoteRequested)
	if len(notes) != 1 {
		t.Fatalf("%d CreditNoteRequested events, want 1", len(notes))
	}
	if p, err := order.DecodeLifecyclePayload(notes[0]); err != nil || !p.CreditNote || p.Grand.Amount.String() != "37.5" {
		t.Fatalf("credit note payload: %+v %v", p, err)
	}

	sys.WaitMailSettled(t, o.ID, order.OrderCancelled, 30*time.Second)
	mails := lcCancelMails(t, to)
	if len(mails) != 1 {
		t.Fatalf("%d cancellation e-mails, want 1", len(mails))
	}
	if !strings.Contains(mails[0].Subject, o.Number) || !strings.Contains(mails[0].Body, "Mug « Montmartre »") || !strings.Contains(mails[0].Body, "remboursé") {
		t.Fatalf("cancellation e-mail: %q\n%s", mails[0].Subject, mails[0].Body)
	}
	// Cancelling again changes nothing and sends nothing.
	if r := sys.Do(t, http.MethodPost, "/orders/"+o.ID+"/actions/cancel", token, lcJSON(map[string]bool{"notifyCustomer": true}), nil); r.Status != http.StatusOK || r.Header.Get("ETag") != `"3"` {
		t.Fatalf("second cancel: %d %s", r.Status, r.Body)
	}
}

// TestNotificationRedeliveryE2E puts an event that was already mailed back
// on the NotificationsQueue: the notifier consumes it and the mail sink
// still holds one e-mail.
func TestNotificationRedeliveryE2E(t *testing.T) {
	token := lcStaff(t)
	to := localawstest.Recipient(t)
	o := lcSeed(t, to, order.AwaitingPayment, order.AwaitingProcessing)
	if r := sys.Do(t, http.MethodPost, "/orders/"+o.ID+"/actions/send-payment-reminder", token, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("payment reminder: %d %s", r.Status, r.Body)
	}
	first := sys.WaitForEmails(t, to, 1, 30*time.Second)
	if !strings.Contains(first[0].Subject, "Rappel : paiement en attente") {
		t.Fatalf("subject = %q", first[0].Subject)
	}
	events := sys.Outbox(t, o.ID, order.PaymentReminderRequested)
	if len(events) != 1 {
		t.Fatalf("%d reminder events", len(events))
	}
	queue := sys.Ref(t, "NotificationsQueue")
	for i := range 2 {
		// The queue is FIFO and drops a repeated deduplication id: each
		// redelivery gets one of its own, so that it reaches the notifier.
		if _, err := sys.SQS.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(queue), MessageBody: aws.String(string(lcJSON(events[0]))),
			MessageGroupId: aws.String(o.ID), MessageDeduplicationId: aws.String(fmt.Sprintf("%s-redelivery-%d", events[0].ID, i))}); err != nil {
			t.Fatal(err)
		}
	}
	// The notifier consumed the redeliveries once the queue is drained.
	sys.WaitMailSettled(t, o.ID, order.PaymentReminderRequested, 30*time.Second)
	if n := len(sys.EmailsTo(t, to)); n != 1 {
		t.Fatalf("%d e-mails after redelivery, want 1", n)
	}
}
