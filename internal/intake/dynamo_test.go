package intake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/storetest"
	"github.com/ordersmith/ordersmith/internal/webhook"
)

// dynEnv is a fresh table in DynamoDB Local, with a client that counts its
// requests and the capacity they consume. Each instance() is what one warm
// Lambda holds: its own store (and cached order number) and intake.
type dynEnv struct {
	table   string
	db      *dynamodb.Client
	counter *dynamo.RequestCounter
	meter   *dynamo.CapacityMeter
	deps    webhook.Deps
}

func newDynEnv(t testing.TB) *dynEnv {
	t.Helper()
	cfg := localawstest.Config(t)
	e := &dynEnv{table: localawstest.NewTable(t, cfg), counter: &dynamo.RequestCounter{}, meter: &dynamo.CapacityMeter{}, deps: webhookDeps(t)}
	e.db = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true // DynamoDB Local's error responses carry no valid CRC32
		o.APIOptions = append(o.APIOptions, e.counter.Register, e.meter.Register)
	})
	return e
}

// instance returns the router and store of a new warm Lambda.
func (e *dynEnv) instance(t testing.TB) (*apihttp.Router, *dynamo.Store) {
	t.Helper()
	return e.instanceWith(t, order.IntakeConfig{})
}

// instanceWith is instance with an intake configuration. Its accepted
// orders are numbered at once (numberAtOnce), as the numbering consumer
// would a moment later.
func (e *dynEnv) instanceWith(t testing.TB, cfg order.IntakeConfig) (*apihttp.Router, *dynamo.Store) {
	t.Helper()
	return e.newInstance(t, cfg, true)
}

