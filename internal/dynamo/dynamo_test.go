package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/samtemplate"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

// newTable returns a client for DynamoDB Local and a fresh table with the
// template's OrdersTable schema, named after the test and deleted at its
// end. The test fails, never skips, when DynamoDB Local does not answer.
//
// It does what localawstest.NewTable does, but checks only DynamoDB: these
// tests do not need moto, and must not fail when only moto is down.
func newTable(t testing.TB, mw ...func(*middleware.Stack) error) (*dynamodb.Client, string) {
	t.Helper()
	cfg, err := localaws.Config(t.Context())
	if err != nil {
		t.Fatalf("local AWS config: %v", err)
	}
	db := newClient(cfg, mw...)
	admin := newClient(cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if _, err := admin.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)}); err != nil {
		t.Fatalf("DynamoDB Local is unreachable: %v\nstart the local stack with `make stack-up`", err)
	}
	tpl := localawstest.Template(t)
	res, ok := tpl.Resources[localawstest.OrdersTableID]
	if !ok {
		t.Fatalf("template.yaml has no %s", localawstest.OrdersTableID)
	}
	props, err := tpl.Resolve(res.Properties, &samtemplate.Context{
		Params: map[string]string{"Stage": localaws.Stage}, Region: localaws.Region,
		AccountID: localaws.AccountID, StackName: localaws.StackName,
	})
	if err != nil {
		t.Fatalf("resolve %s: %v", localawstest.OrdersTableID, err)
	}
	table := localawstest.UniqueName(t, 255)
	if _, _, err := localaws.EnsureTable(t.Context(), admin, table, props.(map[string]any)); err != nil {
		t.Fatalf("create test table: %v", err)
	}
	t.Cleanup(func() {
		// The test's context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			t.Errorf("delete test table %s: %v", table, err)
		}
	})
	return db, table
}

// newClient builds a DynamoDB client with the local options and extra
// middleware (request counters, capacity meters).
func newClient(cfg aws.Config, mw ...func(*middleware.Stack) error) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, mw...)
	})
}

// factory gives each contract test its own table; peers are other Store
// instances (other warm Lambdas) over the same table, each with its own
// cached counter.
func factory(t *testing.T, clock *storetest.Clock) storetest.Stores {
	db, table := newTable(t)
	s := dynamo.New(db, table, dynamo.WithClock(clock.Now))
	return storetest.Stores{
		Orders: s, Idempotency: s.Idempotency(), Customers: s.Customers(), Settings: s.Settings(),
		Rates: s.Rates(), Stock: s.Stock(), Carts: s.Carts(), Pending: s, Outbox: s,
		Peer: func() order.OrderStore { return dynamo.New(db, table, dynamo.WithClock(clock.Now)) },
	}
}

// TestContract runs the storage contract against DynamoDB Local.
func TestContract(t *testing.T) { storetest.RunAll(t, factory) }
