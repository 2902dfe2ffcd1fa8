package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// The intake tests deliver the storefront samples of events/intake, made
// unique to the run (their own order ids, delivery ids and customer
// e-mails, signed again with the local secrets), through the local runtime:
// IntakeFunction stores the order, the admin API shows it, the outbox relay
// publishes its event, and the notifier's confirmation e-mail proves the
// event reached the queue.

var (
	intakeRun     = time.Now().UnixNano() % 1_000_000_000 // keeps this run's ids apart from earlier runs'
	intakeSeq     atomic.Int64
	intakeRetries atomic.Int64 // 503s retried, reported by the concurrency tests
)

// intakeSecrets returns the local webhook secrets, which the runtime put in
// moto's SSM when it started: the samples are signed again with them.
func intakeSecrets(t *testing.T) webhook.StaticSecrets {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sys.root, localaws.LocalWebhookSecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	s, err := webhook.SecretsFromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// intakeID returns an id no earlier run used.
func intakeID() int64 { return 8_000_000_000_000 + intakeRun*1000 + intakeSeq.Add(1) }

// intakeDelivery is a webhook request ready to send.
type intakeDelivery struct {
	source  order.Source
	body    []byte
	headers map[string]string
}

// decodeNumbers decodes JSON keeping numbers as their text: Shopify ids
// exceed float64's integers, and amounts must not move.
func decodeNumbers(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode sample: %v", err)
	}
	return m
}

// readdress replaces every e-mail address of a decoded document with to.
func readdress(v any, to string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && strings.Contains(strings.ToLower(k), "email") && strings.Contains(s, "@") {
				x[k] = to
				continue
			}
			readdress(e, to)
		}
	case []any:
		for _, e := range x {
			readdress(e, to)
		}
	}
}