// newInstance builds a warm instance; numbered says whether its accepted
// orders are numbered at once or left to the numbering consumer.
func (e *dynEnv) newInstance(t testing.TB, cfg order.IntakeConfig, numbered bool) (*apihttp.Router, *dynamo.Store) {
	t.Helper()
	st := dynamo.New(e.db, e.table)
	var orders order.OrderStore = st
	if numbered {
		orders = storetest.NumberAtOnce{OrderStore: st, Carts: st.Carts()}
	}
	svc, err := order.NewIntake(order.IntakeDeps{
		Orders: orders, Idempotency: st.Idempotency(), Settings: st.Settings(), Rates: st.Rates(), Carts: st.Carts(),
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newRouter(t, svc, e.deps), st
}

// scan returns every item of the table, sorted by key: the whole state.
func (e *dynEnv) scan(t testing.TB) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(e.db, &dynamodb.ScanInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		items = append(items, out.Items...)
	}
	key := func(it map[string]types.AttributeValue) string {
		return it["PK"].(*types.AttributeValueMemberS).Value + "\x00" + it["SK"].(*types.AttributeValueMemberS).Value
	}
	sort.Slice(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	return items
}

// itemsOfType counts the items of a record type (the "type" attribute every
// item of the table carries): "order", "externalId", "outbox"...
func itemsOfType(items []map[string]types.AttributeValue, typ string) int {
	n := 0
	for _, it := range items {
		if v, ok := it["type"].(*types.AttributeValueMemberS); ok && v.Value == typ {
			n++
		}
	}
	return n
}

// spread runs n jobs on the given instances, each instance one job at a
// time as a Lambda instance does, all instances at once.
func spread(instances, n int, job func(instance, i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := w; i < n; i += instances {
				job(w, i)
			}
		}()
	}
	close(start)
	wg.Wait()
}

// TestDynamoRefusalsLeaveTheTableUnchanged: after a real order, every bad
// delivery of the list is answered 4xx, or kept in the quarantine
// (an in-memory one here) with a 202, and the order table is, item for
// item, what it was.
func TestDynamoRefusalsLeaveTheTableUnchanged(t *testing.T) {
	e := newDynEnv(t)
	r, _ := e.instance(t)
	if resp := serve(t, r, loadEvent(t, "intake", "shopify-webhook-orders-create")); resp.Status != http.StatusCreated {
		t.Fatalf("seed order: %d %s", resp.Status, resp.Raw)
	}
	before := e.scan(t)
	for _, tt := range badDeliveries() {
		t.Run(tt.name, func(t *testing.T) {
			deps := e.deps
			if !tt.now.IsZero() {
				deps.Now = func() time.Time { return tt.now }
			}
			st := dynamo.New(e.db, e.table)
			svc, err := order.NewIntake(order.IntakeDeps{Orders: storetest.NumberAtOnce{OrderStore: st, Carts: st.Carts()}, Idempotency: st.Idempotency(), Settings: st.Settings(), Rates: st.Rates(), Carts: st.Carts()}, order.IntakeConfig{})
			if err != nil {
				t.Fatal(err)
			}
			resp := serve(t, newRouter(t, svc, deps), tt.event(t))
			if resp.Status != tt.status || resp.code() != tt.code {
				t.Fatalf("answer %d %q (%s), want %d %q", resp.Status, resp.code(), resp.Error.Message, tt.status, tt.code)
			}
			if after := e.scan(t); !reflect.DeepEqual(before, after) {
				t.Errorf("the table changed: %d items before, %d after", len(before), len(after))
			}
		})
	}
}

// dynamoSamples are the samples delivered to DynamoDB Local: an order from
// each storefront and a checkout (the in-memory tests take every sample).
var dynamoSamples = []string{
	"shopify-webhook-orders-create",
	"woocommerce-webhook-order-created",
	"ecwid-webhook-order-created",
	"generic-webhook-order-created",
	"shopify-webhook-checkouts-create",
}

// TestDynamoSamplesThenRetries delivers a sample of each storefront to one
// table, then each again: one order per storefront order, one event each,
// and every retry answered 200 with the first answer's id.
func TestDynamoSamplesThenRetries(t *testing.T) {
	e := newDynEnv(t)
	r, st := e.instance(t)
	first := map[string]order.IntakeResult{}
	for _, name := range dynamoSamples {
		resp := serve(t, r, loadEvent(t, "intake", name))
		if resp.Status >= 300 {
			t.Fatalf("%s: %d %s", name, resp.Status, resp.Raw)
		}
		first[name] = resp.Result
	}
	items := e.scan(t)
	orders, outbox := itemsOfType(items, "order"), itemsOfType(items, "outbox")
	for _, name := range dynamoSamples {
		resp := serve(t, r, loadEvent(t, "intake", name))
		want := first[name]
		if resp.Status != http.StatusOK || resp.Result.OrderID != want.OrderID || resp.Result.CartID != want.CartID {
			t.Errorf("%s retried: %d %+v, want 200 for %+v", name, resp.Status, resp.Result, want)
		}
	}
	after := e.scan(t)
	if itemsOfType(after, "order") != orders || itemsOfType(after, "outbox") != outbox {
		t.Errorf("retries added items: orders %d → %d, events %d → %d", orders, itemsOfType(after, "order"), outbox, itemsOfType(after, "outbox"))
	}
	// Numbers 1 to n, in the order of the deliveries, whatever the source.
	var numbers []string
	for _, name := range dynamoSamples {
		if id := first[name].OrderID; id != "" {
			o, err := st.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, o.Number)
		}
	}
	for i, n := range numbers {
		if n != fmt.Sprint(i+1) {
			t.Errorf("numbers = %v, want 1 to %d in delivery order", numbers, len(numbers))
			break
		}
	}
	cust, err := st.Customers().Get(context.Background(), "camille.durand@example.fr")
	if err != nil || cust.OrdersCount != 1 || cust.TotalSpent[0].String() != "60.60 EUR" {
		t.Errorf("customer = %+v, %v; want one order of 60.60 EUR", cust, err)
	}
}

