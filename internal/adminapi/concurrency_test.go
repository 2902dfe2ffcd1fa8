package adminapi_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ordersmith/ordersmith/internal/adminapi"
	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// conflictingCalls are 20 transitions that contend for one order placed
// AWAITING_PAYMENT / AWAITING_PROCESSING: some conditional on version 1
// (If-Match), some re-applied on whatever state wins, several refused by
// the tables or the hold rule depending on the order they land in.
func conflictingCalls(id string) []call {
	action := func(name, ifMatch, body string) call {
		c := call{route: adminapi.RouteAction, params: map[string]string{"id": id, "action": name}, body: body, scope: rw}
		if ifMatch != "" {
			c.headers = map[string]string{"If-Match": ifMatch}
		}
		return c
	}
	fulfilment := func(status, ifMatch string) call {
		c := call{route: adminapi.RouteFulfilmentStatus, params: map[string]string{"id": id}, body: `{"status":"` + status + `"}`, scope: rw}
		if ifMatch != "" {
			c.headers = map[string]string{"If-Match": ifMatch}
		}
		return c
	}
	return []call{
		action("mark-paid", "", ""), action("mark-paid", `"1"`, ""), action("mark-unpaid", "", ""),
		action("hold", "", ""), action("hold", `"1"`, ""), action("resume", "", ""),
		action("mark-shipped", "", ""), action("mark-shipped", `"1"`, ""), action("mark-unshipped", "", ""),
		action("cancel", `"1"`, `{"restock":true}`), action("mark-unpaid", `"1"`, ""),
		fulfilment("PROCESSING", ""), fulfilment("PROCESSING", `"1"`), fulfilment("DELIVERED", ""),
		fulfilment("READY_FOR_PICKUP", ""), fulfilment("AWAITING_PROCESSING", `"1"`),
		action("mark-paid", "", ""), action("hold", "", ""), action("resume", `"1"`, ""), fulfilment("OUT_FOR_DELIVERY", ""),
	}
}

// TestConcurrentTransitionsDynamoDB sends 20 conflicting transitions at
// once to one order in DynamoDB Local, through four API instances (four
// warm Lambdas), and checks that every answer is an applied 200, or a
// refusal (409, 412); that each applied version was answered; and that the
// history holds exactly the applied changes: replayed in order from the
// initial state, each row starts where the previous one ended and the last
// state is the stored order's.
func TestConcurrentTransitionsDynamoDB(t *testing.T) {
	cfg := localawstest.Config(t)
	table := localawstest.NewTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions)
	stores := make([]*dynamo.Store, 4)
	routers := make([]*apihttp.Router, 4)
	for i := range stores {
		stores[i] = dynamo.New(db, table)
		routers[i] = newRouter(t, stores[i], stores[i].Settings(), stores[i].Stock())
	}
	o := placeIn(t, stores[0], order.AwaitingPayment, order.AwaitingProcessing)
	calls := conflictingCalls(o.ID)

	answers := make([]answer, len(calls))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i] = serve(t, routers[i%len(routers)], c)
		}()
	}
	close(start)
	wg.Wait()

	ctx := context.Background()
	final, err := stores[0].Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	answered := map[int64]bool{}
	for i, a := range answers {
		switch a.status {
		case http.StatusOK:
			v, err := strconv.ParseInt(strings.Trim(a.headers["ETag"], `"`), 10, 64)
			if err != nil {
				t.Fatalf("call %d: ETag %q", i, a.headers["ETag"])
			}
			answered[v] = true
		case http.StatusConflict, http.StatusPreconditionFailed:
		default:
			t.Fatalf("call %d (%s %v): status %d %s", i, calls[i].route, calls[i].params, a.status, a.raw)
		}
	}
	for v := int64(2); v <= final.Version; v++ {
		if !answered[v] {
			t.Fatalf("version %d was written but no caller was told (answers %v)", v, answered)
		}
	}

	hist, err := stores[1].History(ctx, o.ID, order.PageRequest{Limit: order.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	pay, ful, held := "AWAITING_PAYMENT", "AWAITING_PROCESSING", "false"
	for i, c := range hist.Items {
		var cur *string
		switch c.Field {
		case order.FieldPaymentStatus:
			cur = &pay
		case order.FieldFulfilmentStatus:
			cur = &ful
		case order.FieldOnHold:
			cur = &held
		default:
			continue
		}
		if c.From != *cur {
			t.Fatalf("history row %d (%s %s: %s → %s) does not start where the order was (%s): a lost update", i, c.Action, c.Field, c.From, c.To, *cur)
		}
		*cur = c.To
	}
	if pay != final.Payment.String() || ful != final.Fulfilment.String() || held != strconv.FormatBool(final.OnHold) {
		t.Fatalf("history replays to %s/%s hold %s, the order is %s/%s hold %v", pay, ful, held, final.Payment, final.Fulfilment, final.OnHold)
	}
	if final.Version > 1 && len(hist.Items) < int(final.Version-1) {
		t.Fatalf("%d writes but %d history rows", final.Version-1, len(hist.Items))
	}
	t.Logf("final %s/%s hold %v at version %d after %d applied writes, %d history rows", final.Payment, final.Fulfilment, final.OnHold, final.Version, final.Version-1, len(hist.Items))
}