// intakeSample returns the sample event name made unique: its own
// storefront order id and delivery id, the customer's e-mail to, and a
// fresh signature.
func intakeSample(t *testing.T, name, to string) intakeDelivery {
	t.Helper()
	secrets := intakeSecrets(t)
	raw, err := os.ReadFile(filepath.Join(sys.root, "events", "intake", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	src := order.Source(ev.PathParameters["source"])
	headers := map[string]string{}
	for k, v := range ev.Headers {
		if strings.HasPrefix(k, "x-shopify-") || strings.HasPrefix(k, "x-wc-") || k == "x-event-type" || k == "content-type" {
			headers[k] = v
		}
	}
	if name == "woocommerce-webhook-ping" {
		// The activation ping is a form body, unsigned: sent as it is.
		return intakeDelivery{source: src, body: []byte(ev.Body), headers: headers}
	}
	body := decodeNumbers(t, []byte(ev.Body))
	id := intakeID()
	at := time.Now()
	switch src {
	case order.SourceShopify:
		body["id"] = json.Number(fmt.Sprint(id))
		if _, ok := body["token"]; ok {
			body["token"] = fmt.Sprintf("e2e%d", id) // a checkout is known by its token
		}
		headers["x-shopify-webhook-id"] = fmt.Sprintf("e2e-%d", id)
	case order.SourceWooCommerce:
		body["id"] = json.Number(fmt.Sprint(id))
		headers["x-wc-webhook-delivery-id"] = fmt.Sprint(id)
	case order.SourceGeneric:
		body["eventId"] = fmt.Sprintf("evt_e2e_%d", id)
		body["order"].(map[string]any)["externalId"] = fmt.Sprintf("E2E-%d", id)
	case order.SourceEcwid:
		// The event names an order that the Ecwid stand-in serves: serve a
		// copy of it under the new id.
		data := body["data"].(map[string]any)
		orig := fmt.Sprint(data["orderId"])
		ob, err := os.ReadFile(filepath.Join(sys.root, "internal", "webhook", "testdata", "ecwid", "orders", "7301234-"+orig+".json"))
		if err != nil {
			t.Fatal(err)
		}
		eo := decodeNumbers(t, ob)
		newID := fmt.Sprintf("E2E-%d", id)
		eo["id"] = newID
		readdress(eo, to)
		sys.Ecwid.Add("7301234", newID, mustMarshal(t, eo))
		data["orderId"] = newID
		body["entityId"] = json.Number(fmt.Sprint(id))
		body["eventId"] = fmt.Sprintf("e2e-%d", id)
		body["eventCreated"] = json.Number(fmt.Sprint(at.Unix()))
	}
	readdress(body, to)
	b := mustMarshal(t, body)
	sig, err := webhook.SignatureHeaders(src, secrets[string(src)][0], b, at)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range sig {
		headers[k] = v
	}
	return intakeDelivery{source: src, body: b, headers: headers}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// send posts a delivery, retrying a 503 as the storefronts do: later, and
// later again (Shopify waits longer each time, over four hours; the test
// over a minute at most).
func (d intakeDelivery) send(t *testing.T) *Response {
	t.Helper()
	wait := time.Second
	for attempt := 0; ; attempt++ {
		r := sys.Do(t, http.MethodPost, "/webhooks/"+string(d.source), "", d.body, d.headers)
		if r.Status != http.StatusServiceUnavailable || attempt == 8 {
			return r
		}
		intakeRetries.Add(1)
		time.Sleep(wait + time.Duration(intakeSeq.Add(1)%7)*100*time.Millisecond)
		wait = min(2*wait, 16*time.Second)
	}
}

// intakeAnswer is the body of a webhook answer.
type intakeAnswer struct {
	Outcome string `json:"outcome"`
	OrderID string `json:"orderId"`
	Number  string `json:"number"`
	CartID  string `json:"cartId"`
}

// orderView is the part of GET /orders/{id} the intake tests read.
type orderView struct {
	ID       string `json:"id"`
	Number   string `json:"number"`
	Source   string `json:"source"`
	Customer struct {
		Email string `json:"email"`
	} `json:"customer"`
	Totals struct {
		Grand order.Money `json:"grand"`
		VAT   order.Money `json:"vat"`
	} `json:"totals"`
	Payment    string `json:"paymentStatus"`
	Fulfilment string `json:"fulfilmentStatus"`
}

func getOrder(t *testing.T, id string) orderView {
	t.Helper()
	r := sys.Do(t, http.MethodGet, "/orders/"+id, sys.Token(t, "intake-e2e@shop", "orders:read"), nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /orders/%s: %d %s", id, r.Status, r.Body)
	}
	var v orderView
	r.JSON(t, &v)
	return v
}

// numberedOrder returns the order once the numbering consumer has given it
// its number: a storefront order is accepted first, numbered from the
// table's stream a moment later.
func numberedOrder(t *testing.T, id string) orderView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		o := getOrder(t, id)
		if o.Number != "" {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s has no number after 60 s", id)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestIntakeSamplesE2E delivers each storefront's samples: the order is
// visible through the API with the storefront's totals and our statuses,
// its OrderCreated event goes through the outbox, the queue and the
// notifier (one confirmation e-mail), and a retry is answered 200 with the
// same order and sends nothing more.
func TestIntakeSamplesE2E(t *testing.T) {
	tests := []struct {
		event               string
		status              int
		outcome             string
		grand, vat          string
		payment, fulfilment string
	}{
		{"shopify-webhook-orders-create", 201, "created", "60.60 EUR", "7.39 EUR", "PAID", "AWAITING_PROCESSING"},
		{"shopify-webhook-orders-updated", 201, "created", "35.45 GBP", "1.66 GBP", "AWAITING_PAYMENT", "AWAITING_PROCESSING"},
		{"shopify-webhook-orders-paid", 201, "created", "9.99 EUR", "0.52 EUR", "PAID", "DELIVERED"},
		{"shopify-webhook-orders-cancelled", 201, "created", "32.90 EUR", "2.16 EUR", "CANCELLED", "WILL_NOT_DELIVER"},
		{"woocommerce-webhook-order-created", 201, "created", "54.15 EUR", "6.40 EUR", "PAID", "AWAITING_PROCESSING"},
		{"woocommerce-webhook-order-updated", 201, "created", "61.46 USD", "5.01 USD", "PAID", "SHIPPED"},
		{"ecwid-webhook-order-created", 201, "created", "42.80 EUR", "3.71 EUR", "PAID", "AWAITING_PROCESSING"},
		{"ecwid-webhook-order-updated", 201, "created", "25.00 EUR", "4.17 EUR", "PAID", "DELIVERED"},
		{"generic-webhook-order-created", 201, "created", "100.75 EUR", "11.67 EUR", "AWAITING_PAYMENT", "AWAITING_PROCESSING"},
		{"generic-webhook-order-updated", 201, "created", "0.00 EUR", "0.00 EUR", "PAID", "PROCESSING"},
		{"shopify-webhook-checkouts-create", 200, "cart_tracked", "", "", "", ""},
		{"woocommerce-webhook-order-updated-checkout-draft", 200, "cart_tracked", "", "", "", ""},
		{"ecwid-webhook-unfinished-order-created", 200, "cart_tracked", "", "", "", ""},
		{"woocommerce-webhook-ping", 200, "ignored", "", "", "", ""},
	}
	type confirmation struct{ to, orderID string }
	confirmed := map[string]confirmation{} // event → its order and the recipient of its confirmation
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			to := localawstest.Recipient(t)
			d := intakeSample(t, tt.event, to)
			r := d.send(t)
			var a intakeAnswer
			if r.Status != tt.status {
				t.Fatalf("delivery: %d %s, want %d", r.Status, r.Body, tt.status)
			}
			r.JSON(t, &a)
			if a.Outcome != tt.outcome {
				t.Fatalf("outcome %q, want %q", a.Outcome, tt.outcome)
			}
			if tt.outcome == "created" {
				// Answered before its number; the API shows it at once.
				if a.Number != "" {
					t.Errorf("answer quotes number %q before the numbering", a.Number)
				}
				if o := getOrder(t, a.OrderID); o.Totals.Grand.String() != tt.grand {
					t.Errorf("order right after the delivery = %+v, want it stored with %s", o, tt.grand)
				}
				o := numberedOrder(t, a.OrderID)
				if o.Totals.Grand.String() != tt.grand || o.Totals.VAT.String() != tt.vat || o.Payment != tt.payment ||
					o.Fulfilment != tt.fulfilment || o.Customer.Email != to {
					t.Errorf("order = %+v, want %s (VAT %s) %s/%s for %s", o, tt.grand, tt.vat, tt.payment, tt.fulfilment, to)
				}
				mails := sys.WaitForEmails(t, to, 1, 90*time.Second)
				if len(mails) != 1 || !strings.Contains(mails[0].Subject+mails[0].Body, o.Number) {
					t.Errorf("confirmation e-mails = %+v, want one quoting %s", mails, o.Number)
				}
				confirmed[tt.event] = confirmation{to: to, orderID: a.OrderID}
			}
			again := d.send(t)
			var b intakeAnswer
			if again.Status != http.StatusOK {
				t.Fatalf("retry: %d %s, want 200", again.Status, again.Body)
			}
			again.JSON(t, &b)
			if b.OrderID != a.OrderID || b.CartID != a.CartID {
				t.Errorf("retry answered %+v, first delivery %+v", b, a)
			}
		})
	}
	// The confirmations of the first deliveries are in; the retries must
	// not have added any: once each order's one OrderCreated was mailed and
	// the queue is drained, the count is final.
	for _, c := range confirmed {
		sys.WaitMailSettled(t, c.orderID, order.OrderCreated, 90*time.Second)
	}
	sent, err := localawstest.SentEmails(t.Context()) // one read of the sink: each is a dump of moto's state
	if err != nil {
		t.Fatalf("read the mail sink: %v", err)
	}
	for event, c := range confirmed {
		n := 0
		for _, m := range sent {
			if m.SentTo(c.to) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d confirmation e-mails after the retry, want 1", event, n)
		}
	}
}

// TestIntakeConcurrentDeliveriesE2E: the same webhook delivered 50 times at
// once makes one order: every delivery answered 2xx with its id, one
// external-id item, one confirmation e-mail.
func TestIntakeConcurrentDeliveriesE2E(t *testing.T) {
	to := localawstest.Recipient(t)
	d := intakeSample(t, "shopify-webhook-orders-create", to)
	const n = 50
	answers := make([]intakeAnswer, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := d.send(t)
			statuses[i] = r.Status
			if r.Status/100 == 2 {
				r.JSON(t, &answers[i])
			}
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range n {
		if statuses[i]/100 != 2 {
			t.Fatalf("delivery %d: status %d", i, statuses[i])
		}
		if statuses[i] == http.StatusCreated {
			created++
		}
		if answers[i].OrderID != answers[0].OrderID || answers[i].OrderID == "" {
			t.Errorf("delivery %d answered order %q, delivery 0 %q", i, answers[i].OrderID, answers[0].OrderID)
		}
	}
	// One 201 at most: the creating delivery may have run out of time after
	// its commit, answered 503, and been retried into a 200.
	if created > 1 {
		t.Errorf("%d deliveries answered 201, want 1", created)
	}
	if recs := intakeOrderRecords(t, d); len(recs) != 1 || recs[0] != answers[0].OrderID {
		t.Errorf("order records = %v, want one: %s", recs, answers[0].OrderID)
	}
	sys.WaitMailSettled(t, answers[0].OrderID, order.OrderCreated, 90*time.Second)
	if mails := sys.EmailsTo(t, to); len(mails) != 1 {
		t.Errorf("%d confirmation e-mails, want 1", len(mails))
	}
}

// intakeOrderRecords reads back the order records a Shopify delivery's
// order can have: the one under the id derived from its external id, and
// any under another id that names the same external id (the listing by
// creation time covers them all: there must be none).
func intakeOrderRecords(t *testing.T, d intakeDelivery) []string {
	t.Helper()
	var body struct {
		ID json.Number `json:"id"`
	}
	dec := json.NewDecoder(bytes.NewReader(d.body))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	p := dynamodb.NewScanPaginator(sys.DynamoDB, &dynamodb.ScanInput{
		TableName:                aws.String(sys.Ref(t, "OrdersTable")),
		FilterExpression:         aws.String("#type = :order AND #source = :shopify AND externalId = :ext"),
		ExpressionAttributeNames: map[string]string{"#type": "type", "#source": "source"},
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{
			":order": &dbtypes.AttributeValueMemberS{Value: "order"}, ":shopify": &dbtypes.AttributeValueMemberS{Value: "shopify"},
			":ext": &dbtypes.AttributeValueMemberS{Value: body.ID.String()},
		},
		ConsistentRead: aws.Bool(true),
	})
	var ids []string
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("scan order records: %v", err)
		}
		for _, it := range out.Items {
			if v, ok := it["id"].(*dbtypes.AttributeValueMemberS); ok {
				ids = append(ids, v.Value)
			}
		}
	}
	return ids
}