// TestDynamoConcurrentDeliveriesOfOneWebhook: 50 deliveries of the same
// webhook, 10 at a time over 10 warm instances, make one order, one event,
// and all get a 2xx with that order's id.
func TestDynamoConcurrentDeliveriesOfOneWebhook(t *testing.T) {
	e := newDynEnv(t)
	const deliveries, instances = 50, 10
	routers := make([]*apihttp.Router, instances)
	for i := range routers {
		routers[i], _ = e.instance(t)
	}
	ev := loadEvent(t, "intake", "shopify-webhook-orders-create")
	results := make([]response, deliveries)
	spread(instances, deliveries, func(w, i int) { results[i] = serve(t, routers[w], ev) })
	created := 0
	for i, r := range results {
		if r.Status != http.StatusOK && r.Status != http.StatusCreated {
			t.Fatalf("delivery %d: %d %s", i, r.Status, r.Raw)
		}
		if r.Result.OrderID != results[0].Result.OrderID {
			t.Errorf("delivery %d answered order %s, delivery 0 %s", i, r.Result.OrderID, results[0].Result.OrderID)
		}
		if r.Status == http.StatusCreated {
			created++
		}
	}
	items := e.scan(t)
	if created != 1 || itemsOfType(items, "order") != 1 || itemsOfType(items, "orderNumber") != 1 || itemsOfType(items, "outbox") != 1 {
		t.Errorf("created %d; table has %d orders, %d numbers, %d events; want 1 each", created,
			itemsOfType(items, "order"), itemsOfType(items, "orderNumber"), itemsOfType(items, "outbox"))
	}
}

// smallGenericDelivery is a signed generic order of one line, without SKU
// or e-mail: the smallest creation transaction.
func smallGenericDelivery(t testing.TB, i int) events.APIGatewayV2HTTPRequest {
	t.Helper()
	body := fmt.Sprintf(`{"eventId":"evt_small_%d","eventType":"order.created","order":{"externalId":"SMALL-%d",
 "updatedAt":"2025-03-14T10:00:00Z","currency":"EUR","pricesIncludeTax":true,
 "lines":[{"name":"Carte cadeau","quantity":1,"unitPrice":"10.00","vatRate":"0"}]}}`, i, i)
	return signedWebhook(t, order.SourceGeneric, []byte(body), samplesSignedAt, nil)
}

// genericZeroTotal is the generic zero-total sample's body, decoded.
func genericZeroTotal(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "internal", "webhook", "testdata", "generic", "order-zero-total.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// shopifyBody is the Shopify sample order with its own id.
func shopifyBody(t testing.TB, id int64) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "internal", "webhook", "testdata", "shopify", "order-fr-paid.json"))
	if err != nil {
		t.Fatal(err)
	}
	const sampleID = `"id": 6123456789012,`
	if !strings.Contains(string(b), sampleID) {
		t.Fatalf("the Shopify sample no longer has %s", sampleID)
	}
	return []byte(strings.Replace(string(b), sampleID, fmt.Sprintf(`"id": %d,`, id), 1))
}

// shopifyDelivery is a signed orders/create delivery of order id.
func shopifyDelivery(t testing.TB, id int64) events.APIGatewayV2HTTPRequest {
	t.Helper()
	return signedWebhook(t, order.SourceShopify, shopifyBody(t, id), samplesSignedAt, map[string]string{
		"x-shopify-topic": "orders/create", "x-shopify-webhook-id": fmt.Sprintf("wh-%d", id),
	})
}