// TestIntakeConcurrentDistinctOrdersE2E: 200 different orders at once get
// 200 different numbers. (Other tests create orders in the same table at
// the same time, so the numbers are distinct, not necessarily consecutive.)
func TestIntakeConcurrentDistinctOrdersE2E(t *testing.T) {
	const n = 200
	deliveries := make([]intakeDelivery, n)
	for i := range deliveries {
		// No customer e-mail worth sending to: 200 confirmations would
		// queue ahead of every other test's mails.
		deliveries[i] = intakeSample(t, "generic-webhook-order-created", "")
	}
	ids := make([]string, n)
	retriedBefore := intakeRetries.Load()
	var replayed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := deliveries[i].send(t)
			var a intakeAnswer
			if r.Status/100 == 2 {
				r.JSON(t, &a)
			}
			switch {
			case r.Status == http.StatusCreated:
				ids[i] = a.OrderID
			case r.Status == http.StatusOK && a.Outcome == "duplicate":
				// A 503 came after the commit (the answer ran out of
				// time): the retry found the delivery done.
				ids[i] = a.OrderID
				replayed.Add(1)
			default:
				t.Errorf("order %d: %d %s", i, r.Status, r.Body)
			}
		}()
	}
	close(start)
	wg.Wait()
	// The numbering consumer numbers them from the table's stream.
	numbers := make([]string, n)
	for i, id := range ids {
		if id != "" {
			numbers[i] = numberedOrder(t, id).Number
		}
	}
	seen := map[string]int{}
	for i, num := range numbers {
		if num == "" {
			continue
		}
		if j, dup := seen[num]; dup {
			t.Errorf("orders %d and %d share the number %s", j, i, num)
		}
		seen[num] = i
	}
	if len(seen) != n {
		t.Errorf("%d distinct numbers for %d orders", len(seen), n)
	}
	t.Logf("%d orders at once: %d answers were 503 and retried; %d retries found their order already stored",
		n, intakeRetries.Load()-retriedBefore, replayed.Load())
}

// manualOrderBody is the body of events/intake/manual-order.json, its
// customer's address replaced by to.
func manualOrderBody(t *testing.T, to string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(sys.root, "events", "intake", "manual-order.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	body := decodeNumbers(t, []byte(ev.Body))
	readdress(body, to)
	return mustMarshal(t, body)
}

// TestManualOrderE2E: a phone order through POST /orders, shown by the
// admin API as created, replayed on a retry with the same Idempotency-Key.
func TestManualOrderE2E(t *testing.T) {
	to := localawstest.Recipient(t)
	b := manualOrderBody(t, to)
	token := sys.Token(t, "camille@shop", "orders:write")
	key := map[string]string{"Idempotency-Key": fmt.Sprintf("e2e-%d", intakeID())}
	first := sys.Do(t, http.MethodPost, "/orders", token, b, key)
	if first.Status != http.StatusCreated {
		t.Fatalf("manual order: %d %s", first.Status, first.Body)
	}
	var created orderView
	first.JSON(t, &created)
	// 21.10 + 2 × 10.00 − 2.00 + 4.90 shipping, prices with tax.
	if created.Totals.Grand.String() != "44.00 EUR" || created.Source != "manual" || created.Payment != "AWAITING_PAYMENT" {
		t.Errorf("created = %+v", created)
	}
	if got := getOrder(t, created.ID); got.Number != created.Number || got.Totals.Grand.String() != "44.00 EUR" {
		t.Errorf("GET /orders/%s = %+v", created.ID, got)
	}
	again := sys.Do(t, http.MethodPost, "/orders", token, b, key)
	var replayed orderView
	if again.Status != http.StatusOK {
		t.Fatalf("retry: %d %s", again.Status, again.Body)
	}
	again.JSON(t, &replayed)
	if replayed.ID != created.ID || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry = %+v %v, want order %s replayed", replayed, again.Header, created.ID)
	}
	sys.WaitForEmails(t, to, 1, 90*time.Second)
}