// TestDynamoConcurrentDistinctOrders: 16 different orders, 4 at a time
// over 4 warm instances that all compete for the counter, get 16 different
// numbers, 1 to 16 without a gap (the end-to-end test sends 200 through the
// local runtime; here every lost race costs a transaction, which DynamoDB
// Local runs item by item, so the orders are small and few). A 503
// (DynamoDB Local's lock timeout under load, or the numbering contention
// bound) is retried as a storefront would.
func TestDynamoConcurrentDistinctOrders(t *testing.T) {
	e := newDynEnv(t)
	const orders, instances = 16, 4
	routers := make([]*apihttp.Router, instances)
	for i := range routers {
		routers[i], _ = e.instance(t)
	}
	deliveries := make([]events.APIGatewayV2HTTPRequest, orders)
	for i := range deliveries {
		deliveries[i] = smallGenericDelivery(t, i)
	}
	numbers := make([]string, orders)
	var (
		mu      sync.Mutex
		retries int
	)
	spread(instances, orders, func(w, i int) {
		for attempt := 0; ; attempt++ {
			r := serve(t, routers[w], deliveries[i])
			if r.Status == http.StatusServiceUnavailable && attempt < 5 {
				mu.Lock()
				retries++
				mu.Unlock()
				continue
			}
			if r.Status != http.StatusCreated && r.Status != http.StatusOK {
				t.Errorf("order %d: %d %s", i, r.Status, r.Raw)
				return
			}
			numbers[i] = r.Result.Number
			return
		}
	})
	if t.Failed() {
		return
	}
	seen := map[string]bool{}
	for _, n := range numbers {
		seen[n] = true
	}
	for i := 1; i <= orders; i++ {
		if !seen[fmt.Sprint(i)] {
			t.Errorf("number %d missing; %d distinct numbers for %d orders", i, len(seen), orders)
			break
		}
	}
	if len(seen) != orders {
		t.Errorf("%d distinct numbers for %d orders", len(seen), orders)
	}
	if n := itemsOfType(e.scan(t), "orderNumber"); n != orders {
		t.Errorf("%d number items, want %d", n, orders)
	}
	t.Logf("%d concurrent orders over %d instances: %d retried after a 503; requests %v", orders, instances, retries, e.counter.Counts())
}