// TestIntakeRefusalsE2E: a few of the refusals, as the runtime answers them.
func TestIntakeRefusalsE2E(t *testing.T) {
	d := intakeSample(t, "shopify-webhook-orders-create", "")
	tampered := intakeDelivery{source: d.source, body: bytes.Replace(d.body, []byte(`"60.60"`), []byte(`"0.60"`), 1), headers: d.headers}
	unsigned := intakeDelivery{source: d.source, body: d.body, headers: map[string]string{"x-shopify-topic": "orders/create"}}
	big := intakeDelivery{source: d.source, body: append(bytes.Repeat([]byte(" "), webhook.MaxBodyBytes), d.body...), headers: d.headers}
	cases := []struct {
		name   string
		d      intakeDelivery
		status int
		code   string
	}{
		{"tampered body", tampered, 401, "invalid_signature"},
		{"no signature", unsigned, 401, "invalid_signature"}, // every signature failure answers alike
		{"over 1 MiB", big, 413, "body_too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.d.send(t)
			if r.Status != c.status || r.ErrorCode() != c.code {
				t.Errorf("%d %s, want %d %s", r.Status, r.Body, c.status, c.code)
			}
		})
	}
}

// TestSettingsE2E: the exchange-rate table through the settings API (the
// numbering is left alone: other tests number orders in the same table).
func TestSettingsE2E(t *testing.T) {
	write := sys.Token(t, "camille@shop", "settings:write", "orders:read")
	day := fmt.Sprintf("2001-01-%02d", 1+intakeRun%28)
	if r := sys.Do(t, http.MethodPut, "/exchange-rates/ISK/"+day, write, []byte(`{"rate":"0.0066"}`), nil); r.Status != http.StatusOK {
		t.Fatalf("put rate: %d %s", r.Status, r.Body)
	}
	r := sys.Do(t, http.MethodGet, "/exchange-rates/ISK/2001-02-01", write, nil, nil)
	var got struct{ Rate, RateDate string }
	r.JSON(t, &got)
	if r.Status != http.StatusOK || got.Rate != "0.0066" {
		t.Errorf("get rate: %d %s", r.Status, r.Body)
	}
	s := sys.Do(t, http.MethodGet, "/settings", write, nil, nil)
	if s.Status != http.StatusOK || s.Header.Get("ETag") == "" {
		t.Errorf("get settings: %d %s", s.Status, s.Body)
	}
	if r := sys.Do(t, http.MethodPut, "/exchange-rates/ISK/"+day, sys.Token(t, "viewer@shop", "orders:read"), []byte(`{"rate":"1"}`), nil); r.Status != http.StatusForbidden {
		t.Errorf("read-only token put a rate: %d", r.Status)
	}
	if r := sys.Do(t, http.MethodPut, "/exchange-rates/ISK/"+day, sys.Token(t, "clerk@shop", "orders:read", "orders:write"), []byte(`{"rate":"1"}`), nil); r.Status != http.StatusForbidden {
		t.Errorf("an orders:write token put a rate (settings:write needed): %d", r.Status)
	}
}