// TestDynamoSettingsApply: the shop's numbering and zero-total choice, and
// a foreign order's conversion at the rate of its day, on the real table.
func TestDynamoSettingsApply(t *testing.T) {
	e := newDynEnv(t)
	_, st := e.instance(t)
	ctx := context.Background()
	admin, err := order.NewSettingsAdmin(st.Settings(), st.Rates(), order.DefaultSettings("Ma Boutique", "boutique@example.fr"))
	if err != nil {
		t.Fatal(err)
	}
	set, v, err := admin.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.Numbering = order.Numbering{Prefix: "MaBoutique", Suffix: "2019", Next: 1006}
	set.ZeroTotalPayment = order.AwaitingPayment
	if _, _, err := admin.UpdateSettings(ctx, set, v); err != nil {
		t.Fatalf("update settings: %v", err)
	}
	day := order.DateOf(time.Now(), time.UTC)
	gbp := order.MustCurrency("GBP")
	if err := admin.PutRate(ctx, order.ExchangeRate{Currency: gbp, Date: order.MustDate(2020, 1, 1), Rate: order.MustMoney("1.1", order.EUR).Amount}); err != nil {
		t.Fatal(err)
	}
	if err := admin.PutRate(ctx, order.ExchangeRate{Currency: gbp, Date: day, Rate: order.MustMoney("1.2", order.EUR).Amount}); err != nil {
		t.Fatal(err)
	}
	// A new instance reads the settings saved above.
	r, _ := e.instance(t)
	gb := serve(t, r, loadEvent(t, "intake", "shopify-webhook-orders-updated"))
	zeroBody := genericZeroTotal(t)
	delete(zeroBody["order"].(map[string]any), "paymentStatus")
	zeroBody["eventType"] = "order.created" // the sample sends it as a header
	zero := serve(t, r, signedWebhook(t, order.SourceGeneric, mustJSON(t, zeroBody), samplesSignedAt, nil))
	if gb.Result.Number != "MaBoutique-1006-2019" || zero.Result.Number != "MaBoutique-1007-2019" {
		t.Logf("answers: %s / %s", gb.Raw, zero.Raw)
		t.Errorf("numbers %q, %q; want MaBoutique-1006-2019 and -1007-2019", gb.Result.Number, zero.Result.Number)
	}
	o, err := st.Get(ctx, gb.Result.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	// 35.45 GBP at 1.2 on the day of the order.
	if c := o.CompanyTotal; c == nil || c.Total.String() != "42.54 EUR" || c.RateDate != day.String() || c.Missing {
		t.Errorf("company total = %+v, want 42.54 EUR at the day's rate", c)
	}
	z, err := st.Get(ctx, zero.Result.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if z.Payment != order.AwaitingPayment {
		t.Errorf("zero-total order is %s, want AWAITING_PAYMENT as the shop chose", z.Payment)
	}
	// Nothing was said of its payment: a zero total under the shop's
	// choice stays unpaid, and the event says so.
	var data order.OrderEventData
	items := e.scan(t)
	for _, it := range items {
		if it["type"].(*types.AttributeValueMemberS).Value != "outbox" {
			continue
		}
		var ev order.Event
		if err := json.Unmarshal([]byte(it["data"].(*types.AttributeValueMemberS).Value), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.OrderID == z.ID {
			if err := ev.DecodeData(&data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if data.Number != "MaBoutique-1007-2019" || data.PaymentStatus != "AWAITING_PAYMENT" {
		t.Errorf("event data = %+v", data)
	}
}

// TestDynamoAcceptedBeforeNumbered: on its creation topic, a new order is
// one request (the order's conditional write) and its retry one request;
// the table then holds the order alone, without number, history or event,
// until the numbering consumer's transaction writes them.
func TestDynamoAcceptedBeforeNumbered(t *testing.T) {
	e := newDynEnv(t)
	r, st := e.newInstance(t, order.IntakeConfig{}, false)
	ev := loadEvent(t, "intake", "shopify-webhook-orders-create")
	if warm := serve(t, r, shopifyDelivery(t, 1)); warm.Status != http.StatusCreated { // settings read
		t.Fatalf("warm-up: %d %s", warm.Status, warm.Raw)
	}
	e.counter.Reset()
	first := serve(t, r, ev)
	if first.Status != http.StatusCreated || first.Result.Number != "" {
		t.Fatalf("first delivery: %d %s, want 201 without a number yet", first.Status, first.Raw)
	}
	if n := e.counter.Total(); n != 1 {
		t.Errorf("new order: %d requests (%v), want 1", n, e.counter.Counts())
	}
	items := e.scan(t)
	if itemsOfType(items, "order") != 2 || itemsOfType(items, "outbox") != 0 || itemsOfType(items, "orderNumber") != 0 || itemsOfType(items, "history") != 0 {
		t.Fatalf("before numbering: %d orders, %d events, %d numbers, %d history rows; want the 2 orders alone",
			itemsOfType(items, "order"), itemsOfType(items, "outbox"), itemsOfType(items, "orderNumber"), itemsOfType(items, "history"))
	}
	e.counter.Reset()
	again := serve(t, r, ev)
	if again.Status != http.StatusOK || again.Result.Outcome != order.OutcomeDuplicate || again.Result.OrderID != first.Result.OrderID {
		t.Fatalf("retry: %d %s, want 200 duplicate of %s", again.Status, again.Raw, first.Result.OrderID)
	}
	if n := e.counter.Total(); n != 1 {
		t.Errorf("retry: %d requests (%v), want 1", n, e.counter.Counts())
	}
	for i, id := range []string{order.StorefrontOrderID(order.SourceShopify, "1"), first.Result.OrderID} {
		o, err := st.AssignNumber(context.Background(), id)
		if err != nil || o.Number != fmt.Sprint(i+1) {
			t.Fatalf("numbering %s: %+v, %v; want number %d", id, o, err, i+1)
		}
	}
	items = e.scan(t)
	if itemsOfType(items, "outbox") != 2 || itemsOfType(items, "orderNumber") != 2 || itemsOfType(items, "history") < 2 {
		t.Fatalf("after numbering: %d events, %d numbers, %d history rows; want 2, 2, at least 2",
			itemsOfType(items, "outbox"), itemsOfType(items, "orderNumber"), itemsOfType(items, "history"))
	}
	// A retry after the numbering is still recognised in one request.
	e.counter.Reset()
	if late := serve(t, r, ev); late.Status != http.StatusOK || late.Result.Outcome != order.OutcomeDuplicate || e.counter.Total() != 1 {
		t.Fatalf("late retry: %d %s in %d requests, want 200 duplicate in 1", late.Status, late.Raw, e.counter.Total())
	}
}
